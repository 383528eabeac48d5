import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PromotionConfig, Service } from '../core/config.js';
import { requireService } from '../core/config.js';
import { UserError } from '../core/errors.js';
import type { PlainReleaseInputs } from '../core/inputs.js';
import {
  buildInputs,
  ociLabels,
  parseImageRepository,
  type ImageRepository,
  type ImageSize,
  type OciLabelFacts,
  type ReleaseOutcome,
} from '../core/release.js';
import { loadConfig } from './repository-files.js';

/** The plain inputs, checked already (checkReleaseInputs), and the rest. */
export type ReleaseInputs = PlainReleaseInputs & { config: string };

export interface ValidatedRelease {
  config: PromotionConfig;
  service: Service;
  version: string;
  repository: ImageRepository;
  /** `<image>:<version>`. */
  reference: string;
  /** Relative to the workspace, as build-push-action reads them. */
  context: string;
  dockerfile: string;
}

/** The file names builders look for in a context, in their order. */
const BUILD_FILES = ['Dockerfile', 'Containerfile'];

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/**
 * Checks the inputs against the config and the checkout before anything runs: a service the config
 * does not know ends the run here, with a message naming the input, and nothing is built, pushed
 * or asked of the registry.
 */
export async function validateReleaseInputs(
  inputs: ReleaseInputs,
  workspace: string,
): Promise<ValidatedRelease> {
  const { version } = inputs;
  const config = await loadConfig(workspace, inputs.config);
  const service = requireService(config, 'service', inputs.service);
  const context = join(workspace, service.context);
  if (!(await isDirectory(context))) {
    throw new UserError(
      `The build context of '${service.name}', '${service.context}' (${config.file}), is not a folder in the checkout`,
    );
  }
  let dockerfile: string | undefined;
  for (const name of BUILD_FILES) {
    if (await isFile(join(context, name))) {
      dockerfile = service.context === '.' ? name : `${service.context}/${name}`;
      break;
    }
  }
  if (!dockerfile) {
    throw new UserError(
      `'${service.context}' has no Dockerfile (or Containerfile): the service builds from its own, see services/README.md`,
    );
  }
  return {
    config,
    service,
    version,
    repository: parseImageRepository(service.image),
    reference: `${service.image}:${version}`,
    context: service.context,
    dockerfile,
  };
}

/** What the release asks of the registry. */
export interface RegistryPort {
  tagDigest(tag: string, options?: { lenient?: boolean }): Promise<string | undefined>;
  imageSize(digest: string): Promise<ImageSize>;
}

export interface ReleaseDeps {
  registry: (repository: ImageRepository) => Promise<RegistryPort>;
  log: { info(message: string): void; notice(message: string): void; warning(message: string): void };
  facts: Omit<OciLabelFacts, 'version' | 'created'>;
  /** The runner's OCI architecture: platforms of another one are built with QEMU. */
  architecture: string;
  now?: () => Date;
}

async function sizeOf(
  registry: RegistryPort,
  digest: string,
  deps: ReleaseDeps,
): Promise<ImageSize | undefined> {
  try {
    return await registry.imageSize(digest);
  } catch (error) {
    deps.log.warning(`Could not read the image size from the registry: ${(error as Error).message}`);
    return undefined;
  }
}

function outcomeBase(v: ValidatedRelease) {
  return {
    service: v.service.name,
    reference: v.reference,
    version: v.version,
    firstEnvironment: v.config.environments[0]?.name,
  };
}

/**
 * Plans the build of `<image>:<version>`, unless the registry already has that tag: a tag is never
 * rebuilt or overwritten, so a rerun (after a later step failed) finds it, says so and answers the
 * digest that is there, and build-push-action is skipped.
 */
export async function planRelease(v: ValidatedRelease, deps: ReleaseDeps): Promise<ReleaseOutcome> {
  const registry = await deps.registry(v.repository);
  const digest = await registry.tagDigest(v.version, { lenient: true });
  if (digest) {
    deps.log.notice(
      `${v.reference} is already in the registry (${digest}); tags are immutable, so it is not rebuilt or overwritten: releasing the image that is there`,
    );
    return { ...outcomeBase(v), state: 'existed', digest, size: await sizeOf(registry, digest, deps) };
  }
  const labels = ociLabels({
    ...deps.facts,
    version: v.version,
    created: (deps.now ?? (() => new Date()))(),
  });
  const build = buildInputs({
    service: v.service.name,
    reference: v.reference,
    context: v.context,
    file: v.dockerfile,
    platforms: v.service.platforms,
    buildArgs: v.service.buildArgs,
    labels,
    architecture: deps.architecture,
  });
  deps.log.info(
    `${v.reference} is not in the registry: docker/build-push-action builds it from ${v.context} for ${build.platforms}`,
  );
  return { ...outcomeBase(v), state: 'planned', build, labels };
}

/**
 * Confirms what docker/build-push-action reports it pushed: the registry must serve that digest for
 * the tag. Another digest means the tag moved under the build (a push by hand, another run), and the
 * release stops before anything is promoted.
 */
export async function confirmPush(
  v: ValidatedRelease,
  pushed: string,
  deps: ReleaseDeps,
): Promise<ReleaseOutcome> {
  const registry = await deps.registry(v.repository);
  const served = await registry.tagDigest(v.version);
  if (!served) {
    throw new UserError(
      `docker/build-push-action reported a push of ${v.reference} (${pushed}), but the registry does not know the tag ${v.version}`,
    );
  }
  if (served !== pushed) {
    throw new UserError(
      `docker/build-push-action pushed ${v.reference} as ${pushed}, but the registry serves ${served} for the tag: ` +
        'something else pushed the tag meanwhile; nothing is promoted. Release a new version',
    );
  }
  deps.log.info(`Pushed ${v.reference}: the registry serves it as ${served}`);
  return { ...outcomeBase(v), state: 'pushed', digest: served, size: await sizeOf(registry, served, deps) };
}
