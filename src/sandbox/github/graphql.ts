// GitHub's GraphQL endpoint, reduced to what the suite uses: the mutation
// enablePullRequestAutoMerge, and a query of `repository` with its pull requests (and their
// reviewDecision) and deployments (and their statuses) for `npm run status`. A small parser checks
// the document against the fields and arguments GitHub's schema has for them, and the connection
// rules GitHub enforces (`first` or `last`, at most 100), so a query GitHub would reject is
// rejected here too.
import { GraphqlError } from './errors.js';
import type { Store } from './store.js';
import { nodeId } from './objects.js';
import type { DeploymentState, DeploymentStatusState, Identity, PullState } from './types.js';

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
  Query: { repository: 'Repository' },
  Mutation: { enablePullRequestAutoMerge: 'EnablePullRequestAutoMergePayload' },
  Repository: {
    id: 'ID',
    databaseId: 'Int',
    name: 'String',
    nameWithOwner: 'String',
    url: 'URI',
    defaultBranchRef: 'Ref',
    pullRequests: 'PullRequestConnection',
    deployments: 'DeploymentConnection',
  },
  Ref: { id: 'ID', name: 'String', prefix: 'String' },
  PageInfo: {
    hasNextPage: 'Boolean',
    hasPreviousPage: 'Boolean',
    startCursor: 'String',
    endCursor: 'String',
  },
  PullRequestConnection: { nodes: 'PullRequest', pageInfo: 'PageInfo', totalCount: 'Int' },
  DeploymentConnection: { nodes: 'Deployment', pageInfo: 'PageInfo', totalCount: 'Int' },
  DeploymentStatusConnection: { nodes: 'DeploymentStatus', pageInfo: 'PageInfo', totalCount: 'Int' },
  Deployment: {
    id: 'ID',
    databaseId: 'Int',
    commitOid: 'String',
    createdAt: 'DateTime',
    updatedAt: 'DateTime',
    creator: 'Actor',
    description: 'String',
    environment: 'String',
    latestEnvironment: 'String',
    originalEnvironment: 'String',
    latestStatus: 'DeploymentStatus',
    payload: 'String',
    state: 'DeploymentState',
    statuses: 'DeploymentStatusConnection',
    task: 'String',
  },
  DeploymentStatus: {
    id: 'ID',
    createdAt: 'DateTime',
    updatedAt: 'DateTime',
    creator: 'Actor',
    description: 'String',
    environment: 'String',
    environmentUrl: 'URI',
    logUrl: 'URI',
    state: 'DeploymentStatusState',
    deployment: 'Deployment',
  },
  EnablePullRequestAutoMergePayload: {
    actor: 'Actor',
    clientMutationId: 'String',
    pullRequest: 'PullRequest',
  },
  Actor: { login: 'String', avatarUrl: 'URI', resourcePath: 'URI', url: 'URI' },
  PullRequest: {
    id: 'ID',
    databaseId: 'Int',
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
    reviewDecision: 'PullRequestReviewDecision',
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

const PAGINATION = { first: 'Int', last: 'Int', after: 'String', before: 'String' };

/** `Type.field` -> its arguments (name -> type); a field not listed takes none. */
const ARGS: Record<string, Record<string, string>> = {
  'Query.repository': { owner: 'String!', name: 'String!', followRenames: 'Boolean' },
  'Mutation.enablePullRequestAutoMerge': { input: 'EnablePullRequestAutoMergeInput!' },
  'Repository.pullRequests': {
    ...PAGINATION,
    states: '[PullRequestState!]',
    labels: '[String!]',
    headRefName: 'String',
    baseRefName: 'String',
    orderBy: 'IssueOrder',
  },
  'Repository.deployments': { ...PAGINATION, environments: '[String!]', orderBy: 'DeploymentOrder' },
  'Deployment.statuses': PAGINATION,
};

/** GitHub's node limit per connection page. */
const MAX_PAGE = 100;

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

function validateSelections(
  typeName: string,
  fields: Field[],
  errors: GraphqlErrorJson[],
  variables: Record<string, unknown>,
): void {
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
    const accepted = ARGS[`${typeName}.${field.name}`] ?? {};
    for (const arg of Object.keys(field.args))
      if (!accepted[arg])
        errors.push({
          message: `Field '${field.name}' doesn't accept argument '${arg}'`,
          locations: location,
          extensions: { code: 'argumentNotAccepted', name: field.name, typeName: 'Field', argumentName: arg },
        });
    const missing = Object.entries(accepted)
      .filter(([arg, argType]) => argType.endsWith('!') && !field.args[arg])
      .map(([arg]) => arg);
    if (missing.length > 0)
      errors.push({
        message: `Field '${field.name}' is missing required arguments: ${missing.join(', ')}`,
        locations: location,
      });
    if (fieldType.endsWith('Connection')) {
      const first = field.args['first'] ? resolveValue(field.args['first'], variables) : undefined;
      const last = field.args['last'] ? resolveValue(field.args['last'], variables) : undefined;
      if (typeof first !== 'number' && typeof last !== 'number')
        errors.push({
          message: `You must provide a \`first\` or \`last\` value to properly paginate the \`${field.name}\` connection.`,
          locations: location,
          type: 'MISSING_PAGINATION_BOUNDARIES',
        });
      for (const [name, value] of [
        ['first', first],
        ['last', last],
      ] as const)
        if (typeof value === 'number' && (value < 0 || value > MAX_PAGE))
          errors.push({
            message: `Requesting ${value} records on the \`${field.name}\` connection exceeds the \`${name}\` limit of ${MAX_PAGE} records.`,
            locations: location,
            type: 'EXCESSIVE_PAGINATION',
          });
    }
    if (TYPES[fieldType]) {
      if (!field.selections)
        errors.push({
          message: `Field must have selections (field '${field.name}' returns ${fieldType} but has no selections. Did you mean '${field.name} { ... }'?)`,
          locations: location,
        });
      else validateSelections(fieldType, field.selections, errors, variables);
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
    databaseId: pr.id,
    // Needs the changed files, which a read of the pull request recomputes as REST does.
    reviewDecision: async () => {
      await store.refresh(pr);
      return store.reviewDecision(pr);
    },
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

function repositoryData(store: Store): Record<string, unknown> {
  const { ctx } = store;
  return {
    __typename: 'Repository',
    id: nodeId('R', ctx.repoId),
    databaseId: ctx.repoId,
    name: ctx.repo,
    nameWithOwner: `${ctx.owner}/${ctx.repo}`,
    url: `${ctx.html}/${ctx.owner}/${ctx.repo}`,
    defaultBranchRef: {
      __typename: 'Ref',
      id: nodeId('REF', ctx.repoId),
      name: ctx.defaultBranch,
      prefix: 'refs/heads/',
    },
    pullRequests: (args: Record<string, unknown>) => {
      const states = enumList(args['states'], 'PullRequestState', ['OPEN', 'CLOSED', 'MERGED']);
      const labels = args['labels'] as string[] | null | undefined;
      let list = store.pulls.filter(
        (pr) =>
          (!states || states.includes(pr.merged ? 'MERGED' : pr.state === 'open' ? 'OPEN' : 'CLOSED')) &&
          (args['headRefName'] == null || pr.head.ref === args['headRefName']) &&
          (args['baseRefName'] == null || pr.base.ref === args['baseRefName']) &&
          (!labels || labels.some((l) => pr.labels.includes(l))),
      );
      const order = orderOf(args['orderBy'], 'IssueOrder', ['CREATED_AT', 'UPDATED_AT', 'COMMENTS']);
      if (order?.field === 'UPDATED_AT')
        list = [...list].sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt));
      if (order?.direction === 'DESC') list = [...list].reverse();
      return connection(
        list,
        args,
        (pr) => pr.id,
        (pr) => pullData(store, pr),
      );
    },
    deployments: (args: Record<string, unknown>) => {
      const environments = args['environments'] as string[] | null | undefined;
      let list = store.deployments.filter((d) => !environments || environments.includes(d.environment));
      if (orderOf(args['orderBy'], 'DeploymentOrder', ['CREATED_AT'])?.direction === 'DESC')
        list = [...list].reverse();
      return connection(
        list,
        args,
        (d) => d.id,
        (d) => deploymentData(store, d),
      );
    },
  };
}

function deploymentData(store: Store, d: DeploymentState): Record<string, unknown> {
  const latest = d.statuses.at(-1);
  return {
    __typename: 'Deployment',
    id: d.nodeId,
    databaseId: d.id,
    commitOid: d.sha,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    creator: actorData(store, d.creator),
    description: d.description,
    environment: d.environment,
    latestEnvironment: d.environment,
    originalEnvironment: d.originalEnvironment,
    latestStatus: latest ? statusData(store, d, latest) : null,
    // GraphQL serves the payload as JSON text; REST as the object that was sent.
    payload: typeof d.payload === 'string' ? d.payload : JSON.stringify(d.payload),
    // The deployment's state follows its latest status; a live one is ACTIVE.
    state: !latest ? 'PENDING' : latest.state === 'success' ? 'ACTIVE' : latest.state.toUpperCase(),
    // Newest first, as REST lists them.
    statuses: (args: Record<string, unknown>) =>
      connection(
        [...d.statuses].reverse(),
        args,
        (st) => st.id,
        (st) => statusData(store, d, st),
      ),
    task: d.task,
  };
}

function statusData(store: Store, d: DeploymentState, st: DeploymentStatusState): Record<string, unknown> {
  return {
    __typename: 'DeploymentStatus',
    id: st.nodeId,
    createdAt: st.createdAt,
    updatedAt: st.updatedAt,
    creator: actorData(store, st.creator),
    description: st.description || null,
    environment: st.environment,
    environmentUrl: st.environmentUrl || null,
    logUrl: st.logUrl || null,
    state: st.state.toUpperCase(),
    deployment: () => deploymentData(store, d),
  };
}

/** A bad argument value, found while running the query: GitHub answers it as an error. */
class ArgumentError extends Error {}

function enumList(value: unknown, type: string, allowed: string[]): string[] | undefined {
  if (value === null || value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  for (const item of list)
    if (!allowed.includes(String(item)))
      throw new ArgumentError(
        `Argument 'states' on Field has an invalid value (${JSON.stringify(item)}). Expected type '[${type}!]'.`,
      );
  return list.map(String);
}

function orderOf(
  value: unknown,
  type: string,
  fields: string[],
): { field: string; direction: string } | undefined {
  if (value === null || value === undefined) return undefined;
  const order = value as Record<string, unknown>;
  if (!fields.includes(String(order['field'])) || !['ASC', 'DESC'].includes(String(order['direction'])))
    throw new ArgumentError(
      `Argument 'orderBy' on Field has an invalid value (${JSON.stringify(value)}). Expected type '${type}'.`,
    );
  return { field: String(order['field']), direction: String(order['direction']) };
}

/** Opaque to clients, like GitHub's; it names the item, so new items do not shift later pages. */
function encodeCursor(id: number): string {
  return Buffer.from(`cursor:v2:${id}`).toString('base64');
}

function connection<T>(
  items: T[],
  args: Record<string, unknown>,
  idOf: (item: T) => number,
  node: (item: T) => unknown,
): Record<string, unknown> {
  const indexOf = (cursor: unknown): number => {
    const match =
      typeof cursor === 'string' ? /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString()) : null;
    const index = match ? items.findIndex((item) => idOf(item) === Number(match[1])) : -1;
    if (index < 0) throw new ArgumentError(`\`${String(cursor)}\` does not appear to be a valid cursor.`);
    return index;
  };
  const start = args['after'] == null ? 0 : indexOf(args['after']) + 1;
  const end = args['before'] == null ? items.length : indexOf(args['before']);
  let from = start;
  let to = Math.max(start, end);
  if (typeof args['first'] === 'number') to = Math.min(to, from + args['first']);
  if (typeof args['last'] === 'number') from = Math.max(from, to - args['last']);
  const page = items.slice(from, to);
  return {
    __typename: 'Connection',
    totalCount: items.length,
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: to < end,
      hasPreviousPage: from > start,
      startCursor: page[0] ? encodeCursor(idOf(page[0])) : null,
      endCursor: page.at(-1) ? encodeCursor(idOf(page.at(-1)!)) : null,
    },
    nodes: page.map(node),
  };
}

function fieldArgs(field: Field, variables: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(field.args).map(([k, v]) => [k, resolveValue(v, variables)]));
}

/** Picks the selected fields; a function is a field that takes arguments (or needs work) to resolve. */
async function select(data: unknown, fields: Field[], variables: Record<string, unknown>): Promise<unknown> {
  if (data === null || data === undefined) return null;
  if (Array.isArray(data)) return Promise.all(data.map((item) => select(item, fields, variables)));
  const source = data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    let value = source[field.name];
    if (typeof value === 'function')
      value = await (value as (args: Record<string, unknown>) => unknown)(fieldArgs(field, variables));
    out[field.alias] = field.selections ? await select(value, field.selections, variables) : (value ?? null);
  }
  return out;
}

function collectVariables(fields: Field[], into: Set<string>): void {
  for (const field of fields) {
    for (const value of Object.values(field.args)) usedVariables(value, into);
    if (field.selections) collectVariables(field.selections, into);
  }
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
  const supported =
    operations.length === 1 &&
    operation !== undefined &&
    ((operation.type === 'mutation' &&
      operation.selections.every((f) => f.name === 'enablePullRequestAutoMerge')) ||
      (operation.type === 'query' && operation.selections.every((f) => f.name === 'repository')));
  if (!supported || !operation) {
    const names = operations.flatMap((o) => o.selections.map((f) => `${o.type} ${f.name}`)).join(', ');
    return {
      body: {
        errors: [
          {
            message: `The stand-in implements only mutation enablePullRequestAutoMerge and query repository (got ${names || 'nothing'})`,
          },
        ],
      },
      violation: `graphql: not implemented in stand-in: ${names || 'empty document'}`,
    };
  }

  const errors: GraphqlErrorJson[] = [];
  const declared = new Map(operation.variables.map((v) => [v.name, v]));
  const resolvedVariables = { ...variables };
  for (const v of declared.values()) {
    if (resolvedVariables[v.name] === undefined && v.defaultValue)
      resolvedVariables[v.name] = resolveValue(v.defaultValue, {});
  }
  validateSelections(
    operation.type === 'query' ? 'Query' : 'Mutation',
    operation.selections,
    errors,
    resolvedVariables,
  );
  const used = new Set<string>();
  collectVariables(operation.selections, used);
  for (const name of used)
    if (!declared.has(name))
      errors.push({ message: `Variable $${name} is used by anonymous ${operation.type} but not declared` });
  for (const v of declared.values()) {
    if (!used.has(v.name))
      errors.push({ message: `Variable $${v.name} is declared by anonymous ${operation.type} but not used` });
    if (v.type.endsWith('!') && variables[v.name] === undefined && !v.defaultValue) {
      errors.push({
        message: `Variable $${v.name} of type ${v.type} was provided invalid value`,
        extensions: { value: null, problems: [{ path: [], explanation: 'Expected value to not be null' }] },
      });
    }
  }
  if (operation.type === 'query') return runQuery(store, operation, errors, resolvedVariables);
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
      data[field.alias] = await select(payload, field.selections ?? [], resolvedVariables);
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

/** Runs a validated `query { repository(...) { ... } }`. */
async function runQuery(
  store: Store,
  operation: Operation,
  errors: GraphqlErrorJson[],
  variables: Record<string, unknown>,
): Promise<GraphqlOutcome> {
  if (errors.length > 0)
    return { body: { errors }, violation: `graphql: ${errors.map((e) => e.message).join('; ')}` };
  const data: Record<string, unknown> = {};
  const runtimeErrors: GraphqlErrorJson[] = [];
  try {
    for (const field of operation.selections) {
      const args = fieldArgs(field, variables);
      const { owner, repo } = store.ctx;
      if (
        String(args['owner']).toLowerCase() !== owner.toLowerCase() ||
        String(args['name']).toLowerCase() !== repo.toLowerCase()
      ) {
        data[field.alias] = null;
        runtimeErrors.push({
          type: 'NOT_FOUND',
          path: [field.alias],
          locations: [{ line: field.line, column: field.column }],
          message: `Could not resolve to a Repository with the name '${String(args['owner'])}/${String(args['name'])}'.`,
        });
        continue;
      }
      data[field.alias] = await select(repositoryData(store), field.selections ?? [], variables);
    }
  } catch (error) {
    if (!(error instanceof ArgumentError)) throw error;
    return { body: { errors: [{ message: error.message }] }, violation: `graphql: ${error.message}` };
  }
  return { body: runtimeErrors.length > 0 ? { data, errors: runtimeErrors } : { data } };
}
