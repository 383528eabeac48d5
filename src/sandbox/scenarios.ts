// The days that break a naive promotion, played on the sandbox as GitHub runs them (runs in
// parallel, concurrency groups that replace pending runs, job-level arrivals in a seeded random
// order), each ending with the invariant checked (./invariant.ts):
// - burst: three releases of one service seconds apart, their dev deploys overlapping;
// - parallel: ten services released into dev at once (3.0.0), then three uat merges at once;
// - failed-dev: 1.6.2's dev rollout fails and 1.6.3 fixes it: uat never sees 1.6.2.
import { parse } from 'yaml';
import { readStatus } from '../app/status.js';
import { statusTable } from '../core/status.js';
import { addServices } from './add-services.js';
import { allRuns, dispatchRelease, idleAll, promotionPull, releaseService, type Sandbox } from './demo.js';
import { invariantProblems, seedClusters, INVARIANT } from './invariant.js';
import { whatRuns } from './kube/index.js';
import type { JobResult } from './workflows/index.js';
import { git } from './process.js';

export const SCENARIOS = ['burst', 'parallel', 'failed-dev'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const SCENARIO_TITLES: Record<ScenarioName, string> = {
  burst: 'three releases of orders within seconds (1.6.1, 1.6.2, 1.6.3), their dev deploys overlapping',
  parallel: 'ten services released into dev at once (3.0.0), then three uat merges at once',
  'failed-dev': "1.6.2's dev rollout fails, 1.6.3 fixes it: uat never sees 1.6.2",
};

export interface ScenarioRun {
  /** `owner/repo: file`. */
  file: string;
  runName: string;
  event: string;
  conclusion: string;
  /** GitHub's reason, for a cancelled run, with the job it cancelled. */
  cancelled?: string;
}

export interface ScenarioReport {
  name: ScenarioName;
  title: string;
  /** Wall time of the scenario, from the first release to the last run finished. */
  seconds: number;
  /** Requests the scenario made to the GitHub stand-in. */
  apiRequests: number;
  /** What runs where, from the overlays on main (`npm run status`'s table). */
  table: string;
  /** What each cluster runs, read with kubectl get. */
  clusters: Record<string, string[]>;
  runs: ScenarioRun[];
  /** The promotion PRs, `#N state title`. */
  pulls: string[];
  /** Where the invariant does not hold; empty when it does. */
  problems: string[];
  /** INVARIANT when it holds, else a line saying it does not. */
  verdict: string;
}

/** The first job a concurrency group cancelled, called workflows included: `path: GitHub's reason`. */
function cancelledJob(jobs: JobResult[]): string | undefined {
  for (const job of jobs) {
    const inCall = job.call && cancelledJob(job.call.jobs);
    if (inCall) return inCall;
    if (job.status === 'cancelled' && job.errors[0]) return `${job.path}: ${job.errors[0]}`;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The namespace an environment's overlay on main puts its objects in (the seed's `shop-<env>`). */
async function namespaceOf(sandbox: Sandbox, environment: string): Promise<string> {
  const overlay = await git(sandbox.repo.origin, 'show', `main:overlays/${environment}/kustomization.yaml`);
  const namespace = (parse(overlay) as { namespace?: unknown }).namespace;
  if (typeof namespace !== 'string') throw new Error(`overlays/${environment} sets no namespace`);
  return namespace;
}

async function burst(sandbox: Sandbox): Promise<void> {
  // Seconds apart, as three merges to the service's main branch land on a busy morning.
  for (const version of ['1.6.1', '1.6.2', '1.6.3']) {
    await dispatchRelease(sandbox, 'orders', version);
    await sleep(1000);
  }
  await idleAll(sandbox);
}

/** The seven services the parallel scenario adds: copies of payments. */
const ADDED_SERVICES = Array.from({ length: 7 }, (_, i) => `svc-${i + 1}`);
/** The services of the parallel scenario: the sample's three and the seven it adds. */
export const PARALLEL_SERVICES = ['orders', 'payments', 'catalog', ...ADDED_SERVICES];

async function parallel(sandbox: Sandbox): Promise<void> {
  await Promise.all(PARALLEL_SERVICES.map((service) => dispatchRelease(sandbox, service, '3.0.0')));
  await idleAll(sandbox);
  const merging = PARALLEL_SERVICES.slice(0, 3).map((service) => {
    const pull = promotionPull(sandbox, service, 'uat');
    if (pull?.state !== 'open')
      throw new Error(`no open uat promotion PR for ${service} after its dev deploy`);
    return pull.number;
  });
  for (const number of merging) await sandbox.github.approve(number, 'uat-lead');
  await Promise.all(merging.map((number) => sandbox.github.mergePull(number, { login: 'uat-lead' })));
  await idleAll(sandbox);
}

async function failedDev(sandbox: Sandbox): Promise<void> {
  await releaseService(sandbox, 'orders', '1.6.1');
  sandbox.clusters['dev']!.failRollout(await namespaceOf(sandbox, 'dev'), 'orders', 1);
  await releaseService(sandbox, 'orders', '1.6.2');
  await releaseService(sandbox, 'orders', '1.6.3');
}

const PLAYS: Record<ScenarioName, (sandbox: Sandbox) => Promise<void>> = {
  burst,
  parallel,
  'failed-dev': failedDev,
};

/** Readies the sandbox for a scenario: its extra services on main, then clusters that run what main names. */
export async function prepareScenario(sandbox: Sandbox, name: ScenarioName): Promise<void> {
  if (name === 'parallel') await addServices(sandbox.repo, ADDED_SERVICES);
  await seedClusters(sandbox);
}

/** Plays a scenario on a started sandbox and reports what GitHub and the clusters show after it. */
export async function playScenario(
  sandbox: Sandbox,
  name: ScenarioName,
  log: (line: string) => void = () => undefined,
): Promise<ScenarioReport> {
  await prepareScenario(sandbox, name);
  log(`Scenario ${name}: ${SCENARIO_TITLES[name]}`);
  const requestsBefore = sandbox.github.requests.length;
  const started = performance.now();
  // A scenario that cannot go on still reports what GitHub and the clusters show.
  const stopped = await PLAYS[name](sandbox).then(
    () => undefined,
    (error: unknown) => `the scenario stopped: ${error instanceof Error ? error.message : String(error)}`,
  );
  await idleAll(sandbox);
  const seconds = (performance.now() - started) / 1000;
  // One checkout of main for the invariant and the table.
  const main = await sandbox.repo.checkout('scenario-end');
  const problems = [...(stopped ? [stopped] : []), ...(await invariantProblems(sandbox, main))];
  const { config, rows } = await readStatus(main);
  return {
    name,
    title: SCENARIO_TITLES[name],
    seconds,
    apiRequests: sandbox.github.requests.length - requestsBefore,
    table: statusTable(config, rows),
    clusters: await whatRuns(sandbox.clusters),
    runs: allRuns(sandbox).map(({ repository, run }) => ({
      file: `${repository}: ${run.file.replace('.github/workflows/', '')}`,
      runName: run.runName ?? run.workflow,
      event: run.event,
      conclusion: run.result?.conclusion ?? (run.error ? 'error' : run.status),
      ...(run.result?.conclusion === 'cancelled'
        ? { cancelled: run.result.cancelled ?? cancelledJob(run.result.jobs) }
        : {}),
    })),
    pulls: sandbox.github.pulls.map((pr) => `#${pr.number} ${pr.merged ? 'merged' : pr.state} ${pr.title}`),
    problems,
    verdict:
      problems.length === 0 ? INVARIANT : `invariant does not hold (${problems.length} problems): see above`,
  };
}
