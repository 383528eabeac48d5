// GitHub's GraphQL endpoint, reduced to the one mutation the suite uses:
// enablePullRequestAutoMerge. A small parser checks the document against the fields GitHub's
// schema has for that mutation, so a query GitHub would reject is rejected here too.
import { GraphqlError } from './store.js';
import type { Store } from './store.js';
import type { Identity, PullState } from './types.js';

// ---- parsing --------------------------------------------------------------------------------

type Value =
  | { kind: 'variable'; name: string }
  | { kind: 'enum'; value: string }
  | { kind: 'literal'; value: unknown }
  | { kind: 'list'; values: Value[] }
  | { kind: 'object'; fields: Record<string, Value> };

interface Field {
  alias: string;
  name: string;
  args: Record<string, Value>;
  selections: Field[] | undefined;
  line: number;
  column: number;
}

interface Operation {
  type: 'query' | 'mutation' | 'subscription';
  variables: { name: string; type: string; defaultValue?: Value }[];
  selections: Field[];
}

interface Token {
  kind: 'punct' | 'name' | 'string' | 'number';
  value: string;
  line: number;
  column: number;
}

export class GraphqlSyntaxError extends Error {}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  while (i < source.length) {
    const ch = source[i] ?? '';
    const column = i - lineStart + 1;
    if (ch === '\n') {
      line++;
      i++;
      lineStart = i;
    } else if (/[\s,\uFEFF]/.test(ch)) {
      i++;
    } else if (ch === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (source.startsWith('...', i)) {
      tokens.push({ kind: 'punct', value: '...', line, column });
      i += 3;
    } else if ('!$()[]{}:=@|&'.includes(ch)) {
      tokens.push({ kind: 'punct', value: ch, line, column });
      i++;
    } else if (/[_A-Za-z]/.test(ch)) {
      const match = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(i))?.[0] ?? ch;
      tokens.push({ kind: 'name', value: match, line, column });
      i += match.length;
    } else if (/[-0-9]/.test(ch)) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i))?.[0];
      if (!match) throw new GraphqlSyntaxError(`Parse error on "${ch}" (${line}:${column})`);
      tokens.push({ kind: 'number', value: match, line, column });
      i += match.length;
    } else if (source.startsWith('"""', i)) {
      const end = source.indexOf('"""', i + 3);
      if (end < 0) throw new GraphqlSyntaxError('Unterminated string');
      tokens.push({ kind: 'string', value: source.slice(i + 3, end), line, column });
      i = end + 3;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) throw new GraphqlSyntaxError('Unterminated string');
      tokens.push({ kind: 'string', value: JSON.parse(source.slice(i, j + 1)) as string, line, column });
      i = j + 1;
    } else {
      throw new GraphqlSyntaxError(`Parse error on "${ch}" (${line}:${column})`);
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private next(): Token {
    const token = this.tokens[this.pos++];
    if (!token) throw new GraphqlSyntaxError('Parse error: unexpected end of document');
    return token;
  }

  private is(value: string): boolean {
    const token = this.peek();
    return token !== undefined && token.kind === 'punct' && token.value === value;
  }

  private expect(value: string): Token {
    const token = this.next();
    if (token.value !== value || token.kind === 'string') {
      throw new GraphqlSyntaxError(
        `Parse error on "${token.value}" (${token.line}:${token.column}), expected "${value}"`,
      );
    }
    return token;
  }

  private name(): string {
    const token = this.next();
    if (token.kind !== 'name')
      throw new GraphqlSyntaxError(
        `Parse error on "${token.value}" (${token.line}:${token.column}), expected a name`,
      );
    return token.value;
  }

  document(): Operation[] {
    const operations: Operation[] = [];
    while (this.peek()) {
      if (this.is('{')) {
        operations.push({ type: 'query', variables: [], selections: this.selectionSet() });
        continue;
      }
      const keyword = this.name();
      if (keyword === 'fragment') throw new GraphqlSyntaxError('fragments are not supported by the stand-in');
      if (keyword !== 'query' && keyword !== 'mutation' && keyword !== 'subscription') {
        throw new GraphqlSyntaxError(`Parse error on "${keyword}"`);
      }
      if (this.peek()?.kind === 'name') this.name();
      const variables: Operation['variables'] = [];
      if (this.is('(')) {
        this.expect('(');
        while (!this.is(')')) {
          this.expect('$');
          const name = this.name();
          this.expect(':');
          const type = this.type();
          const defaultValue = this.is('=') ? (this.expect('='), this.value()) : undefined;
          variables.push({ name, type, ...(defaultValue ? { defaultValue } : {}) });
        }
        this.expect(')');
      }
      this.directives();
      operations.push({ type: keyword, variables, selections: this.selectionSet() });
    }
    return operations;
  }

  private type(): string {
    let text: string;
    if (this.is('[')) {
      this.expect('[');
      text = `[${this.type()}]`;
      this.expect(']');
    } else {
      text = this.name();
    }
    if (this.is('!')) {
      this.expect('!');
      text += '!';
    }
    return text;
  }

  private directives(): void {
    if (this.is('@')) throw new GraphqlSyntaxError('directives are not supported by the stand-in');
  }

  private selectionSet(): Field[] {
    this.expect('{');
    const fields: Field[] = [];
    while (!this.is('}')) {
      if (this.is('...')) throw new GraphqlSyntaxError('fragment spreads are not supported by the stand-in');
      const start = this.peek();
      const alias = this.name();
      let name = alias;
      if (this.is(':')) {
        this.expect(':');
        name = this.name();
      }
      const args: Record<string, Value> = {};
      if (this.is('(')) {
        this.expect('(');
        while (!this.is(')')) {
          const arg = this.name();
          this.expect(':');
          args[arg] = this.value();
        }
        this.expect(')');
      }
      this.directives();
      const selections = this.is('{') ? this.selectionSet() : undefined;
      fields.push({ alias, name, args, selections, line: start?.line ?? 1, column: start?.column ?? 1 });
    }
    this.expect('}');
    return fields;
  }

  private value(): Value {
    const token = this.next();
    if (token.kind === 'punct' && token.value === '$') return { kind: 'variable', name: this.name() };
    if (token.kind === 'string') return { kind: 'literal', value: token.value };
    if (token.kind === 'number') return { kind: 'literal', value: Number(token.value) };
    if (token.kind === 'name') {
      if (token.value === 'true' || token.value === 'false')
        return { kind: 'literal', value: token.value === 'true' };
      if (token.value === 'null') return { kind: 'literal', value: null };
      return { kind: 'enum', value: token.value };
    }
    if (token.value === '[') {
      const values: Value[] = [];
      while (!this.is(']')) values.push(this.value());
      this.expect(']');
      return { kind: 'list', values };
    }
    if (token.value === '{') {
      const fields: Record<string, Value> = {};
      while (!this.is('}')) {
        const key = this.name();
        this.expect(':');
        fields[key] = this.value();
      }
      this.expect('}');
      return { kind: 'object', fields };
    }
    throw new GraphqlSyntaxError(`Parse error on "${token.value}" (${token.line}:${token.column})`);
  }
}

// ---- the slice of GitHub's schema the stand-in serves ----------------------------------------

/** Field name -> type name; a type in TYPES is an object type, anything else a scalar or enum. */
const TYPES: Record<string, Record<string, string>> = {
  Mutation: { enablePullRequestAutoMerge: 'EnablePullRequestAutoMergePayload' },
  EnablePullRequestAutoMergePayload: {
    actor: 'Actor',
    clientMutationId: 'String',
    pullRequest: 'PullRequest',
  },
  Actor: { login: 'String', avatarUrl: 'URI', resourcePath: 'URI', url: 'URI' },
  PullRequest: {
    id: 'ID',
    number: 'Int',
    title: 'String',
    body: 'String',
    url: 'URI',
    permalink: 'URI',
    state: 'PullRequestState',
    closed: 'Boolean',
    merged: 'Boolean',
    mergedAt: 'DateTime',
    isDraft: 'Boolean',
    mergeable: 'MergeableState',
    mergeStateStatus: 'MergeStateStatus',
    headRefName: 'String',
    headRefOid: 'GitObjectID',
    baseRefName: 'String',
    baseRefOid: 'GitObjectID',
    autoMergeRequest: 'AutoMergeRequest',
    viewerCanEnableAutoMerge: 'Boolean',
    createdAt: 'DateTime',
    updatedAt: 'DateTime',
  },
  AutoMergeRequest: {
    enabledAt: 'DateTime',
    enabledBy: 'Actor',
    mergeMethod: 'PullRequestMergeMethod',
    commitHeadline: 'String',
    commitBody: 'String',
    authorEmail: 'String',
    pullRequest: 'PullRequest',
  },
};

const INPUT_FIELDS = [
  'pullRequestId',
  'mergeMethod',
  'commitHeadline',
  'commitBody',
  'authorEmail',
  'clientMutationId',
  'expectedHeadOid',
];
const MERGE_METHODS = ['MERGE', 'SQUASH', 'REBASE'];

interface GraphqlErrorJson {
  message: string;
  type?: string;
  path?: string[];
  locations?: { line: number; column: number }[];
  extensions?: Record<string, unknown>;
}

function validateSelections(typeName: string, fields: Field[], errors: GraphqlErrorJson[]): void {
  const type = TYPES[typeName] ?? {};
  for (const field of fields) {
    const location = [{ line: field.line, column: field.column }];
    if (field.name === '__typename') continue;
    const fieldType = type[field.name];
    if (!fieldType) {
      errors.push({
        message: `Field '${field.name}' doesn't exist on type '${typeName}'`,
        locations: location,
        extensions: { code: 'undefinedField', typeName, fieldName: field.name },
      });
      continue;
    }
    if (TYPES[fieldType]) {
      if (!field.selections)
        errors.push({
          message: `Field must have selections (field '${field.name}' returns ${fieldType} but has no selections. Did you mean '${field.name} { ... }'?)`,
          locations: location,
        });
      else validateSelections(fieldType, field.selections, errors);
    } else if (field.selections) {
      errors.push({
        message: `Selections can't be made on scalars (field '${field.name}' returns ${fieldType} but has selections [${field.selections.map((s) => s.name).join(', ')}])`,
        locations: location,
      });
    }
  }
}

function resolveValue(value: Value, variables: Record<string, unknown>): unknown {
  switch (value.kind) {
    case 'variable':
      return variables[value.name];
    case 'enum':
      return value.value;
    case 'literal':
      return value.value;
    case 'list':
      return value.values.map((v) => resolveValue(v, variables));
    case 'object':
      return Object.fromEntries(
        Object.entries(value.fields).map(([k, v]) => [k, resolveValue(v, variables)]),
      );
  }
}

function usedVariables(value: Value, into: Set<string>): void {
  if (value.kind === 'variable') into.add(value.name);
  if (value.kind === 'list') value.values.forEach((v) => usedVariables(v, into));
  if (value.kind === 'object') Object.values(value.fields).forEach((v) => usedVariables(v, into));
}

/** Plain data for each object type; the selection picks from it. */
function actorData(store: Store, who: Identity): Record<string, unknown> {
  const url =
    who.type === 'Bot'
      ? `${store.ctx.html}/apps/${who.login.replace(/\[bot\]$/, '')}`
      : `${store.ctx.html}/${who.login}`;
  return {
    __typename: who.type === 'Bot' ? 'Bot' : 'User',
    login: who.login,
    avatarUrl: `${store.ctx.api}/_avatars/u/${who.login}`,
    resourcePath: new URL(url).pathname,
    url,
  };
}

function pullData(store: Store, pr: PullState): Record<string, unknown> {
  const url = `${store.ctx.html}/${store.ctx.owner}/${store.ctx.repo}/pull/${pr.number}`;
  const auto = pr.autoMerge;
  const data: Record<string, unknown> = {
    __typename: 'PullRequest',
    id: pr.nodeId,
    number: pr.number,
    title: pr.title,
    body: pr.body ?? '',
    url,
    permalink: url,
    state: pr.merged ? 'MERGED' : pr.state === 'open' ? 'OPEN' : 'CLOSED',
    closed: pr.state === 'closed',
    merged: pr.merged,
    mergedAt: pr.mergedAt,
    isDraft: pr.draft,
    mergeable: pr.mergeable === null ? 'UNKNOWN' : pr.mergeable ? 'MERGEABLE' : 'CONFLICTING',
    mergeStateStatus: pr.mergeableState.toUpperCase(),
    headRefName: pr.head.ref,
    headRefOid: pr.head.sha,
    baseRefName: pr.base.ref,
    baseRefOid: pr.base.sha,
    viewerCanEnableAutoMerge: store.ctx.allowAutoMerge && pr.state === 'open' && !auto,
    createdAt: pr.createdAt,
    updatedAt: pr.updatedAt,
    autoMergeRequest: null,
  };
  if (auto) {
    data['autoMergeRequest'] = {
      __typename: 'AutoMergeRequest',
      enabledAt: auto.enabledAt,
      enabledBy: actorData(store, auto.enabledBy),
      mergeMethod: auto.mergeMethod.toUpperCase(),
      commitHeadline: auto.commitTitle,
      commitBody: auto.commitMessage,
      authorEmail: null,
      pullRequest: data,
    };
  }
  return data;
}

function select(data: unknown, fields: Field[]): unknown {
  if (data === null || data === undefined) return null;
  const source = data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = source[field.name];
    out[field.alias] = field.selections ? select(value, field.selections) : (value ?? null);
  }
  return out;
}

export interface GraphqlOutcome {
  body: Record<string, unknown>;
  /** Set when the request is something the stand-in (and the suite) should not send. */
  violation?: string;
}

/** Handles one POST /graphql body for an authenticated identity. */
export async function handleGraphql(
  store: Store,
  identity: Identity,
  request: unknown,
): Promise<GraphqlOutcome> {
  const body = typeof request === 'object' && request !== null ? (request as Record<string, unknown>) : {};
  const query = body['query'];
  const variables = (
    typeof body['variables'] === 'object' && body['variables'] !== null ? body['variables'] : {}
  ) as Record<string, unknown>;
  if (typeof query !== 'string') {
    return {
      body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
      violation: 'graphql: request without a query string',
    };
  }
  let operations: Operation[];
  try {
    operations = new Parser(tokenize(query)).document();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { body: { errors: [{ message }] }, violation: `graphql: ${message}` };
  }
  const operation = operations[0];
  if (
    operations.length !== 1 ||
    !operation ||
    operation.type !== 'mutation' ||
    operation.selections.some((f) => f.name !== 'enablePullRequestAutoMerge')
  ) {
    const names = operations.flatMap((o) => o.selections.map((f) => `${o.type} ${f.name}`)).join(', ');
    return {
      body: {
        errors: [
          {
            message: `The stand-in implements only mutation enablePullRequestAutoMerge (got ${names || 'nothing'})`,
          },
        ],
      },
      violation: `graphql: not implemented in stand-in: ${names || 'empty document'}`,
    };
  }

  const errors: GraphqlErrorJson[] = [];
  validateSelections('Mutation', operation.selections, errors);
  const declared = new Map(operation.variables.map((v) => [v.name, v]));
  const used = new Set<string>();
  for (const field of operation.selections) {
    for (const value of Object.values(field.args)) usedVariables(value, used);
    const unknownArgs = Object.keys(field.args).filter((a) => a !== 'input');
    for (const arg of unknownArgs)
      errors.push({ message: `Field '${field.name}' doesn't accept argument '${arg}'` });
    if (!field.args['input'])
      errors.push({ message: `Field '${field.name}' is missing required arguments: input` });
  }
  for (const name of used)
    if (!declared.has(name))
      errors.push({ message: `Variable $${name} is used by anonymous mutation but not declared` });
  for (const v of declared.values()) {
    if (!used.has(v.name))
      errors.push({ message: `Variable $${v.name} is declared by anonymous mutation but not used` });
    if (v.type.endsWith('!') && variables[v.name] === undefined && !v.defaultValue) {
      errors.push({
        message: `Variable $${v.name} of type ${v.type} was provided invalid value`,
        extensions: { value: null, problems: [{ path: [], explanation: 'Expected value to not be null' }] },
      });
    }
  }
  const resolvedVariables = { ...variables };
  for (const v of declared.values()) {
    if (resolvedVariables[v.name] === undefined && v.defaultValue)
      resolvedVariables[v.name] = resolveValue(v.defaultValue, {});
  }
  const inputs = operation.selections.map((field) => {
    const input = field.args['input'] ? resolveValue(field.args['input'], resolvedVariables) : undefined;
    const record = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!INPUT_FIELDS.includes(key))
        errors.push({
          message: `InputObject 'EnablePullRequestAutoMergeInput' doesn't accept argument '${key}'`,
        });
    }
    if (typeof record['pullRequestId'] !== 'string')
      errors.push({
        message:
          "Argument 'pullRequestId' on InputObject 'EnablePullRequestAutoMergeInput' is required. Expected type ID!",
      });
    const method = record['mergeMethod'];
    if (method !== undefined && method !== null && !MERGE_METHODS.includes(String(method))) {
      errors.push({
        message: `Argument 'mergeMethod' on InputObject 'EnablePullRequestAutoMergeInput' has an invalid value (${JSON.stringify(method)}). Expected type 'PullRequestMergeMethod'.`,
      });
    }
    return record;
  });
  if (errors.length > 0) {
    // GitHub validates the whole document before running anything and answers errors only.
    return { body: { errors }, violation: `graphql: ${errors.map((e) => e.message).join('; ')}` };
  }

  const data: Record<string, unknown> = {};
  const runtimeErrors: GraphqlErrorJson[] = [];
  for (const [index, field] of operation.selections.entries()) {
    const input = inputs[index] ?? {};
    try {
      const pr = await store.enableAutoMerge(identity, String(input['pullRequestId']), {
        ...(typeof input['mergeMethod'] === 'string' ? { mergeMethod: input['mergeMethod'] } : {}),
        ...(typeof input['commitHeadline'] === 'string' ? { commitHeadline: input['commitHeadline'] } : {}),
        ...(typeof input['commitBody'] === 'string' ? { commitBody: input['commitBody'] } : {}),
      });
      const payload = {
        __typename: 'EnablePullRequestAutoMergePayload',
        actor: actorData(store, identity),
        clientMutationId: input['clientMutationId'] ?? null,
        pullRequest: pullData(store, pr),
      };
      data[field.alias] = select(payload, field.selections ?? []);
    } catch (error) {
      if (!(error instanceof GraphqlError)) throw error;
      data[field.alias] = null;
      runtimeErrors.push({
        type: error.type,
        path: [field.alias],
        locations: [{ line: field.line, column: field.column }],
        message: error.message,
      });
    }
  }
  return { body: runtimeErrors.length > 0 ? { data, errors: runtimeErrors } : { data } };
}
