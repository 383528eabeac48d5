import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attestationCheck, attestationRefusal } from '../core/attestation.js';
import type { Environment, Service } from '../core/config.js';
import { nextEnvironment } from '../core/config.js';
import { deployTarget } from '../core/deploy-target.js';
import { deploymentPayload, type DeploymentRecord } from '../core/deployment-record.js';
import { CommandError, UserError } from '../core/errors.js';
import type { PlainOverlayDeployInputs } from '../core/inputs.js';
import type { ImageVersion } from '../core/kustomization.js';
import {
  parseManifests,
  selectForService,
  serializeManifests,
  workloadsOf,
  type Workload,
} from '../core/manifests.js';
import {
  describeVersion,
  imageReference,
  isRollbackCommit,
  lastPromotionCommit,
} from '../core/pull-request.js';
import type { Git } from '../adapters/git.js';
import type { Deployments } from '../adapters/github.js';
import { loadConfig, readCheckedImageVersion, readKustomization } from './repository-files.js';

export interface Cluster {
  render(dir: string): Promise<{ manifests: string; renderer: string }>;
  apply(manifests: string): Promise<string>;
  diff(manifests: string): Promise<string>;
  waitForRollout(workload: Workload, timeoutSeconds: number): Promise<string>;
}

/** The plain inputs, checked already (checkOverlayDeployInputs), and the rest. */
export interface OverlayDeployInputs extends PlainOverlayDeployInputs {
  config: string;
  dryRun: boolean;
  /** `owner/repo` of the suite whose service-release.yaml attests releases; checked when needed. */
  suiteRepository: string;
}

export interface DeployContext {
  eventName: string;
  event: unknown;
  /** `owner/repo` of the repository deployed from (the GitOps repository). */
  repository: string;
  workspace: string;
  defaultBranch: string;
  runUrl?: string;
}

export interface Deps {
  git: Git;
  cluster: Cluster;
  deployments: () => Promise<Deployments>;
  /** The deployments GitHub recorded for a service in an environment, newest first. */
  serviceDeployments: (environment: string, service: string) => Promise<DeploymentRecord[]>;
  /** `gh` with these arguments: its exit code and output (`gh attestation verify`). */
  gh: (args: string[]) => Promise<{ exitCode: number; output: string }>;
  log: { info(message: string): void; notice(message: string): void; warning(message: string): void };
  now?: () => number;
}

export type OverlayDeployResult =
  | { deployed: false; skipped: string }
  | {
      deployed: boolean;
      dryRun: boolean;
      service: Service;
      environment: Environment;
      version: ImageVersion;
      image: string;
      commit: string;
      workloads: Workload[];
      next?: Environment;
      deploymentId?: number;
      diff?: string;
      durationMs: number;
      renderer: string;
      pull?: { number: number; url: string };
      /** The version came by a rollback: the next promotion carries it on (allow-downgrade). */
      rollback: boolean;
    };

/**
 * Deploys one service to one environment from a commit of the default branch:
 * render, apply the service's manifests server-side, wait for the rollout, and
 * record it all as a GitHub deployment. Names the next environment only after
 * a successful deploy.
 */
export async function overlayDeploy(
  inputs: OverlayDeployInputs,
  context: DeployContext,
  deps: Deps,
): Promise<OverlayDeployResult> {
  const { git, cluster, log } = deps;
  const now = deps.now ?? Date.now;
  const started = now();
  const config = await loadConfig(context.workspace, inputs.config);
  const target = deployTarget(context.eventName, context.event, inputs, config, context.defaultBranch);
  if (target.kind === 'skip') {
    log.notice(`Nothing to deploy: ${target.reason}`);
    return { deployed: false, skipped: target.reason };
  }
  const { environment, service, pull } = target;

  await git.ensureCheckout();
  // The cluster follows what main names now: a merge that main has moved past deploys main's head.
  const commit = await git.fetchBranch(context.defaultBranch);
  const merged = target.commit;
  if (merged !== undefined && merged !== commit) {
    await git.ensureCommit(merged);
    if (!(await git.isAncestor(merged, commit))) {
      const reason = `the merge commit ${merged.slice(0, 12)} of #${pull?.number ?? '?'} is no longer on ${context.defaultBranch}: nothing is deployed from it`;
      log.notice(`Nothing to deploy: ${reason}`);
      return { deployed: false, skipped: reason };
    }
  }
  const kustomization = await readKustomization(
    git,
    commit,
    environment,
    config.overlayAt?.[environment.name],
  );
  const version = readCheckedImageVersion(kustomization, service.kustomizeImage, 'tag');
  if (!version.tag && !version.digest) {
    throw new UserError(
      `${kustomization.path} at ${commit.slice(0, 12)} sets no image for ${service.name} (${service.kustomizeImage}): nothing to deploy`,
    );
  }
  const atMerge =
    merged === undefined || merged === commit
      ? version
      : readCheckedImageVersion(
          await readKustomization(git, merged, environment, config.overlayAt?.[environment.name]),
          service.kustomizeImage,
          'tag',
        );
  const promoted = pull?.record;
  if (
    promoted &&
    (promoted.version !== atMerge.tag ||
      (promoted.digest !== undefined && promoted.digest !== atMerge.digest))
  ) {
    throw new UserError(
      `#${pull.number} promoted ${service.name} ${promoted.version} to ${environment.name}, but ${kustomization.path} on the merged commit ${(merged ?? commit).slice(0, 12)} carries ${atMerge.tag ?? atMerge.digest}: it was changed in between, so nothing is deployed. Promote again to deploy a reviewed version.`,
    );
  }
  const movedOn = !sameImage(version, atMerge);
  if (movedOn) {
    // A newer merge for this service landed on main after this one. If its deploy already went
    // live, this run has nothing left to do; otherwise it deploys what main names.
    const newest = (await deps.serviceDeployments(environment.name, service.name)).find((d) => d.succeeded);
    if (newest && sameImage(version, newest.version)) {
      const reason = `superseded: ${context.defaultBranch} names ${service.name} ${describeVersion(version)} in ${environment.name}, which is already deployed there; #${pull?.number ?? '?'} merged ${describeVersion(atMerge)} before it`;
      log.notice(`Nothing to deploy: ${reason}`);
      return { deployed: false, skipped: reason };
    }
    log.notice(
      `${context.defaultBranch} has moved on: #${pull?.number ?? '?'} merged ${service.name} ${describeVersion(atMerge)} into ${environment.name}, and ${context.defaultBranch} now names ${describeVersion(version)}: deploying ${describeVersion(version)} instead`,
    );
  }

  const rollback =
    promoted && !movedOn
      ? promoted.rollback === true
      : await promotedByRollback(git, commit, kustomization.path, service, environment);

  const image = imageReference(service, version);
  // Decided before anything is recorded: a check that cannot be made (no digest) changes nothing.
  const attestation = attestationCheck(
    environment,
    service,
    version,
    context.repository,
    inputs.suiteRepository,
  );
  const failed = `${service.name} ${version.tag ?? ''} failed to deploy`;
  const deployments = inputs.dryRun ? undefined : await deps.deployments();
  // Recorded while kustomize renders: GitHub asks for a second between two writes, and the render
  // fills it. The deployment shows as pending until its outcome; an in_progress status would cost
  // one more request on every deploy, counted against the whole organization's rate limit.
  const [rendering, recording] = await Promise.allSettled([
    renderOverlay(git, cluster, commit, environment),
    deployments?.create({
      ref: commit,
      environment: environment.name,
      description: `${service.name} ${version.tag ?? ''}`.trim(),
      payload: deploymentPayload(service.name, version, image),
      production: nextEnvironment(config, environment.name) === undefined,
    }),
  ]);
  if (recording.status === 'rejected') throw recording.reason;
  const deploymentId = recording.value;
  if (rendering.status === 'rejected') {
    if (deployments && deploymentId !== undefined)
      await deployments.setStatus(deploymentId, 'failure', failed, context.runUrl);
    throw rendering.reason;
  }
  if (attestation) {
    const verified = await deps.gh(attestation.args);
    if (verified.exitCode !== 0) {
      if (deployments && deploymentId !== undefined)
        await deployments.setStatus(deploymentId, 'failure', `${failed}: not attested`, context.runUrl);
      throw new UserError(attestationRefusal(attestation, environment, service, version, verified.output));
    }
    log.info(
      `${attestation.subject} is attested by ${attestation.signerWorkflow} for ${attestation.repository} (gh attestation verify)`,
    );
  }
  const rendered = rendering.value;
  const selected = selectForService(parseManifests(rendered.manifests), config, service);
  const workloads = workloadsOf(selected);
  const manifests = serializeManifests(selected);
  const base = {
    service,
    environment,
    version,
    image,
    commit,
    workloads,
    renderer: rendered.renderer,
    rollback,
    ...(pull ? { pull: { number: pull.number, url: pull.url } } : {}),
  };

  // A dry run: nothing recorded, nothing applied.
  if (!deployments || deploymentId === undefined) {
    const diff = await cluster.diff(manifests);
    log.info(
      `Dry run: ${selected.length} manifests rendered for ${service.name} in ${environment.name}; nothing applied`,
    );
    return { ...base, deployed: false, dryRun: true, diff, durationMs: now() - started };
  }

  try {
    log.info(await cluster.apply(manifests));
    for (const workload of workloads)
      log.info(await cluster.waitForRollout(workload, inputs.rolloutTimeoutSeconds));
  } catch (error) {
    await deployments.setStatus(deploymentId, 'failure', failed, context.runUrl);
    const detail = error instanceof CommandError ? error.stderr.trim() : String(error);
    throw new UserError(
      `Deploying ${service.name} ${version.tag ?? ''} to ${environment.name} failed: ${detail}`,
    );
  }
  await deployments.setStatus(
    deploymentId,
    'success',
    `${service.name} ${version.tag ?? ''} is live`,
    context.runUrl,
  );
  const next = nextEnvironment(config, environment.name);
  return {
    ...base,
    deployed: true,
    dryRun: false,
    deploymentId,
    durationMs: now() - started,
    ...(next ? { next } : {}),
  };
}

/** The same image: tag and digest alike (a digest added or changed is another image). */
const sameImage = (a: ImageVersion, b: ImageVersion): boolean => a.tag === b.tag && a.digest === b.digest;

/** Without the merged PR (a dispatch), the commit that last promoted the service tells. */
async function promotedByRollback(
  git: Git,
  commit: string,
  path: string,
  service: Service,
  environment: Environment,
): Promise<boolean> {
  const promotion = lastPromotionCommit(await git.log(commit, path, 30), service.name, environment.name);
  return promotion !== undefined && isRollbackCommit(promotion);
}

/** The overlay as kustomize renders it at `commit`, in a temporary worktree (the checkout is left alone). */
async function renderOverlay(
  git: Git,
  cluster: Cluster,
  commit: string,
  environment: Environment,
): Promise<{ manifests: string; renderer: string }> {
  const worktree = await mkdtemp(join(tmpdir(), 'overlay-deploy-'));
  try {
    await git.addWorktree(commit, join(worktree, 'tree'));
    return await cluster.render(join(worktree, 'tree', environment.overlay)).catch((error: unknown) => {
      throw new UserError(
        `kustomize could not render ${environment.overlay} at ${commit.slice(0, 12)}: ${error instanceof CommandError ? error.stderr.trim() : String(error)}`,
      );
    });
  } finally {
    await git.removeWorktree(join(worktree, 'tree'));
    await rm(worktree, { recursive: true, force: true });
  }
}
