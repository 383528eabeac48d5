// The busy days of ./scenarios.ts on the whole sandbox (three repositories, the App, runs in
// parallel, job-level arrivals shuffled with a seed): each must end with the invariant holding,
// and the invariant must catch a cluster or a promotion that breaks it.
import { afterEach, describe, expect, it } from 'vitest';
import { parsePromotionRecord } from '../core/pull-request.js';
import { promotionPull, serviceDeployments, startSandbox, type Sandbox } from './demo.js';
import { INVARIANT, invariantProblems } from './invariant.js';
import { kubectl } from './kube/index.js';
import { PARALLEL_SERVICES, playScenario } from './scenarios.js';

const SCENARIO_TIMEOUT = 300_000;

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
});

const start = (queue: 'single' | 'max' = 'single') =>
  startSandbox({ tokenMode: 'app', concurrency: { shuffle: { seed: 7 } }, queue });

/** Every version a promotion PR into `environment` proposed, from the bodies GitHub received. */
function proposedVersions(s: Sandbox, service: string, environment: string): string[] {
  return s.github.requests
    .filter((r) => r.status < 300 && /\/pulls(\/\d+)?$/.test(r.path) && ['POST', 'PATCH'].includes(r.method))
    .map((r) => parsePromotionRecord((r.body as { body?: string } | undefined)?.body))
    .filter((record) => record?.service === service && record.environment === environment)
    .map((record) => record!.version);
}

const deployStates = (s: Sandbox, service: string, environment: string) =>
  serviceDeployments(s, service)
    .filter((d) => d.environment === environment)
    .map((d) => [d.payload, d.statuses.at(-1)?.state] as const)
    .map(([payload, state]) => [(payload as { version: string }).version, state]);

describe('scenarios', () => {
  it(
    'burst: three releases seconds apart end with dev on 1.6.3 and one uat PR of a deployed version',
    async () => {
      sandbox = await start();
      const report = await playScenario(sandbox, 'burst');

      expect(report.problems).toEqual([]);
      expect(report.verdict).toBe(INVARIANT);
      expect(report.clusters['dev']).toContainEqual(
        expect.stringMatching(/^shop-dev\/orders .*orders:1\.6\.3@sha256:/),
      );
      const releases = report.runs.filter((run) => run.runName.startsWith('Release orders'));
      expect(releases.map((run) => run.runName)).toEqual([
        'Release orders 1.6.1',
        'Release orders 1.6.2',
        'Release orders 1.6.3',
      ]);
      // A release that lost its place in a concurrency group shows as cancelled, with GitHub's reason.
      for (const run of report.runs.filter((r) => r.conclusion === 'cancelled'))
        expect(run.cancelled).toMatch(/Canceling since/);
      const uat = sandbox.github.pulls.filter((pr) => pr.head.ref === 'release/orders/uat');
      expect(uat).toHaveLength(1);
      expect(uat[0]!.title).toContain('1.6.3');
      const deployedInDev = deployStates(sandbox, 'orders', 'dev')
        .filter(([, state]) => state === 'success')
        .map(([version]) => version);
      for (const version of proposedVersions(sandbox, 'orders', 'uat'))
        expect(deployedInDev).toContain(version);
    },
    SCENARIO_TIMEOUT,
  );

  it(
    'burst with queue: max: nothing is cancelled, every release is promoted in order',
    async () => {
      sandbox = await start('max');
      const report = await playScenario(sandbox, 'burst');

      expect(report.problems).toEqual([]);
      expect(report.runs.filter((run) => run.conclusion !== 'success')).toEqual([]);
      expect(report.clusters['dev']).toContainEqual(
        expect.stringMatching(/^shop-dev\/orders .*orders:1\.6\.3@sha256:/),
      );
      // Each release reached dev's overlay in turn: none was replaced while it waited.
      expect(proposedVersions(sandbox, 'orders', 'dev')).toEqual(['1.6.1', '1.6.2', '1.6.3']);
      const uat = sandbox.github.pulls.filter((pr) => pr.head.ref === 'release/orders/uat');
      expect(uat).toHaveLength(1);
      expect(uat[0]!.title).toContain('1.6.3');
    },
    SCENARIO_TIMEOUT,
  );

  it(
    'parallel: ten services into dev at once, then three uat merges at once',
    async () => {
      sandbox = await start();
      const report = await playScenario(sandbox, 'parallel');

      expect(report.problems).toEqual([]);
      for (const service of PARALLEL_SERVICES) {
        expect(deployStates(sandbox, service, 'dev')).toEqual([['3.0.0', 'success']]);
        expect(report.clusters['dev']).toContainEqual(
          expect.stringMatching(new RegExp(`^shop-dev/${service} .*/${service}:3\\.0\\.0@sha256:`)),
        );
      }
      for (const service of PARALLEL_SERVICES.slice(0, 3)) {
        expect(deployStates(sandbox, service, 'uat')).toEqual([['3.0.0', 'success']]);
        expect(promotionPull(sandbox, service, 'prod')?.state).toBe('open');
      }
      for (const service of PARALLEL_SERVICES.slice(3))
        expect(promotionPull(sandbox, service, 'uat')?.state).toBe('open');
      expect(report.runs.filter((run) => run.conclusion !== 'success')).toEqual([]);
    },
    SCENARIO_TIMEOUT,
  );

  it(
    'failed-dev: uat never sees the version whose dev rollout failed; the invariant catches drift',
    async () => {
      sandbox = await start();
      const report = await playScenario(sandbox, 'failed-dev');

      expect(report.problems).toEqual([]);
      expect(deployStates(sandbox, 'orders', 'dev')).toEqual([
        ['1.6.1', 'success'],
        ['1.6.2', 'failure'],
        ['1.6.3', 'success'],
      ]);
      expect(proposedVersions(sandbox, 'orders', 'uat')).toEqual(['1.6.1', '1.6.3']);
      const uat = promotionPull(sandbox, 'orders', 'uat')!;
      expect(uat.title).toContain('1.6.3');
      expect(parsePromotionRecord(uat.body)?.superseded?.map((entry) => entry.version)).toEqual(['1.6.1']);
      expect(report.runs.filter((run) => run.conclusion === 'failure').map((run) => run.runName)).toEqual([
        expect.stringMatching(/^Deploy release\/orders\/dev/),
      ]);

      // Someone changes the dev cluster by hand: main no longer names what it runs.
      const handMade = [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: { name: orders, namespace: shop-dev }',
        'spec: { template: { spec: { containers: [{ name: orders, image: example.test/orders:hand-made }] } } }',
      ].join('\n');
      const set = await kubectl(
        sandbox.clusters['dev']!,
        ['apply', '--server-side', '--field-manager=by-hand', '--force-conflicts', '-f', '-'],
        handMade,
      );
      expect(set.stderr).toBe('');
      // And a promotion into prod names a version uat never deployed.
      await sandbox.repo.pushToBranch('release/orders/prod', { 'note.txt': 'forged\n' }, 'Forged promotion');
      sandbox.github.registerToken('forger-token', { login: 'forger', type: 'User' });
      const forged = await fetch(`${sandbox.github.url}/repos/acme/gitops/pulls`, {
        method: 'POST',
        headers: { authorization: 'Bearer forger-token', 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'Promote orders to 9.9.9 in prod',
          head: 'release/orders/prod',
          base: 'main',
          body: `<!-- gitops-promotion ${JSON.stringify({ service: 'orders', environment: 'prod', version: '9.9.9' })} -->`,
        }),
      });
      expect(forged.status).toBe(201);
      const problems = await invariantProblems(sandbox);
      expect(problems).toEqual([
        expect.stringMatching(
          /^dev: shop-dev\/orders runs example\.test\/orders:hand-made; main names .*orders:1\.6\.3@sha256:/,
        ),
        expect.stringMatching(
          /proposed orders 9\.9\.9 for prod, which uat had not deployed \(deployed: none\)$/,
        ),
      ]);
    },
    SCENARIO_TIMEOUT,
  );
});
