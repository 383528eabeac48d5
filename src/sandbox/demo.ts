// The whole promotion on one machine: the repository's real workflow files run by the sandbox
// runner on the GitHub stand-in's events, a real registry and buildah for the image, real git,
// kustomize and kubectl, and a Kubernetes API stand-in per environment in place of its cluster (each
// reached through the environment's KUBECONFIG secret). `npm run demo` and the end-to-end tests use it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { readStatus } from '../app/status.js';
import { shortDigest } from '../core/pull-request.js';
import { statusTable, type StatusRow } from '../core/status.js';
import { startGitHubStandIn, type GitHubStandIn } from './github/index.js';
import { startEnvironmentClusters, whatRuns, type EnvironmentClusters } from './kube/index.js';
import {
  createBuildahSandbox,
  findOnPath,
  REGISTRY_PROGRAMS,
  startRegistry,
  type BuildahSandbox,
  type LocalRegistry,
} from './registry.js';
import { createSandboxRepository, SEED_PATHS, type SandboxRepository } from './workspace.js';
import {
  createWorkflowDispatcher,
  formatRun,
  type TokenMode,
  type WorkflowDispatcher,
} from './workflows/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The suite's workflows; others in the folder (the project's own CI) are not part of a promotion. */
export const SUITE_WORKFLOWS = ['service-release.yaml', 'overlay-update.yaml', 'overlay-deploy.yaml'];

export class MissingToolsError extends Error {
  constructor(readonly missing: { tool: string; debianPackage: string }[]) {
    super(
      `The demo needs ${missing.map((m) => m.tool).join(', ')} on PATH. Install with:\n  sudo apt-get install -y ${[
        ...new Set(missing.map((m) => m.debianPackage)),
      ].join(' ')}`,
    );
  }
}

/** The system tools the sandbox runs for real, and the Debian package of each. */
export async function checkTools(): Promise<void> {
  const missing: { tool: string; debianPackage: string }[] = [];
  if (!(await findOnPath(['git']))) missing.push({ tool: 'git', debianPackage: 'git' });
  if (!(await findOnPath(['kubectl']))) missing.push({ tool: 'kubectl', debianPackage: 'kubernetes-client' });
  if (!(await findOnPath(['openssl']))) missing.push({ tool: 'openssl', debianPackage: 'openssl' });
  if (!(await findOnPath(['buildah']))) missing.push({ tool: 'buildah', debianPackage: 'buildah' });
  if (!(await findOnPath(REGISTRY_PROGRAMS)))
    missing.push({ tool: 'docker-registry', debianPackage: 'docker-registry' });
  if (missing.length > 0) throw new MissingToolsError(missing);
}

export interface Sandbox {
  repo: SandboxRepository;
  github: GitHubStandIn;
  registry: LocalRegistry;
  buildah: BuildahSandbox;
  /** The stand-in cluster of each environment (dev, uat, prod), by name. */
  clusters: EnvironmentClusters['byEnvironment'];
  dispatcher: WorkflowDispatcher;
  tokenMode: TokenMode;
  dispose(): Promise<void>;
}

/**
 * A throwaway GitOps repository seeded from this one (images pointed at the local registry), the
 * GitHub stand-in with the seed's rule that uat and prod promotions need an approving review, and a
 * dispatcher that starts the workflows GitHub would start for each event.
 */
export async function startSandbox(options: {
  tokenMode: TokenMode;
  onProgress?: (line: string) => void;
}): Promise<Sandbox> {
  await checkTools();
  const registry = await startRegistry();
  const buildah = await createBuildahSandbox([registry]);
  const repo = await createSandboxRepository({ source: ROOT, paths: [...SEED_PATHS, 'services'] });
  await repo.pushToMain(
    await imagesAt(registry.host),
    `Point the images at the sandbox registry ${registry.host}`,
  );
  const reviewed = await reviewedOverlays();
  const github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: {},
    // The settings setup-repo applies: auto-merge allowed, head branches deleted on merge.
    allowAutoMerge: true,
    deleteBranchOnMerge: true,
    // The sample config's teams, with the people the demo plays: who may release and promote by hand.
    teams: {
      'release-managers': ['release-manager'],
      'uat-approvers': ['uat-lead'],
      'prod-approvers': ['prod-lead'],
    },
    requireApproval: (files) =>
      files.some((file) => reviewed.some((folder) => file.startsWith(`${folder}/`))),
  });
  const clusters = await startEnvironmentClusters(await chainOf());
  const dispatcher = createWorkflowDispatcher({
    repository: repo,
    github,
    tokenMode: options.tokenMode,
    workflowsDir: join(ROOT, '.github', 'workflows'),
    workflows: SUITE_WORKFLOWS,
    vars: { PROMOTION_BUILDER: 'buildah' },
    environments: clusters.environments,
    env: { ...buildah.env, ...clusters.env },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return {
    repo,
    github,
    registry,
    buildah,
    clusters: clusters.byEnvironment,
    dispatcher,
    tokenMode: options.tokenMode,
    async dispose() {
      dispatcher.dispose();
      await github.close();
      await clusters.close();
      await buildah.dispose();
      await registry.dispose();
      await repo.dispose();
    },
  };
}

/** The files that name the image repositories, rewritten from ghcr.io/acme to the local registry. */
async function imagesAt(host: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const config = parse(await readFile(join(ROOT, '.github/promotion.yaml'), 'utf8')) as {
    environments: { name: string; overlay?: string }[];
    services: { name: string }[];
  };
  const paths = [
    '.github/promotion.yaml',
    ...config.environments.map((env) => `${env.overlay ?? `overlays/${env.name}`}/kustomization.yaml`),
    ...config.services.map((service) => `base/${service.name}/deployment.yaml`),
  ];
  for (const path of paths) {
    const text = await readFile(join(ROOT, path), 'utf8').catch(() => undefined);
    if (text !== undefined) files[path] = text.replaceAll('ghcr.io/acme/', `${host}/acme/`);
  }
  return files;
}

/** The overlays whose promotion needs a review: the seed's CODEOWNERS rule, from the config. */
async function reviewedOverlays(): Promise<string[]> {
  const config = parse(await readFile(join(ROOT, '.github/promotion.yaml'), 'utf8')) as {
    environments: { name: string; overlay?: string; 'merge-without-review'?: boolean }[];
  };
  return config.environments
    .filter((env) => env['merge-without-review'] !== true)
    .map((env) => env.overlay ?? `overlays/${env.name}`);
}

export interface DemoStep {
  /** The steps of docs/process.md this phase covers, e.g. `1-13`. */
  process: string;
  title: string;
  seconds: number;
  /** How many requests the phase made to the GitHub stand-in. */
  apiRequests: number;
}

export interface DemoResult {
  steps: DemoStep[];
  table: string;
  rows: StatusRow[];
  pulls: { number: number; title: string; state: string; mergedBy?: string }[];
  runs: { file: string; event: string; conclusion: string }[];
  standIns: string[];
  /** What each environment's cluster runs, `namespace/name image` per Deployment, read with kubectl get. */
  clusters: Record<string, string[]>;
  apiRequests: number;
}

/** Fails with the run's own report when a workflow run the events started did not succeed. */
export function expectClean(sandbox: Sandbox, what: string): void {
  const failures = sandbox.dispatcher.failures();
  if (failures.length > 0) {
    const reports = failures
      .map((run) => (run.result ? formatRun(run.result) : String(run.error)))
      .join('\n\n');
    throw new Error(`${what} failed:\n${reports}`);
  }
  if (sandbox.github.violations.length > 0)
    throw new Error(`${what}: requests GitHub would refuse:\n${sandbox.github.violations.join('\n')}`);
}

/**
 * GitHub and the clusters, then each stood-in action once, with how many steps it stood in for and
 * the first reason given.
 */
function standInSummary(dispatcher: WorkflowDispatcher, environments: string[]): string[] {
  const byAction = new Map<string, { count: number; reason: string }>();
  for (const record of dispatcher.runs.flatMap((run) => run.result?.standIns ?? [])) {
    const action = record.uses.replace(/@.*/, '');
    const entry = byAction.get(action) ?? { count: 0, reason: record.reason };
    entry.count++;
    byAction.set(action, entry);
  }
  return [
    'GitHub: the stand-in API (requests checked against GitHub’s OpenAPI description and GraphQL schema)',
    `Kubernetes (${environments.join(', ')}): a small API stand-in per environment on 127.0.0.1, driven by the real kubectl through each environment's KUBECONFIG secret; rollouts complete without pods`,
    ...[...byAction].map(
      ([action, { count, reason }]) => `${action} (${count} step${count === 1 ? '' : 's'}): ${reason}`,
    ),
  ];
}

/**
 * The numbers docs/process.md gives the steps of one environment: the first one is updated (6-8)
 * and deployed (9-12) by the release; each later one gets its PR, its review and its deploy.
 */
export function processSteps(index: number): { update: string; review?: string; deploy: string } {
  if (index === 0) return { update: '6-8', deploy: '9-12' };
  const first = 13 + 3 * (index - 1);
  return { update: String(first), review: String(first + 1), deploy: String(first + 2) };
}

async function chainOf(): Promise<string[]> {
  const config = parse(await readFile(join(ROOT, '.github/promotion.yaml'), 'utf8')) as {
    environments: { name: string }[];
  };
  return config.environments.map((env) => env.name);
}

/** The newest promotion PR of a service into an environment, open or not. */
export function promotionPull(sandbox: Sandbox, service: string, environment: string) {
  return sandbox.github.pulls.findLast((pr) => pr.head.ref === `release/${service}/${environment}`);
}

/** The deployments overlay-deploy recorded for a service (GitHub's own environment records left out). */
export function serviceDeployments(sandbox: Sandbox, service: string) {
  return sandbox.github.deployments.filter(
    (d) => typeof d.payload === 'object' && d.payload['service'] === service,
  );
}

/**
 * What GitHub shows after a phase that started at environment `from` of the chain, one line per
 * step of docs/process.md: each PR the phase merged or opened, each deploy, and where the chain ends.
 */
export function narrate(sandbox: Sandbox, service: string, chain: string[], from: number): string[] {
  const lines: string[] = [];
  const line = (steps: string, text: string) => lines.push(`  ${steps.padEnd(5)} ${text}`);
  for (let index = from; index < chain.length; index++) {
    const environment = chain[index]!;
    const steps = processSteps(index);
    const pull = promotionPull(sandbox, service, environment);
    if (!pull) break;
    if (index > from || !steps.review) {
      if (!pull.merged) {
        line(steps.update, `#${pull.number} ${pull.title}: opened, waits for review`);
        break;
      }
      line(steps.update, `#${pull.number} ${pull.title}: opened and merged by ${pull.mergedBy?.login}`);
    } else if (pull.merged) {
      line(steps.review, `${pull.mergedBy?.login} approves and merges #${pull.number}`);
    } else {
      line(steps.review, `#${pull.number} closed without merging: nothing deploys, the chain stops`);
      break;
    }
    const deployment = serviceDeployments(sandbox, service).findLast((d) => d.environment === environment);
    if (!deployment) break;
    const state = deployment.statuses.at(-1)?.state ?? 'created';
    line(steps.deploy, `overlay-deploy: ${deployment.description ?? service} in ${environment}: ${state}`);
    if (state !== 'success') break;
    if (index === chain.length - 1)
      line(String(Number(steps.deploy) + 1), `${environment} is the last environment: the chain ends`);
  }
  return lines;
}

/** Dispatches service-release as a person would from the Actions tab, and waits for all it starts. */
export async function releaseService(sandbox: Sandbox, service: string, version: string): Promise<void> {
  await sandbox.github.dispatchWorkflow('service-release.yaml', {
    inputs: { service, version },
    login: 'release-manager',
  });
  await sandbox.dispatcher.idle();
}

/** Plays the environment's reviewer approving and merging the open promotion PR, and waits for its deploy. */
export async function approveAndMerge(
  sandbox: Sandbox,
  service: string,
  environment: string,
): Promise<number> {
  const pull = promotionPull(sandbox, service, environment);
  if (pull?.state !== 'open')
    throw new Error(`No open promotion PR for ${service} in ${environment}: the chain stopped before it`);
  await sandbox.github.approve(pull.number, `${environment}-lead`);
  await sandbox.github.mergePull(pull.number, { login: `${environment}-lead` });
  await sandbox.dispatcher.idle();
  return pull.number;
}

/** Releases one service and plays the whole chain: dev by itself, then a reviewer approving and merging uat and prod. */
export async function playPromotion(
  sandbox: Sandbox,
  options: { service: string; version: string; log?: (line: string) => void },
): Promise<DemoResult> {
  const log = options.log ?? (() => undefined);
  const { service, version } = options;
  const chain = await chainOf();
  const steps: DemoStep[] = [];
  const phase = async (from: number, title: string, action: () => Promise<void>) => {
    log(title);
    const started = performance.now();
    const before = sandbox.dispatcher.runs.length;
    const requestsBefore = sandbox.github.requests.length;
    try {
      await action();
    } finally {
      // Printed on failure too: what GitHub shows up to the step that stopped the chain.
      const built = sandbox.dispatcher.runs
        .slice(before)
        .find((run) => run.file.endsWith('/service-release.yaml'))
        ?.result?.jobs.find((job) => job.id === 'build')?.outputs;
      if (built?.['image'])
        log(`  1-5   built and pushed ${built['image']} (${shortDigest(built['digest'] ?? '')})`);
      for (const text of narrate(sandbox, service, chain, from)) log(text);
    }
    const seconds = (performance.now() - started) / 1000;
    const last =
      from + 1 < chain.length ? processSteps(from + 1).update : String(Number(processSteps(from).deploy) + 1);
    steps.push({
      process: `${from === 0 ? 1 : processSteps(from).review}-${last}`,
      title,
      seconds,
      apiRequests: sandbox.github.requests.length - requestsBefore,
    });
    log(`        done in ${seconds.toFixed(1)} s`);
  };

  await phase(0, `Release ${service} ${version} (Actions tab → service-release → Run workflow)`, async () => {
    await releaseService(sandbox, service, version);
    expectClean(sandbox, 'The release');
  });
  for (const [index, environment] of chain.entries()) {
    if (index === 0) continue;
    await phase(index, `A reviewer approves and merges the ${environment} promotion`, async () => {
      await approveAndMerge(sandbox, service, environment);
      expectClean(sandbox, `The ${environment} deploy`);
    });
  }

  const checkout = await sandbox.repo.checkout('status');
  const { config: promotion, rows } = await readStatus(checkout);
  return {
    steps,
    rows,
    table: statusTable(promotion, rows),
    pulls: sandbox.github.pulls.map((pr) => ({
      number: pr.number,
      title: pr.title,
      state: pr.merged ? 'merged' : pr.state,
      ...(pr.mergedBy ? { mergedBy: pr.mergedBy.login } : {}),
    })),
    runs: sandbox.dispatcher.runs.map((run) => ({
      file: run.file.replace('.github/workflows/', ''),
      event: run.event,
      conclusion: run.result?.conclusion ?? 'error',
    })),
    standIns: standInSummary(sandbox.dispatcher, chain),
    clusters: await whatRuns(sandbox.clusters),
    apiRequests: sandbox.github.requests.length,
  };
}
