// The build of service-release.yaml in the whole sandbox (one repository, App tokens): the release
// action's plan hands docker/build-push-action (stood in by buildah) the service's platforms and
// build arguments, QEMU is set up for the platform the runner cannot run, the pushed index is what
// the confirm step checks and what dev pins; a second release of an unchanged context takes its
// layers from the type=gha cache; a rerun finds the tag and builds nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_ACCEPT } from '../core/release.js';
import { parseConfig } from '../core/config.js';
import { readImageVersion } from '../core/kustomization.js';
import { configOnMainWith } from './config-on-main.js';
import { releaseService, startSandbox, type Sandbox } from './demo.js';
import { git } from './process.js';
import type { DispatchedRun } from './workflows/dispatcher.js';
import type { JobResult, StepResult } from './workflows/types.js';

let sandbox: Sandbox;
let first: DispatchedRun;
let second: DispatchedRun;
/** The image as the overlays name it (images[].name). */
let ordersImage: string;

const releaseRuns = () => sandbox.dispatcher.runs.filter((run) => run.file.endsWith('service-release.yaml'));
const buildJob = (run: DispatchedRun): JobResult => run.result!.jobs.find((job) => job.id === 'build')!;
const step = (run: DispatchedRun, id: string): StepResult => buildJob(run).steps.find((s) => s.id === id)!;
const stepNamed = (run: DispatchedRun, name: string): StepResult =>
  buildJob(run).steps.find((s) => s.name === name)!;

beforeAll(async () => {
  sandbox = await startSandbox({ tokenMode: 'app', layout: 'single' });
  // orders for two platforms, with a build argument its Dockerfile turns into a label.
  const config = await configOnMainWith(sandbox.repo, 'services', 'orders', {
    platforms: ['linux/amd64', 'linux/arm64'],
    'build-args': { TEAM: 'checkout squad' },
  });
  const dockerfile = await git(sandbox.repo.origin, 'show', 'main:services/orders/Dockerfile');
  await sandbox.repo.pushToMain(
    {
      '.github/promotion.yaml': config,
      'services/orders/Dockerfile': `${dockerfile}\nARG TEAM\nLABEL org.example.team=$TEAM\n`,
    },
    'orders for amd64 and arm64, with a build argument',
  );
  ordersImage = parseConfig(config).services.find((s) => s.name === 'orders')!.kustomizeImage;
  await releaseService(sandbox, 'orders', '1.6.0');
  first = releaseRuns()[0]!;
  await releaseService(sandbox, 'orders', '1.6.1');
  second = releaseRuns()[1]!;
}, 300_000);

afterAll(async () => {
  await sandbox?.dispose();
});

describe('the release builds with docker/build-push-action', () => {
  it('hands the build the platforms, build arguments, labels and cache scope the plan outputs', () => {
    expect(first.result?.conclusion).toBe('success');
    const plan = step(first, 'plan').outputs;
    expect(plan).toMatchObject({
      build: 'true',
      platforms: 'linux/amd64,linux/arm64',
      'build-args': 'TEAM=checkout squad',
      emulate: 'arm64',
      'cache-scope': 'orders',
    });
    expect(step(first, 'build')).toMatchObject({
      status: 'success',
      kind: 'stand-in',
      inputs: expect.objectContaining({
        platforms: 'linux/amd64,linux/arm64',
        'build-args': 'TEAM=checkout squad',
        'cache-to': 'type=gha,mode=max,ignore-error=true,scope=orders',
        labels: plan['labels'],
      }) as Record<string, string>,
    });
    // QEMU for the architecture the X64 runner cannot run, and only that one.
    expect(stepNamed(first, 'Set up QEMU')).toMatchObject({
      status: 'success',
      inputs: expect.objectContaining({ platforms: 'arm64' }) as Record<string, string>,
    });
  });

  it('pushes one index for both platforms, which confirm checks and dev pins', async () => {
    const digest = await sandbox.registry.digest('acme/orders', '1.6.0');
    const answer = await sandbox.registry.request('/v2/acme/orders/manifests/1.6.0', {
      accept: MANIFEST_ACCEPT,
    });
    const index = (await answer.json()) as { manifests: { platform: { architecture: string } }[] };
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    expect(step(first, 'build').outputs['digest']).toBe(digest);
    expect(step(first, 'confirm')).toMatchObject({
      status: 'success',
      outputs: expect.objectContaining({ digest }),
    });
    expect(buildJob(first).outputs['digest']).toBe(digest);
    const dev = await git(sandbox.repo.origin, 'show', 'main:overlays/dev/kustomization.yaml');
    expect(readImageVersion(dev, ordersImage)).toMatchObject({
      tag: '1.6.1',
    });
    // 1.6.0 went to dev pinned to the index before 1.6.1 replaced it.
    const merged = await git(sandbox.repo.origin, 'log', '--format=%H', '--grep=1.6.0 in dev', 'main');
    const atMerge = await git(
      sandbox.repo.origin,
      'show',
      `${merged.split('\n')[0]}:overlays/dev/kustomization.yaml`,
    );
    expect(readImageVersion(atMerge, ordersImage)).toEqual({ tag: '1.6.0', digest });
  });

  it('takes every layer of an unchanged context from the cache in the second release', () => {
    expect(second.result?.conclusion).toBe('success');
    const log = step(second, 'build').log;
    expect(log).toContain(
      `Cache pulled from remote ${sandbox.registry.host}/actions-cache/acme/platform/orders/`,
    );
    // The build argument's label is a step of its own; the version's labels differ, and come after.
    const cached = log.split('\n').filter((line) => line.includes('Using cache')).length;
    expect(cached).toBeGreaterThanOrEqual(4);
    expect(step(first, 'build').log).not.toContain('Using cache');
  });

  it('a rerun finds the tag: nothing built, the same digest', async () => {
    const digest = await sandbox.registry.digest('acme/orders', '1.6.0');
    const rerun = await sandbox.dispatcher.rerun(first.runId);
    await sandbox.dispatcher.idle();
    expect(step(rerun, 'plan').outputs).toMatchObject({ build: 'false', digest });
    for (const id of ['build', 'confirm']) expect(step(rerun, id).status).toBe('skipped');
    expect(stepNamed(rerun, 'Set up QEMU').status).toBe('skipped');
    expect(buildJob(rerun).outputs['digest']).toBe(digest);
    expect(await sandbox.registry.digest('acme/orders', '1.6.0')).toBe(digest);
  });
});
