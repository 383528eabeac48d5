// `npm run demo [-- --service <name> --version <v> --token-mode app|github-token]`: the whole
// dev -> uat -> prod promotion on this machine, driven by the repository's real workflow files.
// `--scenario burst|parallel|failed-dev` plays one of the busy days of ../sandbox/scenarios.ts instead.
import { quoted } from '../core/errors.js';
import { nameProblem } from '../core/names.js';
import { versionProblem } from '../core/version.js';
import {
  parseOptions,
  startedAsProgram,
  usageFailure,
  wholeNumber,
  type OptionSpec,
  type OptionValues,
} from './args.js';
import { aptInstall, thisMachine, toolPlan, type ToolPlan } from '../sandbox/apt.js';
import {
  checkTools,
  MissingToolsError,
  playPromotion,
  startSandbox,
  type DemoResult,
} from '../sandbox/demo.js';
import {
  playScenario,
  SCENARIOS,
  SCENARIO_TITLES,
  type ScenarioName,
  type ScenarioReport,
} from '../sandbox/scenarios.js';

/** What a scenario leaves: the tables, every run with its conclusion, the PRs, and the invariant. */
export function scenarioReport(report: ScenarioReport): string {
  const lines = ['', 'What runs where (from the overlays on main):', '', report.table, ''];
  lines.push(...clusterLines(report.clusters));
  lines.push('', 'Pull requests:', ...report.pulls.map((pull) => `  ${pull}`));
  lines.push('', 'Workflow runs (the Actions tab, oldest first):');
  for (const run of report.runs)
    lines.push(
      `  ${run.conclusion.padEnd(9)} ${run.file}: ${run.runName} (${run.event})${run.cancelled ? `: ${run.cancelled}` : ''}`,
    );
  lines.push(
    '',
    `Scenario ${report.name} in ${report.seconds.toFixed(1)} s, ${report.apiRequests} GitHub API requests`,
  );
  if (report.problems.length > 0) lines.push('', ...report.problems.map((problem) => `  ✗ ${problem}`));
  lines.push('', report.verdict);
  return lines.join('\n');
}

function clusterLines(clusters: Record<string, string[]>): string[] {
  const lines = ['What each cluster runs (kubectl get deployments --all-namespaces):'];
  for (const [environment, running] of Object.entries(clusters))
    for (const line of running.length > 0 ? running : ['(nothing)'])
      // The digest cut to 12 characters, as the table above shows it.
      lines.push(`  ${environment.padEnd(6)} ${line.replace(/@(sha256:[0-9a-f]{12})[0-9a-f]+/, '@$1')}`);
  return lines;
}

function report(result: DemoResult, tokenMode: string): string {
  const lines = ['', 'What runs where (from the overlays on main):', '', result.table, ''];
  lines.push(...clusterLines(result.clusters));
  lines.push('', 'Pull requests:');
  for (const pull of result.pulls)
    lines.push(
      `  #${pull.number} ${pull.state.padEnd(6)} ${pull.title}${pull.mergedBy ? ` (merged by ${pull.mergedBy})` : ''}`,
    );
  lines.push('', 'Workflow runs:');
  for (const run of result.runs) lines.push(`  ${run.conclusion.padEnd(7)} ${run.file} (${run.event})`);
  lines.push('', 'Steps of docs/process.md, with the time and the GitHub API requests of each phase:');
  for (const step of result.steps)
    lines.push(
      `  ${step.process.padEnd(6)} ${step.seconds.toFixed(1).padStart(5)} s  ${String(step.apiRequests).padStart(3)} requests  ${step.title}`,
    );
  const total = result.steps.reduce((sum, step) => sum + step.seconds, 0);
  lines.push(
    `  ${'all'.padEnd(6)} ${total.toFixed(1).padStart(5)} s  ${String(result.apiRequests).padStart(3)} requests  (token mode: ${tokenMode})`,
  );
  lines.push('', 'Stood in (cannot run on this machine):');
  for (const standIn of result.standIns) lines.push(`  - ${standIn}`);
  lines.push('', result.repositories);
  return lines.join('\n');
}

/** What to do about the tools checkTools finds missing on this machine. */
async function missingTools(): Promise<ToolPlan> {
  try {
    await checkTools();
    return { action: 'none' };
  } catch (error) {
    if (!(error instanceof MissingToolsError)) throw error;
    return toolPlan(
      error.missing.map((tool) => tool.debianPackage),
      thisMachine(),
    );
  }
}

export const USAGE = `usage: npm run demo -- [options]

Plays the whole promotion, dev -> uat -> prod, on an embedded sandbox.

options:
  --service <name>                 the service to release (default orders)
  --version <version>              the version to release (default 1.6.0)
  --token-mode app|github-token    the token the workflows get (default app)
  --scenario <name>                play a busy day instead, and check the invariant:
${SCENARIOS.map((name) => `                                     ${name}: ${SCENARIO_TITLES[name]}`).join('\n')}
  --seed <N>                       shuffle job-level concurrency arrivals with this seed (default 1)
  --queue single|max               how many jobs wait in each of the suite's concurrency groups: one,
                                   as GHES allows and the suite ships (default), or github.com's max
  --verbose                        print what the sandbox does
  --help                           this text

Missing buildah or docker-registry (or git, kubectl) are installed with apt-get when the demo runs
as root on Debian; anywhere else it prints the command to run.

exit status: 0 done; 1 the promotion failed or a scenario broke the invariant; 2 usage error, or a
tool is missing that it cannot install`;

const OPTIONS = {
  service: { type: 'string', default: 'orders', check: (value: string) => nameProblem(value) },
  version: { type: 'string', default: '1.6.0', check: (value: string) => versionProblem(value) },
  'token-mode': {
    type: 'string',
    default: 'app',
    check: (value: string) =>
      value === 'app' || value === 'github-token' ? undefined : `${quoted(value)} is not app or github-token`,
  },
  scenario: {
    type: 'string',
    check: (value: string) =>
      (SCENARIOS as readonly string[]).includes(value)
        ? undefined
        : `${quoted(value)} is not a scenario: use ${SCENARIOS.join(', ')}`,
  },
  seed: { type: 'string', default: '1', check: wholeNumber(0, 2 ** 31 - 1) },
  queue: {
    type: 'string',
    default: 'single',
    check: (value: string) =>
      value === 'single' || value === 'max' ? undefined : `${quoted(value)} is not single or max`,
  },
  verbose: { type: 'boolean' },
} as const satisfies Record<string, OptionSpec>;

export function parseDemoArgs(argv: string[]): OptionValues<typeof OPTIONS> | 'help' {
  return parseOptions(argv, OPTIONS);
}

async function demo(argv: string[]): Promise<number> {
  let values: OptionValues<typeof OPTIONS> | 'help';
  try {
    values = parseDemoArgs(argv);
  } catch (error) {
    return usageFailure('demo', error, USAGE, (line) => console.error(line));
  }
  if (values === 'help') {
    console.log(USAGE);
    return 0;
  }
  const tokenMode = values['token-mode'] as 'app' | 'github-token';
  let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
  try {
    const missing = await missingTools();
    if (missing.action === 'print') {
      console.error(missing.say);
      return 2;
    }
    if (missing.action === 'install') {
      console.log(missing.say);
      await aptInstall(missing.packages);
    }
    console.log(
      `Sandbox: GitHub stand-in, a Kubernetes API stand-in per environment, local registry, buildah, real git, kustomize and kubectl; token mode ${tokenMode}`,
    );
    sandbox = await startSandbox({
      tokenMode,
      concurrency: { shuffle: { seed: Number(values.seed) } },
      queue: values.queue as 'single' | 'max',
      ...(values.verbose ? { onProgress: (line: string) => console.log(`      ${line}`) } : {}),
    });
    if (values.scenario) {
      const played = await playScenario(sandbox, values.scenario as ScenarioName, (line) =>
        console.log(line),
      );
      console.log(scenarioReport(played));
      return played.problems.length === 0 ? 0 : 1;
    }
    const result = await playPromotion(sandbox, {
      service: values.service,
      version: values.version,
      log: (line) => console.log(line),
    });
    console.log(report(result, tokenMode));
    return 0;
  } catch (error) {
    console.error(
      error instanceof MissingToolsError || !(error instanceof Error)
        ? String(error instanceof Error ? error.message : error)
        : (error.stack ?? error.message),
    );
    return 1;
  } finally {
    await sandbox?.dispose();
  }
}

if (startedAsProgram(import.meta.url)) process.exitCode = await demo(process.argv.slice(2));
