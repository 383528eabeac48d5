// The repository's real workflow files, run by the sandbox runner on the stand-in's events: the
// dev → uat → prod chain in both token modes, with real git, the committed action bundles, real
// kustomize and kubectl, and a Kubernetes API stand-in per environment (no cluster can run here),
// reached through each environment's KUBECONFIG secret and read back with kubectl get.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { deploymentsIn, startEnvironmentClusters, type EnvironmentClusters } from '../kube/index.js';
import { git } from '../process.js';
import { createSandboxRepository, type SandboxRepository } from '../workspace.js';
import {
  createWorkflowDispatcher,
  formatRun,
  type DispatchedRun,
  type JobResult,
  type TokenMode,
  type WorkflowDispatcher,
  type WorkflowRunResult,
} from './index.js';
import { configOnMainWith } from '../config-on-main.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const WORKFLOWS = `${ROOT}.github/workflows`;

let repo: SandboxRepository | undefined;
let github: GitHubStandIn | undefined;
let clusters: EnvironmentClusters | undefined;
let dispatcher: WorkflowDispatcher | undefined;

async function sandbox(tokenMode: TokenMode) {
  repo = await createSandboxRepository({ source: ROOT });
  // These chains promote a version by hand (overlay-update), which pins no digest: a prod that
  // requires attestation (the default) would refuse it, as attest.test.ts and the demo show.
  await repo.pushToMain(
    {
      '.github/promotion.yaml': await configOnMainWith(repo, 'environments', 'prod', {
        'require-attestation': false,
      }),
    },
    'prod admits images without attestation',
  );
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    // Only tokens the runner registers (GITHUB_TOKEN per job, the App's installation tokens) work.
    tokens: {},
    // CODEOWNERS on the uat and prod overlays: their promotion PRs need an approving review.
    requireApproval: (files) => files.some((file) => /^overlays\/(uat|prod)\//.test(file)),
  });
  clusters = await startEnvironmentClusters(['dev', 'uat', 'prod']);
  dispatcher = createWorkflowDispatcher({
    repository: repo,
    github,
    tokenMode,
    workflowsDir: WORKFLOWS,
    workflows: ['service-release.yaml', 'overlay-update.yaml', 'overlay-deploy.yaml'],
    environments: clusters.environments,
    env: clusters.env,
    ...(process.env.SANDBOX_TRACE ? { onProgress: (line: string) => console.log(line) } : {}),
  });
  return { repo, github, clusters: clusters.byEnvironment, dispatcher };
}

afterEach(async () => {
  dispatcher?.dispose();
  await github?.close();
  await clusters?.close();
  await repo?.dispose();
  dispatcher = github = clusters = repo = undefined;
});

/** `namespace/name image (generation)` of every Deployment the environment's cluster runs. */
const running = async (s: { clusters: EnvironmentClusters['byEnvironment'] }, environment: string) =>
  (await deploymentsIn(s.clusters[environment]!)).map(
    (d) => `${d.namespace}/${d.name} ${d.images.join(',')} (${d.generation})`,
  );
const runsOf = (d: WorkflowDispatcher, file: string): DispatchedRun[] =>
  d.runs.filter((run) => run.file === `.github/workflows/${file}`);
const job = (result: WorkflowRunResult | JobResult | undefined, path: string): JobResult => {
  const jobs = result && 'jobs' in result ? result.jobs : (result?.call?.jobs ?? []);
  const found = jobs.find((j) => j.id === path);
  if (!found) throw new Error(`no job ${path}`);
  return found;
};
const step = (j: JobResult, name: RegExp) => {
  const found = j.steps.find((s) => name.test(s.name));
  if (!found)
    throw new Error(`no step ${String(name)} in ${j.path}: ${j.steps.map((s) => s.name).join(', ')}`);
  return found;
};
/** Deployments the overlay-deploy action recorded (GitHub Actions records its own for `environment:`). */
const actionDeployments = (gh: GitHubStandIn) =>
  gh.deployments.filter((d) => typeof d.payload === 'object' && 'service' in d.payload);

function expectClean(d: WorkflowDispatcher, gh: GitHubStandIn): void {
  const failures = d.failures();
  expect(
    failures.map((run) => (run.result ? formatRun(run.result) : String(run.error))),
    'every run succeeds',
  ).toEqual([]);
  expect(gh.violations, 'every request and event satisfies GitHub’s description').toEqual([]);
  expect(gh.hookErrors).toEqual([]);
}

async function releaseToDev(tokenMode: TokenMode) {
  const s = await sandbox(tokenMode);
  // An engineer presses "Run workflow" on overlay-update in the Actions tab.
  await s.github.dispatchWorkflow('overlay-update.yaml', {
    ref: 'main',
    inputs: { overlay: 'dev', service: 'orders', version: '1.6.0' },
    login: 'release-manager',
  });
  await s.dispatcher.idle();
  expectClean(s.dispatcher, s.github);
  return s;
}

/** Checks what both token modes must end with: dev deployed exactly once, the uat PR open. */
async function expectDevDeployedOnceAndUatOpen(s: Awaited<ReturnType<typeof sandbox>>) {
  const deploys = runsOf(s.dispatcher, 'overlay-deploy.yaml');
  expect(deploys, 'exactly one overlay-deploy run').toHaveLength(1);
  // The dev cluster runs orders 1.6.0, applied once (generation 1); the other clusters nothing yet.
  expect(await running(s, 'dev')).toEqual(['shop-dev/orders ghcr.io/acme/orders:1.6.0 (1)']);
  expect(await running(s, 'uat')).toEqual([]);
  const deploy = deploys[0]!.result!;
  expect(job(deploy, 'target').outputs).toEqual({ overlay: 'dev', service: 'orders' });
  const deployJob = job(deploy, 'deploy');
  expect(deployJob.status).toBe('success');
  expect(deployJob.outputs).toEqual({
    deployed: 'true',
    version: '1.6.0',
    digest: '',
    'next-overlay': 'uat',
    rollback: 'false',
  });
  expect(step(deployJob, /^Deploy$/).kind).toBe('action');
  expect(deployJob.environment?.name).toBe('dev');

  const recorded = actionDeployments(s.github);
  expect(recorded).toHaveLength(1);
  expect(recorded[0]).toMatchObject({ environment: 'dev', payload: { service: 'orders', version: '1.6.0' } });
  // One status, the outcome; GitHub's own deployment for `environment:` (when the workflow lets GitHub
  // create one) then marks it inactive, as auto_inactive does for the environment's earlier ones.
  expect(recorded[0]!.statuses.map((st) => st.state)).toEqual([
    'success',
    ...(deployJob.environment?.deployment ? ['inactive'] : []),
  ]);

  const promote = job(deploy, 'promote');
  expect(promote.status).toBe('success');
  expect(promote.call?.file).toBe('.github/workflows/overlay-update.yaml');
  // Exactly what dev deployed moves on; overlay-update checks it against the deployment record.
  expect(promote.call?.inputs).toMatchObject({
    overlay: 'uat',
    service: 'orders',
    version: '1.6.0',
    digest: '',
    'allow-downgrade': false,
  });
  const uat = s.github.pulls.find((pr) => pr.head.ref === 'release/orders/uat');
  expect(uat).toMatchObject({ state: 'open', merged: false, base: { ref: 'main' } });
  expect(promote.outputs).toMatchObject({ merged: 'false', 'pull-request-number': String(uat!.number) });
  return { deploy, uat: uat! };
}

describe('overlay-update dispatched for dev, then the chain the events start', () => {
  it('app token mode: the merge event starts overlay-deploy once; the gh dispatch step is skipped by its if', async () => {
    const s = await releaseToDev('app');
    const [update, ...others] = runsOf(s.dispatcher, 'overlay-update.yaml');
    expect(others).toEqual([]);
    expect(update).toMatchObject({ event: 'workflow_dispatch', actor: 'release-manager' });
    const updateJob = job(update!.result, 'update');
    expect(updateJob.outputs).toMatchObject({ merged: 'true', 'token-mode': 'app', version: '1.6.0' });
    const appToken = step(updateJob, /GitHub App token/);
    expect(appToken).toMatchObject({ status: 'success', kind: 'stand-in' });
    expect(appToken.standIn?.reason).toContain('promotion-app[bot]');
    const ghStep = step(updateJob, /Dispatch the deploy/);
    expect(ghStep.status).toBe('skipped');
    expect(ghStep.if).toEqual({
      expression:
        "success() && (steps.update.outputs.merged == 'true' && steps.mode.outputs.mode == 'github-token')",
      value: false,
    });

    // The App merged the dev PR: GitHub delivers pull_request.closed and it starts overlay-deploy.
    const dev = s.github.pulls.find((pr) => pr.head.ref === 'release/orders/dev');
    expect(dev).toMatchObject({ merged: true, mergedBy: { login: 'promotion-app[bot]' } });
    const closed = s.dispatcher.log.find((e) => e.event === 'pull_request' && e.action === 'closed');
    expect(closed).toMatchObject({
      actor: 'promotion-app[bot]',
      triggersWorkflows: true,
      started: [{ file: '.github/workflows/overlay-deploy.yaml' }],
    });
    expect(runsOf(s.dispatcher, 'overlay-deploy.yaml')[0]).toMatchObject({
      event: 'pull_request',
      action: 'closed',
    });

    const { deploy, uat } = await expectDevDeployedOnceAndUatOpen(s);
    expect(uat.user.login).toBe('promotion-app[bot]');
    expect(job(job(deploy, 'promote'), 'update').outputs['token-mode']).toBe('app');
    // Nothing else was dispatched: the only dispatch is the engineer's.
    expect(s.github.dispatches.map((d) => d.actor.login)).toEqual(['release-manager']);
    expect(update!.result!.standIns.map((x) => x.uses.replace(/@.*/, ''))).toEqual([
      'actions/create-github-app-token',
      'actions/checkout',
    ]);
  });

  it('github-token mode: the merge starts nothing; the gh step dispatches overlay-deploy once', async () => {
    const s = await releaseToDev('github-token');
    const update = runsOf(s.dispatcher, 'overlay-update.yaml')[0]!.result!;
    const updateJob = job(update, 'update');
    expect(updateJob.outputs).toMatchObject({ merged: 'true', 'token-mode': 'github-token' });
    expect(step(updateJob, /GitHub App token/).status).toBe('skipped');
    expect(step(updateJob, /Say which token/).annotations[0]).toMatchObject({
      level: 'notice',
      properties: { title: 'Token mode' },
    });
    const ghStep = step(updateJob, /Dispatch the deploy/);
    expect(ghStep).toMatchObject({ status: 'success', if: { value: true } });
    expect(ghStep.standIn?.reason).toContain(
      'gh workflow run overlay-deploy.yaml --ref main -f overlay=dev -f service=orders',
    );

    // GitHub's rule: the GITHUB_TOKEN's merge event starts no workflow ...
    const closed = s.dispatcher.log.find((e) => e.event === 'pull_request' && e.action === 'closed');
    expect(closed).toMatchObject({ actor: 'github-actions[bot]', triggersWorkflows: false, started: [] });
    // ... but its dispatch does.
    expect(s.github.dispatches.map((d) => [d.actor.login, d.path, d.inputs])).toEqual([
      [
        'release-manager',
        '.github/workflows/overlay-update.yaml',
        {
          overlay: 'dev',
          service: 'orders',
          version: '1.6.0',
          'allow-downgrade': 'false',
          digest: '',
          config: '.github/promotion.yaml',
          // The dispatch trigger's defaults, as GitHub fills them in.
          repository: '',
          'deploy-workflow': 'overlay-deploy.yaml',
          'from-release': 'false',
        },
      ],
      [
        'github-actions[bot]',
        '.github/workflows/overlay-deploy.yaml',
        { overlay: 'dev', service: 'orders', 'dry-run': 'false', 'suite-repository': '' },
      ],
    ]);
    expect(runsOf(s.dispatcher, 'overlay-deploy.yaml')[0]).toMatchObject({
      event: 'workflow_dispatch',
      actor: 'github-actions[bot]',
    });

    const { uat } = await expectDevDeployedOnceAndUatOpen(s);
    expect(uat.user).toMatchObject({ login: 'github-actions[bot]', isGithubToken: true });
  });
});

describe('reviewers merge the next environments', () => {
  it.each(['app', 'github-token'] as const)(
    '%s mode: merging uat deploys uat and opens prod; merging prod deploys prod and promotes nothing',
    async (tokenMode) => {
      const s = await releaseToDev(tokenMode);
      const { uat } = await expectDevDeployedOnceAndUatOpen(s);

      // CODEOWNERS: the uat overlay needs an approving review before it merges (405, as GitHub answers).
      await expect(s.github.mergePull(uat.number, { login: 'uat-approver' })).rejects.toThrow(
        /approving review is required/,
      );
      await s.github.approve(uat.number, 'uat-approver');
      await s.github.mergePull(uat.number, { login: 'uat-approver' });
      await s.dispatcher.idle();
      expectClean(s.dispatcher, s.github);

      const afterUat = runsOf(s.dispatcher, 'overlay-deploy.yaml');
      expect(afterUat).toHaveLength(2);
      expect(afterUat[1]).toMatchObject({ event: 'pull_request', action: 'closed', actor: 'uat-approver' });
      const uatDeploy = afterUat[1]!.result!;
      expect(job(uatDeploy, 'deploy').outputs).toEqual({
        deployed: 'true',
        version: '1.6.0',
        digest: '',
        'next-overlay': 'prod',
        rollback: 'false',
      });
      expect(await running(s, 'uat')).toEqual(['shop-uat/orders ghcr.io/acme/orders:1.6.0 (1)']);
      expect(await running(s, 'prod')).toEqual([]);
      const prod = s.github.pulls.find((pr) => pr.head.ref === 'release/orders/prod');
      expect(prod).toMatchObject({ state: 'open', merged: false });
      expect(job(job(uatDeploy, 'promote'), 'update').outputs).toMatchObject({
        version: '1.6.0',
        merged: 'false',
        'pull-request-number': String(prod!.number),
      });

      await s.github.approve(prod!.number, 'prod-approver');
      await s.github.mergePull(prod!.number, { login: 'prod-approver' });
      await s.dispatcher.idle();
      expectClean(s.dispatcher, s.github);

      const deploys = runsOf(s.dispatcher, 'overlay-deploy.yaml');
      expect(deploys).toHaveLength(3);
      const prodDeploy = deploys[2]!.result!;
      expect(job(prodDeploy, 'deploy').outputs).toEqual({
        deployed: 'true',
        version: '1.6.0',
        digest: '',
        'next-overlay': '',
        rollback: 'false',
      });
      expect(job(prodDeploy, 'promote')).toMatchObject({
        status: 'skipped',
        if: { expression: "success() && (needs.deploy.outputs.next-overlay != '')", value: false },
      });
      for (const environment of ['dev', 'uat', 'prod'])
        expect(await running(s, environment)).toEqual([
          `shop-${environment}/orders ghcr.io/acme/orders:1.6.0 (1)`,
        ]);
      expect(actionDeployments(s.github).map((d) => d.environment)).toEqual(['dev', 'uat', 'prod']);
      // The chain ends: three promotion PRs, all merged, and no overlay-update ran after prod.
      expect(s.github.pulls.map((pr) => [pr.head.ref, pr.merged])).toEqual([
        ['release/orders/dev', true],
        ['release/orders/uat', true],
        ['release/orders/prod', true],
      ]);
      expect(runsOf(s.dispatcher, 'overlay-update.yaml')).toHaveLength(1);
    },
    180_000,
  );
});

describe('a promotion PR closed without merging', () => {
  it('starts overlay-deploy, whose target job is skipped by its if: nothing deploys', async () => {
    const s = await sandbox('app');
    // Someone pushes a uat promotion branch, opens its PR, then closes it unmerged.
    const work = await s.repo.checkout('hand-made');
    const overlay = `${work}/overlays/uat/kustomization.yaml`;
    const before = await readFile(overlay, 'utf8');
    const after = before.replace(
      /(name: ghcr\.io\/acme\/orders\n\s+newTag: )\S+/,
      (_, head: string) => `${head}1.6.0`,
    );
    expect(after).not.toBe(before);
    await writeFile(overlay, after);
    await git(
      work,
      '-c',
      'user.name=Dev',
      '-c',
      'user.email=dev@example.invalid',
      'commit',
      '--quiet',
      '-am',
      'uat',
    );
    await git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/release/orders/uat');
    s.github.registerToken('reviewer-token', { login: 'reviewer', type: 'User' });
    const call = (method: string, path: string, body: unknown) =>
      fetch(`${s.github.url}/repos/acme/platform${path}`, {
        method,
        headers: { authorization: 'token reviewer-token', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = (await (
      await call('POST', '/pulls', { title: 'uat', head: 'acme:release/orders/uat', base: 'main' })
    ).json()) as { number: number };
    expect((await call('PATCH', `/pulls/${created.number}`, { state: 'closed' })).status).toBe(200);
    await s.dispatcher.idle();
    expectClean(s.dispatcher, s.github);

    const deploys = runsOf(s.dispatcher, 'overlay-deploy.yaml');
    expect(deploys).toHaveLength(1);
    expect(deploys[0]).toMatchObject({ event: 'pull_request', action: 'closed', actor: 'reviewer' });
    const result = deploys[0]!.result!;
    expect(job(result, 'target')).toMatchObject({ status: 'skipped', if: { value: false } });
    expect(job(result, 'target').if.expression).toContain('github.event.pull_request.merged == true');
    expect(job(result, 'deploy').status).toBe('skipped');
    expect(job(result, 'promote').status).toBe('skipped');
    expect(result.conclusion).toBe('success');
    for (const environment of ['dev', 'uat', 'prod']) expect(await running(s, environment)).toEqual([]);
    expect(s.github.deployments).toEqual([]);
    // The opened event matched no workflow (overlay-deploy listens to closed only).
    expect(s.dispatcher.log.map((e) => [e.action, e.started.length])).toEqual([
      ['opened', 0],
      ['closed', 1],
    ]);
  });
});
