// `npm run bench [-- --runs N] [--quick] [--skip-chain] [--services N] [--into-dev N] [--compare <commit>]`: per
// scenario (one service; a burst of N services released at once), the wall time and the GitHub API
// requests of each environment hop of the sandbox chain, judged against targets; the busy days of
// ../sandbox/scenarios.ts (burst, parallel) with their wall time, requests and invariant; and, as
// information, how fast the bundles start (and those of <commit>, side by side), how big they are,
// and how the overlay edit and the config load grow with the number of services. Prints tables and
// writes them as JSON to bench-results/<timestamp>.json so that runs can be compared.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import {
  countByEndpoint,
  GRAPHQL_QUERY,
  OUTSIDE_HOPS,
  formatReport,
  pairedRatios,
  groupInOrder,
  stats,
  timeByLabel,
  type BenchReport,
  type BundleSize,
  type BusyDay,
  type ColdStart,
  type Hop,
  type ScalingPoint,
  type Scenario,
} from '../core/bench.js';
import { parseConfig } from '../core/config.js';
import {
  parseOptions,
  startedAsProgram,
  usageFailure,
  wholeNumber,
  type OptionSpec,
  type OptionValues,
} from './args.js';
import { setImageVersion } from '../core/kustomization.js';
import { matchRoute } from '../sandbox/github/spec.js';
import { isGraphQLQuery, type RecordedRequest } from '../sandbox/github/index.js';
import {
  expectClean,
  MissingToolsError,
  playPromotion,
  ROOT,
  startSandbox,
  type Sandbox,
} from '../sandbox/demo.js';
import { addServices } from '../sandbox/add-services.js';
import { playScenario, type ScenarioName } from '../sandbox/scenarios.js';
import { git } from '../sandbox/process.js';
import { releaseIntoDev } from './bench-into-dev.js';
import { layerCacheScenario } from './bench-layer-cache.js';
import { parsePromotionBranch } from '../core/names.js';
import type { JobResult } from '../sandbox/workflows/index.js';

const ACTIONS = ['release', 'overlay-update', 'overlay-deploy'];

/** Milliseconds from spawning `node args` until it writes its first byte or exits. */
function firstOutput(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; child: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let done = false;
    const first = () => {
      if (done) return;
      done = true;
      resolve({
        ms: performance.now() - started,
        child: new Promise((exited) => child.on('close', (code) => exited(`exit ${code}\n${output}`))),
      });
    };
    child.stdout.on('data', (chunk: Buffer) => ((output += chunk), first()));
    child.stderr.on('data', (chunk: Buffer) => ((output += chunk), first()));
    child.on('exit', first);
    child.on('error', reject);
  });
}

/** The runner's environment for a step whose inputs are wrong: each action must refuse them. */
async function inputErrorEnv(temp: string): Promise<NodeJS.ProcessEnv> {
  const files = {
    event: join(temp, 'event.json'),
    output: join(temp, 'output'),
    summary: join(temp, 'summary'),
  };
  await writeFile(files.event, JSON.stringify({ repository: { default_branch: 'main' } }));
  await writeFile(files.output, '');
  await writeFile(files.summary, '');
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/platform',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_WORKSPACE: ROOT,
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: files.event,
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '1',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: temp,
    INPUT_SERVICE: '../orders',
    INPUT_VERSION: 'latest',
    INPUT_OVERLAY: 'dev',
    INPUT_CONFIG: '.github/promotion.yaml',
    INPUT_TOKEN: 'ghs_benchToken0123456789',
    INPUT_PUSH: 'true',
    INPUT_BUILDER: 'docker',
  };
}

/** The committed bundles of an earlier commit, written to `folder`, to measure them side by side. */
async function bundlesAt(ref: string, folder: string): Promise<void> {
  const paths = await git(
    ROOT,
    'ls-tree',
    '-r',
    '--name-only',
    ref,
    ...ACTIONS.map((a) => `actions/${a}/dist`),
  );
  for (const path of paths.split('\n').filter(Boolean)) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), await git(ROOT, 'show', `${ref}:${path}`));
  }
}

async function coldStart(runs: number, compare?: string): Promise<NonNullable<BenchReport['coldStart']>> {
  const temp = await mkdtemp(join(tmpdir(), 'bench-cold-'));
  try {
    const env = await inputErrorEnv(temp);
    const bundles: { root: string; action: string; ref?: string }[] = ACTIONS.map((action) => ({
      root: ROOT,
      action,
    }));
    if (compare) {
      await bundlesAt(compare, join(temp, 'compare'));
      bundles.push(...ACTIONS.map((action) => ({ root: join(temp, 'compare'), action, ref: compare })));
    }
    const targets = [
      ['-e', '0'],
      ...bundles.map((b) => [join(b.root, 'actions', b.action, 'dist', 'index.js')]),
    ];
    // Make sure each bundle takes the input-error path this measures, and warm the file cache.
    // An earlier commit's bundle may stop at an error of its own first (a config key it predates).
    for (const [i, args] of targets.slice(1).entries()) {
      const log = await (await firstOutput(args, env)).child;
      const expected = bundles[i]!.ref ? '::error' : "::error::Input 'service'";
      if (!log.startsWith('exit 1\n') || !log.includes(expected))
        throw new Error(`${args[0]} did not refuse the input as expected:\n${log}`);
    }
    const samples: number[][] = targets.map(() => []);
    for (let round = 0; round < runs; round++)
      // Rotating the order keeps any position effect out of the ratios.
      for (let i = 0; i < targets.length; i++) {
        const index = (i + round) % targets.length;
        const run = await firstOutput(targets[index]!, env);
        samples[index]!.push(run.ms);
        await run.child;
      }
    const [baseline, ...measured] = samples;
    return {
      baseline: stats(baseline!),
      bundles: measured.map((ms, i): ColdStart => ({
        action: bundles[i]!.action,
        ...(bundles[i]!.ref ? { ref: bundles[i]!.ref } : {}),
        ms: stats(ms),
        ratio: pairedRatios(ms, baseline!),
      })),
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function bundleSizes(): Promise<BundleSize[]> {
  return Promise.all(
    ACTIONS.map(async (action) => {
      const dist = join(ROOT, 'actions', action, 'dist');
      const scripts = (await readdir(dist, { recursive: true })).filter((name) => name.endsWith('.js'));
      const sizes = await Promise.all(
        scripts.map(async (name) => ({ name, bytes: (await stat(join(dist, name))).size })),
      );
      return { action, bytes: sizes.reduce((sum, s) => sum + s.bytes, 0) };
    }),
  );
}

const serviceName = (i: number) => `svc-${String(i).padStart(4, '0')}`;

/** An overlay like the seed's, with `count` services in its images list. */
function generatedOverlay(count: number): string {
  const lines = [
    '# Generated for the benchmark: an overlay with many services.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'namespace: shop-dev',
    'resources:',
    '  - ../../base',
    'images:',
  ];
  for (let i = 0; i < count; i++)
    lines.push(
      `  # ${serviceName(i)}: set by the promotion suite; do not edit by hand on main`,
      `  - name: ghcr.io/acme/${serviceName(i)}`,
      `    newTag: 1.${i % 50}.${i % 7}`,
    );
  return lines.join('\n') + '\n';
}

function generatedConfig(count: number): string {
  const lines = [
    'version: 1',
    'environments:',
    '  - name: dev',
    '    merge-without-review: true',
    '  - name: uat',
    '  - name: prod',
    'services:',
  ];
  for (let i = 0; i < count; i++)
    lines.push(
      `  - name: ${serviceName(i)}`,
      `    image: ghcr.io/acme/${serviceName(i)}`,
      `    context: services/${serviceName(i)}`,
    );
  return lines.join('\n') + '\n';
}

/** Each call timed on its own; the first (cold, before the JIT warms up) counts too, it shows as max. */
function timeCalls(reps: number, call: () => void): number[] {
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    call();
    samples.push(performance.now() - started);
  }
  return samples;
}

function scaling(quick: boolean): ScalingPoint[] {
  const points: ScalingPoint[] = [];
  for (const services of [50, 500, 5000]) {
    const reps = Math.max(quick ? 3 : 5, Math.min(quick ? 10 : 50, 25_000 / services));
    const overlay = generatedOverlay(services);
    const image = `ghcr.io/acme/${serviceName(services >> 1)}`;
    const digest = `sha256:${'ab'.repeat(32)}`;
    const edited = setImageVersion(overlay, { image, tag: '2.0.0', digest });
    if (edited.split('\n').length !== overlay.split('\n').length + 1)
      throw new Error('setImageVersion did not make the expected two-line edit');
    points.push({
      operation: 'setImageVersion',
      services,
      ms: stats(timeCalls(reps, () => setImageVersion(overlay, { image, tag: '2.0.0', digest }))),
    });
    // The floor under both: one parse of the overlay by the yaml library, nothing else.
    points.push({
      operation: 'yaml parseDocument',
      services,
      ms: stats(timeCalls(reps, () => parseDocument(overlay, { keepSourceTokens: true }))),
    });
    const config = generatedConfig(services);
    if (parseConfig(config).services.length !== services) throw new Error('parseConfig lost services');
    points.push({
      operation: 'parseConfig',
      services,
      ms: stats(timeCalls(reps, () => parseConfig(config))),
    });
  }
  return points;
}

/** `METHOD /route/{template}` of a recorded request, as GitHub's OpenAPI description names it. */
function endpointOf(request: RecordedRequest): string {
  if (request.operationId === 'graphql')
    return isGraphQLQuery(request) ? GRAPHQL_QUERY : 'POST /graphql (mutation)';
  return `${request.method} ${matchRoute(request.method, request.path)?.operation.template ?? request.path}`;
}

function stepTimes(jobs: JobResult[]): { label: string; seconds: number }[] {
  return jobs.flatMap((job) => [
    ...job.steps.map((step) => ({
      label: step.uses ? step.uses.replace(/@.*/, '') : `run: ${step.name}`,
      seconds: step.durationMs / 1000,
    })),
    ...stepTimes(job.call?.jobs ?? []),
  ]);
}

function whereTimeWent(sandbox: Sandbox): Scenario['steps'] {
  return timeByLabel(sandbox.dispatcher.runs.flatMap((run) => stepTimes(run.result?.jobs ?? [])));
}

async function environmentNames(): Promise<string[]> {
  const config = parseConfig(await readFile(join(ROOT, '.github/promotion.yaml'), 'utf8'));
  return config.environments.map((env) => env.name);
}

/**
 * The environment a request works for: that of the promotion PR or the deployment it names, or the
 * promotion that reads the deployment record of the environment before it (`chain` in order). The
 * rest (who may release, read from the default branch; lookups of no pull request) is `other`.
 */
function environmentOf(sandbox: Sandbox, request: RecordedRequest, chain: string[]): string {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const pull = /\/(?:pulls|issues)\/(\d+)(?:\/|$)/.exec(request.path)?.[1];
  const deployment = /\/deployments\/(\d+)(?:\/|$)/.exec(request.path)?.[1];
  const branch = pull
    ? sandbox.github.pulls.find((pr) => pr.number === Number(pull))?.head.ref
    : request.path.endsWith('/pulls') && typeof body['head'] === 'string'
      ? body['head']
      : undefined;
  if (branch !== undefined) return parsePromotionBranch(branch)?.environment ?? OUTSIDE_HOPS;
  if (deployment)
    return sandbox.github.deployments.find((d) => d.id === Number(deployment))?.environment ?? OUTSIDE_HOPS;
  if (request.path.endsWith('/deployments') && typeof body['environment'] === 'string')
    return body['environment'];
  // The deployment record a later environment's promotion reads: a GraphQL query for one environment.
  const environments = (body['variables'] as { environments?: unknown } | undefined)?.environments;
  if (Array.isArray(environments) && environments.length === 1 && typeof environments[0] === 'string') {
    const source = chain.indexOf(environments[0]);
    if (source >= 0 && source + 1 < chain.length) return chain[source + 1]!;
  }
  return OUTSIDE_HOPS;
}

/**
 * A scenario's figures from the sandbox it ran in: the API requests grouped by the environment they
 * work for, each environment's hop timed by the phase that deployed it (`phases[i]` deploys
 * `environments[i]`).
 */
function scenarioOf(
  sandbox: Sandbox,
  run: {
    name: string;
    services: number;
    setupSeconds: number;
    environments: string[];
    /** Requests before this index were setting up, not the scenario's. */
    firstRequest: number;
  },
  phases: { name: string; seconds: number }[],
): Scenario {
  const requests = sandbox.github.requests.slice(run.firstRequest);
  const hops = groupInOrder(
    requests,
    (r) => environmentOf(sandbox, r, run.environments),
    run.environments,
  ).map((group): Hop => {
    const index = run.environments.indexOf(group.label);
    const seconds = index >= 0 ? phases[index]?.seconds : undefined;
    return {
      hop: group.label,
      ...(seconds === undefined ? {} : { seconds }),
      endpoints: countByEndpoint(group.items.map(endpointOf)),
    };
  });
  return {
    name: run.name,
    services: run.services,
    seconds: phases.reduce((sum, phase) => sum + phase.seconds, 0),
    hops,
    phases: [{ name: 'sandbox start (not counted)', seconds: run.setupSeconds }, ...phases],
    steps: whereTimeWent(sandbox),
  };
}

/** One service through the demo's own chain: each demo step deploys its environment and opens the next one's PR. */
async function oneServiceChain(progress: (line: string) => void): Promise<Scenario> {
  const started = performance.now();
  const sandbox = await startSandbox({ tokenMode: 'app', layout: 'single' });
  try {
    const setupSeconds = (performance.now() - started) / 1000;
    const firstRequest = sandbox.github.requests.length;
    const result = await playPromotion(sandbox, { service: 'orders', version: '1.6.0', log: progress });
    const environments = await environmentNames();
    const phases = result.steps.map((step, i) => {
      const next = environments[i + 1];
      const name = `${i === 0 ? 'release + ' : ''}${environments[i] ?? step.title}${next ? ` (opens the ${next} PR)` : ''}`;
      return { name, seconds: step.seconds };
    });
    return scenarioOf(
      sandbox,
      { name: 'one service', services: 1, setupSeconds, environments, firstRequest },
      phases,
    );
  } finally {
    await sandbox.dispose();
  }
}

/** Releases `count` services at once, then a reviewer merges every uat PR, then every prod PR. */
async function burstOfReleases(count: number, progress: (line: string) => void): Promise<Scenario> {
  const started = performance.now();
  const sandbox = await startSandbox({ tokenMode: 'app', layout: 'single' });
  try {
    const services = ['orders', 'payments', 'catalog'];
    const extra = Array.from({ length: Math.max(0, count - services.length) }, (_, i) => `bench-${i + 1}`);
    await addServices(sandbox.repo, extra);
    services.push(...extra);
    const setupSeconds = (performance.now() - started) / 1000;
    const firstRequest = sandbox.github.requests.length;
    const phases: { name: string; seconds: number }[] = [];
    const phase = async (name: string, action: () => Promise<void>) => {
      progress(`${name} ...`);
      const began = performance.now();
      await action();
      await sandbox.dispatcher.idle();
      expectClean(sandbox, name);
      phases.push({ name, seconds: (performance.now() - began) / 1000 });
      progress(`    done in ${phases.at(-1)!.seconds.toFixed(1)} s`);
    };
    const environments = await environmentNames();
    const [first, ...reviewed] = environments;
    await phase(`release ${services.length} services + ${first}`, async () => {
      for (const service of services)
        await sandbox.github.dispatchWorkflow('service-release.yaml', {
          inputs: { service, version: '7.0.0' },
          login: 'release-manager',
        });
    });
    for (const environment of reviewed)
      await phase(`approve and merge ${services.length} ${environment} PRs`, async () => {
        for (const service of services) {
          const pull = sandbox.github.pulls.find(
            (pr) => pr.head.ref === `release/${service}/${environment}` && pr.state === 'open',
          );
          if (!pull) throw new Error(`No open promotion PR for ${service} in ${environment}`);
          await sandbox.github.approve(pull.number, `${environment}-lead`);
          await sandbox.github.mergePull(pull.number, { login: `${environment}-lead` });
        }
      });
    return scenarioOf(
      sandbox,
      {
        name: `${services.length} services released at once`,
        services: services.length,
        setupSeconds,
        environments,
        firstRequest,
      },
      phases,
    );
  } finally {
    await sandbox.dispose();
  }
}

/** A busy-day scenario played as `npm run demo -- --scenario NAME` plays it, on a sandbox of its own. */
async function busyDay(name: ScenarioName, progress: (line: string) => void): Promise<BusyDay> {
  const sandbox = await startSandbox({ tokenMode: 'app', concurrency: { shuffle: { seed: 1 } } });
  try {
    const played = await playScenario(sandbox, name, progress);
    progress(`    ${played.verdict} (${played.seconds.toFixed(1)} s)`);
    return {
      name,
      seconds: played.seconds,
      apiRequests: played.apiRequests,
      runs: played.runs.length,
      cancelledRuns: played.runs.filter((run) => run.conclusion === 'cancelled').length,
      invariantHolds: played.problems.length === 0,
    };
  } finally {
    await sandbox.dispose();
  }
}

async function machine(): Promise<BenchReport['machine']> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    cpus: cpus().length,
    cpuModel: model.trim(),
    node: process.version,
    load: { before: loadavg()[0]!, after: 0 },
  };
}

export const USAGE = `usage: npm run bench -- [--runs N] [--quick] [--skip-chain] [--services N] [--into-dev N] [--compare <commit>]

options:
  --runs <N>           runs per measurement, 1 to 1000 (default 21, 5 with --quick)
  --quick              fewer runs, no burst of releases (about two minutes)
  --skip-chain         leave out the sandbox chain
  --services <N>       services released at once in the burst, 2 to 50 (default 10)
  --into-dev <N>       services released into dev at once under GitHub's secondary limit, 1 to 200 (default 100)
  --compare <commit>   also start the bundles of this commit, side by side
  --help               this text`;

const OPTIONS = {
  runs: { type: 'string', check: wholeNumber(1, 1000) },
  quick: { type: 'boolean' },
  'skip-chain': { type: 'boolean' },
  services: { type: 'string', default: '10', check: wholeNumber(2, 50) },
  'into-dev': { type: 'string', default: '100', check: wholeNumber(1, 200) },
  compare: { type: 'string' },
} as const satisfies Record<string, OptionSpec>;

export function parseBenchArgs(argv: string[]): OptionValues<typeof OPTIONS> | 'help' {
  return parseOptions(argv, OPTIONS);
}

async function bench(values: OptionValues<typeof OPTIONS>): Promise<void> {
  const quick = values.quick;
  const runs = Number(values.runs ?? (quick ? 5 : 21));
  const many = Number(values.services);

  const progress = (line: string) => console.error(line);
  const report: BenchReport = { date: new Date().toISOString(), machine: await machine(), runs, skipped: [] };
  progress(`Cold start, ${runs} interleaved runs ...`);
  report.coldStart = await coldStart(runs, values.compare);
  report.bundleSizes = await bundleSizes();
  progress('In-process scaling ...');
  report.scaling = scaling(quick);
  if (values['skip-chain']) {
    report.skipped.push('the sandbox chain and its API requests (--skip-chain)');
  } else {
    // A scenario that fails is reported as such, and the others still run: their figures are not lost.
    const attempt = async (scenario: string, play: () => Promise<void>): Promise<void> => {
      try {
        await play();
      } catch (error) {
        if (error instanceof MissingToolsError) report.skipped.push(`${scenario}: ${error.message}`);
        else (report.failed ??= []).push({ scenario, error: (error as Error).message });
      }
    };
    await attempt('one service', async () => {
      progress('Sandbox chain, one service ...');
      report.scenarios = [await oneServiceChain(progress)];
    });
    if (quick) report.skipped.push(`the burst of ${many} releases at once and the busy days (--quick)`);
    else {
      await attempt(`${many} services released at once`, async () => {
        progress(`Sandbox chain, ${many} services released at once ...`);
        (report.scenarios ??= []).push(await burstOfReleases(many, progress));
      });
      for (const name of ['burst', 'parallel'] as const)
        await attempt(`busy day ${name}`, async () => {
          (report.busyDays ??= []).push(await busyDay(name, progress));
        });
    }
    const intoDev = Number(values['into-dev']);
    if (quick) report.skipped.push(`${intoDev} services released into dev at once (--quick)`);
    else
      await attempt(`${intoDev} services into dev`, async () => {
        progress(
          `Sandbox, ${intoDev} services released into dev at once, under GitHub's secondary limit ...`,
        );
        report.intoDev = await releaseIntoDev({ services: intoDev, progress });
      });
    await attempt('layer cache', async () => {
      progress('Sandbox, one service released twice from an unchanged build context ...');
      report.layerCache = await layerCacheScenario(progress);
    });
  }

  report.machine.load!.after = loadavg()[0]!;
  const text = formatReport(report);
  console.log(text);
  const folder = join(ROOT, 'bench-results');
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${report.date.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nWritten to ${file}`);
  if (report.failed) process.exitCode = 1;
}

if (startedAsProgram(import.meta.url)) {
  let values: OptionValues<typeof OPTIONS> | 'help' | undefined;
  try {
    values = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    process.exitCode = usageFailure('bench', error, USAGE, (line) => console.error(line));
  }
  if (values === 'help') console.log(USAGE);
  else if (values) await bench(values);
}
