/**
 * docker/build-push-action (v7.3.0) and docker/setup-buildx-action drive BuildKit in a Docker engine,
 * and the cache `type=gha` is GitHub's Actions cache service: none of them is here. The stand-ins
 * build with buildah from PATH from the same inputs (read as the action reads them:
 * ./build-push-inputs.ts), each build in fresh vfs storage removed after, as a fresh GitHub-hosted
 * runner has no layer of an earlier job; buildah's other settings come from the runner machine's
 * environment (REGISTRY_AUTH_FILE, CONTAINERS_REGISTRIES_CONF, BUILDAH_ISOLATION, TMPDIR).
 *
 * - The GitHub Actions cache (https://docs.docker.com/build/cache/backends/gha/: `scope` defaults to
 *   `buildkit`, `mode` to `min`; "not supported with the default docker driver") is a repository in
 *   the registry of the first tag, `actions-cache/<owner>/<repo>/<scope>/<os-arch>`: per repository,
 *   as GitHub scopes its cache (https://docs.github.com/en/actions/reference/workflows-and-actions/dependency-caching;
 *   its per-branch restrictions are not modelled), per platform because buildah 1.28's layer cache
 *   ignores the platform. buildah caches every stage, as `mode=max`: `mode=min` with several stages
 *   is refused rather than cached more than BuildKit would.
 * - Without docker/setup-buildx-action earlier in the job the builder is Docker's `docker` driver,
 *   which refuses cache export and multi-platform builds (buildx's messages, as in
 *   https://github.com/flanksource/config-db/pull/1751, 2025-11).
 * - buildah makes no BuildKit attestation: `provenance`, `sbom` and `attests` asking for one fail.
 *   Left empty, buildx adds its default provenance, which makes the pushed tag an image index: the
 *   stand-in pushes an index too (holding the image alone).
 * - Several platforms build one by one (buildah 1.28 mixes them up in one storage) with no
 *   emulation: a RUN step for another architecture fails as it would without QEMU.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostPlatform } from '../image-files.js';
import { runProcess, type ProcessResult } from '../process.js';
import { buildPlan, type BuildPlan } from './build-push-plan.js';
import {
  actionName,
  type StandInAction,
  type StandInContext,
  type StandInOutcome,
} from './stand-in-types.js';

const hostPlatformName = (): string => `${hostPlatform().os}/${hostPlatform().architecture}`;

/** The builder a build-push-action step uses: the one setup-buildx made, else Docker's default. */
export interface Builder {
  name: string;
  driver: string;
}

/** Which builder buildx would use: `builder:` by name, else the last setup-buildx with `use`. */
export function currentBuilder(ctx: StandInContext, requested: string): Builder | { failure: string } {
  const made = ctx.earlierSteps
    .filter((step) => step.uses && actionName(step.uses) === 'docker/setup-buildx-action')
    .filter((step) => step.status === 'success' && step.outputs['name']);
  const builderOf = (step: (typeof made)[number]): Builder => ({
    name: step.outputs['name']!,
    driver: step.outputs['driver'] || 'docker-container',
  });
  if (requested) {
    const named = made.find((step) => step.outputs['name'] === requested);
    return named ? builderOf(named) : { failure: `ERROR: no builder "${requested}" found` };
  }
  const used = made.filter((step) => step.inputs['use'] !== 'false').at(-1);
  return used ? builderOf(used) : { name: 'default', driver: 'docker' };
}

const SETUP_BUILDX_INPUTS = [
  'version',
  'driver',
  'driver-opts',
  'buildkitd-flags',
  'buildkitd-config',
  'buildkitd-config-inline',
  'install',
  'use',
  'name',
  'endpoint',
  'platforms',
  'append',
  'keep-state',
  'cache-binary',
  'cleanup',
];

export const setupBuildxStandIn: StandInAction = {
  // docker/setup-buildx-action v3-v4 action.yml
  inputs: SETUP_BUILDX_INPUTS,
  outputs: ['name', 'driver', 'platforms', 'nodes'],
  async run(ctx) {
    const name = ctx.inputs['name'] || `builder-${randomUUID()}`;
    const driver = ctx.inputs['driver'] || 'docker-container';
    const platforms = hostPlatformName();
    return {
      outputs: {
        name,
        driver,
        platforms,
        nodes: JSON.stringify([
          { name: `${name}0`, endpoint: 'unix:///var/run/docker.sock', status: 'running', platforms },
        ]),
      },
      reason:
        `docker/setup-buildx-action creates a BuildKit builder in Docker (none here): stood in by builder ${name} ` +
        `(driver ${driver}, ${platforms}), with which docker/build-push-action's stand-in builds with buildah`,
      log: `builder ${name}: driver ${driver}, platforms ${platforms}`,
    };
  },
};

/** The last lines buildah wrote, for a step's error. */
const tail = (text: string): string =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-5)
    .join('\n');

async function buildPush(ctx: StandInContext): Promise<StandInOutcome> {
  const reason = 'docker/build-push-action';
  const fail = (failure: string, log = ''): StandInOutcome => ({ outputs: {}, reason, log, failure });
  const builder = currentBuilder(ctx, (ctx.inputs['builder'] ?? '').trim());
  if ('failure' in builder) return fail(builder.failure);
  const planned = await buildPlan(ctx, builder, hostPlatformName());
  if ('failure' in planned) return fail(planned.failure);
  const plan: BuildPlan = planned;

  const log: string[] = [];
  const env = ctx.env;
  const work = await mkdtemp(join(ctx.temp, 'build-push-'));
  const buildah = async (args: string[]): Promise<ProcessResult> => {
    log.push(`$ buildah ${args.join(' ')}`);
    const result = await runProcess('buildah', args, { cwd: ctx.workspace, env }).catch(
      (error: NodeJS.ErrnoException): ProcessResult => {
        if (error.code !== 'ENOENT') throw error;
        return {
          exitCode: 127,
          stdout: '',
          stderr: "buildah is not on the runner's PATH (apt-get install buildah)",
        };
      },
    );
    log.push(`${result.stdout}${result.stderr}`.trimEnd());
    return result;
  };
  const failed = (args: string[], result: ProcessResult): StandInOutcome => {
    const at = args.findIndex((arg) => ['build', 'push', 'pull', 'manifest'].includes(arg));
    const verb = args.slice(at, args[at] === 'manifest' ? at + 2 : at + 1).join(' ');
    return fail(
      `buildah ${verb} failed with exit code ${result.exitCode}: ${tail(result.stderr || result.stdout)}`,
      log.join('\n'),
    );
  };
  // The machine's registry settings as flags: buildah 1.28's `manifest push` ignores the variables.
  const registryFlags = [
    ...(env['CONTAINERS_REGISTRIES_CONF'] ? ['--registries-conf', env['CONTAINERS_REGISTRIES_CONF']] : []),
  ];
  const authFlags = env['REGISTRY_AUTH_FILE'] ? ['--authfile', env['REGISTRY_AUTH_FILE']] : [];
  try {
    // Build secrets: files only the job's user can read, removed with the rest after the build.
    const secretFlags: string[] = [];
    const secretDir = join(work, 'secrets');
    await mkdir(secretDir, { mode: 0o700 });
    for (const [index, secret] of plan.secrets.entries()) {
      let source = secret.file;
      if (source === undefined) {
        source = join(secretDir, String(index));
        await writeFile(source, secret.value ?? '', { mode: 0o600 });
      }
      secretFlags.push('--secret', `id=${secret.id},src=${source}`);
    }

    // One fresh storage per platform.
    const images: { platform: string; store: string[]; id: string }[] = [];
    for (const platform of plan.platforms) {
      const root = join(work, platform.replaceAll('/', '-'));
      const store = [
        '--root',
        join(root, 'graph'),
        '--runroot',
        join(root, 'run'),
        '--storage-driver',
        'vfs',
      ];
      const iidFile = join(root, 'iid');
      const cache = plan.cache
        ? [
            ...(plan.cache.from
              ? ['--cache-from', `${plan.cache.from}/${platform.replaceAll('/', '-')}`]
              : []),
            ...(plan.cache.to ? ['--cache-to', `${plan.cache.to}/${platform.replaceAll('/', '-')}`] : []),
          ]
        : [];
      const args = [
        ...store,
        ...registryFlags,
        'build',
        ...authFlags,
        '--layers',
        ...plan.flags,
        ...cache,
        ...secretFlags,
        '--platform',
        platform,
        '--iidfile',
        iidFile,
        plan.context,
      ];
      const built = await buildah(args);
      if (built.exitCode !== 0) return failed(args, built);
      images.push({ platform, store, id: (await readFile(iidFile, 'utf8')).trim() });
    }

    const pushed = new Map<string, string>();
    if (plan.push && plan.index) {
      // The image index, assembled in the first platform's storage from the others' archives.
      const [first, ...others] = images;
      const list = [...first!.store, ...registryFlags];
      for (const image of others) {
        const archive = `oci-archive:${join(work, `${image.platform.replaceAll('/', '-')}.tar`)}`;
        for (const args of [
          [...image.store, 'push', '--quiet', image.id, archive],
          [...list, 'pull', '--quiet', archive],
        ]) {
          const moved = await buildah(args);
          if (moved.exitCode !== 0) return failed(args, moved);
        }
      }
      const name = `build-push-${randomUUID()}`;
      for (const args of [
        [...list, 'manifest', 'create', name],
        ...images.map((image) => [...list, 'manifest', 'add', name, image.id]),
      ]) {
        const made = await buildah(args);
        if (made.exitCode !== 0) return failed(args, made);
      }
      for (const tag of plan.tags) {
        const digestFile = join(work, `digest-${pushed.size}`);
        const args = [...list, 'manifest', 'push', ...authFlags, '--all', '--format', 'oci'];
        args.push('--digestfile', digestFile, name, `docker://${tag}`);
        const result = await buildah(args);
        // buildah 1.28's `manifest push` can fail with exit code 0: no digest file means no push.
        if (result.exitCode !== 0 || !existsSync(digestFile))
          return failed(args, { ...result, exitCode: result.exitCode || 1 });
        pushed.set(tag, (await readFile(digestFile, 'utf8')).trim());
      }
    } else if (plan.push) {
      const image = images[0]!;
      for (const tag of plan.tags) {
        const digestFile = join(work, `digest-${pushed.size}`);
        const args = [...image.store, ...registryFlags, 'push', ...authFlags, '--digestfile', digestFile];
        args.push(image.id, `docker://${tag}`);
        const result = await buildah(args);
        if (result.exitCode !== 0) return failed(args, result);
        pushed.set(tag, (await readFile(digestFile, 'utf8')).trim());
      }
    }

    const digest = [...pushed.values()][0] ?? '';
    // One platform has one image config (an index holding it and attestations too); several have none.
    const single = images.length === 1;
    // buildx writes an image id when the image reaches an exporter: a push, or the docker driver's load.
    const imageId = plan.push || builder.driver === 'docker' ? (single ? images[0]!.id : digest) : '';
    const metadata: Record<string, string> = {};
    if (single && imageId) metadata['containerimage.config.digest'] = images[0]!.id;
    if (digest) metadata['containerimage.digest'] = digest;
    if (plan.push) metadata['image.name'] = plan.tags.join(',');
    return {
      outputs: { imageid: imageId, digest, metadata: JSON.stringify(metadata, null, 2) },
      reason:
        `docker/build-push-action builds with BuildKit in Docker (none here): stood in by buildah from PATH ` +
        `(builder ${builder.name}, driver ${builder.driver}) in fresh vfs storage removed after, for ${plan.platforms.join(', ')}` +
        (plan.cache
          ? `; the GitHub Actions cache stood in by ${plan.cache.from ?? plan.cache.to}/<platform> in the registry`
          : '') +
        (plan.push ? `; pushed ${plan.tags.join(', ')} (${digest})` : '; not pushed') +
        (plan.push && plan.index && plan.platforms.length === 1
          ? '; as an image index without the provenance attestation buildx adds by default'
          : ''),
      log: log.join('\n'),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export const buildPushStandIn: StandInAction = {
  // docker/build-push-action v7.3.0 action.yml
  inputs: [
    'add-hosts',
    'allow',
    'annotations',
    'attests',
    'build-args',
    'build-contexts',
    'builder',
    'cache-from',
    'cache-to',
    'call',
    'cgroup-parent',
    'context',
    'file',
    'labels',
    'load',
    'network',
    'no-cache',
    'no-cache-filters',
    'outputs',
    'platforms',
    'provenance',
    'pull',
    'push',
    'sbom',
    'secrets',
    'secret-envs',
    'secret-files',
    'shm-size',
    'ssh',
    'tags',
    'target',
    'ulimit',
    'github-token',
  ],
  outputs: ['imageid', 'digest', 'metadata'],
  run: buildPush,
};
