// The objects of GitHub's GraphQL schema the stand-in serves, resolved over the store
// (https://docs.github.com/en/graphql/reference/objects): a repository with its pull requests and
// deployments, and the mutation enablePullRequestAutoMerge. A field of GitHub's schema that is not
// listed here is not modeled: isModeled says so before anything runs, so such a query gets an error
// instead of a null that would look like GitHub's data.
import { isAbstractType, isObjectType } from 'graphql';
import type { GraphQLCompositeType, GraphQLSchema } from 'graphql';
import { nodeId } from './objects.js';
import type { RepoContext } from './objects.js';
import { GraphqlError } from './errors.js';
import type { Store } from './store.js';
import { reaches } from './store-state.js';
import type { DeploymentState, DeploymentStatusState, Identity, PullState } from './types.js';

export interface Context {
  /**
   * The repository the operation is about: the first hosted one until `repository(...)` or a pull
   * request's node id names another (the suite's operations each touch one repository).
   */
  store: Store;
  identity: Identity;
  /** A hosted repository by owner and name. */
  find(owner: string, name: string): Store | undefined;
  /** The hosted repository holding the pull request with this node id. */
  findPull(nodeId: string): Store | undefined;
}

type Args = Record<string, unknown>;
type Fields<S> = Record<string, (source: S, args: Args, context: Context) => unknown>;

/**
 * Found while running, and answered with errors and no data: a bad cursor, which GitHub refuses so,
 * or an argument value the stand-in does not model.
 */
export class Refusal extends Error {}

/** Opaque to clients, like GitHub's; it names the item, so new items do not shift later pages. */
function encodeCursor(id: number): string {
  return Buffer.from(`cursor:v2:${id}`).toString('base64');
}

interface Page<T> {
  totalCount: number;
  nodes: T[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

/** One page of `items` as GitHub's connections cut it: after/before, then first/last. */
function paginate<T>(items: T[], args: Args, idOf: (item: T) => number): Page<T> {
  const indexOf = (cursor: unknown): number => {
    const match =
      typeof cursor === 'string' ? /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString()) : null;
    const index = match ? items.findIndex((item) => idOf(item) === Number(match[1])) : -1;
    if (index < 0) throw new Refusal(`\`${String(cursor)}\` does not appear to be a valid cursor.`);
    return index;
  };
  const start = args['after'] == null ? 0 : indexOf(args['after']) + 1;
  const end = args['before'] == null ? items.length : indexOf(args['before']);
  let from = start;
  let to = Math.max(start, end);
  if (typeof args['first'] === 'number') to = Math.min(to, from + args['first']);
  if (typeof args['last'] === 'number') from = Math.max(from, to - args['last']);
  const nodes = items.slice(from, to);
  const first = nodes[0];
  const last = nodes.at(-1);
  return {
    totalCount: items.length,
    nodes,
    pageInfo: {
      hasNextPage: to < end,
      hasPreviousPage: from > start,
      startCursor: first === undefined ? null : encodeCursor(idOf(first)),
      endCursor: last === undefined ? null : encodeCursor(idOf(last)),
    },
  };
}

function pullState(pr: PullState): string {
  return pr.merged ? 'MERGED' : pr.state === 'open' ? 'OPEN' : 'CLOSED';
}

function pullUrl(ctx: RepoContext, pr: PullState): string {
  return `${ctx.html}/${ctx.owner}/${ctx.repo}/pull/${pr.number}`;
}

function actorUrl(ctx: RepoContext, who: Identity): string {
  return who.type === 'Bot'
    ? `${ctx.html}/apps/${who.login.replace(/\[bot\]$/, '')}`
    : `${ctx.html}/${who.login}`;
}

/** A deployment status with its deployment, which DeploymentStatus.deployment answers. */
interface StatusSource {
  deployment: DeploymentState;
  status: DeploymentStatusState;
}

const query: Fields<undefined> = {
  // GitHub answers a repository the token cannot see as not found.
  repository: (_, args, context) => {
    const [wantOwner, wantName] = [String(args['owner']), String(args['name'])];
    const found = context.find(wantOwner, wantName);
    if (!found || !reaches(context.identity, wantOwner, wantName))
      throw new GraphqlError(
        'NOT_FOUND',
        `Could not resolve to a Repository with the name '${wantOwner}/${wantName}'.`,
      );
    context.store = found;
    return found;
  },
};

const mutation: Fields<undefined> = {
  enablePullRequestAutoMerge: async (_, args, context) => {
    const { identity } = context;
    const input = args['input'] as Record<string, string | null | undefined>;
    // A pull request of a repository the token cannot reach is a node it cannot resolve.
    const holder = context.findPull(String(input['pullRequestId']));
    if (holder && !reaches(identity, holder.ctx.owner, holder.ctx.repo))
      throw new GraphqlError(
        'NOT_FOUND',
        `Could not resolve to a node with the global id of '${String(input['pullRequestId'])}'`,
      );
    if (holder) context.store = holder;
    const pr = await context.store.enableAutoMerge(identity, String(input['pullRequestId']), {
      ...(input['mergeMethod'] ? { mergeMethod: input['mergeMethod'] } : {}),
      ...(input['commitHeadline'] != null ? { commitHeadline: input['commitHeadline'] } : {}),
      ...(input['commitBody'] != null ? { commitBody: input['commitBody'] } : {}),
    });
    return { actor: identity, clientMutationId: input['clientMutationId'] ?? null, pullRequest: pr };
  },
};

const payload: Fields<{ actor: Identity; clientMutationId: string | null; pullRequest: PullState }> = {
  actor: (p) => p.actor,
  clientMutationId: (p) => p.clientMutationId,
  pullRequest: (p) => p.pullRequest,
};

const repository: Fields<Store> = {
  id: (store) => nodeId('R', store.ctx.repoId),
  databaseId: (store) => store.ctx.repoId,
  name: (store) => store.ctx.repo,
  nameWithOwner: (store) => `${store.ctx.owner}/${store.ctx.repo}`,
  url: (store) => `${store.ctx.html}/${store.ctx.owner}/${store.ctx.repo}`,
  defaultBranchRef: (store) => store,
  pullRequests: (store, args) => {
    const states = args['states'] as string[] | null | undefined;
    const labels = args['labels'] as string[] | null | undefined;
    let list = store.pulls.filter(
      (pr) =>
        (!states || states.includes(pullState(pr))) &&
        (args['headRefName'] == null || pr.head.ref === args['headRefName']) &&
        (args['baseRefName'] == null || pr.base.ref === args['baseRefName']) &&
        (!labels || labels.some((l) => pr.labels.includes(l))),
    );
    const order = args['orderBy'] as { field: string; direction: string } | null | undefined;
    if (order?.field === 'UPDATED_AT')
      list = [...list].sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt));
    if (order?.field === 'COMMENTS')
      throw new Refusal('The GitHub stand-in does not model ordering pull requests by COMMENTS.');
    if (order?.direction === 'DESC') list = [...list].reverse();
    return paginate(list, args, (pr) => pr.id);
  },
  deployments: (store, args) => {
    const environments = args['environments'] as string[] | null | undefined;
    let list = store.deployments.filter((d) => !environments || environments.includes(d.environment));
    // CREATED_AT is DeploymentOrder's only field; the store holds deployments oldest first.
    if ((args['orderBy'] as { direction: string } | null | undefined)?.direction === 'DESC')
      list = [...list].reverse();
    return paginate(list, args, (d) => d.id);
  },
};

/** The default branch: the only Ref the stand-in answers for. */
const ref: Fields<Store> = {
  id: (store) => nodeId('REF', store.ctx.repoId),
  name: (store) => store.ctx.defaultBranch,
  prefix: () => 'refs/heads/',
  target: async (store) => {
    const oid = await store.git.branchSha(store.ctx.defaultBranch);
    return oid === undefined ? null : { oid };
  },
};

/** A commit the stand-in names; GitHub's GitObject fields beyond `oid` are not modeled. */
const commit: Fields<{ oid: string }> = {
  oid: (source) => source.oid,
};

const connection: Fields<Page<unknown>> = {
  totalCount: (page) => page.totalCount,
  nodes: (page) => page.nodes,
  pageInfo: (page) => page.pageInfo,
};

const pageInfo: Fields<Page<unknown>['pageInfo']> = {
  hasNextPage: (info) => info.hasNextPage,
  hasPreviousPage: (info) => info.hasPreviousPage,
  startCursor: (info) => info.startCursor,
  endCursor: (info) => info.endCursor,
};

const pullRequest: Fields<PullState> = {
  id: (pr) => pr.nodeId,
  databaseId: (pr) => pr.id,
  number: (pr) => pr.number,
  title: (pr) => pr.title,
  body: (pr) => pr.body ?? '',
  url: (pr, _, { store }) => pullUrl(store.ctx, pr),
  permalink: (pr, _, { store }) => pullUrl(store.ctx, pr),
  state: pullState,
  closed: (pr) => pr.state === 'closed',
  merged: (pr) => pr.merged,
  mergedAt: (pr) => pr.mergedAt,
  isDraft: (pr) => pr.draft,
  mergeable: (pr) => (pr.mergeable === null ? 'UNKNOWN' : pr.mergeable ? 'MERGEABLE' : 'CONFLICTING'),
  mergeStateStatus: (pr) => pr.mergeableState.toUpperCase(),
  headRefName: (pr) => pr.head.ref,
  headRefOid: (pr) => pr.head.sha,
  baseRefName: (pr) => pr.base.ref,
  baseRefOid: (pr) => pr.base.sha,
  autoMergeRequest: (pr) => (pr.autoMerge ? pr : null),
  viewerCanEnableAutoMerge: (pr, _, { store }) =>
    store.ctx.allowAutoMerge && pr.state === 'open' && !pr.autoMerge,
  createdAt: (pr) => pr.createdAt,
  updatedAt: (pr) => pr.updatedAt,
  // Needs the changed files, which a read of the pull request recomputes as REST does.
  reviewDecision: async (pr, _, { store }) => {
    await store.refresh(pr);
    return store.reviewDecision(pr);
  },
};

/** Resolved from the pull request, whose autoMerge is set (autoMergeRequest answers null otherwise). */
const autoMergeRequest: Fields<PullState & { autoMerge: NonNullable<PullState['autoMerge']> }> = {
  enabledAt: (pr) => pr.autoMerge.enabledAt,
  enabledBy: (pr) => pr.autoMerge.enabledBy,
  mergeMethod: (pr) => pr.autoMerge.mergeMethod.toUpperCase(),
  commitHeadline: (pr) => pr.autoMerge.commitTitle,
  commitBody: (pr) => pr.autoMerge.commitMessage,
  authorEmail: () => null,
  pullRequest: (pr) => pr,
};

const deployment: Fields<DeploymentState> = {
  id: (d) => d.nodeId,
  databaseId: (d) => d.id,
  commitOid: (d) => d.sha,
  createdAt: (d) => d.createdAt,
  updatedAt: (d) => d.updatedAt,
  creator: (d) => d.creator,
  description: (d) => d.description,
  environment: (d) => d.environment,
  latestEnvironment: (d) => d.environment,
  originalEnvironment: (d) => d.originalEnvironment,
  latestStatus: (d) => {
    const status = d.statuses.at(-1);
    return status ? { deployment: d, status } : null;
  },
  // GraphQL serves the payload as JSON text; REST as the object that was sent.
  payload: (d) => (typeof d.payload === 'string' ? d.payload : JSON.stringify(d.payload)),
  // The deployment's state follows its latest status; a live one is ACTIVE.
  state: (d) => {
    const latest = d.statuses.at(-1);
    return !latest ? 'PENDING' : latest.state === 'success' ? 'ACTIVE' : latest.state.toUpperCase();
  },
  // Newest first, as REST lists them.
  statuses: (d, args) =>
    paginate(
      [...d.statuses].reverse().map((status) => ({ deployment: d, status })),
      args,
      (s) => s.status.id,
    ),
  task: (d) => d.task,
};

const deploymentStatus: Fields<StatusSource> = {
  id: (s) => s.status.nodeId,
  createdAt: (s) => s.status.createdAt,
  updatedAt: (s) => s.status.updatedAt,
  creator: (s) => s.status.creator,
  description: (s) => s.status.description || null,
  environment: (s) => s.status.environment,
  environmentUrl: (s) => s.status.environmentUrl || null,
  logUrl: (s) => s.status.logUrl || null,
  state: (s) => s.status.state.toUpperCase(),
  deployment: (s) => s.deployment,
};

const actor: Fields<Identity> = {
  login: (who) => who.login,
  avatarUrl: (who, args, { store }) =>
    `${store.ctx.api}/_avatars/u/${who.login}${typeof args['size'] === 'number' ? `?s=${args['size']}` : ''}`,
  resourcePath: (who, _, { store }) => new URL(actorUrl(store.ctx, who)).pathname,
  url: (who, _, { store }) => actorUrl(store.ctx, who),
};

/** Type name -> field name -> resolver; the source of each is what the parent field returned. */
export const RESOLVERS: Record<string, Fields<never>> = {
  Query: query,
  Mutation: mutation,
  EnablePullRequestAutoMergePayload: payload,
  Repository: repository,
  Ref: ref,
  Commit: commit,
  PullRequestConnection: connection,
  DeploymentConnection: connection,
  DeploymentStatusConnection: connection,
  PageInfo: pageInfo,
  PullRequest: pullRequest,
  AutoMergeRequest: autoMergeRequest,
  Deployment: deployment,
  DeploymentStatus: deploymentStatus,
  User: actor,
  Bot: actor,
};

/** The object type of a value of an abstract type: a Commit (a GitObject), or an Actor, which is a User or a Bot. */
export function resolveType(value: unknown): string | undefined {
  if (typeof (value as { oid?: unknown }).oid === 'string') return 'Commit';
  const who = value as Partial<Identity>;
  return who.type === 'User' || who.type === 'Bot' ? who.type : undefined;
}

/**
 * Whether the stand-in answers `type.field`: on an interface, every type of it the stand-in models
 * must answer it. Introspection is graphql-js's own, from GitHub's schema, so it is modeled.
 */
export function isModeled(schema: GraphQLSchema, type: GraphQLCompositeType, field: string): boolean {
  if (field.startsWith('__') || type.name.startsWith('__')) return true;
  if (isObjectType(type)) return RESOLVERS[type.name]?.[field] !== undefined;
  if (!isAbstractType(type)) return false;
  const served = schema.getPossibleTypes(type).filter((t) => RESOLVERS[t.name]);
  return served.length > 0 && served.every((t) => RESOLVERS[t.name]?.[field] !== undefined);
}
