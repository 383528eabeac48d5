// The overlay-deploy bundle built from the source (test/global-setup.ts), run as a runner runs it,
// on events from the GitHub stand-in, with the real kustomize rendering. No Kubernetes cluster can
// run here: a recording kubectl first on PATH stands in for the cluster (apply, rollout status,
// diff), so these tests check the exact calls.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../sandbox/github/index.js';
import {
  createRecordingKubectl,
  type KubectlCall,
  type RecordingKubectl,
} from '../sandbox/kubectl-recorder.js';
import { git } from '../sandbox/process.js';
import { runAction, suiteActionsDir, type ActionRun } from '../sandbox/run-action.js';
import { createSandboxRepository, type SandboxRepository } from '../sandbox/workspace.js';

const TOKEN = 'ghs_promotionAppToken0123456789';

let repo: SandboxRepository;
let github: GitHubStandIn;
let kubectl: RecordingKubectl;

beforeEach(async () => {
  repo = await createSandboxRepository();
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: { [TOKEN]: { login: 'promotion-app[bot]', type: 'Bot' } },
  });
});

afterEach(async () => {
  expect(github.violations, 'every request and response must satisfy the OpenAPI description').toEqual([]);
  await github.close();
  await kubectl?.dispose();
  await repo.dispose();
});

async function run(
  action: 'overlay-update' | 'overlay-deploy',
  inputs: Record<string, string>,
  event?: { name: string; payload: unknown },
): Promise<ActionRun> {
  return runAction({
    action: join(suiteActionsDir(), action),
    inputs,
    workspace: await repo.checkout(),
    repository: `${repo.owner}/${repo.repo}`,
    token: TOKEN,
    apiUrl: github.url,
    eventName: event?.name ?? 'workflow_dispatch',
    event: event?.payload ?? { repository: { default_branch: 'main' } },
    env: kubectl.env,
  });
}

/** Promotes orders to dev through the real overlay-update bundle and returns the merge event GitHub sends. */
async function mergedDevPromotion(version = '1.6.0') {
  const update = await run('overlay-update', { overlay: 'dev', service: 'orders', version });
  expect(update.outputs.merged).toBe('true');
  const event = github.events.find((e) => e.name === 'pull_request' && e.action === 'closed');
  expect(event?.payload).toMatchObject({
    pull_request: { merged: true, head: { ref: 'release/orders/dev' } },
  });
  return { name: 'pull_request', payload: event!.payload as { pull_request: { merge_commit_sha: string } } };
}

const applies = (calls: KubectlCall[]) => calls.filter((call) => call.argv[0] === 'apply');
const rollouts = (calls: KubectlCall[]) => calls.filter((call) => call.argv[0] === 'rollout');

describe('overlay-deploy on the merge of a promotion PR', () => {
  it("applies the service's rendered manifests server-side, waits for the rollout, records the deployment, names uat", async () => {
    kubectl = await createRecordingKubectl();
    const event = await mergedDevPromotion();
    const deploy = await run('overlay-deploy', {}, event);
    expect(deploy.stderr).toBe('');
    expect(deploy.exitCode).toBe(0);
    expect(deploy.outputs).toMatchObject({
      service: 'orders',
      overlay: 'dev',
      version: '1.6.0',
      deployed: 'true',
      'next-overlay': 'uat',
    });

    const calls = await kubectl.calls();
    expect(applies(calls).map((call) => call.argv)).toEqual([
      ['apply', '--server-side', '--field-manager=gitops-promotion', '-f', '-'],
    ]);
    const applied = applies(calls)[0]!.documents as {
      kind: string;
      metadata: { name: string; namespace?: string };
      spec?: { template?: { spec: { containers: { image: string }[] } } };
    }[];
    expect(applied.map((doc) => `${doc.kind}/${doc.metadata.name}`)).toEqual([
      'Namespace/shop-dev',
      'Service/orders',
      'Deployment/orders',
    ]);
    expect(applied.find((doc) => doc.kind === 'Deployment')!.spec!.template!.spec.containers[0]!.image).toBe(
      'ghcr.io/acme/orders:1.6.0',
    );
    expect(applied.every((doc) => doc.kind === 'Namespace' || doc.metadata.namespace === 'shop-dev')).toBe(
      true,
    );
    expect(rollouts(calls).map((call) => call.argv)).toEqual([
      ['rollout', 'status', 'deployment/orders', '--namespace', 'shop-dev', '--timeout=300s'],
    ]);

    expect(github.deployments).toHaveLength(1);
    const deployment = github.deployments[0]!;
    expect(deployment).toMatchObject({
      environment: 'dev',
      sha: event.payload.pull_request.merge_commit_sha,
      payload: { service: 'orders', version: '1.6.0', image: 'ghcr.io/acme/orders:1.6.0' },
      requested: { autoMerge: false, requiredContexts: [] },
      productionEnvironment: false,
    });
    expect(deployment.statuses.map((s) => s.state)).toEqual(['success']);
    expect(deploy.summary).toContain('| Result | deployed, rollout complete |');
    expect(deploy.summary).toContain('| Next | promotion to `uat` |');
  });

  it('stops the chain on a failed rollout: exit 1, failure status, no next environment', async () => {
    kubectl = await createRecordingKubectl({ failRollout: ['deployment/orders'] });
    const deploy = await run('overlay-deploy', {}, await mergedDevPromotion());
    expect(deploy.exitCode).toBe(1);
    expect(deploy.outputs['next-overlay'] ?? '').toBe('');
    expect(deploy.outputs.deployed ?? '').not.toBe('true');
    expect(deploy.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /Deploying orders 1.6.0 to dev failed: .*exceeded its progress deadline/s,
    );
    expect(github.deployments[0]!.statuses.map((s) => s.state)).toEqual(['failure']);
  });

  it('refuses to deploy when the overlay on the merged commit no longer carries the promoted version', async () => {
    kubectl = await createRecordingKubectl();
    const event = await mergedDevPromotion();
    const overlay = await git(repo.origin, 'show', 'main:overlays/dev/kustomization.yaml');
    const edited = await repo.pushToMain(
      { 'overlays/dev/kustomization.yaml': overlay.replace('newTag: 1.6.0', 'newTag: 1.6.1') + '\n' },
      'Hand edit',
    );
    event.payload.pull_request.merge_commit_sha = edited;
    const deploy = await run('overlay-deploy', {}, event);
    expect(deploy.exitCode).toBe(1);
    expect(deploy.annotations.find((a) => a.level === 'error')?.message).toContain(
      'promoted orders 1.6.0 to dev, but overlays/dev/kustomization.yaml on the merged commit',
    );
    expect(await kubectl.calls()).toEqual([]);
    expect(github.deployments).toEqual([]);
  });

  it('deploys nothing for a promotion PR closed without merging', async () => {
    kubectl = await createRecordingKubectl();
    const event = await mergedDevPromotion();
    const payload = structuredClone(event.payload) as {
      pull_request: { merged: boolean; merge_commit_sha: string | null };
    };
    payload.pull_request.merged = false;
    payload.pull_request.merge_commit_sha = null;
    const deploy = await run('overlay-deploy', {}, { name: 'pull_request', payload });
    expect(deploy.exitCode).toBe(0);
    expect(deploy.outputs).toMatchObject({ deployed: 'false', 'next-overlay': '' });
    expect(deploy.annotations).toContainEqual(
      expect.objectContaining({
        level: 'notice',
        message: expect.stringContaining('closed without merging'),
      }),
    );
    expect(await kubectl.calls()).toEqual([]);
    expect(github.deployments).toEqual([]);
  });
});

describe('overlay-deploy with explicit inputs', () => {
  it('redeploys prod from the head of main and ends the chain there', async () => {
    kubectl = await createRecordingKubectl();
    const deploy = await run('overlay-deploy', { overlay: 'prod', service: 'payments' });
    expect(deploy.exitCode).toBe(0);
    expect(deploy.outputs).toMatchObject({
      service: 'payments',
      overlay: 'prod',
      version: '2.2.0',
      deployed: 'true',
      'next-overlay': '',
    });
    expect(github.deployments[0]).toMatchObject({
      environment: 'prod',
      productionEnvironment: true,
      sha: await git(repo.origin, 'rev-parse', 'main'),
    });
    expect(deploy.summary).toContain('end of the chain');
  });

  it("leaves another service's deployment in the same environment active (GitHub knows environments, not services)", async () => {
    kubectl = await createRecordingKubectl();
    for (const service of ['payments', 'orders', 'payments'])
      expect((await run('overlay-deploy', { overlay: 'uat', service })).exitCode).toBe(0);
    expect(
      github.deployments.map((d) => [
        (d.payload as { service?: string }).service,
        d.statuses.map((s) => s.state),
      ]),
    ).toEqual([
      ['payments', ['success']],
      ['orders', ['success']],
      ['payments', ['success']],
    ]);
  });

  it('records a deployment that fails when kustomize cannot render the overlay, and applies nothing', async () => {
    kubectl = await createRecordingKubectl();
    await repo.pushToMain(
      {
        'overlays/uat/kustomization.yaml': (
          await git(repo.origin, 'show', 'main:overlays/uat/kustomization.yaml')
        ).replace('../../base', '../../missing'),
      },
      'Point uat at a folder that does not exist',
    );
    const deploy = await run('overlay-deploy', { overlay: 'uat', service: 'orders' });
    expect(deploy.exitCode).toBe(1);
    expect(deploy.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /kustomize could not render overlays\/uat at [0-9a-f]{12}: .*missing/s,
    );
    expect(await kubectl.calls()).toEqual([]);
    expect(github.deployments).toHaveLength(1);
    expect(github.deployments[0]!.statuses.map((s) => [s.state, s.description])).toEqual([
      ['failure', 'orders 1.4.2 failed to deploy'],
    ]);
    expect(deploy.outputs['next-overlay'] ?? '').toBe('');
  });

  it('renders and diffs without applying on dry-run', async () => {
    kubectl = await createRecordingKubectl();
    const deploy = await run('overlay-deploy', { overlay: 'uat', service: 'catalog', 'dry-run': 'true' });
    expect(deploy.exitCode).toBe(0);
    expect(deploy.outputs).toMatchObject({ deployed: 'false', 'next-overlay': '' });
    const calls = await kubectl.calls();
    expect(calls.map((call) => call.argv[0])).toEqual(['diff']);
    expect(calls[0]!.argv).toEqual(['diff', '--server-side', '--field-manager=gitops-promotion', '-f', '-']);
    expect(github.deployments).toEqual([]);
    expect(deploy.summary).toContain('dry run: nothing applied');
  });

  it.each([
    [{ overlay: 'staging', service: 'orders' }, "Input 'overlay': 'staging' is not an environment"],
    [{ overlay: 'dev', service: '../x' }, "Input 'service': '../x' is not a valid name"],
    [
      { overlay: 'dev', service: 'orders', 'rollout-timeout': '5m' },
      "Input 'rollout-timeout': '5m' is not a number of seconds",
    ],
  ])('refuses %j: exit 1, nothing applied, nothing recorded', async (inputs, message) => {
    kubectl = await createRecordingKubectl();
    const deploy = await run('overlay-deploy', inputs);
    expect(deploy.exitCode).toBe(1);
    expect(deploy.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      expect.stringContaining(message),
    ]);
    expect(await kubectl.calls()).toEqual([]);
    expect(github.requests).toEqual([]);
  });
});
