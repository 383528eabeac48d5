// The deploy gate of require-attestation in the whole sandbox (cross-repository layout, App tokens):
// orders is released from acme/orders through the suite's service-release.yaml, whose attest job
// stores the provenance (and, as orders asks for one, an SBOM) in acme/orders; prod verifies the
// digest against acme/orders and the suite's workflow. An image pushed by hand and promoted by hand with its digest passes dev and uat (which do
// not require attestation) and is refused in prod: the deployment fails and prod keeps what it ran.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  approveAndMerge,
  dispatchersOf,
  idleAll,
  playPromotion,
  serviceDeployments,
  startSandbox,
  type Sandbox,
} from './demo.js';
import { configOnMainWith } from './config-on-main.js';
import { certificateIdentity } from './github/attestations.js';
import { deploymentsIn } from './kube/index.js';
import { buildah } from './registry.js';

let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.dispose();
  sandbox = undefined;
});

/** Builds and pushes `acme/orders:<tag>` with buildah, outside any workflow; answers its digest. */
async function pushByHand(s: Sandbox, tag: string): Promise<string> {
  const context = await mkdtemp(join(tmpdir(), 'by-hand-'));
  try {
    await writeFile(join(context, 'payload.txt'), 'not built by service-release\n');
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY payload.txt /payload.txt\n');
    const reference = `${s.registry.host}/acme/orders:${tag}`;
    expect((await buildah(s.buildah, 'build', '--quiet', `--tag=${reference}`, context)).exitCode).toBe(0);
    expect((await buildah(s.buildah, 'push', '--quiet', reference, `docker://${reference}`)).exitCode).toBe(
      0,
    );
    return (await s.registry.digest('acme/orders', tag))!;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

it('verifies the release of orders from acme/orders in prod, and refuses an image pushed by hand there', async () => {
  sandbox = await startSandbox({ tokenMode: 'app' });
  const suite = sandbox.repositories.suite;
  await sandbox.repo.pushToMain(
    { '.github/promotion.yaml': await configOnMainWith(sandbox.repo, 'services', 'orders', { sbom: true }) },
    'orders attests an SBOM',
  );
  await playPromotion(sandbox, { service: 'orders', version: '1.6.0' });
  const released = await sandbox.registry.digest('acme/orders', '1.6.0');

  // The attest job stored the provenance, then the SPDX SBOM (sbom: true), in acme/orders, signed as
  // the suite's workflow.
  const attestations = sandbox.github.repository('acme/orders').attestations;
  const subject = [{ name: `${sandbox.registry.host}/acme/orders`, digest: released }];
  expect(attestations.map((a) => [a.predicateType, a.subjects])).toEqual([
    ['https://slsa.dev/provenance/v1', subject],
    ['https://spdx.dev/Document/v2.3', subject],
  ]);
  const material = attestations[0]!.bundle['verificationMaterial'] as { certificate: { rawBytes: string } };
  expect(certificateIdentity(material.certificate.rawBytes)).toMatchObject({
    subjectAlternativeName: expect.stringMatching(
      new RegExp(`^https://github\\.com/${suite}/\\.github/workflows/service-release\\.yaml@`),
    ),
    sourceRepositoryUri: 'https://github.com/acme/orders',
  });
  expect(sandbox.github.repository(sandbox.repositories.gitops).attestations).toEqual([]);
  // prod's deploy asked gh, against acme/orders and the suite's workflow, and went live.
  const standIns = dispatchersOf(sandbox).flatMap((d) => d.runs.flatMap((run) => run.result?.standIns ?? []));
  expect(standIns.map((s) => s.reason)).toContainEqual(
    expect.stringContaining(
      `gh attestation verify oci://${sandbox.registry.host}/acme/orders@${released} --repo acme/orders --signer-workflow ${suite}/.github/workflows/service-release.yaml`,
    ),
  );
  const states = () =>
    serviceDeployments(sandbox!, 'orders').map((d) => [d.environment, d.statuses.at(-1)?.state]);
  expect(states().slice(-3)).toEqual([
    ['dev', 'success'],
    ['uat', 'success'],
    ['prod', 'success'],
  ]);

  // By hand: an image pushed with buildah and promoted with its digest.
  const byHand = await pushByHand(sandbox, '1.6.1');
  await sandbox.github.dispatchWorkflow('overlay-update.yaml', {
    inputs: { overlay: 'dev', service: 'orders', version: '1.6.1', digest: byHand },
    login: 'release-manager',
  });
  await idleAll(sandbox);
  await approveAndMerge(sandbox, 'orders', 'uat');
  const pullsBeforeProd = sandbox.github.pulls.length;
  await approveAndMerge(sandbox, 'orders', 'prod');

  expect(states().slice(-3)).toEqual([
    ['dev', 'success'],
    ['uat', 'success'],
    ['prod', 'failure'],
  ]);
  const failed = dispatchersOf(sandbox).flatMap((d) => d.failures());
  expect(failed).toHaveLength(1);
  const why = JSON.stringify(failed[0]!.result);
  expect(why).toContain('orders 1.6.1');
  expect(why).toContain('is not admitted to prod');
  expect(why).toContain(`${suite}/.github/workflows/service-release.yaml for acme/orders`);
  expect(why).toContain('HTTP 404: Not Found');
  expect(sandbox.github.pulls.length).toBe(pullsBeforeProd);
  // prod still runs the attested release.
  expect((await deploymentsIn(sandbox.clusters['prod']!)).map((d) => d.images.join(','))).toEqual([
    `${sandbox.registry.host}/acme/orders:1.6.0@${released}`,
  ]);
  expect(sandbox.github.violations).toEqual([]);
}, 600_000);
