// Environment protection rules in the stand-in, as GitHub's docs describe them ("Managing
// environments for deployment", docs.github.com/actions/.../managing-environments-for-deployment;
// "Deployments and environments", docs.github.com/actions/reference/deployments-and-environments):
// - deployment branches and tags: with custom policies, only a branch (or tag) matching one of the
//   name patterns (Ruby File.fnmatch, a wildcard never matches `/`) may run a job that references
//   the environment; with protected branches, only a branch that has a protection rule;
// - required reviewers: up to six users or teams, any one of whom approves (or rejects) the waiting
//   job through `POST /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments`;
//   "prevent self-review" keeps the person who started the run from approving it;
// - the wait timer delays the job (in minutes, 0 to 43,200).
// The sandbox runner asks `deploymentAllowed` before a job starts and waits on `waitForReviewers`.
import { requireAdmin } from './admin.js';
import { HttpError, notFound } from './errors.js';
import type { Handler, RouteContext } from './handler.js';
import { idForLogin, nodeId, repoPath, teamObject, userObject } from './objects.js';
import type { EnvironmentState, Identity, PendingDeploymentState, RepoSettingsState } from './types.js';

type Obj = Record<string, unknown>;

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function findEnvironment(settings: RepoSettingsState, name: string): EnvironmentState | undefined {
  return settings.environments.find((e) => sameName(e.name, name));
}

/** File.fnmatch without FNM_PATHNAME flags as GitHub documents it: `*` and `?` never match `/`. */
function fnmatch(pattern: string, name: string): boolean {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`).test(name);
}

/**
 * Whether a job running on `ref` may reference the environment; undefined when it may, else
 * GitHub's message for the job that fails before any step runs.
 */
export function deploymentRefusal(
  environment: EnvironmentState,
  ref: string,
  isProtected: (branch: string) => boolean,
): string | undefined {
  const policy = environment.deploymentBranchPolicy;
  if (!policy) return undefined;
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  const allowed = policy.protected_branches
    ? branch !== undefined && isProtected(branch)
    : environment.branchPolicies.some((p) =>
        p.type === 'tag'
          ? tag !== undefined && fnmatch(p.name, tag)
          : branch !== undefined && fnmatch(p.name, branch),
      );
  if (allowed) return undefined;
  const what = tag !== undefined ? `Tag "${tag}"` : `Branch "${branch ?? ref}"`;
  return `${what} is not allowed to deploy to ${environment.name} due to environment protection rules.`;
}

/** Whether `who` is one of the environment's required reviewers (a listed user or a team member). */
export function isReviewer(
  environment: EnvironmentState,
  login: string,
  teams: Record<string, string[]> | undefined,
): boolean {
  return environment.reviewers.some((r) =>
    r.type === 'User'
      ? sameName(r.name, login)
      : (teams?.[r.name.toLowerCase()] ?? []).some((member) => sameName(member, login)),
  );
}

/**
 * Registers a job waiting for the environment's reviewers; resolves with their decision. The job
 * waits as long as nobody decides, as on GitHub (which gives up after 30 days).
 */
export function waitForReviewers(
  settings: RepoSettingsState,
  runId: number,
  environment: string,
  actor: string,
  waitTimerStartedAt: string | null,
): Promise<'approved' | 'rejected'> {
  return new Promise((settle) => {
    settings.pendingDeployments.push({ runId, environment, actor, waitTimerStartedAt, settle });
  });
}

function reviewersObject(c: RouteContext, e: EnvironmentState): Obj[] {
  return e.reviewers.map((r) => ({
    type: r.type,
    reviewer:
      r.type === 'User'
        ? userObject(c.store.ctx, { login: r.name, type: 'User' })
        : teamObject(c.store.ctx, r.name),
  }));
}

function waitingFor(c: RouteContext): PendingDeploymentState[] {
  const runId = Number(c.params['run_id']);
  return c.store.settings.pendingDeployments.filter((p) => p.runId === runId && p.decision === undefined);
}

const getPending: Handler = async (c) => {
  const body = waitingFor(c).flatMap((p) => {
    const e = findEnvironment(c.store.settings, p.environment);
    if (!e) return [];
    const name = encodeURIComponent(e.name);
    return [
      {
        environment: {
          id: e.id,
          node_id: e.nodeId,
          name: e.name,
          url: `${repoPath(c.store.ctx)}/environments/${name}`,
          html_url: `${c.store.ctx.html}/${c.store.ctx.owner}/${c.store.ctx.repo}/deployments/activity_log?environments_filter=${name}`,
        },
        wait_timer: e.waitTimer,
        wait_timer_started_at: p.waitTimerStartedAt,
        current_user_can_approve: mayDecide(c, e, p) === undefined,
        reviewers: reviewersObject(c, e),
      },
    ];
  });
  return { status: 200, body };
};

/** Why `c.identity` may not decide on this waiting job, or undefined when it may. */
function mayDecide(c: RouteContext, e: EnvironmentState, p: PendingDeploymentState): string | undefined {
  const login = c.identity.login;
  if (!isReviewer(e, login, c.store.options.teams)) {
    return `${login} is not a required reviewer of environment ${e.name}`;
  }
  if (e.preventSelfReview && sameName(p.actor, login)) {
    return `${login} started this run and environment ${e.name} prevents self-review`;
  }
  return undefined;
}

const reviewPending: Handler = async (c) => {
  const body = (c.body ?? {}) as {
    environment_ids?: number[];
    state?: 'approved' | 'rejected';
    comment?: string;
  };
  const waiting = waitingFor(c);
  const chosen = waiting.filter((p) => {
    const e = findEnvironment(c.store.settings, p.environment);
    return e !== undefined && (body.environment_ids ?? []).includes(e.id);
  });
  if (waiting.length === 0) throw notFound();
  if (chosen.length === 0) {
    throw new HttpError(422, { message: 'No pending deployment requests to approve or reject' });
  }
  for (const p of chosen) {
    const refused = mayDecide(c, findEnvironment(c.store.settings, p.environment)!, p);
    if (refused)
      throw new HttpError(422, { message: `You are not allowed to review this deployment: ${refused}` });
  }
  const by: Identity = c.identity;
  for (const p of chosen) {
    p.decision = { state: body.state ?? 'approved', by, comment: body.comment ?? '' };
    p.settle(p.decision.state);
  }
  // GitHub answers with the deployments it creates for the approved jobs; the sandbox records a
  // job's deployment when the job starts, so there is none to show yet.
  return { status: 200, body: [] };
};

const listBranchPolicies: Handler = async (c) => {
  const e = findEnvironment(c.store.settings, c.params['environment_name'] ?? '');
  if (!e) throw notFound();
  return {
    status: 200,
    body: { total_count: e.branchPolicies.length, branch_policies: e.branchPolicies.map(policyObject) },
  };
};

function policyObject(p: EnvironmentState['branchPolicies'][number]): Obj {
  return { id: p.id, node_id: nodeId('GBP', p.id), name: p.name, type: p.type };
}

const createBranchPolicy: Handler = async (c) => {
  requireAdmin(c);
  const e = findEnvironment(c.store.settings, c.params['environment_name'] ?? '');
  if (!e) throw notFound();
  if (!e.deploymentBranchPolicy?.custom_branch_policies) {
    // GitHub's answer when the environment does not use custom branch policies.
    throw notFound();
  }
  const body = (c.body ?? {}) as { name?: string; type?: 'branch' | 'tag' };
  const name = body.name ?? '';
  const type = body.type ?? 'branch';
  const existing = e.branchPolicies.find((p) => p.name === name && p.type === type);
  if (existing) return { status: 303, headers: { location: `${repoPath(c.store.ctx)}` } };
  const policy = { id: idForLogin(`branch_policy:${e.id}:${type}:${name}`), name, type };
  e.branchPolicies.push(policy);
  return { status: 200, body: policyObject(policy) };
};

const deleteBranchPolicy: Handler = async (c) => {
  requireAdmin(c);
  const e = findEnvironment(c.store.settings, c.params['environment_name'] ?? '');
  const id = Number(c.params['branch_policy_id']);
  if (!e || !e.branchPolicies.some((p) => p.id === id)) throw notFound();
  e.branchPolicies = e.branchPolicies.filter((p) => p.id !== id);
  return { status: 204 };
};

export const environmentHandlers: Record<string, Handler> = {
  'repos/delete-deployment-branch-policy': deleteBranchPolicy,
  'actions/get-pending-deployments-for-run': getPending,
  'actions/review-pending-deployments-for-run': reviewPending,
  'repos/list-deployment-branch-policies': listBranchPolicies,
  'repos/create-deployment-branch-policy': createBranchPolicy,
};
