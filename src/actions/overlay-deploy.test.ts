// The overlay-deploy bundle built from the source (test/global-setup.ts), run as a runner runs it,
// on events from the GitHub stand-in, with the real kustomize rendering and the real kubectl. No
// Kubernetes cluster can run here: a Kubernetes API stand-in (src/sandbox/kube) takes the applies,
// the rollouts and the dry-run diffs, and the tests read what it holds with kubectl get.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GITHUB_OIDC_ISSUER,
  SLSA_PROVENANCE_V1,
  sandboxBundle,
  type SigningIdentity,
} from '../sandbox/github/attestations.js';
import { createGitFixture, type GitFixture } from '../sandbox/github/fixture.js';
import { startGitHubStandIn, type GitHubStandIn } from '../sandbox/github/index.js';
import { kubectl, kubectlGet, startKubeCluster, type KubeCluster } from '../sandbox/kube/index.js';
import { git } from '../sandbox/process.js';
import { runAction, suiteActionsDir, type ActionRun } from '../sandbox/run-action.js';
import { installGhStandIn } from '../sandbox/workflows/gh.js';
import { createSandboxRepository, type SandboxRepository } from '../sandbox/workspace.js';
import { configOnMainWith } from '../sandbox/config-on-main.js';

const TOKEN = 'ghs_promotionAppToken0123456789';

let repo: SandboxRepository;
let orders: GitFixture;
let github: GitHubStandIn;
let cluster: KubeCluster;
let ghBin: string;

beforeEach(async () => {
  repo = await createSandboxRepository();
  orders = await createGitFixture({ Dockerfile: 'FROM scratch\n' });
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: { [TOKEN]: { login: 'promotion-app[bot]', type: 'Bot' } },
    repositories: [{ bareRepo: orders.bare, owner: 'acme', repo: 'orders' }],
  });
  cluster = await startKubeCluster({ name: 'deploy-target' });
  ghBin = await mkdtemp(join(tmpdir(), 'gh-bin-'));
  await installGhStandIn(ghBin);
});

afterEach(async () => {
  expect(github.violations, 'every request and response must satisfy the OpenAPI description').toEqual([]);
  await github.close();
  await cluster.close();
  await repo.dispose();
  await orders.cleanup();
  await rm(ghBin, { recursive: true, force: true });
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
    // gh is the sandbox stand-in (GitHub's runners have the real one).
    env: {
      ...cluster.env,
      PATH: [ghBin, process.env.PATH ?? ''].join(delimiter),
      GH_STANDIN_API_URL: github.url,
    },
  });
}

/** Promotes orders to dev through the real overlay-update bundle and returns the merge event GitHub sends. */
async function mergedDevPromotion(version = '1.6.0') {
  const update = await run('overlay-update', { overlay: 'dev', service: 'orders', version });
  expect(update.outputs.merged).toBe('true');
  const event = github.events.filter((e) => e.name === 'pull_request' && e.action === 'closed').at(-1);
  expect(event?.payload).toMatchObject({
    pull_request: { merged: true, head: { ref: 'release/orders/dev' } },
  });
  return { name: 'pull_request', payload: event!.payload as { pull_request: { merge_commit_sha: string } } };
}

interface Stored {
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    managedFields?: { manager: string; operation: string }[];
  };
  spec?: { template?: { spec: { containers: { image: string }[] } } };
  status?: { observedGeneration?: number; availableReplicas?: number };
}

/** What the cluster holds, read as a person would: kubectl get, all namespaces. */
const stored = async (): Promise<Stored[]> =>
  (
    await kubectlGet<{ items: Stored[] }>(cluster, [
      'namespaces,services,deployments',
      '--all-namespaces',
      '--show-managed-fields',
    ])
  ).items;
const names = (objects: Stored[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('overlay-deploy on the merge of a promotion PR', () => {
  it("applies the service's rendered manifests server-side, waits for the rollout, records the deployment, names uat", async () => {
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

    // Only the service's manifests and the shared namespace, applied by the suite's field manager.
    const objects = await stored();
    expect(names(objects)).toEqual([
      'Namespace//shop-dev',
      'Service/shop-dev/orders',
      'Deployment/shop-dev/orders',
    ]);
    expect(
      objects.map((o) => o.metadata.managedFields?.find((m) => m.operation === 'Apply')?.manager),
    ).toEqual(['gitops-promotion', 'gitops-promotion', 'gitops-promotion']);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec!.template!.spec.containers[0]!.image).toBe('ghcr.io/acme/orders:1.6.0');
    expect(deployment.status).toMatchObject({ observedGeneration: 1, availableReplicas: 2 });
    // After the apply, kubectl rollout status read the Deployment (the stalled-rollout test shows it waits).
    const requests = cluster.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(requests.indexOf('GET /apis/apps/v1/namespaces/shop-dev/deployments')).toBeGreaterThan(
      requests.indexOf('PATCH /apis/apps/v1/namespaces/shop-dev/deployments/orders'),
    );

    expect(github.deployments).toHaveLength(1);
    expect(github.deployments[0]!).toMatchObject({
      environment: 'dev',
      sha: event.payload.pull_request.merge_commit_sha,
      payload: { service: 'orders', version: '1.6.0', image: 'ghcr.io/acme/orders:1.6.0' },
      requested: { autoMerge: false, requiredContexts: [] },
      productionEnvironment: false,
    });
    expect(github.deployments[0]!.statuses.map((s) => s.state)).toEqual(['success']);
    expect(deploy.summary).toContain('| Result | deployed, rollout complete |');
    expect(deploy.summary).toContain('| Next | promotion to `uat` |');
  });

  it('stops the chain on a failed rollout: exit 1, failure status, no next environment', async () => {
    cluster.failRollout('shop-dev', 'orders');
    const deploy = await run('overlay-deploy', {}, await mergedDevPromotion());
    expect(deploy.exitCode).toBe(1);
    expect(deploy.outputs['next-overlay'] ?? '').toBe('');
    expect(deploy.outputs.deployed ?? '').not.toBe('true');
    expect(deploy.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /Deploying orders 1.6.0 to dev failed: .*exceeded its progress deadline/s,
    );
    expect(github.deployments[0]!.statuses.map((s) => s.state)).toEqual(['failure']);
  });

  it('fails the deploy when the rollout stalls past rollout-timeout: kubectl rollout status times out', async () => {
    cluster.stallRollout('shop-dev', 'orders');
    const deploy = await run('overlay-deploy', { 'rollout-timeout': '2' }, await mergedDevPromotion());
    expect(deploy.exitCode).toBe(1);
    expect(deploy.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /Deploying orders 1.6.0 to dev failed: .*timed out waiting for the condition/s,
    );
    expect(github.deployments[0]!.statuses.map((s) => s.state)).toEqual(['failure']);
    expect(deploy.outputs['next-overlay'] ?? '').toBe('');
  });

  it('refuses to deploy when the overlay on the merged commit no longer carries the promoted version', async () => {
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
    expect(await stored()).toEqual([]);
    expect(github.deployments).toEqual([]);
  });

  it("deploys main's version when main has moved on for the service since the merge, and says so", async () => {
    const first = await mergedDevPromotion('1.6.0');
    await mergedDevPromotion('1.6.1');
    // 1.6.0's deploy runs last (GitHub does not order job-level groups queued close together).
    const deploy = await run('overlay-deploy', {}, first);
    expect(deploy.exitCode, deploy.stdout).toBe(0);
    expect(deploy.annotations).toContainEqual(
      expect.objectContaining({
        level: 'notice',
        message:
          'main has moved on: #1 merged orders 1.6.0 into dev, and main now names 1.6.1: deploying 1.6.1 instead',
      }),
    );
    expect(deploy.outputs).toMatchObject({ version: '1.6.1', deployed: 'true', 'next-overlay': 'uat' });
    const deployment = (await stored()).find((o) => o.kind === 'Deployment')!;
    expect(deployment.spec!.template!.spec.containers[0]!.image).toBe('ghcr.io/acme/orders:1.6.1');
    expect(github.deployments.map((d) => [d.payload, d.sha])).toEqual([
      [expect.objectContaining({ version: '1.6.1' }), await git(repo.origin, 'rev-parse', 'main')],
    ]);
  });

  it("skips a late deploy as superseded when main's version of the service is already live", async () => {
    const first = await mergedDevPromotion('1.6.0');
    const second = await mergedDevPromotion('1.6.1');
    expect((await run('overlay-deploy', {}, second)).outputs).toMatchObject({ version: '1.6.1' });
    const applied = cluster.requests.filter((r) => r.method === 'PATCH').length;

    const late = await run('overlay-deploy', {}, first);
    expect(late.exitCode).toBe(0);
    expect(late.outputs).toMatchObject({ deployed: 'false', 'next-overlay': '' });
    expect(late.annotations).toContainEqual(
      expect.objectContaining({
        level: 'notice',
        message:
          'Nothing to deploy: superseded: main names orders 1.6.1 in dev, which is already deployed there; #1 merged 1.6.0 before it',
      }),
    );
    expect(cluster.requests.filter((r) => r.method === 'PATCH')).toHaveLength(applied);
    expect(github.deployments).toHaveLength(1);
  });

  it('deploys nothing from a merge commit that is no longer on main', async () => {
    const seed = await git(repo.origin, 'rev-parse', 'main');
    const event = await mergedDevPromotion('1.6.0');
    await git(repo.origin, 'update-ref', 'refs/heads/main', seed);
    const deploy = await run('overlay-deploy', {}, event);
    expect(deploy.exitCode).toBe(0);
    expect(deploy.outputs).toMatchObject({ deployed: 'false', 'next-overlay': '' });
    expect(deploy.annotations).toContainEqual(
      expect.objectContaining({
        level: 'notice',
        message: expect.stringMatching(
          /^Nothing to deploy: the merge commit [0-9a-f]{12} of #1 is no longer on main: nothing is deployed from it$/,
        ),
      }),
    );
    expect(await stored()).toEqual([]);
    expect(github.deployments).toEqual([]);
  });

  it('deploys nothing for a promotion PR closed without merging', async () => {
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
    expect(await stored()).toEqual([]);
    expect(github.deployments).toEqual([]);
  });
});

describe('overlay-deploy with explicit inputs', () => {
  it('redeploys prod from the head of main and ends the chain there', async () => {
    // The seed's prod names tags only: this prod admits images without attestation.
    await repo.pushToMain(
      {
        '.github/promotion.yaml': await configOnMainWith(repo, 'environments', 'prod', {
          'require-attestation': false,
        }),
      },
      'prod admits unattested images',
    );
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
    expect(await stored()).toEqual([]);
    expect(github.deployments).toHaveLength(1);
    expect(github.deployments[0]!.statuses.map((s) => [s.state, s.description])).toEqual([
      ['failure', 'orders 1.4.2 failed to deploy'],
    ]);
    expect(deploy.outputs['next-overlay'] ?? '').toBe('');
  });

  it('renders and diffs without applying on dry-run', async () => {
    // The environment's namespace exists (a server-side dry run of a Service in a missing namespace
    // is refused by a real cluster too).
    const namespace = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop-uat' } });
    const created = await kubectl(
      cluster,
      ['apply', '--server-side', '--field-manager=cluster-admin', '-f', '-'],
      namespace,
    );
    expect(created.exitCode, created.stderr).toBe(0);
    const before = cluster.requests.length;

    const deploy = await run('overlay-deploy', { overlay: 'uat', service: 'catalog', 'dry-run': 'true' });
    expect(deploy.exitCode).toBe(0);
    expect(deploy.outputs).toMatchObject({ deployed: 'false', 'next-overlay': '' });
    // kubectl diff asked the cluster what the apply would do (dryRun=All) and changed nothing.
    const patches = cluster.requests.slice(before).filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.path.split('?')[0])).toEqual([
      '/api/v1/namespaces/shop-uat',
      '/api/v1/namespaces/shop-uat/services/catalog',
      '/apis/apps/v1/namespaces/shop-uat/deployments/catalog',
    ]);
    expect(patches.every((r) => r.path.includes('dryRun=All'))).toBe(true);
    expect(names(await stored())).toEqual(['Namespace//shop-uat']);
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
    const deploy = await run('overlay-deploy', inputs);
    expect(deploy.exitCode).toBe(1);
    expect(deploy.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      expect.stringContaining(message),
    ]);
    expect(await stored()).toEqual([]);
    expect(github.requests).toEqual([]);
  });
});

describe('overlay-deploy where prod requires attestation (the default for the last environment)', () => {
  const SUITE = 'acme/gitops-promotion';
  const DIGEST = `sha256:${'5'.repeat(64)}`;
  const identity = (
    source: string,
    workflow = `${SUITE}/.github/workflows/service-release.yaml@refs/tags/v1`,
  ): SigningIdentity => ({
    subjectAlternativeName: `https://github.com/${workflow}`,
    issuer: GITHUB_OIDC_ISSUER,
    sourceRepositoryUri: `https://github.com/${source}`,
    sourceRepositoryOwnerUri: `https://github.com/${source.split('/')[0]}`,
    sourceRepositoryDigest: '0'.repeat(40),
    sourceRepositoryRef: 'refs/heads/main',
    buildSignerUri: `https://github.com/${workflow}`,
    runInvocationUri: `https://github.com/${source}/actions/runs/1/attempts/1`,
    runnerEnvironment: 'github-hosted',
  });
  /** Stores an attestation of `image@DIGEST` in `repository`, as the attest stand-in does. */
  const attest = async (repository: string, image: string, who: SigningIdentity) => {
    const bundle = sandboxBundle(
      {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: image, digest: { sha256: DIGEST.slice('sha256:'.length) } }],
        predicateType: SLSA_PROVENANCE_V1,
        predicate: {},
      },
      who,
    );
    const response = await fetch(`${github.url}/repos/${repository}/attestations`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ bundle }),
    });
    expect(response.status).toBe(201);
  };
  /** Pins prod's payments (released by this repository) and orders (released by acme/orders) to DIGEST. */
  const pinProd = async () => {
    const config = await git(repo.origin, 'show', 'main:.github/promotion.yaml');
    const overlay = await git(repo.origin, 'show', 'main:overlays/prod/kustomization.yaml');
    await repo.pushToMain(
      {
        '.github/promotion.yaml': config.replace(
          '    image: ghcr.io/acme/orders\n',
          '    image: ghcr.io/acme/orders\n    repository: acme/orders\n',
        ),
        'overlays/prod/kustomization.yaml': overlay
          .replace('newTag: 2.2.0', `newTag: 2.2.0\n    digest: ${DIGEST}`)
          .replace('newTag: 1.4.2', `newTag: 1.4.2\n    digest: ${DIGEST}`),
      },
      'Pin prod to a digest',
    );
  };
  const deployProd = (service: string) =>
    run('overlay-deploy', { overlay: 'prod', service, 'suite-repository': SUITE });
  const error = (deploy: ActionRun) => deploy.annotations.find((a) => a.level === 'error')?.message ?? '';

  it('refuses an image pushed by hand (no attestation): failed deployment, nothing applied, no next environment', async () => {
    await pinProd();
    const deploy = await deployProd('payments');
    expect(deploy.exitCode).toBe(1);
    expect(error(deploy)).toContain(
      `payments 2.2.0 (${DIGEST}) is not admitted to prod: it requires a build provenance attestation of oci://ghcr.io/acme/payments@${DIGEST} made by ${SUITE}/.github/workflows/service-release.yaml for acme/platform`,
    );
    expect(error(deploy)).toContain('HTTP 404: Not Found');
    expect(deploy.outputs['next-overlay'] ?? '').toBe('');
    expect(github.deployments.map((d) => [d.environment, d.statuses.map((s) => s.state)])).toEqual([
      ['prod', ['failure']],
    ]);
    expect((await stored()).filter((o) => o.kind === 'Deployment')).toEqual([]);
  });

  it('admits a digest the suite’s release workflow attested for the repository that released it', async () => {
    await pinProd();
    await attest('acme/platform', 'ghcr.io/acme/payments', identity('acme/platform'));
    const deploy = await deployProd('payments');
    expect(error(deploy)).toBe('');
    expect(deploy.outputs).toMatchObject({ deployed: 'true', digest: DIGEST });
  });

  it('verifies a service released from acme/orders against acme/orders, and refuses a foreign signer', async () => {
    await pinProd();
    // Signed by a workflow of acme/orders itself, not by the suite's service-release.yaml.
    await attest(
      'acme/orders',
      'ghcr.io/acme/orders',
      identity('acme/orders', 'acme/orders/.github/workflows/build.yaml@refs/heads/main'),
    );
    const foreign = await deployProd('orders');
    expect(foreign.exitCode).toBe(1);
    expect(error(foreign)).toContain(
      `made by ${SUITE}/.github/workflows/service-release.yaml for acme/orders`,
    );
    expect(error(foreign)).toContain('Sigstore verification failed');

    await attest('acme/orders', 'ghcr.io/acme/orders', identity('acme/orders'));
    const deploy = await deployProd('orders');
    expect(error(deploy)).toBe('');
    expect(deploy.outputs).toMatchObject({ deployed: 'true', service: 'orders' });
  });

  it('refuses an attestation stored for another repository than the one that releases the service', async () => {
    await pinProd();
    // The suite's workflow, but run for acme/platform: acme/orders has no attestation of it.
    await attest('acme/platform', 'ghcr.io/acme/orders', identity('acme/platform'));
    const deploy = await deployProd('orders');
    expect(deploy.exitCode).toBe(1);
    expect(error(deploy)).toContain('for acme/orders');
    expect(error(deploy)).toContain('HTTP 404');
  });
});
