// A scenario of `npm run bench`: one service released twice with an unchanged build context. Each
// build runs on a fresh runner (the build-push-action stand-in starts from empty containers
// storage), so only the layer cache (`type=gha`, stood in by a registry repository) can spare the
// second one the work of the first. The service's build stage does real work, as a compile would:
// it compresses a few MiB of data with gzip -9 in a busybox toolbox image pushed to the sandbox
// registry first, named by a build argument (services[].build-args).
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LayerCache } from '../core/bench.js';
import { addServices } from '../sandbox/add-services.js';
import { configOnMainWith } from '../sandbox/config-on-main.js';
import { MissingToolsError, startSandbox, type Sandbox } from '../sandbox/demo.js';
import { buildah, findOnPath } from '../sandbox/registry.js';
import type { JobResult, StepResult } from '../sandbox/workflows/types.js';

const SERVICE = 'reports';
const BUILD_ACTION = 'docker/build-push-action';

const DOCKERFILE = `# The bench's build-heavy service: its build stage works for seconds, as a compile would.
ARG TOOLBOX
FROM \${TOOLBOX} AS build
COPY data/ /data/
RUN mkdir /out && for level in 1 2 3 4 5 6 7 8 9; do gzip -\${level} -c /data/payload > /out/payload.gz; done

FROM scratch
COPY --from=build /out/ /srv/${SERVICE}/
`;

/** Pushes `<registry>/library/toolbox:1`: busybox and its applets, enough for a shell RUN step. */
async function pushToolbox(sandbox: Sandbox, busybox: string): Promise<string> {
  const reference = `${sandbox.registry.host}/library/toolbox:1`;
  const context = await mkdtemp(join(tmpdir(), 'toolbox-'));
  try {
    await mkdir(join(context, 'bin'));
    await copyFile(busybox, join(context, 'bin', 'busybox'));
    await writeFile(
      join(context, 'Dockerfile'),
      'FROM scratch\nCOPY bin/busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n',
    );
    for (const args of [
      ['build', `--tag=${reference}`, context],
      ['push', reference],
    ]) {
      const result = await buildah(sandbox.buildah, ...args);
      if (result.exitCode !== 0)
        throw new Error(`buildah ${args[0]} of the toolbox failed:\n${result.stderr}`);
    }
    return reference;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function addBuildHeavyService(sandbox: Sandbox, toolbox: string): Promise<void> {
  await addServices(sandbox.repo, [SERVICE]);
  await sandbox.repo.pushToMain(
    {
      '.github/promotion.yaml': await configOnMainWith(sandbox.repo, 'services', SERVICE, {
        'build-args': { TOOLBOX: toolbox },
      }),
      [`services/${SERVICE}/Dockerfile`]: DOCKERFILE,
      // Text of random bytes: gzip has work to do on every level.
      [`services/${SERVICE}/data/payload`]: randomBytes(3 << 20).toString('base64'),
    },
    `Make ${SERVICE} a build-heavy service`,
  );
}

function buildSteps(jobs: JobResult[]): StepResult[] {
  return jobs.flatMap((job) => [
    ...job.steps.filter((step) => step.uses?.startsWith(`${BUILD_ACTION}@`)),
    ...buildSteps(job.call?.jobs ?? []),
  ]);
}

function errorsOf(jobs: JobResult[]): string[] {
  return jobs.flatMap((job) => [
    ...job.errors,
    ...job.steps.flatMap((s) => s.annotations.filter((a) => a.level === 'error').map((a) => a.message)),
    ...errorsOf(job.call?.jobs ?? []),
  ]);
}

/** Releases one version and answers its build step, once every run it started has finished. */
async function release(sandbox: Sandbox, version: string): Promise<StepResult> {
  const { runs } = sandbox.dispatcher;
  const before = runs.length;
  await sandbox.github.dispatchWorkflow('service-release.yaml', {
    inputs: { service: SERVICE, version },
    login: 'release-manager',
  });
  await sandbox.dispatcher.idle();
  const run = runs.slice(before).find((r) => r.file.endsWith('service-release.yaml'));
  const [step] = buildSteps(run?.result?.jobs ?? []);
  if (run?.result?.conclusion !== 'success' || !step || step.status !== 'success') {
    const failed = [
      ...(run?.result?.problems ?? []).map((problem) => problem.message),
      ...errorsOf(run?.result?.jobs ?? []),
    ];
    throw new Error(
      `the release of ${SERVICE} ${version} did not build: ${failed.join('; ') || run?.result?.conclusion || 'no run'}`,
    );
  }
  return step;
}

export async function layerCacheScenario(progress: (line: string) => void): Promise<LayerCache> {
  const busybox = await findOnPath(['busybox']);
  if (!busybox) throw new MissingToolsError([{ tool: 'busybox', debianPackage: 'busybox-static' }]);
  const sandbox = await startSandbox({ tokenMode: 'app', layout: 'single' });
  try {
    await addBuildHeavyService(sandbox, await pushToolbox(sandbox, busybox));
    const versions: [string, string] = ['1.0.0', '1.0.1'];
    progress(`release ${SERVICE} ${versions[0]}, then ${versions[1]} from the same context ...`);
    const first = await release(sandbox, versions[0]);
    const second = await release(sandbox, versions[1]);
    // buildah's log: "STEP n/m: ..." for every instruction, "Using cache ..." for each one it skipped.
    const count = (log: string, pattern: RegExp) =>
      log.split('\n').filter((line) => pattern.test(line)).length;
    return {
      service: SERVICE,
      versions,
      firstBuildSeconds: first.durationMs / 1000,
      secondBuildSeconds: second.durationMs / 1000,
      cachedSteps: count(second.log, /Using cache/),
      steps: count(second.log, /STEP \d+\/\d+/),
    };
  } finally {
    await sandbox.dispose();
  }
}
