// Server-side apply (PATCH with `application/apply-patch+yaml`), as
// https://kubernetes.io/docs/reference/using-api/server-side-apply/ describes it:
// - the applied configuration must fit the kind's schema exactly (an apply is always strict):
//   a field the schema does not declare is a 400;
// - the manager (`fieldManager`, required) comes to own exactly the fields it applied; a field it
//   owned before and left out is removed, unless another manager owns it too;
// - setting a field another manager owns to a different value is a 409 Conflict naming each
//   field and its manager, unless `force=true`, which takes the field over; the same value makes
//   both owners;
// - an apply that changes nothing writes nothing (same resourceVersion);
// - `dryRun=All` answers what would be stored and stores nothing;
// - a namespaced object needs its namespace to exist (404 otherwise);
// - a metadata.resourceVersion in the configuration must be the object's (409 otherwise).
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { addDefaults, checkObject } from './defaults.js';
import { groupVersion, RESOURCE_TYPES, type ResourceType } from './discovery.js';
import { ApiError, badRequest, notFound } from './errors.js';
import {
  describePath,
  fieldSet,
  isObject,
  merge,
  removePath,
  valueAt,
  type FieldPath,
  type FieldSet,
  type Obj,
} from './fields.js';
import { ref, resolve, type Schema } from './schemas.js';
import { metadataOf, renderManagedFields, type ManagerEntry, type ObjectStore } from './store.js';

export interface ApplyRequest {
  type: ResourceType;
  namespace?: string;
  name: string;
  body: unknown;
  manager: string | undefined;
  force: boolean;
  dryRun: boolean;
}

const OWNED_BY_NOBODY = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
];

/** Metadata the server sets; an applied configuration's values for them are not stored. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink'];

export function serverSideApply(
  store: ObjectStore,
  request: ApplyRequest,
): { object: Obj; created: boolean } {
  const { type, name } = request;
  const schema = ref(type.definition);
  if (!request.manager) throw badRequest('PATCH, application/apply-patch+yaml: fieldManager is required');
  const config = checkedConfig(request, schema);

  const namespace = type.namespaced ? request.namespace : undefined;
  if (namespace !== undefined && !store.get(namespaceType(), undefined, namespace))
    throw notFound('namespaces', namespace);
  const live = store.get(type, namespace, name);
  // A resourceVersion in the configuration is a precondition: the object must still be at it.
  const expected =
    isObject(request.body) && isObject(request.body['metadata'])
      ? request.body['metadata']['resourceVersion']
      : undefined;
  if (expected !== undefined && expected !== metadataOf(live ?? {})['resourceVersion'])
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${type.group ? `${type.plural}.${type.group}` : type.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, ...(type.group ? { group: type.group } : {}), kind: type.plural },
    );
  const managers = live ? store.managers(type, namespace, name) : [];
  const applied = fieldSet(config, schema);
  // The server never records these as owned (they identify the object, or the server sets them).
  for (const path of OWNED_BY_NOBODY) applied.delete(JSON.stringify(path));
  const isMine = (entry: ManagerEntry) => entry.manager === request.manager && entry.operation === 'Apply';

  // Conflicts: a field another manager owns, set here to another value.
  const conflicts: { path: FieldPath; entry: ManagerEntry }[] = [];
  for (const entry of managers.filter((e) => !isMine(e) && e.manager !== request.manager)) {
    for (const text of applied) {
      if (!entry.fields.has(text)) continue;
      const path = JSON.parse(text) as FieldPath;
      // An item of a list is there or not; what can differ are its fields, compared one by one.
      if (/^[kv]:/.test(path.at(-1) ?? '')) continue;
      if (!isDeepStrictEqual(valueAt(live, path, schema), valueAt(config, path, schema)))
        conflicts.push({ path, entry });
    }
  }
  if (conflicts.length > 0 && !request.force) throw conflictError(conflicts);
  for (const { path, entry } of conflicts) entry.fields.delete(JSON.stringify(path));

  // The new owners, then the object: the configuration over what was there, minus what only this
  // manager owned and no longer applies.
  const previous = managers.find(isMine)?.fields ?? new Set<string>();
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const entry: ManagerEntry = {
    manager: request.manager,
    operation: 'Apply',
    apiVersion: groupVersion(type),
    time: now,
    fields: applied,
  };
  const owners = managers.some(isMine) ? managers.map((e) => (isMine(e) ? entry : e)) : [...managers, entry];
  const owned: FieldSet = new Set(owners.flatMap((e) => [...e.fields]));
  const base = live ? structuredClone(live) : {};
  delete metadataOf(base)['managedFields'];
  const object = merge(base, config, schema) as Obj;
  for (const text of previous)
    if (!owned.has(text)) removePath(object, JSON.parse(text) as FieldPath, schema, owned);

  addDefaults(type, object);
  const metadata = metadataOf(object);
  metadata['name'] = name;
  if (namespace !== undefined) metadata['namespace'] = namespace;
  checkObject(type, object, live);
  if (live && isDeepStrictEqual(withoutManaged(object), withoutManaged(live)) && sameOwners(owners, managers))
    return { object: live, created: false };

  metadata['uid'] ??= randomUUID();
  metadata['creationTimestamp'] ??= now;
  if (type.kind === 'Deployment') {
    const generation = Number(metadata['generation'] ?? 0);
    metadata['generation'] =
      !live || !isDeepStrictEqual(object['spec'], live['spec']) ? generation + 1 : generation;
  }
  if (request.dryRun) {
    metadata['managedFields'] = renderManagedFields(owners);
    return { object, created: !live };
  }
  return { object: store.put(type, object, owners), created: !live };
}

const namespaceType = (): ResourceType => RESOURCE_TYPES.find((type) => type.kind === 'Namespace')!;

function withoutManaged(object: Obj): Obj {
  const copy = structuredClone(object);
  const metadata = metadataOf(copy);
  for (const key of ['managedFields', 'resourceVersion', 'generation']) delete metadata[key];
  return copy;
}

/** The same managers owning the same fields: an apply that changed nothing is not a write. */
function sameOwners(a: ManagerEntry[], b: ManagerEntry[]): boolean {
  const key = (entries: ManagerEntry[]) =>
    entries
      .filter((e) => e.fields.size > 0)
      .map((e) => `${e.manager}|${e.operation}|${e.subresource ?? ''}|${[...e.fields].sort().join(',')}`)
      .sort();
  return isDeepStrictEqual(key(a), key(b));
}

/** The configuration to apply: type, name and namespace checked against the URL, the schema strictly. */
function checkedConfig(request: ApplyRequest, schema: Schema): Obj {
  const { type, name } = request;
  const body = request.body;
  if (!isObject(body)) throw badRequest('the body of an apply request must be an object');
  if (body['apiVersion'] !== groupVersion(type) || body['kind'] !== type.kind)
    throw badRequest(
      `the API version in the data (${String(body['apiVersion'])}) does not match the expected API version (${groupVersion(type)})`,
    );
  const metadata = isObject(body['metadata']) ? body['metadata'] : {};
  if (metadata['name'] !== name)
    throw badRequest(
      `the name of the object (${String(metadata['name'])}) does not match the name on the URL (${name})`,
    );
  if (type.namespaced && metadata['namespace'] !== undefined && metadata['namespace'] !== request.namespace)
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (Array.isArray(metadata['managedFields']) && metadata['managedFields'].length > 0)
    throw badRequest('metadata.managedFields must be nil');
  const problems = undeclared(body, schema, '');
  if (problems.length > 0) {
    const gvk = `${type.group}/${type.version}, Kind=${type.kind}`;
    throw badRequest(`failed to create typed patch object (${gvk}): ${problems.join('\n')}`);
  }
  const config = structuredClone(body);
  delete config['status'];
  const configMetadata = metadataOf(config);
  for (const key of [...SERVER_METADATA, 'managedFields']) delete configMetadata[key];
  if (type.namespaced) configMetadata['namespace'] = request.namespace;
  return config;
}

/** What the schema does not allow: undeclared fields and values of the wrong type, each with its path. */
function undeclared(value: unknown, schema: Schema | undefined, path: string): string[] {
  const s = resolve(schema);
  if (!s || value === null || value === undefined) return [];
  if (s['x-kubernetes-preserve-unknown-fields']) return [];
  if (s['x-kubernetes-int-or-string'])
    return typeof value === 'string' || Number.isInteger(value)
      ? []
      : [`${path}: expected string or integer, got ${kindOf(value)}`];
  switch (s['type']) {
    case 'object': {
      if (!isObject(value)) return [`${path}: expected map, got ${kindOf(value)}`];
      const properties = s['properties'] as Record<string, Schema> | undefined;
      const additional = s['additionalProperties'] as Schema | undefined;
      return Object.entries(value).flatMap(([key, inner]) => {
        const child = properties?.[key] ?? additional;
        if (!child) return [`${path}.${key}: field not declared in schema`];
        return undeclared(inner, child, `${path}.${key}`);
      });
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected list, got ${kindOf(value)}`];
      return value.flatMap((item, index) => undeclared(item, s['items'] as Schema, `${path}[${index}]`));
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: expected string, got ${kindOf(value)}`];
    case 'integer':
      return Number.isInteger(value)
        ? []
        : [`${path}: expected numeric (int or float), got ${kindOf(value)}`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected boolean, got ${kindOf(value)}`];
    default:
      return [];
  }
}

const kindOf = (value: unknown): string =>
  Array.isArray(value)
    ? 'list'
    : isObject(value)
      ? 'map'
      : typeof value === 'number'
        ? 'numeric'
        : typeof value;

/** 409 as the API server words it, one cause per field; kubectl prints the message and how to resolve it. */
function conflictError(conflicts: { path: FieldPath; entry: ManagerEntry }[]): ApiError {
  const byManager = new Map<string, { entry: ManagerEntry; fields: string[] }>();
  for (const { path, entry } of conflicts) {
    const found = byManager.get(entry.manager) ?? { entry, fields: [] };
    found.fields.push(describePath(path));
    byManager.set(entry.manager, found);
  }
  const causes = conflicts.map(({ path, entry }) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with "${entry.manager}" using ${entry.apiVersion}`,
    field: describePath(path),
  }));
  const groups = [...byManager.values()];
  const message =
    groups.length === 1 && groups[0]!.fields.length === 1
      ? `Apply failed with 1 conflict: conflict with "${groups[0]!.entry.manager}" using ${groups[0]!.entry.apiVersion}: ${groups[0]!.fields[0]}`
      : `Apply failed with ${conflicts.length} conflicts: ${groups
          .map(
            ({ entry, fields }) =>
              `conflicts with "${entry.manager}" using ${entry.apiVersion}:\n${fields.map((f) => `- ${f}`).join('\n')}`,
          )
          .join('\n')}`;
  return new ApiError(409, 'Conflict', message, { causes });
}
