// Who may release and who may promote by hand, through the repository's real workflow files run by
// the sandbox runner on the stand-in's events (App token mode: the workflows create the App token
// that reads team membership). The sample config allows release-manager and team release-managers
// to release, and team uat-approvers to promote to uat by hand.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { git } from '../process.js';
import { createSandboxRepository, SEED_PATHS, type SandboxRepository } from '../workspace.js';
import { recordDeploy } from '../record-deploy.js';
import { createWorkflowDispatcher, SANDBOX_APP, type JobResult, type WorkflowDispatcher } from './index.js';
import type { SandboxApp } from './stand-ins.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let repo: SandboxRepository | undefined;
let github: GitHubStandIn | undefined;
let dispatcher: WorkflowDispatcher | undefined;

async function sandbox(app?: SandboxApp) {
  repo = await createSandboxRepository({ source: ROOT, paths: [...SEED_PATHS, 'services'] });
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: {},
    requireApproval: (files) => files.some((file) => /^overlays\/(uat|prod)\//.test(file)),
    teams: { 'uat-approvers': ['uat-lead'], 'release-managers': ['mona'] },
  });
  dispatcher = createWorkflowDispatcher({
    repository: repo,
    github,
    tokenMode: 'app',
    ...(app ? { app } : {}),
    workflowsDir: `${ROOT}.github/workflows`,
    workflows: ['service-release.yaml', 'overlay-update.yaml', 'overlay-deploy.yaml'],
  });
  return { repo, github, dispatcher };
}

afterEach(async () => {
  expect(github?.violations ?? [], 'every request satisfies GitHub’s description').toEqual([]);
  dispatcher?.dispose();
  await github?.close();
  await repo?.dispose();
  dispatcher = github = repo = undefined;
});

/** dev deployed what it runs in the seed (orders 1.5.0), as overlay-deploy records it: uat takes it. */
async function devDeployed(s: { github: GitHubStandIn; repo: SandboxRepository }): Promise<void> {
  const token = 'ghs_deployRecorder0123456789';
  s.github.registerToken(token, { login: 'promotion-app[bot]', type: 'Bot' });
  await recordDeploy({
    apiUrl: s.github.url,
    token,
    repository: s.repo,
    environment: 'dev',
    service: 'orders',
    version: { tag: '1.5.0' },
  });
}

async function releaseBranches(origin: string): Promise<string[]> {
  const refs = await git(origin, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/release/');
  return refs.split('\n').filter(Boolean);
}

const errors = (job: JobResult | undefined): string[] =>
  (job?.steps ?? []).flatMap((s) => s.annotations.filter((a) => a.level === 'error').map((a) => a.message));

describe('overlay-update.yaml dispatched by hand', () => {
  it('uat by someone not in uat-approvers: the run fails at the check; no branch, no PR', async () => {
    const s = await sandbox();
    await s.github.dispatchWorkflow('overlay-update.yaml', {
      inputs: { overlay: 'uat', service: 'orders' },
      login: 'mallory',
    });
    await s.dispatcher.idle();
    const [run, ...others] = s.dispatcher.runs;
    expect(others).toEqual([]);
    expect(run?.result?.conclusion).toBe('failure');
    const update = run!.result!.jobs.find((j) => j.id === 'update');
    expect(errors(update)).toEqual([
      expect.stringMatching(
        /^Refused: mallory may not promote orders to uat by hand\. Allowed by the promoters/,
      ),
    ]);
    expect(await releaseBranches(s.repo.origin)).toEqual([]);
    expect(s.github.pulls).toEqual([]);
    // Read with the App's installation token, not GITHUB_TOKEN (which could not tell).
    expect(
      s.github.requests
        .filter((r) => r.operationId?.startsWith('teams/'))
        .map((r) => [r.operationId, r.login]),
    ).toEqual([
      ['teams/get-membership-for-user-in-org', 'promotion-app[bot]'],
      ['teams/get-by-name', 'promotion-app[bot]'],
    ]);
  });

  it('uat by a member of uat-approvers: the promotion PR opens', async () => {
    const s = await sandbox();
    await devDeployed(s);
    await s.github.dispatchWorkflow('overlay-update.yaml', {
      inputs: { overlay: 'uat', service: 'orders' },
      login: 'uat-lead',
    });
    await s.dispatcher.idle();
    expect(s.dispatcher.failures()).toEqual([]);
    expect(s.github.pulls.map((p) => [p.head.ref, p.state])).toEqual([['release/orders/uat', 'open']]);
  });
});

describe('overlay-update.yaml dispatched from another branch', () => {
  it('uat from a branch whose config lists the dispatcher: refused naming main; no branch, no PR', async () => {
    const s = await sandbox();
    const config = await git(s.repo.origin, 'show', 'main:.github/promotion.yaml');
    await s.repo.pushToBranch(
      'add-me',
      { '.github/promotion.yaml': `${config.replaceAll('teams: [uat-approvers]', 'users: [mallory]')}\n` },
      'me',
    );
    await s.github.dispatchWorkflow('overlay-update.yaml', {
      ref: 'add-me',
      inputs: { overlay: 'uat', service: 'orders' },
      login: 'mallory',
    });
    await s.dispatcher.idle();
    const [run] = s.dispatcher.runs;
    expect(run?.result?.ref).toBe('refs/heads/add-me');
    expect(errors(run!.result!.jobs.find((j) => j.id === 'update'))).toEqual([
      expect.stringMatching(
        /^Refused: a promotion to 'uat' by hand runs only from the default branch main, and this run is on refs\/heads\/add-me/,
      ),
    ]);
    expect(await releaseBranches(s.repo.origin)).toEqual([]);
    expect(s.github.pulls).toEqual([]);
  });
});

describe('service-release.yaml', () => {
  it('dispatched by someone not allowed: refused before the build; no image, no branch, no PR', async () => {
    const s = await sandbox();
    await s.github.dispatchWorkflow('service-release.yaml', {
      inputs: { service: 'orders', version: '2.0.0' },
      login: 'mallory',
    });
    await s.dispatcher.idle();
    const [run, ...others] = s.dispatcher.runs;
    expect(others).toEqual([]);
    expect(run?.result?.conclusion).toBe('failure');
    const build = run!.result!.jobs.find((j) => j.id === 'build')!;
    const release = build.steps.find((st) => st.id === 'plan')!;
    expect(release.status).toBe('failure');
    expect(build.steps.find((st) => st.id === 'build')?.status).toBe('skipped');
    expect(errors(build)).toEqual([
      expect.stringMatching(
        /^Refused: mallory may not run a release of orders\. Allowed by release\.allowed/,
      ),
    ]);
    expect(build.steps.find((st) => st.id === 'app-token')).toMatchObject({
      status: 'success',
      kind: 'stand-in',
    });
    expect(run!.result!.jobs.find((j) => j.id === 'promote')?.status).toBe('skipped');
    expect(await releaseBranches(s.repo.origin)).toEqual([]);
    expect(s.github.pulls).toEqual([]);
  });
});

describe('the App token each job mints', () => {
  it('overlay-update asks for contents and pull requests write, members and deployments read, for its repository only', async () => {
    const s = await sandbox();
    await devDeployed(s);
    await s.github.dispatchWorkflow('overlay-update.yaml', {
      inputs: { overlay: 'uat', service: 'orders' },
      login: 'uat-lead',
    });
    await s.dispatcher.idle();
    expect(s.dispatcher.failures()).toEqual([]);
    const step = s.dispatcher.runs[0]!.result!.jobs.find((j) => j.id === 'update')!.steps.find(
      (st) => st.id === 'app-token',
    );
    // Both empty: create-github-app-token scopes the token to the current repository only.
    expect(step?.inputs).toMatchObject({
      owner: '',
      repositories: '',
      'permission-contents': 'write',
      'permission-pull-requests': 'write',
      'permission-members': 'read',
      'permission-deployments': 'read',
    });
    expect(step?.log).toContain(
      `permissions contents: write, pull_requests: write, members: read, deployments: read, for ${s.repo.owner}/${s.repo.repo}`,
    );
  });

  it('an App not granted Members read gets no token: the promotion stops, nothing pushed, no PR', async () => {
    const s = await sandbox({
      ...SANDBOX_APP,
      permissions: { contents: 'write', pull_requests: 'write', metadata: 'read' },
    });
    await s.github.dispatchWorkflow('overlay-update.yaml', {
      inputs: { overlay: 'uat', service: 'orders' },
      login: 'uat-lead',
    });
    await s.dispatcher.idle();
    const update = s.dispatcher.runs[0]!.result!.jobs.find((j) => j.id === 'update')!;
    expect(update.status).toBe('failure');
    expect(update.steps.find((st) => st.id === 'app-token')?.error).toContain(
      'The permissions requested are not granted to this installation',
    );
    expect(await releaseBranches(s.repo.origin)).toEqual([]);
    expect(s.github.pulls).toEqual([]);
  });
});
