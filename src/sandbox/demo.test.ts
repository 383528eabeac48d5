// End to end: the repository's real workflow files played on the sandbox (GitHub stand-in, local
// registry and buildah, real git and kustomize). No cluster can run here: a recording kubectl stands
// in for it, so "deployed" means the exact apply and rollout calls were made and succeeded.
import { afterEach, describe, expect, it } from 'vitest';
import { git } from './process.js';
import { playPromotion, startSandbox, type Sandbox } from './demo.js';

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
});

const cells = (result: Awaited<ReturnType<typeof playPromotion>>, service: string) =>
  result.rows.find((row) => row.service === service)!.cells.map((cell) => cell.version);

const applies = async (s: Sandbox) => (await s.kubectl.calls()).filter((call) => call.argv[0] === 'apply');

describe.each(['app', 'github-token'] as const)('the whole chain in %s token mode', (tokenMode) => {
  it('releases orders and promotes exactly that image through dev, uat and prod, one deploy per environment', async () => {
    sandbox = await startSandbox({ tokenMode });
    const result = await playPromotion(sandbox, { service: 'orders', version: '1.6.0' });

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
    const deploys = result.runs.filter((run) => run.file === 'overlay-deploy.yaml');
    expect(deploys).toHaveLength(3);
    expect(deploys.every((run) => run.conclusion === 'success')).toBe(true);
    // The dev merge starts the deploy by its event with an App token, by a dispatch with GITHUB_TOKEN.
    expect(deploys[0]!.event).toBe(tokenMode === 'app' ? 'pull_request' : 'workflow_dispatch');
    expect((await applies(sandbox)).length).toBe(3);
    const recorded = sandbox.github.deployments.filter(
      (d) => typeof d.payload === 'object' && 'service' in d.payload,
    );
    expect(recorded.map((d) => [d.environment, d.statuses.at(-1)?.state])).toEqual([
      ['dev', 'success'],
      ['uat', 'success'],
      ['prod', 'success'],
    ]);
  });
});

describe('when things go wrong', () => {
  it('a failed rollout stops the chain: failure status, no next promotion', async () => {
    sandbox = await startSandbox({ tokenMode: 'app', failRollout: ['deployment/orders'] });
    await expect(playPromotion(sandbox, { service: 'orders', version: '1.6.0' })).rejects.toThrow(
      /The release failed/,
    );
    const recorded = sandbox.github.deployments.filter(
      (d) => typeof d.payload === 'object' && 'service' in d.payload,
    );
    expect(recorded.map((d) => [d.environment, d.statuses.at(-1)?.state])).toEqual([['dev', 'failure']]);
    expect(sandbox.github.pulls.filter((pull) => pull.head.ref === 'release/orders/uat')).toEqual([]);
  });

  it('three services released at once all land on main without losing a change', async () => {
    sandbox = await startSandbox({ tokenMode: 'app' });
    const releases = [
      ['orders', '1.6.0'],
      ['payments', '2.4.0'],
      ['catalog', '1.0.0'],
    ];
    for (const [service, version] of releases) {
      await sandbox.github.dispatchWorkflow('service-release.yaml', {
        inputs: { service: service!, version: version! },
        login: 'release-manager',
      });
    }
    await sandbox.dispatcher.idle();
    expect(sandbox.dispatcher.failures()).toEqual([]);
    const overlay = await git(sandbox.repo.origin, 'show', 'main:overlays/dev/kustomization.yaml');
    for (const [service, version] of releases) {
      expect(overlay).toMatch(
        new RegExp(`name: [^\\n]*/acme/${service}\\n\\s+newTag: ${version!.replaceAll('.', '\\.')}\\n`),
      );
    }
    const uat = sandbox.github.pulls.filter(
      (pull) => pull.head.ref.endsWith('/uat') && pull.state === 'open',
    );
    expect(uat.map((pull) => pull.head.ref).sort()).toEqual([
      'release/catalog/uat',
      'release/orders/uat',
      'release/payments/uat',
    ]);
    expect(sandbox.github.violations).toEqual([]);
  });
});
