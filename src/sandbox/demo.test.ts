// End to end: the repository's real workflow files played on the sandbox (GitHub stand-in, local
// registry and buildah, real git, kustomize and kubectl). No cluster can run here: a Kubernetes API
// stand-in per environment takes the applies, and what each one runs is read with kubectl get.
import { afterEach, describe, expect, it } from 'vitest';
import { git } from './process.js';
import { deploymentsIn, kubectlGet, whatRuns } from './kube/index.js';
import {
  approveAndMerge,
  dispatchRelease,
  dispatchersOf,
  idleAll,
  playPromotion,
  promotionPull,
  releaseService,
  serviceDeployments,
  startSandbox,
  type Sandbox,
} from './demo.js';
import { configOnMainWith } from './config-on-main.js';

// A whole chain is three workflow runs of real git, kustomize and node processes, with Octokit
// spacing writes a second apart as it does against GitHub: far above the suite's default timeout.
const CHAIN_TIMEOUT = 240_000;

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
});

const cells = (result: Awaited<ReturnType<typeof playPromotion>>, service: string) =>
  result.rows.find((row) => row.service === service)!.cells.map((cell) => cell.version);

/** Every object each cluster holds with its resourceVersion: unchanged means nothing was written. */
async function clusterObjects(s: Sandbox): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const [environment, cluster] of Object.entries(s.clusters)) {
    const list = await kubectlGet<{
      items: { kind: string; metadata: { namespace?: string; name: string; resourceVersion: string } }[];
    }>(cluster, ['namespaces,services,deployments', '--all-namespaces']);
    for (const { kind, metadata } of list.items)
      versions[`${environment} ${kind} ${metadata.namespace ?? ''}/${metadata.name}`] =
        metadata.resourceVersion;
  }
  return versions;
}

const deployStates = (s: Sandbox, service: string) =>
  serviceDeployments(s, service).map((d) => [d.environment, d.statuses.at(-1)?.state]);

const failures = (s: Sandbox) => dispatchersOf(s).flatMap((dispatcher) => dispatcher.failures());

/** Every branch of origin with its commit: what a push would change. */
/**
 * A rollback by hand names a version, not the digest the release attested: prod admits it only
 * without require-attestation (overlay-deploy.test.ts shows the refusal).
 */
async function prodWithoutAttestation(s: Sandbox): Promise<void> {
  await s.repo.pushToMain(
    {
      '.github/promotion.yaml': await configOnMainWith(s.repo, 'environments', 'prod', {
        'require-attestation': false,
      }),
    },
    'prod admits images without attestation',
  );
}

const originRefs = (s: Sandbox) => git(s.repo.origin, 'for-each-ref', '--format=%(refname) %(objectname)');

const imageLine = (text: string, service: string) =>
  /newTag: (\S+)/.exec(text.slice(text.indexOf(`/acme/${service}\n`)))?.[1];

describe.each(['app', 'github-token'] as const)('the whole chain in %s token mode', (tokenMode) => {
  it(
    'releases orders and promotes exactly that image through dev, uat and prod, one deploy per environment',
    async () => {
      sandbox = await startSandbox({ tokenMode });
      const log: string[] = [];
      const result = await playPromotion(sandbox, {
        service: 'orders',
        version: '1.6.0',
        log: (line) => log.push(line),
      });

      expect(cells(result, 'orders')).toEqual(['1.6.0', '1.6.0', '1.6.0']);
      const digests = result.rows.find((row) => row.service === 'orders')!.cells.map((cell) => cell.digest);
      expect(new Set(digests).size).toBe(1);
      expect(digests[0]).toBe(await sandbox.registry.digest('acme/orders', '1.6.0'));
      // Other services are untouched.
      expect(cells(result, 'payments')).toEqual(['2.3.1', '2.3.1', '2.2.0']);

      expect(result.pulls.map((pull) => [pull.state, pull.title])).toEqual([
        ['merged', 'Promote orders to 1.6.0 in dev (from 1.5.0)'],
        ['merged', 'Promote orders to 1.6.0 in uat (from 1.4.2)'],
        ['merged', 'Promote orders to 1.6.0 in prod (from 1.4.2)'],
      ]);
      const deploys = result.runs.filter((run) => run.file === 'acme/gitops: overlay-deploy.yaml');
      expect(deploys).toHaveLength(3);
      expect(deploys.every((run) => run.conclusion === 'success')).toBe(true);
      // The dev merge starts the deploy by its event with an App token, by a dispatch with GITHUB_TOKEN.
      expect(deploys[0]!.event).toBe(tokenMode === 'app' ? 'pull_request' : 'workflow_dispatch');
      // Each environment's cluster runs exactly that image, applied once (generation 1).
      const image = `${sandbox.registry.host}/acme/orders:1.6.0@${digests[0]}`;
      for (const environment of ['dev', 'uat', 'prod']) {
        const running = await deploymentsIn(sandbox.clusters[environment]!);
        expect(running.map((d) => [d.namespace, d.name, d.images, d.generation])).toEqual([
          [`shop-${environment}`, 'orders', [image], 1],
        ]);
      }
      expect(result.clusters).toEqual({
        dev: [`shop-dev/orders ${image}`],
        uat: [`shop-uat/orders ${image}`],
        prod: [`shop-prod/orders ${image}`],
      });
      expect(deployStates(sandbox, 'orders')).toEqual([
        ['dev', 'success'],
        ['uat', 'success'],
        ['prod', 'success'],
      ]);
      // One line per step of docs/process.md, numbered as there, 1 to 19.
      const numbered = log.flatMap((line) => /^ {2}(\d+(?:-\d+)?) /.exec(line)?.[1] ?? []);
      expect(numbered).toEqual(['1-5', '6-8', '9-12', '13', '14', '15', '16', '17', '18', '19']);
      expect(result.steps.map((step) => step.process)).toEqual(['1-13', '14-16', '17-19']);
      // With the App, orders is released from its own repository; GITHUB_TOKEN cannot reach another.
      const releasedFrom =
        tokenMode === 'app' ? 'acme/orders: release.yaml' : 'acme/gitops: service-release.yaml';
      expect(result.runs[0]).toMatchObject({
        file: releasedFrom,
        event: 'workflow_dispatch',
        conclusion: 'success',
      });
      expect(result.repositories).toBe(
        `repositories: ${tokenMode === 'app' ? 'service acme/orders, ' : ''}GitOps acme/gitops, suite acme/gitops-promotion@v1`,
      );
      // The GitOps repository holds no copy of the suite: its workflows are the scaffold's callers.
      const tree = await git(sandbox.repo.origin, 'ls-tree', '-r', '--name-only', 'main');
      expect(tree).not.toMatch(/^actions\//m);
      expect(await git(sandbox.repo.origin, 'show', 'main:.github/workflows/overlay-update.yaml')).toContain(
        'uses: acme/gitops-promotion/.github/workflows/overlay-update.yaml@v1',
      );
    },
    CHAIN_TIMEOUT,
  );
});

describe('when things go wrong', () => {
  it(
    'a failed rollout in uat stops the chain there: a failure deployment status and no prod PR',
    async () => {
      sandbox = await startSandbox({ tokenMode: 'app' });
      sandbox.clusters['uat']!.failRollout('shop-uat', 'orders');
      await releaseService(sandbox, 'orders', '1.6.0');
      expect(failures(sandbox)).toEqual([]);
      await approveAndMerge(sandbox, 'orders', 'uat');

      expect(deployStates(sandbox, 'orders')).toEqual([
        ['dev', 'success'],
        ['uat', 'failure'],
      ]);
      const failed = failures(sandbox);
      expect(failed.map((run) => [run.file, run.event])).toEqual([
        ['.github/workflows/overlay-deploy.yaml', 'pull_request'],
      ]);
      // The GitOps repository's caller job, and in it the suite's jobs.
      const promote = failed[0]!
        .result!.jobs.flatMap((job) => job.call?.jobs ?? [job])
        .find((job) => job.id === 'promote');
      expect(promote?.status).toBe('skipped');
      expect(promotionPull(sandbox, 'orders', 'prod')).toBeUndefined();
      expect(sandbox.github.violations).toEqual([]);
    },
    CHAIN_TIMEOUT,
  );

  it(
    'a uat PR closed without merging deploys nothing and promotes nothing',
    async () => {
      sandbox = await startSandbox({ tokenMode: 'app' });
      await releaseService(sandbox, 'orders', '1.6.0');
      const uat = promotionPull(sandbox, 'orders', 'uat')!;
      const clustersBefore = await clusterObjects(sandbox);
      const mainBefore = await git(sandbox.repo.origin, 'rev-parse', 'main');

      await sandbox.github.closePull(uat.number, { login: 'uat-lead' });
      await idleAll(sandbox);

      // The close event starts the GitOps repository's overlay-deploy caller, whose if: sees an
      // unmerged PR: the suite's workflow is not even called.
      const closedRun = sandbox.dispatcher.runs.at(-1)!;
      expect([closedRun.file, closedRun.event, closedRun.action]).toEqual([
        '.github/workflows/overlay-deploy.yaml',
        'pull_request',
        'closed',
      ]);
      expect(closedRun.result?.jobs.map((job) => [job.id, job.status, job.call])).toEqual([
        ['deploy', 'skipped', undefined],
      ]);
      expect(await clusterObjects(sandbox)).toEqual(clustersBefore);
      expect(await whatRuns({ uat: sandbox.clusters['uat']! })).toEqual({ uat: [] });
      expect(deployStates(sandbox, 'orders')).toEqual([['dev', 'success']]);
      expect(promotionPull(sandbox, 'orders', 'prod')).toBeUndefined();
      expect(await git(sandbox.repo.origin, 'rev-parse', 'main')).toBe(mainBefore);
      expect(failures(sandbox)).toEqual([]);
    },
    CHAIN_TIMEOUT,
  );

  it(
    'three services released at once all land on main without losing a change',
    async () => {
      sandbox = await startSandbox({ tokenMode: 'app' });
      const releases = [
        ['orders', '1.6.0'],
        ['payments', '2.4.0'],
        ['catalog', '1.0.0'],
      ] as const;
      // orders from its own repository, payments and catalog from the GitOps repository.
      for (const [service, version] of releases) await dispatchRelease(sandbox, service, version);
      await idleAll(sandbox);
      expect(failures(sandbox)).toEqual([]);
      const overlay = await git(sandbox.repo.origin, 'show', 'main:overlays/dev/kustomization.yaml');
      for (const [service, version] of releases) expect(imageLine(overlay, service)).toBe(version);
      const uat = sandbox.github.pulls.filter(
        (pull) => pull.head.ref.endsWith('/uat') && pull.state === 'open',
      );
      expect(uat.map((pull) => pull.head.ref).sort()).toEqual([
        'release/catalog/uat',
        'release/orders/uat',
        'release/payments/uat',
      ]);
      // ... and all three reach prod.
      for (const environment of ['uat', 'prod'])
        for (const [service] of releases) await approveAndMerge(sandbox, service, environment);
      expect(failures(sandbox)).toEqual([]);
      const prod = await git(sandbox.repo.origin, 'show', 'main:overlays/prod/kustomization.yaml');
      for (const [service, version] of releases) expect(imageLine(prod, service)).toBe(version);
      expect(sandbox.github.violations).toEqual([]);
    },
    CHAIN_TIMEOUT * 2,
  );
});

describe('reruns and rollbacks', () => {
  it(
    'rerunning every run of a finished chain changes nothing on main and opens nothing new',
    async () => {
      sandbox = await startSandbox({ tokenMode: 'app' });
      await playPromotion(sandbox, { service: 'orders', version: '1.6.0' });
      await prodWithoutAttestation(sandbox);
      const refsBefore = await originRefs(sandbox);
      const pullsBefore = sandbox.github.pulls.length;
      const digestBefore = await sandbox.registry.digest('acme/orders', '1.6.0');
      const clustersBefore = await clusterObjects(sandbox);
      const finished = dispatchersOf(sandbox).flatMap((dispatcher) =>
        dispatcher.runs.map((run) => ({ dispatcher, run })),
      );
      expect(finished.length).toBeGreaterThan(3);

      // "Re-run all jobs" on each run, in the order they ran, then a promotion dispatched by hand.
      for (const { dispatcher, run } of finished) {
        const again = await dispatcher.rerun(run.runId);
        expect([again.attempt, again.result?.conclusion]).toEqual([2, 'success']);
      }
      await sandbox.github.dispatchWorkflow('overlay-update.yaml', {
        inputs: { overlay: 'prod', service: 'orders' },
        login: 'prod-lead',
      });
      await idleAll(sandbox);

      expect(failures(sandbox)).toEqual([]);
      expect(await originRefs(sandbox)).toBe(refsBefore);
      expect(sandbox.github.pulls.length).toBe(pullsBefore);
      expect(await sandbox.registry.digest('acme/orders', '1.6.0')).toBe(digestBefore);
      // A rerun deploy applies the very same manifests again: a no-op for the cluster, nothing written.
      expect(await clusterObjects(sandbox)).toEqual(clustersBefore);
      expect(sandbox.github.violations).toEqual([]);
    },
    CHAIN_TIMEOUT * 2,
  );

  it(
    'a rollback with allow-downgrade reaches prod through reviewed PRs; without it, it is refused',
    async () => {
      sandbox = await startSandbox({ tokenMode: 'app' });
      await playPromotion(sandbox, { service: 'orders', version: '1.6.0' });
      await prodWithoutAttestation(sandbox);
      const refsBefore = await originRefs(sandbox);
      const pullsBefore = sandbox.github.pulls.length;
      const rollback = (allow: boolean) =>
        sandbox!.github.dispatchWorkflow('overlay-update.yaml', {
          inputs: { overlay: 'dev', service: 'orders', version: '1.5.0', 'allow-downgrade': String(allow) },
          login: 'release-manager',
        });

      await rollback(false);
      await idleAll(sandbox);
      const refused = failures(sandbox);
      expect(refused).toHaveLength(1);
      expect(JSON.stringify(refused[0]!.result)).toContain('a downgrade is refused unless');
      expect(await originRefs(sandbox)).toBe(refsBefore);
      expect(sandbox.github.pulls.length).toBe(pullsBefore);

      await rollback(true);
      await idleAll(sandbox);
      await approveAndMerge(sandbox, 'orders', 'uat');
      await approveAndMerge(sandbox, 'orders', 'prod');

      expect(failures(sandbox)).toEqual(refused);
      expect(sandbox.github.pulls.slice(pullsBefore).map((pull) => [pull.title, pull.merged])).toEqual([
        ['Roll back orders to 1.5.0 in dev (from 1.6.0)', true],
        ['Roll back orders to 1.5.0 in uat (from 1.6.0)', true],
        ['Roll back orders to 1.5.0 in prod (from 1.6.0)', true],
      ]);
      expect(sandbox.github.pulls.at(-1)!.reviews.map((review) => review.state)).toEqual(['APPROVED']);
      const prod = await git(sandbox.repo.origin, 'show', 'main:overlays/prod/kustomization.yaml');
      expect(imageLine(prod, 'orders')).toBe('1.5.0');
      expect(prod.slice(prod.indexOf('/acme/orders\n')).split('- name:')[0]).not.toContain('digest:');
      expect(deployStates(sandbox, 'orders').slice(-3)).toEqual([
        ['dev', 'success'],
        ['uat', 'success'],
        ['prod', 'success'],
      ]);
      expect(sandbox.github.violations).toEqual([]);
    },
    CHAIN_TIMEOUT * 2,
  );
});
