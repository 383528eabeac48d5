// Environment protection rules on the repository's real overlay-deploy.yaml, set through the
// stand-in's REST API as an administrator (or setup-repo) sets them on GitHub: a main-only
// deployment branch policy lets the deploy of a merged promotion run (GITHUB_REF is the base
// branch) and fails a run from any other branch before any step; required reviewers hold the deploy
// job until one of them approves through the pending_deployments API; the wait timer delays it.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { idForLogin } from '../github/objects.js';
import { startEnvironmentClusters, type EnvironmentClusters } from '../kube/clusters.js';
import { kubectl } from '../kube/kubectl.js';
import { git } from '../process.js';
import { createSandboxRepository, type SandboxRepository } from '../workspace.js';
import { passEnvironmentRules } from './environments.js';
import { createWorkflowDispatcher, type JobResult, type WorkflowDispatcher } from './index.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const TOKENS = {
  'admin-token': { login: 'admin', type: 'User' as const },
  'uat-lead-token': { login: 'uat-lead', type: 'User' as const },
  'mallory-token': { login: 'mallory', type: 'User' as const },
};

let repo: SandboxRepository | undefined;
let github: GitHubStandIn | undefined;
let clusters: EnvironmentClusters | undefined;
let dispatcher: WorkflowDispatcher | undefined;

async function sandbox() {
  repo = await createSandboxRepository({ source: ROOT });
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: TOKENS,
    requireApproval: (files) => files.some((file) => /^overlays\/(uat|prod)\//.test(file)),
    teams: { 'uat-approvers': ['uat-lead'] },
    administrators: ['admin'],
  });
  clusters = await startEnvironmentClusters(['dev', 'uat', 'prod']);
  dispatcher = createWorkflowDispatcher({
    repository: repo,
    github,
    tokenMode: 'app',
    workflowsDir: `${ROOT}.github/workflows`,
    workflows: ['service-release.yaml', 'overlay-update.yaml', 'overlay-deploy.yaml'],
    environments: clusters.environments,
    env: clusters.env,
  });
  return { repo, github, clusters, dispatcher };
}

afterEach(async () => {
  expect(github?.violations ?? [], 'every request satisfies GitHub’s description').toEqual([]);
  dispatcher?.dispose();
  await github?.close();
  await clusters?.close();
  await repo?.dispose();
  dispatcher = github = clusters = repo = undefined;
});

async function api(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${github!.url}/repos/${repo!.owner}/${repo!.repo}${path}`, {
    method,
    headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as unknown };
}

/** Settings → Environments → Deployment branches and tags: "Selected branches", pattern `main`. */
async function mainOnly(environment: string): Promise<void> {
  await api('PUT', `/environments/${environment}`, 'admin-token', {
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
  });
  const created = await api(
    'POST',
    `/environments/${environment}/deployment-branch-policies`,
    'admin-token',
    {
      name: 'main',
      type: 'branch',
    },
  );
  expect(created.status).toBe(200);
}

const deployJob = (d: WorkflowDispatcher): JobResult | undefined =>
  d.runs
    .find((r) => r.file === '.github/workflows/overlay-deploy.yaml')
    ?.result?.jobs.find((j) => j.id === 'deploy');

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(condition(), 'waited 30 s').toBe(true);
}

describe('deployment branch policy: main only', () => {
  it('the deploy of a merged dev promotion runs: GITHUB_REF is refs/heads/main', async () => {
    const s = await sandbox();
    await mainOnly('dev');
    await s.github.dispatchWorkflow('overlay-update.yaml', {
      inputs: { overlay: 'dev', service: 'orders', version: '1.6.0' },
      login: 'release-manager',
    });
    await s.dispatcher.idle();
    const deploy = s.dispatcher.runs.find((r) => r.file === '.github/workflows/overlay-deploy.yaml');
    expect(deploy).toMatchObject({ event: 'pull_request', action: 'closed' });
    expect(deploy?.result?.ref).toBe('refs/heads/main');
    expect(deployJob(s.dispatcher)).toMatchObject({ status: 'success', environment: { name: 'dev' } });
  });

  it('a run from another branch fails before any step: no deployment, nothing sent to the cluster', async () => {
    const s = await sandbox();
    await mainOnly('dev');
    await git(s.repo.origin, 'branch', 'try-prod-creds', 'main');
    await s.github.dispatchWorkflow('overlay-deploy.yaml', {
      ref: 'try-prod-creds',
      inputs: { overlay: 'dev', service: 'orders' },
      login: 'mallory',
    });
    await s.dispatcher.idle();
    const job = deployJob(s.dispatcher);
    expect(job?.status).toBe('failure');
    expect(job?.errors).toEqual([
      'Branch "try-prod-creds" is not allowed to deploy to dev due to environment protection rules.',
    ]);
    expect(job?.steps).toEqual([]);
    expect(s.github.deployments).toEqual([]);
    expect(s.clusters.byEnvironment['dev']!.requests).toEqual([]);
  });
});

describe('required reviewers', () => {
  it('the deploy job waits; a non-reviewer is refused; a uat-approvers member lets it run', async () => {
    const s = await sandbox();
    const team = (await (
      await fetch(`${s.github.url}/orgs/${s.repo.owner}/teams/uat-approvers`, {
        headers: { authorization: 'token admin-token' },
      })
    ).json()) as { id: number };
    const put = await api('PUT', '/environments/uat', 'admin-token', {
      reviewers: [{ type: 'Team', id: team.id }],
      prevent_self_review: true,
    });
    expect(put.status).toBe(200);
    // The dry run's server-side diff needs the environment's namespace, as on a real cluster.
    const namespace = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop-uat' } });
    const created = await kubectl(
      s.clusters.byEnvironment['uat']!,
      ['apply', '--server-side', '--field-manager=cluster-admin', '-f', '-'],
      namespace,
    );
    expect(created.exitCode, created.stderr).toBe(0);
    await s.github.dispatchWorkflow('overlay-deploy.yaml', {
      inputs: { overlay: 'uat', service: 'orders', 'dry-run': 'true' },
      login: 'uat-lead',
    });
    await until(() => s.github.settings.pendingDeployments.length > 0);
    const [pending] = s.github.settings.pendingDeployments;
    const listed = await api('GET', `/actions/runs/${pending!.runId}/pending_deployments`, 'mallory-token');
    expect(listed.body).toMatchObject([
      { environment: { name: 'uat' }, current_user_can_approve: false, reviewers: [{ type: 'Team' }] },
    ]);
    const environmentId = (listed.body as { environment: { id: number } }[])[0]!.environment.id;
    const review = { environment_ids: [environmentId], state: 'approved', comment: 'ok' };

    const byMallory = await api(
      'POST',
      `/actions/runs/${pending!.runId}/pending_deployments`,
      'mallory-token',
      review,
    );
    expect(byMallory.status).toBe(422);
    // prevent_self_review: the member who started the run may not approve it either.
    const bySelf = await api(
      'POST',
      `/actions/runs/${pending!.runId}/pending_deployments`,
      'uat-lead-token',
      review,
    );
    expect(bySelf.status).toBe(422);
    expect(deployJob(s.dispatcher)).toBeUndefined();

    await api('PUT', '/environments/uat', 'admin-token', { prevent_self_review: false });
    const approved = await api(
      'POST',
      `/actions/runs/${pending!.runId}/pending_deployments`,
      'uat-lead-token',
      review,
    );
    expect(approved.status).toBe(200);
    await s.dispatcher.idle();
    expect(deployJob(s.dispatcher)?.status).toBe('success');
    expect(pending?.decision).toMatchObject({ state: 'approved', by: { login: 'uat-lead' } });
  });

  it('a rejection fails the job with GitHub’s message', async () => {
    const s = await sandbox();
    await api('PUT', '/environments/uat', 'admin-token', {
      // The stand-in gives every login a stable id, as `GET /users/{username}` would tell it.
      reviewers: [{ type: 'User', id: idForLogin('uat-lead') }],
    });
    await s.github.dispatchWorkflow('overlay-deploy.yaml', {
      inputs: { overlay: 'uat', service: 'orders' },
      login: 'admin',
    });
    await until(() => s.github.settings.pendingDeployments.length > 0);
    const [pending] = s.github.settings.pendingDeployments;
    const listed = await api('GET', `/actions/runs/${pending!.runId}/pending_deployments`, 'uat-lead-token');
    const environmentId = (listed.body as { environment: { id: number } }[])[0]!.environment.id;
    await api('POST', `/actions/runs/${pending!.runId}/pending_deployments`, 'uat-lead-token', {
      environment_ids: [environmentId],
      state: 'rejected',
      comment: 'not now',
    });
    await s.dispatcher.idle();
    expect(deployJob(s.dispatcher)).toMatchObject({
      status: 'failure',
      errors: ["The deployment was rejected or didn't satisfy other protection rules."],
      steps: [],
    });
    expect(s.github.deployments).toEqual([]);
  });
});

describe('wait timer', () => {
  it('delays the job by its minutes before it may start', async () => {
    const s = await sandbox();
    await api('PUT', '/environments/prod', 'admin-token', { wait_timer: 30 });
    const slept: number[] = [];
    const refused = await passEnvironmentRules('prod', {
      github: s.github,
      runId: 1,
      ref: 'refs/heads/main',
      actor: 'admin',
      sleep: async (ms) => {
        slept.push(ms);
      },
      progress: () => undefined,
    });
    expect(refused).toBeUndefined();
    expect(slept).toEqual([30 * 60_000]);
  });
});
