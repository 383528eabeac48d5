// The promise of the suite, checked after a scenario: every environment's cluster runs what main's
// overlay names, and every promotion into a later environment proposed a version that the
// environment before it had deployed successfully when it was proposed. Read the way a person would
// check it: the overlays rendered by kustomize, the clusters with kubectl get, the promotion PRs and
// the deployment statuses in the order GitHub received them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIELD_MANAGER, renderOverlay } from '../adapters/kubernetes.js';
import { DEFAULT_CONFIG_PATH, parseConfig, type PromotionConfig } from '../core/config.js';
import { readDeploymentPayload } from '../core/deployment-record.js';
import { readImageVersion, type ImageVersion } from '../core/kustomization.js';
import { imagesOf, parseManifests } from '../core/manifests.js';
import { parsePromotionRecord } from '../core/pull-request.js';
import type { GitHubStandIn } from './github/index.js';
import { deploymentsIn, kubectl, type KubeCluster } from './kube/index.js';
import { git } from './process.js';
import type { SandboxRepository } from './workspace.js';

export const INVARIANT =
  'invariant: every cluster runs what main names; every promotion proposed a deployed version';

/** What the invariant reads: the GitOps repository, its GitHub and its clusters. */
export interface InvariantScope {
  repo: SandboxRepository;
  github: GitHubStandIn;
  clusters: Record<string, KubeCluster>;
}

async function mainConfig(root: string): Promise<PromotionConfig> {
  return parseConfig(await readFile(join(root, DEFAULT_CONFIG_PATH), 'utf8'), DEFAULT_CONFIG_PATH);
}

/** Each Deployment of an environment's overlay on main, `namespace/name` → its images, as kustomize renders it. */
async function namedByMain(root: string, overlay: string): Promise<Map<string, string[]>> {
  const manifests = parseManifests((await renderOverlay(join(root, overlay))).manifests);
  return new Map(
    manifests
      .filter((manifest) => manifest.kind === 'Deployment')
      .map((manifest) => [
        `${manifest.metadata.namespace ?? 'default'}/${manifest.metadata.name}`,
        imagesOf(manifest),
      ]),
  );
}

/**
 * The clusters as they were before the scenario: each environment runs what main names, applied
 * server-side by the suite's field manager as its earlier deploys would have.
 */
export async function seedClusters(scope: InvariantScope): Promise<void> {
  const root = await scope.repo.checkout('seed-clusters');
  const config = await mainConfig(root);
  for (const environment of config.environments) {
    const cluster = scope.clusters[environment.name];
    if (!cluster) continue;
    const { manifests } = await renderOverlay(join(root, environment.overlay));
    const applied = await kubectl(
      cluster,
      ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'],
      manifests,
    );
    if (applied.exitCode !== 0)
      throw new Error(`could not seed the ${environment.name} cluster: ${applied.stderr.trim()}`);
  }
}

/** Where a cluster differs from main's overlay: one line per Deployment. */
async function clusterDrift(scope: InvariantScope, root: string, config: PromotionConfig): Promise<string[]> {
  const problems: string[] = [];
  for (const environment of config.environments) {
    const cluster = scope.clusters[environment.name];
    if (!cluster) continue;
    const named = await namedByMain(root, environment.overlay);
    const running = new Map<string, string[]>(
      (await deploymentsIn(cluster)).map((d) => [`${d.namespace}/${d.name}`, d.images]),
    );
    for (const [deployment, images] of named) {
      const runs = running.get(deployment);
      if (!runs)
        problems.push(
          `${environment.name}: ${deployment} is not in the cluster; main names ${images.join(', ')}`,
        );
      else if (runs.join(',') !== images.join(','))
        problems.push(
          `${environment.name}: ${deployment} runs ${runs.join(', ')}; main names ${images.join(', ')}`,
        );
    }
  }
  return problems;
}

const same = (proposed: ImageVersion, deployed: ImageVersion) =>
  proposed.tag === deployed.tag && (proposed.digest === undefined || proposed.digest === deployed.digest);

const shown = (version: ImageVersion) =>
  `${version.tag ?? '(no tag)'}${version.digest ? `@${version.digest.slice(0, 19)}` : ''}`;

/**
 * Replays what GitHub received, in order: a deployment status `success` makes its version deployed
 * in its environment from then on; a promotion PR opened or edited into a later environment must
 * name a version deployed by then in the environment before it.
 */
function proposalProblems(github: GitHubStandIn, config: PromotionConfig): string[] {
  const problems: string[] = [];
  const chain = config.environments.map((environment) => environment.name);
  const deployed = new Map<string, ImageVersion[]>();
  const key = (environment: string, service: string) => `${environment}/${service}`;
  for (const request of github.requests) {
    if (request.status >= 300) continue;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const status = /\/deployments\/(\d+)\/statuses$/.exec(request.path);
    if (request.method === 'POST' && status && body['state'] === 'success') {
      const deployment = github.deployments.find((d) => d.id === Number(status[1]));
      const payload = deployment && readDeploymentPayload(deployment.payload);
      if (deployment && payload) {
        const list = deployed.get(key(deployment.environment, payload.service)) ?? [];
        list.push(payload.version);
        deployed.set(key(deployment.environment, payload.service), list);
      }
      continue;
    }
    const proposes =
      (request.method === 'POST' && /\/pulls$/.test(request.path)) ||
      (request.method === 'PATCH' && /\/pulls\/\d+$/.test(request.path));
    const record = proposes ? parsePromotionRecord(body['body'] as string | undefined) : undefined;
    if (!record) continue;
    const index = chain.indexOf(record.environment);
    if (index <= 0) continue;
    const source = chain[index - 1]!;
    const proposed: ImageVersion = {
      tag: record.version,
      ...(record.digest ? { digest: record.digest } : {}),
    };
    const versions = deployed.get(key(source, record.service)) ?? [];
    if (!versions.some((version) => same(proposed, version)))
      problems.push(
        `${request.method} ${request.path} proposed ${record.service} ${shown(proposed)} for ${record.environment}, which ${source} had not deployed (deployed: ${versions.map(shown).join(', ') || 'none'})`,
      );
  }
  return problems;
}

/** A merged promotion into a later environment: what its merge commit set had to be deployed before it. */
async function mergedProblems(scope: InvariantScope, config: PromotionConfig): Promise<string[]> {
  const problems: string[] = [];
  const chain = config.environments.map((environment) => environment.name);
  for (const pull of scope.github.pulls) {
    const record = parsePromotionRecord(pull.body);
    const index = record ? chain.indexOf(record.environment) : -1;
    if (!record || index <= 0 || !pull.merged || !pull.mergeCommitSha) continue;
    const environment = config.environments[index]!;
    const service = config.services.find((s) => s.name === record.service);
    if (!service) continue;
    const text = await git(
      scope.repo.origin,
      'show',
      `${pull.mergeCommitSha}:${environment.overlay}/kustomization.yaml`,
    );
    const merged = readImageVersion(text, service.kustomizeImage);
    const source = chain[index - 1]!;
    const succeeded = scope.github.deployments.filter(
      (d) =>
        d.environment === source &&
        d.statuses.some((s) => s.state === 'success') &&
        readDeploymentPayload(d.payload)?.service === service.name,
    );
    if (!succeeded.some((d) => same(merged, readDeploymentPayload(d.payload)!.version)))
      problems.push(
        `#${pull.number} merged ${service.name} ${shown(merged)} into ${environment.name}, which ${source} never deployed`,
      );
  }
  return problems;
}

/** Everything that breaks the invariant, reading main from `root` (a fresh checkout); empty when it holds. */
export async function invariantProblems(scope: InvariantScope, root?: string): Promise<string[]> {
  root ??= await scope.repo.checkout('invariant');
  const config = await mainConfig(root);
  return [
    ...(await clusterDrift(scope, root, config)),
    ...proposalProblems(scope.github, config),
    ...(await mergedProblems(scope, config)),
  ];
}
