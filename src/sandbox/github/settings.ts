// Repository administration in the stand-in: merge settings (PATCH /repos/{owner}/{repo}), the
// Actions workflow permissions, classic branch protection and environments. Stored, so every GET
// reflects the last write, and answered with objects valid for GitHub's description.
import { requireAdmin } from './admin.js';
import { environmentHandlers } from './environments.js';
import { HttpError, notFound } from './errors.js';
import type { Handler, RouteContext } from './handler.js';
import { idForLogin, isoNow, nodeId, repoPath, teamObject, userObject } from './objects.js';
import type { RepoContext } from './objects.js';
import type { Store } from './store.js';
import type { BranchProtectionState, EnvironmentState, PrincipalNames } from './types.js';

type Obj = Record<string, unknown>;

function obj(body: unknown): Obj {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Obj) : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function principalNames(value: unknown): PrincipalNames | null {
  if (value === null || value === undefined) return null;
  const o = obj(value);
  return { users: strings(o['users']), teams: strings(o['teams']), apps: strings(o['apps']) };
}

function hasAny(p: PrincipalNames | null): p is PrincipalNames {
  return p !== null && p.users.length + p.teams.length + p.apps.length > 0;
}

function validationFailedSimple(message: string): HttpError {
  return new HttpError(422, { message: 'Validation Failed', errors: [message] });
}

function appObject(ctx: RepoContext, slug: string): Obj {
  const id = idForLogin(`app:${slug}`);
  return {
    id,
    slug,
    node_id: nodeId('A', id),
    client_id: `Iv1.${id.toString(16)}`,
    owner: userObject(ctx, { login: ctx.owner, type: ctx.ownerType }),
    name: slug,
    // A string, not null: branch restrictions describe apps with their own, stricter schema.
    description: '',
    external_url: `${ctx.html}/apps/${slug}`,
    html_url: `${ctx.html}/apps/${slug}`,
    created_at: ctx.createdAt,
    updated_at: ctx.createdAt,
    permissions: { metadata: 'read' },
    events: [],
  };
}

function usersOf(ctx: RepoContext, logins: string[]): Obj[] {
  return logins.map((login) => userObject(ctx, { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }));
}

/** Satisfies both `branch-protection` (GET) and `protected-branch` (PUT) of the description. */
export function protectionObject(ctx: RepoContext, branch: string, p: BranchProtectionState): Obj {
  const url = `${repoPath(ctx)}/branches/${encodeURIComponent(branch)}/protection`;
  const enabled = (value: boolean): Obj => ({ enabled: value });
  const reviews = p.requiredPullRequestReviews;
  const result: Obj = { url };
  if (p.requiredStatusChecks) {
    result['required_status_checks'] = {
      url: `${url}/required_status_checks`,
      strict: p.requiredStatusChecks.strict,
      contexts: p.requiredStatusChecks.contexts,
      contexts_url: `${url}/required_status_checks/contexts`,
      checks: p.requiredStatusChecks.contexts.map((context) => ({ context, app_id: null })),
    };
  }
  if (reviews) {
    result['required_pull_request_reviews'] = {
      url: `${url}/required_pull_request_reviews`,
      dismiss_stale_reviews: reviews.dismissStaleReviews,
      require_code_owner_reviews: reviews.requireCodeOwnerReviews,
      required_approving_review_count: reviews.requiredApprovingReviewCount,
      require_last_push_approval: reviews.requireLastPushApproval,
      ...(hasAny(reviews.dismissalRestrictions)
        ? {
            dismissal_restrictions: {
              url: `${url}/dismissal_restrictions`,
              users_url: `${url}/dismissal_restrictions/users`,
              teams_url: `${url}/dismissal_restrictions/teams`,
              users: usersOf(ctx, reviews.dismissalRestrictions.users),
              teams: reviews.dismissalRestrictions.teams.map((t) => teamObject(ctx, t)),
              apps: reviews.dismissalRestrictions.apps.map((a) => appObject(ctx, a)),
            },
          }
        : {}),
      ...(hasAny(reviews.bypassPullRequestAllowances)
        ? {
            bypass_pull_request_allowances: {
              users: usersOf(ctx, reviews.bypassPullRequestAllowances.users),
              teams: reviews.bypassPullRequestAllowances.teams.map((t) => teamObject(ctx, t)),
              apps: reviews.bypassPullRequestAllowances.apps.map((a) => appObject(ctx, a)),
            },
          }
        : {}),
    };
  }
  result['required_signatures'] = { url: `${url}/required_signatures`, enabled: false };
  result['enforce_admins'] = { url: `${url}/enforce_admins`, enabled: p.enforceAdmins };
  result['required_linear_history'] = enabled(p.requiredLinearHistory);
  result['allow_force_pushes'] = enabled(p.allowForcePushes);
  result['allow_deletions'] = enabled(p.allowDeletions);
  result['block_creations'] = enabled(p.blockCreations);
  result['required_conversation_resolution'] = enabled(p.requiredConversationResolution);
  result['lock_branch'] = enabled(p.lockBranch);
  result['allow_fork_syncing'] = enabled(p.allowForkSyncing);
  if (p.restrictions) {
    result['restrictions'] = {
      url: `${url}/restrictions`,
      users_url: `${url}/restrictions/users`,
      teams_url: `${url}/restrictions/teams`,
      apps_url: `${url}/restrictions/apps`,
      users: usersOf(ctx, p.restrictions.users),
      teams: p.restrictions.teams.map((t) => teamObject(ctx, t)),
      apps: p.restrictions.apps.map((a) => appObject(ctx, a)),
    };
  }
  return result;
}

export function environmentObject(ctx: RepoContext, e: EnvironmentState): Obj {
  const name = encodeURIComponent(e.name);
  const rules: Obj[] = [];
  if (e.waitTimer > 0) {
    const id = idForLogin(`wait_timer:${e.id}`);
    rules.push({ id, node_id: nodeId('GA', id), type: 'wait_timer', wait_timer: e.waitTimer });
  }
  if (e.reviewers.length > 0) {
    const id = idForLogin(`required_reviewers:${e.id}`);
    rules.push({
      id,
      node_id: nodeId('GA', id),
      type: 'required_reviewers',
      prevent_self_review: e.preventSelfReview,
      reviewers: e.reviewers.map((r) => ({
        type: r.type,
        reviewer:
          r.type === 'User' ? userObject(ctx, { login: r.name, type: 'User' }) : teamObject(ctx, r.name),
      })),
    });
  }
  if (e.deploymentBranchPolicy) {
    const id = idForLogin(`branch_policy:${e.id}`);
    rules.push({ id, node_id: nodeId('GA', id), type: 'branch_policy' });
  }
  return {
    id: e.id,
    node_id: e.nodeId,
    name: e.name,
    url: `${repoPath(ctx)}/environments/${name}`,
    html_url: `${ctx.html}/${ctx.owner}/${ctx.repo}/deployments/activity_log?environments_filter=${name}`,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
    protection_rules: rules,
    deployment_branch_policy: e.deploymentBranchPolicy,
  };
}

function newEnvironment(name: string, createdAt: string): EnvironmentState {
  const id = idForLogin(`environment:${name}`);
  return {
    id,
    nodeId: nodeId('EN', id),
    name,
    createdAt,
    updatedAt: createdAt,
    waitTimer: 0,
    preventSelfReview: false,
    deploymentBranchPolicy: null,
    reviewers: [],
    branchPolicies: [],
  };
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Environments, including those GitHub creates by itself when a deployment names one. */
function environmentsOf(store: Store): EnvironmentState[] {
  const list = store.settings.environments;
  for (const deployment of store.deployments) {
    if (!list.some((e) => sameName(e.name, deployment.environment))) {
      list.push(newEnvironment(deployment.environment, deployment.createdAt));
    }
  }
  return list;
}

const REPOSITORY_FLAGS = {
  allow_auto_merge: 'allowAutoMerge',
  allow_merge_commit: 'allowMergeCommit',
  allow_squash_merge: 'allowSquashMerge',
  allow_rebase_merge: 'allowRebaseMerge',
  delete_branch_on_merge: 'deleteBranchOnMerge',
} as const satisfies Record<string, keyof RepoContext>;

const updateRepo: Handler = async (c) => {
  requireAdmin(c);
  const body = obj(c.body);
  const next = { ...c.store.ctx };
  for (const [key, value] of Object.entries(body)) {
    if (key in REPOSITORY_FLAGS && typeof value === 'boolean') {
      next[REPOSITORY_FLAGS[key as keyof typeof REPOSITORY_FLAGS]] = value;
    } else if (!(key in REPOSITORY_FLAGS)) {
      c.note(`repos/update: the stand-in does not model "${key}"; it was not applied`);
    }
  }
  if (!next.allowMergeCommit && !next.allowSquashMerge && !next.allowRebaseMerge) {
    throw new HttpError(422, {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'Repository',
          code: 'custom',
          field: 'merge_commit_allowed',
          message: 'Sorry, you need to allow at least one merge strategy. (no_merge_method)',
        },
      ],
    });
  }
  for (const field of Object.values(REPOSITORY_FLAGS)) c.store.ctx[field] = next[field];
  return { status: 200, body: c.store.repository() };
};

const getWorkflowPermissions: Handler = async (c) => {
  requireAdmin(c);
  const p = c.store.settings.workflowPermissions;
  return {
    status: 200,
    body: {
      default_workflow_permissions: p.defaultWorkflowPermissions,
      can_approve_pull_request_reviews: p.canApprovePullRequestReviews,
    },
  };
};

const setWorkflowPermissions: Handler = async (c) => {
  requireAdmin(c);
  const body = obj(c.body);
  const p = c.store.settings.workflowPermissions;
  if (body['default_workflow_permissions'] === 'read' || body['default_workflow_permissions'] === 'write') {
    p.defaultWorkflowPermissions = body['default_workflow_permissions'];
  }
  if (typeof body['can_approve_pull_request_reviews'] === 'boolean') {
    p.canApprovePullRequestReviews = body['can_approve_pull_request_reviews'];
  }
  return { status: 204 };
};

async function existingBranch(c: RouteContext): Promise<string> {
  const branch = c.params['branch'] ?? '';
  if ((await c.store.git.branchSha(branch)) === undefined) {
    throw new HttpError(404, { message: 'Branch not found' });
  }
  return branch;
}

const getBranchProtection: Handler = async (c) => {
  requireAdmin(c);
  const branch = await existingBranch(c);
  const protection = c.store.settings.protections.get(branch);
  if (!protection) throw new HttpError(404, { message: 'Branch not protected' });
  return { status: 200, body: protectionObject(c.store.ctx, branch, protection) };
};

const updateBranchProtection: Handler = async (c) => {
  requireAdmin(c);
  const branch = await existingBranch(c);
  const body = obj(c.body);
  const organisation = c.store.ctx.ownerType === 'Organization';

  const checksBody = body['required_status_checks'];
  let requiredStatusChecks: BranchProtectionState['requiredStatusChecks'] = null;
  if (checksBody !== null && checksBody !== undefined) {
    const checks = obj(checksBody);
    const fromChecks = (Array.isArray(checks['checks']) ? checks['checks'] : []).map((k) =>
      String(obj(k)['context']),
    );
    requiredStatusChecks = {
      strict: checks['strict'] === true,
      contexts: [...new Set([...strings(checks['contexts']), ...fromChecks])],
    };
  }

  const reviewsBody = body['required_pull_request_reviews'];
  let requiredPullRequestReviews: BranchProtectionState['requiredPullRequestReviews'] = null;
  if (reviewsBody !== null && reviewsBody !== undefined) {
    const reviews = obj(reviewsBody);
    const count = reviews['required_approving_review_count'] ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 6) {
      throw validationFailedSimple(
        `Invalid request.\n\n${String(count)} must be between 0 and 6 for required_approving_review_count.`,
      );
    }
    const dismissal = principalNames(reviews['dismissal_restrictions']);
    if (!organisation && (dismissal?.users.length || dismissal?.teams.length)) {
      throw validationFailedSimple(
        'Only organization repositories can have users and team dismissal restrictions',
      );
    }
    requiredPullRequestReviews = {
      dismissStaleReviews: reviews['dismiss_stale_reviews'] === true,
      requireCodeOwnerReviews: reviews['require_code_owner_reviews'] === true,
      requiredApprovingReviewCount: count,
      requireLastPushApproval: reviews['require_last_push_approval'] === true,
      dismissalRestrictions: dismissal,
      bypassPullRequestAllowances: principalNames(reviews['bypass_pull_request_allowances']),
    };
  }

  const restrictions = principalNames(body['restrictions']);
  if (restrictions !== null && !organisation) {
    throw validationFailedSimple('Only organization repositories can have users and team restrictions');
  }

  const protection: BranchProtectionState = {
    requiredStatusChecks,
    enforceAdmins: body['enforce_admins'] === true,
    requiredPullRequestReviews,
    restrictions,
    requiredLinearHistory: body['required_linear_history'] === true,
    allowForcePushes: body['allow_force_pushes'] === true,
    allowDeletions: body['allow_deletions'] === true,
    blockCreations: body['block_creations'] === true,
    requiredConversationResolution: body['required_conversation_resolution'] === true,
    lockBranch: body['lock_branch'] === true,
    allowForkSyncing: body['allow_fork_syncing'] === true,
  };
  c.store.settings.protections.set(branch, protection);
  return { status: 200, body: protectionObject(c.store.ctx, branch, protection) };
};

const listEnvironments: Handler = async (c) => {
  const all = environmentsOf(c.store);
  const perPage = Math.min(Math.max(Number(c.query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(c.query.get('page') ?? 1) || 1, 1);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const link = (n: number): string => {
    const q = new URLSearchParams(c.query);
    q.set('page', String(n));
    return `<${c.store.ctx.api}${c.path}?${q.toString()}>`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`${link(Math.min(page - 1, last))}; rel="prev"`, `${link(1)}; rel="first"`);
  if (page < last) rels.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  return {
    status: 200,
    body: {
      total_count: all.length,
      environments: all
        .slice((page - 1) * perPage, page * perPage)
        .map((e) => environmentObject(c.store.ctx, e)),
    },
    ...(rels.length > 0 ? { headers: { link: rels.join(', ') } } : {}),
  };
};

const getEnvironment: Handler = async (c) => {
  const name = c.params['environment_name'] ?? '';
  const environment = environmentsOf(c.store).find((e) => sameName(e.name, name));
  if (!environment) throw notFound();
  return { status: 200, body: environmentObject(c.store.ctx, environment) };
};

/**
 * Reviewers come by id; the stand-in knows the logins of its tokens, teams and administrators and
 * the slugs of its teams. GitHub allows at most six.
 */
function reviewersById(c: RouteContext, list: unknown[]): EnvironmentState['reviewers'] {
  if (list.length > 6) {
    throw validationFailedSimple('Only 6 reviewers can be set for an environment');
  }
  const { options } = c.store;
  const logins = new Set<string>([
    ...Object.values(options.tokens ?? {}).map((i) => i.login),
    ...Object.values(options.teams ?? {}).flat(),
    ...(options.administrators ?? []),
  ]);
  return list.map((entry) => {
    const { type, id } = obj(entry);
    const name =
      type === 'Team'
        ? Object.keys(options.teams ?? {}).find((slug) => idForLogin(`team:${slug}`) === id)
        : [...logins].find((login) => idForLogin(login) === id);
    if ((type !== 'User' && type !== 'Team') || name === undefined) {
      throw validationFailedSimple(`Reviewer ${String(type)} ${String(id)} was not found`);
    }
    return { type, name };
  });
}

const createOrUpdateEnvironment: Handler = async (c) => {
  requireAdmin(c);
  const name = c.params['environment_name'] ?? '';
  if (name.length > 255 || /[,'"`;:\\/*?]/.test(name) || name.trim() !== name) {
    throw new HttpError(422, { message: `Invalid environment name: ${name}` });
  }
  const body = obj(c.body);
  const waitTimer = body['wait_timer'];
  if (waitTimer !== undefined && (typeof waitTimer !== 'number' || waitTimer < 0 || waitTimer > 43_200)) {
    throw new HttpError(422, { message: 'Wait timer must be between 0 and 43200 minutes' });
  }
  const policy = body['deployment_branch_policy'];
  if (policy !== undefined && policy !== null) {
    const p = obj(policy);
    if (p['protected_branches'] === p['custom_branch_policies']) {
      throw new HttpError(422, {
        message: 'Only one of protected_branches or custom_branch_policies can be true',
      });
    }
  }
  const reviewers = Array.isArray(body['reviewers']) ? reviewersById(c, body['reviewers']) : undefined;
  const list = environmentsOf(c.store);
  let environment = list.find((e) => sameName(e.name, name));
  const now = isoNow();
  if (!environment) {
    environment = newEnvironment(name, now);
    list.push(environment);
  }
  environment.updatedAt = now;
  if (typeof waitTimer === 'number') environment.waitTimer = waitTimer;
  if (reviewers) environment.reviewers = reviewers;
  if (typeof body['prevent_self_review'] === 'boolean')
    environment.preventSelfReview = body['prevent_self_review'];
  if (policy !== undefined) {
    environment.deploymentBranchPolicy =
      policy === null
        ? null
        : {
            protected_branches: obj(policy)['protected_branches'] === true,
            custom_branch_policies: obj(policy)['custom_branch_policies'] === true,
          };
  }
  return { status: 200, body: environmentObject(c.store.ctx, environment) };
};

export const settingsHandlers: Record<string, Handler> = {
  ...environmentHandlers,
  'repos/update': updateRepo,
  'actions/get-github-actions-default-workflow-permissions-repository': getWorkflowPermissions,
  'actions/set-github-actions-default-workflow-permissions-repository': setWorkflowPermissions,
  'repos/get-branch-protection': getBranchProtection,
  'repos/update-branch-protection': updateBranchProtection,
  'repos/get-all-environments': listEnvironments,
  'repos/get-environment': getEnvironment,
  'repos/create-or-update-environment': createOrUpdateEnvironment,
};
