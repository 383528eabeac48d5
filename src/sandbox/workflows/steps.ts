// The steps of a job, run as GitHub's runner runs them: `if:` with the status functions, `env:`,
// then the step itself, and `continue-on-error:`. A `run:` script runs for real with
// `bash --noprofile --norc -eo pipefail`; `uses: $/actions/<name>` (or `./`, see ./uses.ts) runs the
// committed JavaScript bundle (../run-action.ts); a third-party action runs as its stand-in (./stand-ins.ts), and `gh`
// on PATH is one too (./gh.ts). What a step writes to GITHUB_ENV, GITHUB_PATH and GITHUB_OUTPUT
// reaches the steps after it.
import type { DeclaredPermissions } from './job-identity.js';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Step } from '@actions/workflow-parser/model/workflow-template';
import type {
  MappingToken,
  ScalarToken,
  TemplateToken,
} from '@actions/workflow-parser/templates/tokens/index';
import { runProcess } from '../process.js';
import { runAction } from '../run-action.js';
import { createStepFiles, readCommands, readStepFiles, type StepFiles } from './commands.js';
import { CONTEXTS_AT, pick } from './contexts.js';
import { evaluateExpression, evaluateStringMap, evaluateToken, isTruthy, toText } from './expressions.js';
import type { ContextValue, Contexts, StatusFunctions } from './expressions.js';
import { child } from './parser.js';
import type { RunState } from './run-state.js';
import { STAND_INS, actionName } from './stand-ins.js';
import type { JobResult, StepResult } from './types.js';

type Outcome = 'success' | 'failure';

const RAW_STEP_KEYS_SUPPORTED = new Set([
  'id',
  'name',
  'if',
  'uses',
  'run',
  'with',
  'env',
  'continue-on-error',
  'timeout-minutes',
  'shell',
  'working-directory',
]);

/** What the steps of one job share, and what each step leaves for the next. */
export interface JobState {
  readonly run: RunState;
  /** The job's result: each step's record is added to its `steps`. */
  readonly result: JobResult;
  /** The job's `github` context: the run's, with the job's `job`, `token` and `workspace`. */
  readonly github: Record<string, ContextValue>;
  /** What every step's contexts start from: the job's `github`, `vars`, `secrets`, `needs`, ... */
  readonly contexts: Contexts;
  readonly runner: ContextValue;
  /** The job's GITHUB_TOKEN. */
  readonly token: string;
  /** What the token may do (`permissions:` in effect; undefined: the repository's default). */
  readonly permissions: DeclaredPermissions | undefined;
  /** `job_workflow_ref`: the workflow file the job is defined in, at its ref. */
  readonly workflowRef: string;
  readonly workspace: string;
  readonly temp: string;
  /** The folders of the job's actions from repositories (`$/x`, `owner/repo/x@ref`), by `uses`. */
  readonly actions: ReadonlyMap<string, string>;
  /** Where the gh stand-in logs each call, one JSON line each. */
  readonly ghLog: string;
  /** `defaults.run` of the job, else of the workflow. */
  readonly defaultShell: string | undefined;
  readonly defaultDirectory: string | undefined;
  /** The runner machine's environment (RunWorkflowOptions.env), and its PATH. */
  readonly machineEnv: Record<string, string>;
  readonly basePath: string;
  /** The `env` context: the workflow's and the job's `env:`, then what steps wrote to GITHUB_ENV. */
  env: Record<string, string>;
  /** PATH entries in front of `basePath`, the latest GITHUB_PATH additions first. */
  readonly pathPrefix: string[];
  /** The `steps` context. */
  readonly steps: Record<string, ContextValue>;
  status: Outcome;
  /** Aborts when the job is cancelled: the running step's processes are stopped. */
  readonly signal?: AbortSignal;
}

/** A step about to run: its record, the files it may write, its environment and contexts. */
interface StepRun {
  record: StepResult;
  index: number;
  rawStep: TemplateToken | undefined;
  files: StepFiles;
  processEnv: Record<string, string>;
  stepContexts: Contexts;
  /**
   * The job's cancellation, for a step its `if:` let start before it: the step's processes stop when
   * it lands, even before they start. A step that runs after it (`always()`) has none.
   */
  stopOn?: AbortSignal;
}

/** Runs one step of the job, or skips it; its record joins the job's result. */
export async function runStep(
  job: JobState,
  step: Step,
  rawStep: TemplateToken | undefined,
  index: number,
): Promise<void> {
  const { run, result } = job;
  for (const key of rawStep?.templateTokenType === 2 ? [...(rawStep as MappingToken)] : []) {
    if (!RAW_STEP_KEYS_SUPPORTED.has(key.key.toString())) {
      throw new Error(
        `step ${index + 1} of ${result.path}: '${key.key.toString()}' is not supported by the sandbox runner`,
      );
    }
  }
  const started = Date.now();
  const jobContext: ContextValue = { status: job.status, container: {}, services: {} };
  const contexts: Contexts = {
    ...job.contexts,
    job: jobContext,
    runner: job.runner,
    env: job.env,
    steps: job.steps,
  };
  // After a cancellation only `always()` and `cancelled()` steps run (GitHub's status functions).
  const statusFns: StatusFunctions = {
    success: () => job.status === 'success' && !job.signal?.aborted,
    failure: () => job.status === 'failure',
    cancelled: () => job.signal?.aborted === true,
  };
  const stepId = step.id;
  const uses = 'uses' in step ? step.uses.value : undefined;
  const condition = 'if' in step && step.if ? step.if.expression : 'success()';
  const record: StepResult = {
    index,
    id: stepId,
    name: uses ? `Run ${uses}` : 'Run',
    kind:
      'run' in step ? 'run' : uses?.startsWith('./') || job.actions.has(uses ?? '') ? 'action' : 'stand-in',
    ...(uses ? { uses } : {}),
    if: { expression: condition, value: false },
    status: 'skipped',
    outcome: 'skipped',
    inputs: {},
    outputs: {},
    annotations: [],
    log: '',
    summary: '',
    durationMs: 0,
  };
  result.steps.push(record);
  try {
    const displayName = step.name ? toText(evaluateToken(step.name, pick(contexts, CONTEXTS_AT.step))) : '';
    if ('run' in step && !displayName) {
      const script = step.run.templateTokenType === 0 ? step.run.toString() : '';
      record.name = `Run ${script.split('\n')[0] ?? ''}`.trim();
    }
    if (displayName) record.name = displayName;
    record.if.value = isTruthy(evaluateExpression(condition, pick(contexts, CONTEXTS_AT.stepIf), statusFns));
  } catch (error) {
    record.status = record.outcome = 'failure';
    record.error = run.masked(error instanceof Error ? error.message : String(error));
    job.status = 'failure';
    return;
  }
  const stopOn = job.signal && !job.signal.aborted ? job.signal : undefined;
  if (!record.if.value) {
    if (stepId && !stepId.startsWith('__'))
      job.steps[stepId] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
    run.progress(`      - ${record.name}: skipped (if: ${condition})`);
    return;
  }

  const files = await createStepFiles(job.temp, `step-${index + 1}`);
  let outcome: Outcome = 'success';
  try {
    const stepEnvValues = evaluateStringMap(
      'env' in step ? step.env : undefined,
      pick(contexts, CONTEXTS_AT.step),
    );
    const stepEnv = { ...job.env, ...stepEnvValues };
    const stepContexts: Contexts = { ...contexts, env: stepEnv };
    const processEnv: Record<string, string> = {
      HOME: process.env.HOME ?? '/root',
      LANG: process.env.LANG ?? 'C.UTF-8',
      ...job.machineEnv,
      ...stepEnv,
      ...defaultVariables(job, stepId, files),
      PATH: [...job.pathPrefix, job.basePath].filter(Boolean).join(delimiter),
    };
    const stepRun: StepRun = {
      record,
      index,
      rawStep,
      files,
      processEnv,
      stepContexts,
      ...(stopOn ? { stopOn } : {}),
    };
    if ('run' in step) outcome = await runScript(job, stepRun, step.run);
    else if (uses?.startsWith('./')) outcome = await runLocalAction(job, stepRun, uses);
    else if (uses && job.actions.has(uses))
      outcome = await runJavaScriptAction(job, stepRun, uses, job.actions.get(uses)!);
    else if (uses) outcome = await runStandIn(job, stepRun, uses);
  } catch (error) {
    outcome = 'failure';
    record.error = run.masked(error instanceof Error ? error.message : String(error));
  }
  record.outcome = outcome;
  let continueOnError = false;
  const continueToken = child(rawStep, 'continue-on-error');
  if (continueToken)
    continueOnError = isTruthy(evaluateToken(continueToken, pick(contexts, CONTEXTS_AT.step)));
  record.status = outcome === 'failure' && continueOnError ? 'success' : outcome;
  if (record.status === 'failure') job.status = 'failure';
  if (stepId && !stepId.startsWith('__')) {
    job.steps[stepId] = { outputs: record.outputs, outcome, conclusion: record.status };
  }
  record.durationMs = Date.now() - started;
  const mark = record.status === 'success' ? '✓' : '✗';
  run.progress(
    `      ${mark} ${record.name}${record.standIn ? ' [stood in]' : ''} (${(record.durationMs / 1000).toFixed(1)}s)${record.error ? `: ${record.error}` : ''}`,
  );
}

/** The variables GitHub's runner sets for every step (GITHUB_*, RUNNER_*), and the gh stand-in's. */
function defaultVariables(job: JobState, stepId: string, files: StepFiles): Record<string, string> {
  const { run, github } = job;
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: stepId.startsWith('__') ? stepId.replace(/^__/, '') : stepId,
    GITHUB_ACTOR: String(github['actor']),
    GITHUB_ACTOR_ID: String(github['actor_id']),
    GITHUB_API_URL: run.options.github.url,
    GITHUB_BASE_REF: String(github['base_ref']),
    GITHUB_ENV: files.env,
    GITHUB_EVENT_NAME: String(github['event_name']),
    GITHUB_GRAPHQL_URL: String(github['graphql_url']),
    GITHUB_HEAD_REF: String(github['head_ref']),
    GITHUB_JOB: String(github['job']),
    GITHUB_PATH: files.path,
    GITHUB_REF: String(github['ref']),
    GITHUB_REF_NAME: String(github['ref_name']),
    GITHUB_REF_PROTECTED: 'false',
    GITHUB_REF_TYPE: String(github['ref_type']),
    GITHUB_REPOSITORY: run.repoFull,
    GITHUB_REPOSITORY_ID: String(github['repository_id']),
    GITHUB_REPOSITORY_OWNER: run.options.repository.owner,
    GITHUB_REPOSITORY_OWNER_ID: String(github['repository_owner_id']),
    GITHUB_RETENTION_DAYS: '90',
    GITHUB_RUN_ATTEMPT: String(run.runAttempt),
    GITHUB_RUN_ID: String(run.runId),
    GITHUB_RUN_NUMBER: String(run.runNumber),
    GITHUB_SERVER_URL: run.options.github.htmlUrl,
    GITHUB_SHA: String(github['sha']),
    GITHUB_TRIGGERING_ACTOR: String(github['triggering_actor']),
    GITHUB_WORKFLOW: String(github['workflow']),
    GITHUB_WORKFLOW_REF: String(github['workflow_ref']),
    GITHUB_WORKFLOW_SHA: String(github['workflow_sha']),
    GITHUB_WORKSPACE: job.workspace,
    RUNNER_ARCH: 'X64',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_NAME: 'sandbox-runner',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: job.temp,
    RUNNER_TOOL_CACHE: join(job.temp, '_tool'),
    // For the gh stand-in only (a real gh finds the API from GH_HOST).
    GH_STANDIN_API_URL: run.options.github.url,
    GH_STANDIN_LOG: job.ghLog,
  };
}

/** A `run:` script, with bash; the gh calls it made are listed as stand-ins. */
async function runScript(job: JobState, stepRun: StepRun, runToken: ScalarToken): Promise<Outcome> {
  const { record, index, rawStep, files, processEnv, stepContexts } = stepRun;
  const { run, temp, workspace } = job;
  const ghCallsBefore = await ghCallCount(job);
  const script = toText(evaluateToken(runToken, pick(stepContexts, CONTEXTS_AT.step)));
  const shell = child(rawStep, 'shell')?.toString() ?? job.defaultShell ?? 'bash';
  if (shell !== 'bash') throw new Error(`shell: ${shell} is not supported by the sandbox runner (bash only)`);
  const directory = child(rawStep, 'working-directory')?.toString() ?? job.defaultDirectory;
  const cwd = directory ? resolve(workspace, directory) : workspace;
  const scriptFile = join(temp, `step-${index + 1}.sh`);
  await writeFile(scriptFile, script);
  const processResult = await runProcess('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], {
    cwd,
    env: { ...processEnv, GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary },
    ...(stepRun.stopOn ? { signal: stepRun.stopOn } : {}),
  });
  record.exitCode = processResult.exitCode;
  const commands = readCommands(processResult.stdout);
  commands.masks.forEach((m) => run.mask(m));
  record.annotations = commands.annotations;
  record.log = run.masked(`${processResult.stdout}${processResult.stderr}`);
  const written = await readStepFiles(files);
  record.outputs = written.outputs;
  record.summary = run.masked(written.summary);
  job.env = { ...job.env, ...written.env };
  job.pathPrefix.unshift(...written.path.reverse());
  if (processResult.exitCode !== 0) {
    record.error = `Process completed with exit code ${processResult.exitCode}.`;
  }
  await recordGhCalls(job, record, ghCallsBefore, 'the script ran for real', 'gh (run:)');
  return processResult.exitCode === 0 ? 'success' : 'failure';
}

async function ghCallCount(job: JobState): Promise<number> {
  return existsSync(job.ghLog) ? (await readFile(job.ghLog, 'utf8')).split('\n').filter(Boolean).length : 0;
}

/** Lists a step that called gh (a script, or an action through its process) as stood in for. */
async function recordGhCalls(
  job: JobState,
  record: StepResult,
  before: number,
  what: string,
  uses: string,
): Promise<void> {
  const calls = existsSync(job.ghLog)
    ? (await readFile(job.ghLog, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .slice(before)
        .map((line) => JSON.parse(line) as { argv: string[] })
    : [];
  if (calls.length === 0) return;
  record.standIn = {
    job: job.result.path,
    step: record.name,
    uses,
    reason:
      `${what}, but gh needs github.com: the gh on PATH is the sandbox stand-in, ` +
      `which sent ${calls.map((c) => `gh ${c.argv.join(' ')}`).join('; ')} to the GitHub stand-in's REST API`,
  };
  job.run.standIns.push(record.standIn);
}

/**
 * `uses: ./actions/<name>`: the action in the job's workspace, whatever was checked out there (in a
 * called workflow: the caller's checkout; docs "Finding and customizing actions").
 */
async function runLocalAction(job: JobState, stepRun: StepRun, uses: string): Promise<Outcome> {
  const actionDir = resolve(job.workspace, uses);
  if (!existsSync(join(actionDir, 'action.yml'))) {
    stepRun.record.inputs = maskValues(
      job.run,
      evaluateStringMap(child(stepRun.rawStep, 'with'), pick(stepRun.stepContexts, CONTEXTS_AT.step)),
    );
    throw new Error(
      `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${actionDir}'. ` +
        `Did you forget to run actions/checkout before running your local action?`,
    );
  }
  return runJavaScriptAction(job, stepRun, uses, actionDir);
}

/** A JavaScript action from its folder (the workspace's, or a repository's at a ref), with the runner protocol. */
async function runJavaScriptAction(
  job: JobState,
  stepRun: StepRun,
  uses: string,
  actionDir: string,
): Promise<Outcome> {
  const { record, rawStep, files, processEnv, stepContexts } = stepRun;
  const { run, github, token, workspace } = job;
  const { options } = run;
  const inputs = evaluateStringMap(child(rawStep, 'with'), pick(stepContexts, CONTEXTS_AT.step));
  record.inputs = maskValues(run, inputs);
  const metadataFile = ['action.yml', 'action.yaml']
    .map((name) => join(actionDir, name))
    .find((file) => existsSync(file))!;
  const metadata = parseYaml(await readFile(metadataFile, 'utf8')) as {
    inputs?: Record<string, { default?: unknown } | null>;
    runs?: { using?: string };
  };
  if (!/^node\d+$/.test(metadata.runs?.using ?? '')) {
    throw new Error(`${uses} runs with '${metadata.runs?.using}': the sandbox runs JavaScript actions only`);
  }
  const declared = Object.keys(metadata.inputs ?? {});
  const unexpected = Object.keys(inputs).filter(
    (name) => !declared.some((d) => d.toLowerCase() === name.toLowerCase()),
  );
  if (unexpected.length > 0) {
    throw new Error(
      `Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${declared.join("', '")}']`,
    );
  }
  // Defaults of the inputs not given, evaluated like the runner does (`${{ github.token }}`, ...).
  const all: Record<string, string> = {};
  for (const name of declared) {
    const givenName = Object.keys(inputs).find((key) => key.toLowerCase() === name.toLowerCase());
    if (givenName !== undefined) all[name] = inputs[givenName]!;
    else
      all[name] = evaluateTemplateString(
        String(metadata.inputs?.[name]?.default ?? ''),
        pick(stepContexts, CONTEXTS_AT.actionDefault),
      );
  }
  const { GITHUB_ENV, GITHUB_PATH, ...rest } = processEnv;
  const ghCallsBefore = await ghCallCount(job);
  const actionRun = await runAction({
    action: actionDir,
    inputs: all,
    workspace,
    repository: run.repoFull,
    token,
    apiUrl: options.github.url,
    serverUrl: options.github.htmlUrl,
    eventName: String(github['event_name']),
    event: github['event'],
    env: { ...rest, GITHUB_ENV: GITHUB_ENV!, GITHUB_PATH: GITHUB_PATH!, GITHUB_ACTION_PATH: actionDir },
    ...(stepRun.stopOn ? { signal: stepRun.stopOn } : {}),
  });
  record.exitCode = actionRun.exitCode;
  const commands = readCommands(actionRun.stdout);
  commands.masks.forEach((m) => run.mask(m));
  record.annotations = actionRun.annotations;
  record.log = run.masked(`${actionRun.stdout}${actionRun.stderr}`);
  record.outputs = actionRun.outputs;
  record.summary = run.masked(actionRun.summary);
  const written = await readStepFiles(files);
  job.env = { ...job.env, ...written.env };
  job.pathPrefix.unshift(...written.path.reverse());
  await recordGhCalls(job, record, ghCallsBefore, `${uses} ran for real`, `gh (${uses})`);
  if (actionRun.exitCode === 0) return 'success';
  record.error = `${uses} exited with code ${actionRun.exitCode}`;
  return 'failure';
}

/** A third-party action: its stand-in, or a failure when there is none. */
async function runStandIn(job: JobState, stepRun: StepRun, uses: string): Promise<Outcome> {
  const { record, rawStep, stepContexts } = stepRun;
  const { run, github, token, workspace, temp, permissions, workflowRef } = job;
  const { options } = run;
  const standIn = STAND_INS[actionName(uses)];
  if (!standIn)
    throw new Error(`${uses}: no stand-in for this third-party action; it cannot run in the sandbox`);
  const inputs = evaluateStringMap(child(rawStep, 'with'), pick(stepContexts, CONTEXTS_AT.step));
  record.inputs = maskValues(run, inputs);
  const outcomeOf = await standIn.run({
    inputs,
    workspace,
    repository: options.repository,
    host: run.host,
    github: options.github,
    app: run.app,
    run: {
      repository: run.repoFull,
      ref: String(github['ref']),
      sha: String(github['sha']),
      token,
      permissions,
      workflowRef,
      github,
    },
    temp,
    serverUrl: String(github['server_url']),
    mask: (value) => run.mask(value),
    env: stepRun.processEnv,
    earlierSteps: job.result.steps.filter((step) => step !== record),
  });
  record.outputs = outcomeOf.outputs;
  record.log = run.masked(outcomeOf.log);
  record.standIn = { job: job.result.path, step: record.name, uses, reason: outcomeOf.reason };
  run.standIns.push(record.standIn);
  if (!outcomeOf.failure) return 'success';
  record.error = run.masked(outcomeOf.failure);
  return 'failure';
}

function maskValues(run: RunState, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, run.masked(v)]));
}

/** `text ${{ expr }} text` as the runner evaluates action.yml defaults. */
function evaluateTemplateString(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    toText(evaluateExpression(expression.trim(), contexts)),
  );
}
