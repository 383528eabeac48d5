import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PromotionConfig, Service } from '../core/config.js';
import { requireService } from '../core/config.js';
import { UserError } from '../core/errors.js';
import type { Builder, PlainReleaseInputs } from '../core/inputs.js';
import {
  buildPlan,
  ociLabels,
  parseImageRepository,
  type Command,
  type ImageRepository,
  type ImageSize,
  type OciLabelFacts,
  type ReleaseOutcome,
} from '../core/release.js';
import { loadConfig } from './repository-files.js';

/** The plain inputs, checked already (checkReleaseInputs), and the rest. */
export interface ReleaseInputs extends PlainReleaseInputs {
  config: string;
  push: boolean;
}

export interface ValidatedRelease {
  config: PromotionConfig;
  service: Service;
  version: string;
  builder: Builder;
  push: boolean;
  repository: ImageRepository;
  /** `<image>:<version>`. */
  reference: string;
  /** Absolute paths in the checkout. */
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
  const { version, builder } = inputs;
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
      dockerfile = join(context, name);
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
    builder,
    push: inputs.push,
    repository: parseImageRepository(service.image),
    reference: `${service.image}:${version}`,
    context,
    dockerfile,
  };
}

/** What the release asks of the registry. */
export interface RegistryPort {
  tagDigest(tag: string, options?: { lenient?: boolean }): Promise<string | undefined>;
  imageSize(digest: string): Promise<ImageSize>;
}

export interface ReleaseDeps {
  /** Created only when the run pushes: `push: false` makes no registry request. */
  registry: (repository: ImageRepository) => Promise<RegistryPort>;
  run: (command: Command) => Promise<void>;
  log: { info(message: string): void; notice(message: string): void; warning(message: string): void };
  facts: Omit<OciLabelFacts, 'version' | 'created'>;
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

/**
 * Builds and pushes `<image>:<version>` unless the registry already has that tag, then reads the
 * digest the registry serves for it. A tag is never rebuilt or overwritten: a rerun (after a
 * later step failed) finds it, says so and answers the digest that is there.
 */
export async function release(v: ValidatedRelease, deps: ReleaseDeps): Promise<ReleaseOutcome> {
  const now = deps.now ?? (() => new Date());
  const labels = ociLabels({ ...deps.facts, version: v.version, created: now() });
  const outcome = {
    service: v.service.name,
    reference: v.reference,
    version: v.version,
    builder: v.builder,
    labels,
    firstEnvironment: v.config.environments[0]?.name,
  };
  const registry = v.push ? await deps.registry(v.repository) : undefined;

  const existing = async (when: string): Promise<ReleaseOutcome | undefined> => {
    const digest = await registry?.tagDigest(v.version, { lenient: true });
    if (!registry || !digest) return undefined;
    deps.log.notice(
      `${v.reference} ${when} (${digest}); tags are immutable, so it is not rebuilt or overwritten: releasing the image that is there`,
    );
    return {
      ...outcome,
      labels: {},
      digest,
      existed: true,
      pushed: false,
      size: await sizeOf(registry, digest, deps),
    };
  };

  const already = await existing('is already in the registry');
  if (already) return already;

  const plan = buildPlan({
    builder: v.builder,
    reference: v.reference,
    context: v.context,
    dockerfile: v.dockerfile,
    labels,
    push: v.push,
  });
  deps.log.info(`Building ${v.reference} from ${v.service.context} with ${v.builder}`);
  const started = now().getTime();
  await deps.run(plan.build);
  const buildMs = now().getTime() - started;

  if (plan.push) {
    // A two-step builder: another run may have pushed the tag while this one built.
    const raced = await existing('was pushed by another run while this one was building');
    if (raced) return { ...raced, buildMs };
    await deps.run(plan.push);
  }
  if (!registry) return { ...outcome, existed: false, pushed: false, buildMs };

  const digest = await registry.tagDigest(v.version);
  if (!digest) {
    throw new UserError(
      `${v.builder} reported a push of ${v.reference}, but the registry does not know the tag ${v.version}`,
    );
  }
  deps.log.info(`Pushed ${v.reference}: the registry serves it as ${digest}`);
  return {
    ...outcome,
    digest,
    existed: false,
    pushed: true,
    buildMs,
    size: await sizeOf(registry, digest, deps),
  };
}
