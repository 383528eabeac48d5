// What docker/build-push-action's stand-in (./build-push.ts) will do with a step's inputs, or the
// one-line reason it refuses them: every input of the real action is either honoured with buildah,
// or accepted only empty (or at its default), so that nothing is silently dropped.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  booleanInput,
  csvAttributes,
  inputList,
  PLATFORM,
  registryHost,
  scopeComponent,
  secretPair,
} from './build-push-inputs.js';
import type { StandInContext } from './stand-in-types.js';

export interface BuildPlan {
  /** The context folder, absolute. */
  context: string;
  platforms: string[];
  tags: string[];
  push: boolean;
  /** Push an image index (several platforms, or buildx's default provenance) rather than an image. */
  index: boolean;
  /** buildah build flags from the inputs (file, build args, labels, target, ...). */
  flags: string[];
  /** A value to write to a file, or a file of the workspace. */
  secrets: { id: string; value?: string; file?: string }[];
  /** The cache repositories (without the platform), for `type=gha`. */
  cache?: { from?: string; to?: string };
}

/** Inputs the stand-in cannot honour: accepted only empty. */
const NOT_STOOD_IN: Record<string, string> = {
  'build-contexts': 'named build contexts',
  ssh: 'SSH agent forwarding',
  outputs: 'outputs other than a push',
  allow: 'extra entitlements',
  'cgroup-parent': 'a parent cgroup',
  'no-cache-filters': 'per-stage cache filters',
};

/** The parameters buildx's `type=gha` cache takes (docs.docker.com/build/cache/backends/gha). */
const GHA_PARAMETERS = new Set([
  'type',
  'url',
  'url_v2',
  'token',
  'scope',
  'mode',
  'ignore-error',
  'timeout',
  'repository',
  'ghtoken',
  'version',
]);

const isFalse = (value: string): boolean => ['false', 'False', 'FALSE'].includes(value.trim());

type Planned = BuildPlan | { failure: string };

export async function buildPlan(
  ctx: StandInContext,
  builder: { driver: string },
  hostPlatform: string,
): Promise<Planned> {
  const { inputs, workspace } = ctx;
  const fail = (failure: string): Planned => ({ failure });
  const input = (name: string): string => (inputs[name] ?? '').trim();

  for (const [name, what] of Object.entries(NOT_STOOD_IN)) {
    if (input(name))
      return fail(`${name}: the sandbox's buildah stand-in does not do ${what}; leave it empty`);
  }
  let push: boolean;
  try {
    if (booleanInput('load', inputs['load'] ?? 'false'))
      return fail('load: there is no Docker engine in the sandbox to load the image into; use push');
    push = booleanInput('push', inputs['push'] ?? 'false');
    booleanInput('pull', inputs['pull'] ?? 'false');
    booleanInput('no-cache', inputs['no-cache'] ?? 'false');
  } catch (error) {
    return fail((error as Error).message);
  }
  if (!['', 'build'].includes(input('call')))
    return fail(`call: ${input('call')}: the sandbox's buildah stand-in only builds (call: build)`);
  if (!['', 'default', 'none'].includes(input('network')))
    return fail(`network: ${input('network')}: the sandbox's buildah stand-in takes default or none`);

  // Attestations: buildah makes none, so asking for one fails rather than passing without it.
  const provenance = input('provenance');
  if (provenance && !isFalse(provenance))
    return fail(
      `provenance: ${provenance}: buildah makes no BuildKit attestation; set provenance: false and attest ` +
        'with actions/attest-build-provenance',
    );
  if (input('sbom') && !isFalse(input('sbom')))
    return fail(`sbom: ${input('sbom')}: buildah makes no BuildKit SBOM attestation; set sbom: false`);
  const attests = inputList(inputs['attests'], { ignoreComma: true }).map(csvAttributes);
  const wanted = attests.find((attest) => attest['disabled'] !== 'true');
  if (wanted) return fail(`attests: type=${wanted['type']}: buildah makes no BuildKit attestation`);
  const noDefault = /^(1|t|true)$/i.test(ctx.env['BUILDX_NO_DEFAULT_ATTESTATIONS'] ?? '');
  const defaultProvenance =
    !provenance && !attests.some((attest) => attest['type'] === 'provenance') && !noDefault;

  // The context: a folder of the workspace. Empty is buildx's Git context of the run's commit.
  const rawContext = input('context');
  if (
    !rawContext ||
    rawContext.includes('{{') ||
    /^(https?:\/\/|git@|git:\/\/|github\.com\/)/.test(rawContext)
  )
    return fail(
      `context: ${rawContext ? `'${rawContext}' is a Git or URL context` : 'empty means the Git context of the commit'}; ` +
        "the sandbox's buildah stand-in builds a folder of the workspace only: set context (e.g. context: .)",
    );
  const context = resolve(workspace, rawContext);
  // `file` is relative to the working directory (the workspace), not to the context.
  const file = input('file') ? resolve(workspace, input('file')) : join(context, 'Dockerfile');

  const platforms = inputList(inputs['platforms']);
  const badPlatform = platforms.find((platform) => !PLATFORM.test(platform));
  if (badPlatform !== undefined) return fail(`platforms: '${badPlatform}' is not os/arch[/variant]`);
  if (platforms.length > 1 && builder.driver === 'docker')
    return fail(
      'ERROR: Multi-platform build is not supported for the docker driver. Switch to a different driver, ' +
        'or turn on the containerd image store, and try again. (No docker/setup-buildx-action earlier in the job.)',
    );
  const tags = inputList(inputs['tags']);
  if (push && tags.length === 0) return fail('ERROR: tag is needed when pushing to registry');

  const cache = await gitHubCache(ctx, builder, tags, file);
  if ('failure' in cache) return cache;

  const secrets: BuildPlan['secrets'] = [];
  const lines = inputList(inputs['secrets'], { ignoreComma: true, trimWhitespace: false });
  for (const [index, line] of lines.entries()) {
    const pair = secretPair(line);
    if (!pair) return fail(`secrets: line ${index + 1} is not a valid secret (id=value)`);
    ctx.mask(pair.value);
    secrets.push(pair);
  }
  for (const entry of inputList(inputs['secret-envs'])) {
    const pair = secretPair(entry);
    const value = pair ? ctx.env[pair.value] : undefined;
    if (!pair || value === undefined)
      return fail(`secret-envs: '${entry}' is not id=NAME of a variable of the step's environment`);
    ctx.mask(value);
    secrets.push({ id: pair.id, value });
  }
  for (const entry of inputList(inputs['secret-files'], { ignoreComma: true })) {
    const pair = secretPair(entry);
    const path = pair && (isAbsolute(pair.value) ? pair.value : resolve(workspace, pair.value));
    if (!pair || !path || !existsSync(path)) return fail(`secret-files: secret file '${entry}' not found`);
    secrets.push({ id: pair.id, file: path });
  }

  const flags = ['--file', file];
  const repeat = (flag: string, items: string[]) => items.forEach((item) => flags.push(flag, item));
  repeat('--build-arg', inputList(inputs['build-args'], { ignoreComma: true }));
  repeat('--label', inputList(inputs['labels'], { ignoreComma: true }));
  const annotations = inputList(inputs['annotations'], { ignoreComma: true });
  const levelled = annotations.find((annotation) => /^[a-z-]+(\[[^\]]*\])?:/.test(annotation));
  if (levelled)
    return fail(`annotations: '${levelled}': buildah sets manifest annotations only, with no level`);
  repeat('--annotation', annotations);
  repeat('--add-host', inputList(inputs['add-hosts']));
  repeat('--ulimit', inputList(inputs['ulimit'], { ignoreComma: true }));
  if (input('shm-size')) flags.push('--shm-size', input('shm-size'));
  if (input('target')) flags.push('--target', input('target'));
  if (input('network') === 'none') flags.push('--network', 'none');
  if (booleanInput('no-cache', inputs['no-cache'] ?? 'false')) flags.push('--no-cache');
  if (booleanInput('pull', inputs['pull'] ?? 'false')) flags.push('--pull=always');

  return {
    context,
    platforms: platforms.length > 0 ? platforms : [hostPlatform],
    tags,
    push,
    index: platforms.length > 1 || (defaultProvenance && builder.driver !== 'docker'),
    flags,
    secrets,
    ...(cache.from || cache.to ? { cache } : {}),
  };
}

/**
 * `cache-from` / `cache-to`: `type=gha` only, as a repository of the registry of the first tag
 * (`actions-cache/<owner>/<repo>/<scope>`); every other type fails as not stood in.
 */
async function gitHubCache(
  ctx: StandInContext,
  builder: { driver: string },
  tags: string[],
  file: string,
): Promise<{ from?: string; to?: string } | { failure: string }> {
  const repositoryOf = async (
    name: 'cache-from' | 'cache-to',
  ): Promise<string | { failure: string } | undefined> => {
    const entries = inputList(ctx.inputs[name], { ignoreComma: true });
    if (entries.length === 0) return undefined;
    if (entries.length > 1)
      return { failure: `${name}: the sandbox's buildah stand-in takes one cache entry` };
    const attributes = entries[0]!.includes('=') ? csvAttributes(entries[0]!) : { type: 'registry' };
    if (attributes['type'] !== 'gha')
      return {
        failure: `${name}: type=${attributes['type'] ?? 'registry'} is not stood in by the sandbox; only type=gha (the GitHub Actions cache) is`,
      };
    const unknown = Object.keys(attributes).find((key) => !GHA_PARAMETERS.has(key));
    if (unknown) return { failure: `${name}: '${unknown}' is not a parameter of the gha cache` };
    if (name === 'cache-to') {
      if (builder.driver === 'docker')
        return {
          failure:
            'ERROR: failed to build: Cache export is not supported for the docker driver. Switch to a different driver, ' +
            'or turn on the containerd image store, and try again. (No docker/setup-buildx-action earlier in the job.)',
        };
      const mode = attributes['mode'] ?? 'min';
      if (mode !== 'min' && mode !== 'max') return { failure: `cache-to: invalid cache mode: ${mode}` };
      const stages = existsSync(file)
        ? ((await readFile(file, 'utf8')).match(/^\s*FROM\s/gim) ?? []).length
        : 1;
      if (mode === 'min' && stages > 1)
        return {
          failure:
            "cache-to: mode=min caches the final stage only, but the sandbox's buildah stand-in caches every stage " +
            `(as mode=max) and ${file} has ${stages}: set mode=max`,
        };
    }
    const host = tags[0] ? registryHost(tags[0]) : undefined;
    if (!host)
      return {
        failure: `${name}: type=gha is stood in by a repository in the registry of the first tag: give tags with a registry host`,
      };
    const [owner, repo] = ctx.run.repository.toLowerCase().split('/');
    const scope = scopeComponent(attributes['scope'] || 'buildkit');
    return `${host}/actions-cache/${scopeComponent(owner!)}/${scopeComponent(repo!)}/${scope}`;
  };
  const from = await repositoryOf('cache-from');
  if (typeof from === 'object') return from;
  const to = await repositoryOf('cache-to');
  if (typeof to === 'object') return to;
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}
