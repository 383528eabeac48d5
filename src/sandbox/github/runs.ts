// Workflow runs as the Actions tab and the REST API list them: `GET /repos/{owner}/{repo}/actions/runs`
// (operation actions/list-workflow-runs-for-repo) and `GET .../actions/runs/{run_id}`
// (actions/get-workflow-run). The runs are what the sandbox's dispatcher started; it records each one
// and its changes (queued, in_progress, completed with success, failure or cancelled) here, so a
// run cancelled by a concurrency group lists as GitHub lists it: status `completed`, conclusion
// `cancelled`. Docs: https://docs.github.com/en/rest/actions/workflow-runs
import { notFound } from './errors.js';
import type { Handler } from './handler.js';
import { nodeId, repoPath, userObject, workflowIdFor, type RepoContext } from './objects.js';
import type { WorkflowRunState } from './types.js';

type Obj = Record<string, unknown>;

/** Adds a run, or replaces the one of that id (a re-run's attempt replaces the one before). */
export function recordWorkflowRun(runs: WorkflowRunState[], run: WorkflowRunState): void {
  const index = runs.findIndex((r) => r.id === run.id);
  if (index >= 0) runs[index] = { ...run };
  else runs.push({ ...run });
}

/** The `workflow-run` schema of GitHub's description. */
export function workflowRunObject(ctx: RepoContext, repository: Obj, run: WorkflowRunState): Obj {
  const r = repoPath(ctx);
  const url = `${r}/actions/runs/${run.id}`;
  const workflowId = workflowIdFor(run.path);
  const actor = userObject(ctx, run.actor);
  const minimal = Object.fromEntries(
    Object.entries(repository).filter(([key]) => !/(_count|_at|^permissions)$/.test(key)),
  );
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId('WFR', run.id),
    check_suite_id: run.id + 1,
    check_suite_node_id: nodeId('CS', run.id + 1),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.path,
    run_number: run.runNumber,
    run_attempt: run.attempt,
    event: run.event,
    display_title: run.displayTitle,
    status: run.status,
    conclusion: run.status === 'completed' ? run.conclusion : null,
    workflow_id: workflowId,
    url,
    html_url: `${ctx.html}/${ctx.owner}/${ctx.repo}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.createdAt,
    actor,
    triggering_actor: actor,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${r}/check-suites/${run.id + 1}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: run.attempt > 1 ? `${url}/attempts/${run.attempt - 1}` : null,
    workflow_url: `${r}/actions/workflows/${workflowId}`,
    head_commit: {
      id: run.headSha,
      tree_id: run.headSha,
      message: run.displayTitle,
      timestamp: run.createdAt,
      author: { name: run.actor.login, email: `${run.actor.login}@users.noreply.github.com` },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    repository: minimal,
    head_repository: minimal,
  };
}

/** `status=` takes a status or a conclusion (GitHub's filter accepts both). */
function matchesStatus(run: WorkflowRunState, status: string): boolean {
  return run.status === status || (run.status === 'completed' && run.conclusion === status);
}

const listWorkflowRuns: Handler = async (c) => {
  const q = (name: string) => c.query.get(name);
  const runs = [...c.store.workflowRuns]
    .reverse()
    .filter((run) => q('status') === null || matchesStatus(run, q('status')!))
    .filter((run) => q('event') === null || run.event === q('event'))
    .filter((run) => q('branch') === null || run.headBranch === q('branch'))
    .filter((run) => q('actor') === null || run.actor.login.toLowerCase() === q('actor')!.toLowerCase())
    .filter((run) => q('head_sha') === null || run.headSha === q('head_sha'));
  const perPage = Math.min(Math.max(Number(q('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(q('page') ?? 1) || 1, 1);
  const repository = c.store.repository();
  return {
    status: 200,
    body: {
      total_count: runs.length,
      workflow_runs: runs
        .slice((page - 1) * perPage, page * perPage)
        .map((run) => workflowRunObject(c.store.ctx, repository, run)),
    },
  };
};

const getWorkflowRun: Handler = async (c) => {
  const run = c.store.workflowRuns.find((r) => r.id === Number(c.params['run_id']));
  if (!run) throw notFound();
  return { status: 200, body: workflowRunObject(c.store.ctx, c.store.repository(), run) };
};

export const runsHandlers: Record<string, Handler> = {
  'actions/list-workflow-runs-for-repo': listWorkflowRuns,
  'actions/get-workflow-run': getWorkflowRun,
};
