// GitHub's own OpenAPI description (Enterprise Cloud flavour, the superset of api.github.com):
// route lookup, request validation and response validation for the stand-in. Loaded once per
// process, lazily, because the file is 14 MB; compiled validators are cached per schema.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS; depending on the loader the default import is the plugin or its module.
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ??
  formatsModule) as unknown as FormatsPlugin;

const SPEC_KEY = 'ghec';
/** Trailing path parameters whose values GitHub allows to contain unescaped slashes. */
const SLASHED_PARAMS = new Set(['ref', 'path', 'basehead', 'branch', 'dir', 'tag']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonObject;
}

export interface SpecOperation {
  method: string;
  template: string;
  operationId: string;
  /** JSON pointer of the operation in the spec, for error messages. */
  parameters: SpecParameter[];
  requestBody?: { required: boolean; schema: JsonObject | undefined };
  responses: Record<string, JsonObject | null>;
  documentationUrl: string;
}

export interface RouteMatch {
  operation: SpecOperation;
  pathParams: Record<string, string>;
}

interface CompiledRoute {
  operation: SpecOperation;
  segments: (string | { param: string })[];
  literals: number;
}

interface LoadedSpec {
  ajv: Ajv;
  raw: JsonObject;
  routes: Map<string, CompiledRoute[]>;
}

let loaded: LoadedSpec | undefined;
const validatorCache = new Map<string, ValidateFunction>();

function specPath(): string {
  const require = createRequire(import.meta.url);
  // The package has no "exports" map, so the generated file resolves directly.
  return require.resolve('@octokit/openapi/generated/ghec.json');
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Ajv speaks JSON Schema, the spec speaks OpenAPI 3.0. Ajv understands `nullable` only next to
 * `type`; GitHub also puts it next to allOf/oneOf/anyOf and enums, so rewrite those forms into
 * their JSON Schema equivalents once, in place.
 */
function normaliseNullable(node: Json): void {
  if (Array.isArray(node)) {
    for (const item of node) normaliseNullable(item);
    return;
  }
  if (!isObject(node)) return;
  for (const value of Object.values(node)) normaliseNullable(value);
  if (node['nullable'] === false) {
    delete node['nullable'];
    return;
  }
  if (node['nullable'] !== true) return;
  const enumValues = node['enum'];
  if (Array.isArray(enumValues) && !enumValues.includes(null)) enumValues.push(null);
  if (node['type'] !== undefined) return;
  delete node['nullable'];
  const composite: JsonObject = {};
  for (const key of ['allOf', 'oneOf', 'anyOf', '$ref']) {
    if (node[key] !== undefined) {
      composite[key] = node[key] as Json;
      delete node[key];
    }
  }
  if (Object.keys(composite).length > 0) node['anyOf'] = [{ type: 'null' }, composite];
}

/** Local `#/...` references become `ghec#/...` so a fragment compiles against the added spec. */
function rebase(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? `${SPEC_KEY}${value}`
        : rebase(value);
  }
  return out;
}

function resolveRef(raw: JsonObject, node: Json): Json {
  let current = node;
  for (let i = 0; i < 20 && isObject(current) && typeof current['$ref'] === 'string'; i++) {
    const pointer = (current['$ref'] as string).replace(/^#\//, '').split('/');
    let target: Json = raw;
    for (const part of pointer) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) ? (target[key] as Json) : null;
    }
    current = target;
  }
  return current;
}

function buildOperation(
  raw: JsonObject,
  template: string,
  method: string,
  op: JsonObject,
  shared: Json[],
): SpecOperation {
  const params = new Map<string, SpecParameter>();
  for (const entry of [...shared, ...((op['parameters'] as Json[] | undefined) ?? [])]) {
    const p = resolveRef(raw, entry);
    if (!isObject(p)) continue;
    const where = p['in'] as SpecParameter['in'];
    params.set(`${where}:${String(p['name'])}`, {
      name: String(p['name']),
      in: where,
      required: p['required'] === true,
      schema: (isObject(p['schema']) ? rebase(p['schema']) : {}) as JsonObject,
    });
  }
  let requestBody: SpecOperation['requestBody'];
  const body = resolveRef(raw, op['requestBody'] ?? null);
  if (isObject(body)) {
    const content = isObject(body['content']) ? body['content'] : {};
    const json = (content['application/json'] ?? Object.values(content)[0]) as Json;
    const schema =
      isObject(json) && isObject(json['schema']) ? (rebase(json['schema']) as JsonObject) : undefined;
    requestBody = { required: body['required'] === true, schema };
  }
  const responses: Record<string, JsonObject | null> = {};
  for (const [status, response] of Object.entries(isObject(op['responses']) ? op['responses'] : {})) {
    const resolved = resolveRef(raw, response);
    const content = isObject(resolved) && isObject(resolved['content']) ? resolved['content'] : undefined;
    const json = content ? ((content['application/json'] ?? Object.values(content)[0]) as Json) : undefined;
    responses[status] =
      isObject(json) && isObject(json['schema']) ? (rebase(json['schema']) as JsonObject) : null;
  }
  const docs = isObject(op['externalDocs'])
    ? String(op['externalDocs']['url'])
    : 'https://docs.github.com/rest';
  return {
    method: method.toUpperCase(),
    template,
    operationId: String(op['operationId']),
    parameters: [...params.values()],
    ...(requestBody ? { requestBody } : {}),
    responses,
    documentationUrl: docs.replace('/enterprise-cloud@latest', ''),
  };
}

function load(): LoadedSpec {
  if (loaded) return loaded;
  const raw = JSON.parse(readFileSync(specPath(), 'utf8')) as JsonObject;
  normaliseNullable(raw['components'] as Json);
  normaliseNullable(raw['paths'] as Json);
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    verbose: true,
    validateSchema: false,
    logger: false,
  });
  addFormats(ajv);
  // Formats the spec uses that ajv-formats does not know.
  ajv.addFormat('repo.nwo', /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/);
  ajv.addFormat('timestamp', true);
  ajv.addSchema(raw as object, SPEC_KEY);

  const routes = new Map<string, CompiledRoute[]>();
  for (const [template, item] of Object.entries(raw['paths'] as JsonObject)) {
    if (!isObject(item)) continue;
    const shared = (item['parameters'] as Json[] | undefined) ?? [];
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const segments = template
        .split('/')
        .slice(1)
        .map((s) => (/^\{[^}]+\}$/.test(s) ? { param: s.slice(1, -1) } : s));
      const compiled: CompiledRoute = {
        operation: buildOperation(raw, template, method, op, shared),
        segments,
        literals: segments.filter((s) => typeof s === 'string').length,
      };
      const list = routes.get(method.toUpperCase()) ?? [];
      list.push(compiled);
      routes.set(method.toUpperCase(), list);
    }
  }
  // Literal segments win over parameters (`/pulls/comments` before `/pulls/{pull_number}`).
  for (const list of routes.values()) list.sort((a, b) => b.literals - a.literals);
  loaded = { ajv, raw, routes };
  return loaded;
}

/** Finds the operation for a method and a raw (still percent-encoded) path. */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  const { routes } = load();
  const parts = rawPath.replace(/\/+$/, '').split('/').slice(1);
  const candidates = routes.get(method.toUpperCase()) ?? [];
  for (const greedy of [false, true]) {
    for (const route of candidates) {
      const params = matchSegments(route.segments, parts, greedy);
      if (params) return { operation: route.operation, pathParams: params };
    }
  }
  return undefined;
}

function matchSegments(
  segments: CompiledRoute['segments'],
  parts: string[],
  greedy: boolean,
): Record<string, string> | undefined {
  // Greedy: a trailing ref-like parameter may hold slashes (`/git/ref/{ref}` with `heads/main`).
  if (greedy) {
    const last = segments[segments.length - 1];
    if (
      typeof last === 'string' ||
      last === undefined ||
      !SLASHED_PARAMS.has(last.param) ||
      parts.length <= segments.length
    )
      return undefined;
  } else if (parts.length !== segments.length) {
    return undefined;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const part = parts[i];
    if (segment === undefined || part === undefined) return undefined;
    if (typeof segment === 'string') {
      if (segment !== part) return undefined;
      continue;
    }
    const last = i === segments.length - 1;
    const value = greedy && last ? parts.slice(i).join('/') : part;
    if (value === '') return undefined;
    try {
      params[segment.param] = decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return params;
}

function validatorFor(key: string, schema: object): ValidateFunction {
  let validate = validatorCache.get(key);
  if (!validate) {
    validate = load().ajv.compile(schema);
    validatorCache.set(key, validate);
  }
  return validate;
}

function describe(errors: ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? [])
    .slice(0, 10)
    .map((e) =>
      `${where}${e.instancePath || ''} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${(e.params['allowedValues'] as unknown[]).join(', ')})` : ''}`.trim(),
    );
}

export interface ValidationProblem {
  /** Human-readable description recorded as a violation. */
  text: string;
  /** GitHub-style entry for a 422 `errors` array. */
  error: { resource: string; field?: string; code: string; message?: string };
}

/** Query strings carry text; turn it into what the parameter's schema describes before checking. */
function coerceQuery(value: string, schema: JsonObject): unknown {
  const resolved = resolveRef(
    load().raw,
    (schema['$ref'] ? { $ref: String(schema['$ref']).replace(SPEC_KEY, '') } : schema) as Json,
  );
  const type = isObject(resolved) ? resolved['type'] : undefined;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  if (type === 'array') return value.split(',');
  return value;
}

export function validateRequest(
  operation: SpecOperation,
  pathParams: Record<string, string>,
  query: URLSearchParams,
  body: unknown,
  hasBody: boolean,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const resource = operation.operationId.split('/')[0] ?? 'Request';
  for (const param of operation.parameters) {
    if (param.in !== 'path' && param.in !== 'query') continue;
    const raw = param.in === 'path' ? pathParams[param.name] : (query.get(param.name) ?? undefined);
    if (raw === undefined) {
      if (param.required) {
        problems.push({
          text: `${operation.operationId}: missing required ${param.in} parameter "${param.name}"`,
          error: { resource, field: param.name, code: 'missing_field' },
        });
      }
      continue;
    }
    const value = coerceQuery(raw, param.schema);
    const validate = validatorFor(
      `${operation.method} ${operation.template} ${param.in}:${param.name}`,
      param.schema,
    );
    if (!validate(value)) {
      for (const text of describe(validate.errors, `${param.in} parameter "${param.name}"`)) {
        problems.push({
          text: `${operation.operationId}: ${text} (got ${JSON.stringify(raw)})`,
          error: { resource, field: param.name, code: 'invalid' },
        });
      }
    }
  }
  const known = new Set(operation.parameters.filter((p) => p.in === 'query').map((p) => p.name));
  for (const name of new Set(query.keys())) {
    if (!known.has(name)) {
      // GitHub ignores unknown query parameters, so this is recorded but not refused.
      problems.push({
        text: `${operation.operationId}: unknown query parameter "${name}"`,
        error: { resource, field: name, code: 'unknown' },
      });
    }
  }
  const spec = operation.requestBody;
  if (!spec) {
    if (hasBody && operation.method !== 'GET' && operation.method !== 'DELETE') {
      problems.push({
        text: `${operation.operationId}: the operation takes no request body`,
        error: { resource, code: 'invalid' },
      });
    }
    return problems;
  }
  if (!hasBody) {
    if (spec.required) {
      problems.push({
        text: `${operation.operationId}: missing required request body`,
        error: { resource, code: 'missing' },
      });
    }
    return problems;
  }
  if (spec.schema) {
    const validate = validatorFor(`${operation.method} ${operation.template} body`, spec.schema);
    if (!validate(body)) {
      for (const e of (validate.errors ?? []).slice(0, 10)) {
        const missing =
          e.keyword === 'required'
            ? String((e.params as { missingProperty?: string }).missingProperty)
            : undefined;
        const field = missing ?? (e.instancePath.split('/')[1] || undefined);
        problems.push({
          text: `${operation.operationId}: body${e.instancePath} ${e.message ?? 'is invalid'}`,
          error: {
            resource,
            ...(field ? { field } : {}),
            code: missing ? 'missing_field' : 'invalid',
            ...(missing ? {} : { message: `${e.instancePath || 'body'} ${e.message ?? 'is invalid'}` }),
          },
        });
      }
    }
  }
  return problems;
}

/** Properties a body carries that the operation does not describe: GitHub ignores them silently. */
export function unknownBodyProperties(operation: SpecOperation, body: unknown): string[] {
  const schema = operation.requestBody?.schema;
  if (!schema || !isObject(body as Json) || !isObject(schema['properties'] as Json)) return [];
  const known = schema['properties'] as JsonObject;
  return Object.keys(body as object).filter((k) => !(k in known));
}

/** Returns problems with a response body, or a note when the status is not documented at all. */
export function validateResponse(operation: SpecOperation, status: number, body: unknown): string[] {
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in operation.responses);
  if (key === undefined) return [`${operation.operationId}: response status ${status} is not documented`];
  const schema = operation.responses[key] ?? null;
  if (!schema) return [];
  const validate = validatorFor(`${operation.method} ${operation.template} response ${status}`, schema);
  if (validate(body)) return [];
  return describe(
    knownDeviationsRemoved(validate.errors),
    `${operation.operationId}: response ${status} body`,
  );
}

/**
 * GitHub itself answers "" for unset URL fields the spec declares `format: uri` (a deployment
 * status's target_url, log_url, environment_url); the stand-in does the same, so that one
 * mismatch between GitHub and its description is not counted against a response.
 */
function knownDeviationsRemoved(errors: ErrorObject[] | null | undefined): ErrorObject[] {
  return (errors ?? []).filter(
    (e) => !(e.keyword === 'format' && e.params['format'] === 'uri' && e.data === ''),
  );
}

/** Validates any value against a component schema, e.g. `webhook-pull-request-closed`. */
export function validateComponent(name: string, value: unknown): string[] {
  const validate = validatorFor(`component ${name}`, { $ref: `${SPEC_KEY}#/components/schemas/${name}` });
  if (validate(value)) return [];
  return describe(knownDeviationsRemoved(validate.errors), name);
}

/** Warms the cache (parse and index the 14 MB file) so the first request is not slow. */
export function loadSpec(): void {
  load();
}
