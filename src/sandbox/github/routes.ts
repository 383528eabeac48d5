// REST handlers, keyed by the spec's operationId. Each turns a validated request into calls on
// the Store and answers with objects built by objects.ts.
import { attestationsHandlers } from './attestations.js';
import { notFound } from './errors.js';
import type { Handler, RouteContext } from './handler.js';
import type { MergeRequest } from './merges.js';
import { addComment } from './pulls.js';
import {
  commentObject,
  commitStatusObject,
  deploymentStatusObject,
  labelObject,
  repoPath,
  reviewObject,
} from './objects.js';
import { refHandlers } from './refs.js';
import { runsHandlers } from './runs.js';
import { settingsHandlers } from './settings.js';
import type { Store } from './store.js';
import { teamsHandlers } from './teams.js';
import type { CommitStatusState, DeploymentStatusState, PullState } from './types.js';

function obj(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

function pullFrom(c: RouteContext, param = 'pull_number'): PullState {
  const number = Number(c.params[param]);
  if (!Number.isInteger(number)) throw notFound();
  return c.store.findPull(number);
}

/** GitHub's page/per_page with a Link header carrying first/prev/next/last. */
function paginate<T>(c: RouteContext, items: T[]): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(c.query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(c.query.get('page') ?? 1) || 1, 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number): string => {
    const q = new URLSearchParams(c.query);
    q.set('page', String(n));
    return `<${c.store.ctx.api}${c.path}?${q.toString()}>`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`${link(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) rels.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) rels.push(`${link(1)}; rel="first"`);
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: rels.length > 0 ? { link: rels.join(', ') } : {},
  };
}

function byKey<T>(key: (item: T) => string | number, direction: 'asc' | 'desc'): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return direction === 'asc' ? order : -order;
  };
}

const listPulls: Handler = async (c) => {
  const state = c.query.get('state') ?? 'open';
  let pulls = c.store.pulls.filter((p) => state === 'all' || p.state === state);
  const head = c.query.get('head');
  if (head !== null) {
    const colon = head.indexOf(':');
    if (colon < 0) {
      // GitHub ignores a head filter without the owner prefix and lists every pull request.
      c.note(
        `pulls/list: head=${JSON.stringify(head)} is not in owner:branch form, GitHub ignores the filter`,
      );
    } else {
      const owner = head.slice(0, colon);
      const branch = head.slice(colon + 1);
      pulls =
        owner.toLowerCase() === c.store.ctx.owner.toLowerCase()
          ? pulls.filter((p) => p.head.ref === branch)
          : [];
    }
  }
  const base = c.query.get('base');
  if (base !== null) pulls = pulls.filter((p) => p.base.ref === base);
  const sort = c.query.get('sort') ?? 'created';
  const direction = (c.query.get('direction') ?? (sort === 'created' ? 'desc' : 'asc')) as 'asc' | 'desc';
  const key =
    sort === 'updated'
      ? (p: PullState) => `${p.updatedAt} ${String(p.number).padStart(9, '0')}`
      : (p: PullState) => `${p.createdAt} ${String(p.number).padStart(9, '0')}`;
  pulls = [...pulls].sort(byKey(key, direction));
  const page = paginate(c, pulls);
  for (const pr of page.items) await c.store.refresh(pr);
  return { status: 200, body: page.items.map((pr) => c.store.pullSimpleJson(pr)), headers: page.headers };
};

const createPull: Handler = async (c) => {
  const pr = await c.store.createPull(c.identity, obj(c.body) as Parameters<Store['createPull']>[1]);
  return {
    status: 201,
    body: c.store.pullJson(pr),
    headers: { location: `${repoPath(c.store.ctx)}/pulls/${pr.number}` },
  };
};

const getPull: Handler = async (c) => {
  const pr = pullFrom(c);
  await c.store.refresh(pr);
  return { status: 200, body: c.store.pullJson(pr) };
};

const updatePull: Handler = async (c) => {
  const pr = pullFrom(c);
  await c.store.updatePull(c.identity, pr, obj(c.body) as Parameters<Store['updatePull']>[2]);
  return { status: 200, body: c.store.pullJson(pr) };
};

const mergePull: Handler = async (c) => {
  const pr = pullFrom(c);
  const sha = await c.store.mergePull(c.identity, pr, obj(c.body) as MergeRequest);
  return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
};

const checkIfMerged: Handler = async (c) => {
  const pr = pullFrom(c);
  return { status: pr.merged ? 204 : 404 };
};

const requestReviewers: Handler = async (c) => {
  const pr = pullFrom(c);
  const body = obj(c.body);
  c.store.requestReviewers(
    pr,
    (body['reviewers'] as string[] | undefined) ?? [],
    (body['team_reviewers'] as string[] | undefined) ?? [],
  );
  await c.store.refresh(pr);
  return { status: 201, body: c.store.pullSimpleJson(pr) };
};

const listRequestedReviewers: Handler = async (c) => {
  const pr = pullFrom(c);
  const full = c.store.pullJson(pr);
  return { status: 200, body: { users: full['requested_reviewers'], teams: full['requested_teams'] } };
};

const addLabels: Handler = async (c) => {
  // Issues and pull requests share numbers; the stand-in has pull requests only.
  const pr = pullFrom(c, 'issue_number');
  const labels = ((obj(c.body)['labels'] as unknown[] | undefined) ?? []).map((l) =>
    typeof l === 'string' ? l : String(obj(l)['name']),
  );
  c.store.addLabels(pr, labels);
  return { status: 200, body: c.store.labelsOf(pr).map((l) => labelObject(c.store.ctx, l)) };
};

const listLabels: Handler = async (c) => {
  const pr = pullFrom(c, 'issue_number');
  const page = paginate(c, c.store.labelsOf(pr));
  return { status: 200, body: page.items.map((l) => labelObject(c.store.ctx, l)), headers: page.headers };
};

const createComment: Handler = async (c) => {
  const pr = pullFrom(c, 'issue_number');
  const comment = addComment(pr, c.identity, obj(c.body)['body'], c.store.newId());
  return {
    status: 201,
    body: commentObject(c.store.ctx, pr, comment),
    headers: { location: `${repoPath(c.store.ctx)}/issues/comments/${comment.id}` },
  };
};

const createReview: Handler = async (c) => {
  const pr = pullFrom(c);
  const review = await c.store.createReview(
    c.identity,
    pr,
    obj(c.body) as Parameters<Store['createReview']>[2],
  );
  return { status: 200, body: reviewObject(c.store.ctx, pr, review) };
};

const dismissReview: Handler = async (c) => {
  const pr = pullFrom(c);
  const review = await c.store.dismissReview(c.identity, pr, Number(c.params['review_id']), obj(c.body));
  return { status: 200, body: reviewObject(c.store.ctx, pr, review) };
};

const listReviews: Handler = async (c) => {
  const pr = pullFrom(c);
  const page = paginate(
    c,
    pr.reviews.filter((r) => r.state !== 'PENDING' || r.user.login === c.identity.login),
  );
  return {
    status: 200,
    body: page.items.map((r) => reviewObject(c.store.ctx, pr, r)),
    headers: page.headers,
  };
};

const getRepo: Handler = async (c) => ({ status: 200, body: c.store.repository() });

const createCommitStatus: Handler = async (c) => {
  const sha = c.params['sha'] ?? '';
  const status = await c.store.createCommitStatus(
    c.identity,
    sha,
    obj(c.body) as { state: CommitStatusState['state'] },
  );
  return {
    status: 201,
    body: commitStatusObject(c.store.ctx, status),
    headers: { location: `${repoPath(c.store.ctx)}/statuses/${status.sha}` },
  };
};

const createDeployment: Handler = async (c) => {
  const deployment = await c.store.createDeployment(
    c.identity,
    obj(c.body) as Parameters<Store['createDeployment']>[1],
  );
  return {
    status: 201,
    body: c.store.deploymentJson(deployment),
    headers: { location: `${repoPath(c.store.ctx)}/deployments/${deployment.id}` },
  };
};

const listDeployments: Handler = async (c) => {
  let list = [...c.store.deployments].reverse(); // newest first, like GitHub
  for (const field of ['sha', 'ref', 'task', 'environment'] as const) {
    const value = c.query.get(field);
    if (value !== null && value !== 'none') list = list.filter((d) => d[field] === value);
  }
  const page = paginate(c, list);
  return { status: 200, body: page.items.map((d) => c.store.deploymentJson(d)), headers: page.headers };
};

const getDeployment: Handler = async (c) => {
  const deployment = c.store.findDeployment(Number(c.params['deployment_id']));
  return { status: 200, body: c.store.deploymentJson(deployment) };
};

const createDeploymentStatus: Handler = async (c) => {
  const deployment = c.store.findDeployment(Number(c.params['deployment_id']));
  const status = c.store.createDeploymentStatus(
    c.identity,
    deployment,
    obj(c.body) as { state: DeploymentStatusState['state'] },
  );
  const url = `${repoPath(c.store.ctx)}/deployments/${deployment.id}/statuses/${status.id}`;
  return {
    status: 201,
    body: deploymentStatusObject(c.store.ctx, deployment, status),
    headers: { location: url },
  };
};

const listDeploymentStatuses: Handler = async (c) => {
  const deployment = c.store.findDeployment(Number(c.params['deployment_id']));
  const page = paginate(c, [...deployment.statuses].reverse());
  return {
    status: 200,
    body: page.items.map((s) => deploymentStatusObject(c.store.ctx, deployment, s)),
    headers: page.headers,
  };
};

const createWorkflowDispatch: Handler = async (c) => {
  const body = obj(c.body) as { ref: string; inputs?: Record<string, unknown>; return_run_details?: boolean };
  const dispatch = await c.store.dispatchWorkflow(c.identity, c.params['workflow_id'] ?? '', body);
  if (body.return_run_details !== true) return { status: 204 };
  const { api, html, owner, repo } = c.store.ctx;
  return {
    status: 200,
    body: {
      workflow_run_id: dispatch.runId,
      run_url: `${api}/repos/${owner}/${repo}/actions/runs/${dispatch.runId}`,
      html_url: `${html}/${owner}/${repo}/actions/runs/${dispatch.runId}`,
    },
  };
};

export const handlers: Record<string, Handler> = {
  'actions/create-workflow-dispatch': createWorkflowDispatch,
  'repos/get': getRepo,
  'pulls/list': listPulls,
  'pulls/create': createPull,
  'pulls/get': getPull,
  'pulls/update': updatePull,
  'pulls/merge': mergePull,
  'pulls/check-if-merged': checkIfMerged,
  'pulls/request-reviewers': requestReviewers,
  'pulls/list-requested-reviewers': listRequestedReviewers,
  'pulls/create-review': createReview,
  'pulls/list-reviews': listReviews,
  'pulls/dismiss-review': dismissReview,
  'issues/add-labels': addLabels,
  'issues/create-comment': createComment,
  'issues/list-labels-on-issue': listLabels,
  'repos/create-commit-status': createCommitStatus,
  'repos/create-deployment': createDeployment,
  'repos/list-deployments': listDeployments,
  'repos/get-deployment': getDeployment,
  'repos/create-deployment-status': createDeploymentStatus,
  'repos/list-deployment-statuses': listDeploymentStatuses,
  ...runsHandlers,
  ...settingsHandlers,
  ...teamsHandlers,
  ...refHandlers,
  ...attestationsHandlers,
};
