// The whole promotion on one machine: the repository's real workflow files run by the sandbox
// runner on the GitHub stand-in's events, a real registry and buildah for the image, real git and
// kustomize, a recording kubectl in place of a cluster. `npm run demo` and the end-to-end tests use it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { readStatus } from '../cli/status.js';
import { statusTable, type StatusRow } from '../core/status.js';
import { startGitHubStandIn, type GitHubStandIn } from './github/index.js';
import { createRecordingKubectl, type RecordingKubectl } from './kubectl-recorder.js';
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
  if (!(await findOnPath(['kubectl', 'kustomize'])))
    missing.push({ tool: 'kubectl (for kustomize)', debianPackage: 'kubernetes-client' });
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
  kubectl: RecordingKubectl;
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
  failRollout?: string[];
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
    allowAutoMerge: true,
    requireApproval: (files) =>
      files.some((file) => reviewed.some((folder) => file.startsWith(`${folder}/`))),
  });
  const kubectl = await createRecordingKubectl(
    options.failRollout ? { failRollout: options.failRollout } : {},
  );
  const dispatcher = createWorkflowDispatcher({
    repository: repo,
    github,
    tokenMode: options.tokenMode,
    workflowsDir: join(ROOT, '.github', 'workflows'),
    workflows: SUITE_WORKFLOWS,
    vars: { PROMOTION_BUILDER: 'buildah' },
    env: { ...buildah.env, ...kubectl.env },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return {
    repo,
    github,
    registry,
    buildah,
    kubectl,
    dispatcher,
    tokenMode: options.tokenMode,
    async dispose() {
      dispatcher.dispose();
      await github.close();
      await kubectl.dispose();
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
  number: number;
  title: string;
  seconds: number;
}

export interface DemoResult {
  steps: DemoStep[];
  table: string;
  rows: StatusRow[];
  pulls: { number: number; title: string; state: string; mergedBy?: string }[];
  runs: { file: string; event: string; conclusion: string }[];
  standIns: string[];
  apiRequests: number;
}

/** Fails with the run's own report when a workflow run the events started did not succeed. */
function expectClean(sandbox: Sandbox, what: string): void {
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

/** Each stood-in action once, with how many steps it stood in for and the first reason given. */
function standInSummary(dispatcher: WorkflowDispatcher): string[] {
  const byAction = new Map<string, { count: number; reason: string }>();
  for (const record of dispatcher.runs.flatMap((run) => run.result?.standIns ?? [])) {
    const action = record.uses.replace(/@.*/, '');
    const entry = byAction.get(action) ?? { count: 0, reason: record.reason };
    entry.count++;
    byAction.set(action, entry);
  }
  return [...byAction].map(
    ([action, { count, reason }]) => `${action} (${count} step${count === 1 ? '' : 's'}): ${reason}`,
  );
}

/** Releases one service and plays the whole chain: dev by itself, then a reviewer approving and merging uat and prod. */
export async function playPromotion(
  sandbox: Sandbox,
  options: { service: string; version: string; log?: (line: string) => void },
): Promise<DemoResult> {
  const log = options.log ?? (() => undefined);
  const steps: DemoStep[] = [];
  const step = async (title: string, action: () => Promise<void>) => {
    const number = steps.length + 1;
    log(`[${number}] ${title}`);
    const started = performance.now();
    await action();
    const seconds = (performance.now() - started) / 1000;
    steps.push({ number, title, seconds });
    log(`    done in ${seconds.toFixed(1)} s`);
  };
  const { github, dispatcher } = sandbox;
  const config = parse(await readFile(join(ROOT, '.github/promotion.yaml'), 'utf8')) as {
    environments: { name: string }[];
  };
  const [first, ...reviewed] = config.environments.map((env) => env.name);

  await step(
    `Release ${options.service} ${options.version}: build, push, promote to ${first} and deploy it`,
    async () => {
      await github.dispatchWorkflow('service-release.yaml', {
        inputs: { service: options.service, version: options.version },
        login: 'release-manager',
      });
      await dispatcher.idle();
      expectClean(sandbox, 'The release');
    },
  );
  for (const environment of reviewed) {
    const pull = github.pulls.find(
      (pr) => pr.head.ref === `release/${options.service}/${environment}` && pr.state === 'open',
    );
    if (!pull) throw new Error(`No open promotion PR for ${environment}: the chain stopped before it`);
    await step(
      `A reviewer approves and merges #${pull.number} (${environment}); the merge deploys ${environment}`,
      async () => {
        await github.approve(pull.number, `${environment}-lead`);
        await github.mergePull(pull.number, { login: `${environment}-lead` });
        await dispatcher.idle();
        expectClean(sandbox, `The ${environment} deploy`);
      },
    );
  }

  const checkout = await sandbox.repo.checkout('status');
  const { config: promotion, rows } = await readStatus(checkout);
  return {
    steps,
    rows,
    table: statusTable(promotion, rows),
    pulls: github.pulls.map((pr) => ({
      number: pr.number,
      title: pr.title,
      state: pr.merged ? 'merged' : pr.state,
      ...(pr.mergedBy ? { mergedBy: pr.mergedBy.login } : {}),
    })),
    runs: dispatcher.runs.map((run) => ({
      file: run.file.replace('.github/workflows/', ''),
      event: run.event,
      conclusion: run.result?.conclusion ?? 'error',
    })),
    standIns: standInSummary(dispatcher),
    apiRequests: github.requests.length,
  };
}
