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
import { startGitHubStandIn, type ContentLimit, type GitHubStandIn } from './github/index.js';
import { startEnvironmentClusters, whatRuns, type EnvironmentClusters } from './kube/index.js';
import { createRepositoryHost, type RepositoryHost } from './hosted-repositories.js';
import {
  SUITE,
  createGitOpsRepository,
  createServiceRepository,
  createSuiteRepository,
  fullName,
  releasedFrom,
} from './layout.js';
import { serviceRepositoryCaller } from '../core/scaffold-callers.js';
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
  type JobResult,
  type SchedulerOptions,
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

/**
 * cross-repo (the default): the suite `acme/gitops-promotion` at v1 and the GitOps repository
 * `acme/gitops` with the scaffold's callers and no copy of the suite (./layout.ts). single: one
 * repository holding the suite's actions and workflows too.
 */
export type SandboxLayout = 'cross-repo' | 'single';

/** A service repository: its source, its view of the GitHub stand-in, the runs its events start. */
export interface ServiceRepository {
  repository: SandboxRepository;
  github: GitHubStandIn;
  dispatcher: WorkflowDispatcher;
}

/**
 * The services that get a repository of their own in the cross-repo layout. With GITHUB_TOKEN only
 * none do: a release from another repository needs the App installed on the GitOps repository.
 */
export const SERVICE_REPOSITORIES: Record<string, string> = { orders: 'acme/orders' };

export interface Sandbox {
  /** The GitOps repository. */
  repo: SandboxRepository;
  layout: SandboxLayout;
  /** Every repository hosted, the suite among them in the cross-repo layout. */
  host: RepositoryHost;
  /** `owner/repo` of the suite, the GitOps repository and the service repositories; the suite's ref. */
  repositories: { suite: string; gitops: string; services: string[]; suiteRef: string };
  /** The services released from repositories of their own, by service name. */
  services: Map<string, ServiceRepository>;
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
  layout?: SandboxLayout;
  onProgress?: (line: string) => void;
  /** How the concurrency groups order job-level arrivals: shuffled with a seed, as GitHub promises no order. */
  concurrency?: SchedulerOptions;
  /**
   * `max`: the suite's job-level concurrency groups keep every pending job in order (github.com's
   * `queue: max`) instead of one (what the suite ships, for GHES). Cross-repo layout only.
   */
  queue?: 'single' | 'max';
  /** At most this many workflow runs at a time in the GitOps repository (a small machine's bound). */
  maxParallelRuns?: number;
  /** GitHub's secondary limit on content-creating requests, enforced by the stand-in (off by default). */
  secondaryRateLimit?: readonly ContentLimit[];
}): Promise<Sandbox> {
  await checkTools();
  const layout = options.layout ?? 'cross-repo';
  const registry = await startRegistry();
  const buildah = await createBuildahSandbox([registry]);
  const host = createRepositoryHost();
  if (options.queue === 'max' && layout !== 'cross-repo')
    throw new Error('queue: max needs the cross-repo layout, where the suite is a repository of its own');
  const suite =
    layout === 'cross-repo'
      ? await createSuiteRepository(host, ROOT, SUITE, { queue: options.queue ?? 'single' })
      : undefined;
  const names = await serviceNames();
  const own = layout === 'cross-repo' && options.tokenMode === 'app' ? SERVICE_REPOSITORIES : {};
  // The build contexts of the services released from the GitOps repository itself stay in it.
  const inGitOps = names.filter((name) => !own[name]).map((name) => `services/${name}`);
  const repo =
    layout === 'cross-repo'
      ? await createGitOpsRepository(host, ROOT, { services: names, extraPaths: inGitOps })
      : host.add(await createSandboxRepository({ source: ROOT, paths: [...SEED_PATHS, 'services'] }));
  await repo.pushToMain(
    await imagesAt(registry.host, own),
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
    ...(options.secondaryRateLimit ? { secondaryRateLimit: options.secondaryRateLimit } : {}),
  });
  const clusters = await startEnvironmentClusters(await chainOf());
  // The workflows GitHub reads are the GitOps repository's own: the scaffold's callers, or in the
  // single layout the suite's workflows it holds.
  const workflowsDir =
    layout === 'cross-repo'
      ? join(await repo.checkout('workflows'), '.github', 'workflows')
      : join(ROOT, '.github', 'workflows');
  const dispatcher = createWorkflowDispatcher({
    repository: repo,
    repositories: host,
    github,
    tokenMode: options.tokenMode,
    workflowsDir,
    workflows: SUITE_WORKFLOWS,
    environments: clusters.environments,
    env: { ...buildah.env, ...clusters.env },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.maxParallelRuns ? { maxParallelRuns: options.maxParallelRuns } : {}),
  });
  const services = new Map<string, ServiceRepository>();
  for (const [service, name] of Object.entries(own)) {
    const [owner = '', repoName = ''] = name.split('/');
    const repository = await createServiceRepository(host, ROOT, {
      owner,
      repo: repoName,
      folder: `services/${service}`,
      files: { '.github/workflows/release.yaml': serviceRepositoryCaller(SUITE, service, fullName(repo)) },
    });
    const view = await github.addRepository({ bareRepo: repository.origin, owner, repo: repoName });
    services.set(service, {
      repository,
      github: view,
      dispatcher: createWorkflowDispatcher({
        repository,
        repositories: host,
        github: view,
        tokenMode: options.tokenMode,
        workflowsDir: join(await repository.checkout('workflows'), '.github', 'workflows'),
        env: { ...buildah.env, ...clusters.env },
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      }),
    });
  }
  return {
    repo,
    layout,
    host,
    repositories: {
      suite: suite ? fullName(suite) : fullName(repo),
      gitops: fullName(repo),
      services: Object.values(own),
      suiteRef: suite ? SUITE.ref : 'main',
    },
    services,
    github,
    registry,
    buildah,
    clusters: clusters.byEnvironment,
    dispatcher,
    tokenMode: options.tokenMode,
    async dispose() {
      dispatcher.dispose();
      for (const service of services.values()) service.dispatcher.dispose();
      await github.close();
      await clusters.close();
      await buildah.dispose();
      await registry.dispose();
      await host.dispose();
      if (layout === 'single') await repo.dispose();
    },
  };
}

/**
 * The files that name the image repositories, rewritten from ghcr.io/acme to the local registry; the
 * config also names the repository of each service released from one of its own.
 */
async function imagesAt(host: string, own: Record<string, string>): Promise<Record<string, string>> {
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
  files['.github/promotion.yaml'] = releasedFrom(files['.github/promotion.yaml']!, own);
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
  /** The repositories that took part and the suite's ref, one line starting `repositories:`. */
  repositories: string;
}

/** `repositories: service acme/orders, GitOps acme/gitops, suite acme/gitops-promotion@v1`. */
export function repositoriesLine(sandbox: Sandbox): string {
  const { services, gitops, suite, suiteRef } = sandbox.repositories;
  const parts = [
    ...services.map((name) => `service ${name}`),
    `GitOps ${gitops}`,
    sandbox.layout === 'cross-repo'
      ? `suite ${suite}@${suiteRef}`
      : `suite inside ${gitops} (single-repository layout)`,
  ];
  return `repositories: ${parts.join(', ')}`;
}

/** Fails with the run's own report when a workflow run the events started did not succeed. */
export function expectClean(sandbox: Sandbox, what: string): void {
  const failures = dispatchersOf(sandbox).flatMap((dispatcher) => dispatcher.failures());
  if (failures.length > 0) {
    const reports = failures
      .map((run) => (run.result ? formatRun(run.result) : String(run.error)))
      .join('\n\n');
    throw new Error(`${what} failed:\n${reports}`);
  }
  if (sandbox.github.violations.length > 0)
    throw new Error(`${what}: requests GitHub would refuse:\n${sandbox.github.violations.join('\n')}`);
}

/** The dispatchers of the service repositories, then the GitOps repository's. */
export function dispatchersOf(sandbox: Sandbox): WorkflowDispatcher[] {
  return [...[...sandbox.services.values()].map((service) => service.dispatcher), sandbox.dispatcher];
}

/** Waits until nothing runs: a service repository's release opens PRs whose events run in the GitOps repository. */
export async function idleAll(sandbox: Sandbox): Promise<void> {
  for (const dispatcher of dispatchersOf(sandbox)) await dispatcher.idle();
}

/** Every run of every repository, in start order per repository, named `owner/repo: file`. */
export function allRuns(sandbox: Sandbox) {
  const named = (repository: SandboxRepository, dispatcher: WorkflowDispatcher) =>
    dispatcher.runs.map((run) => ({ repository: fullName(repository), run }));
  return [
    ...[...sandbox.services.values()].flatMap((s) => named(s.repository, s.dispatcher)),
    ...named(sandbox.repo, sandbox.dispatcher),
  ];
}

/**
 * GitHub and the clusters, then each stood-in action once, with how many steps it stood in for and
 * the first reason given.
 */
function standInSummary(sandbox: Sandbox, environments: string[]): string[] {
  const byAction = new Map<string, { count: number; reason: string }>();
  for (const record of allRuns(sandbox).flatMap(({ run }) => run.result?.standIns ?? [])) {
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

async function serviceNames(): Promise<string[]> {
  const config = parse(await readFile(join(ROOT, '.github/promotion.yaml'), 'utf8')) as {
    services: { name: string }[];
  };
  return config.services.map((service) => service.name);
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

/** The suite's build job, in the run's own jobs or in a caller's call of the suite's workflow. */
function buildJob(jobs: JobResult[]): JobResult | undefined {
  for (const job of jobs) {
    if (job.id === 'build' && job.outputs['image']) return job;
    const called = job.call && buildJob(job.call.jobs);
    if (called) return called;
  }
  return undefined;
}

/** Dispatches service-release as a person would from the Actions tab, and waits for all it starts. */
export async function releaseService(sandbox: Sandbox, service: string, version: string): Promise<void> {
  await dispatchRelease(sandbox, service, version);
  await idleAll(sandbox);
}

/** Presses "Run workflow" on the release of a service, where it is released; does not wait. */
export async function dispatchRelease(sandbox: Sandbox, service: string, version: string): Promise<void> {
  const own = sandbox.services.get(service);
  // A service with a repository of its own is released there (its caller names the service).
  if (own)
    await own.github.dispatchWorkflow('release.yaml', { inputs: { version }, login: 'release-manager' });
  else
    await sandbox.github.dispatchWorkflow('service-release.yaml', {
      inputs: { service, version },
      login: 'release-manager',
    });
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
  await idleAll(sandbox);
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
    const before = allRuns(sandbox).map(({ run }) => run);
    const requestsBefore = sandbox.github.requests.length;
    try {
      await action();
    } finally {
      // Printed on failure too: what GitHub shows up to the step that stopped the chain.
      const built = allRuns(sandbox)
        .filter(({ run }) => !before.includes(run))
        .map(({ run }) => buildJob(run.result?.jobs ?? [])?.outputs)
        .find((outputs) => outputs !== undefined);
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

  const own = sandbox.services.get(service);
  const where = own ? `${fullName(own.repository)}: Actions tab → release` : 'Actions tab → service-release';
  await phase(0, `Release ${service} ${version} (${where} → Run workflow)`, async () => {
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
    runs: allRuns(sandbox).map(({ repository, run }) => ({
      file: `${repository}: ${run.file.replace('.github/workflows/', '')}`,
      event: run.event,
      conclusion: run.result?.conclusion ?? 'error',
    })),
    standIns: standInSummary(sandbox, chain),
    clusters: await whatRuns(sandbox.clusters),
    repositories: repositoriesLine(sandbox),
    apiRequests: sandbox.github.requests.length,
  };
}
