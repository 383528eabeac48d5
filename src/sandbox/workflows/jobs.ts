// The jobs of a workflow, one at a time in `needs:` order, as GitHub runs them: `if:` with the
// status functions over every ancestor job, `name:`, then either a call of a reusable workflow
// (./reusable-workflows.ts) or a job on the sandbox's runner: its `environment:` (secrets,
// variables, and the deployment GitHub Actions records), `concurrency:` (the job waits on its group,
// or is cancelled there: ./concurrency.ts), a GITHUB_TOKEN and a workspace of its own, its steps
// (./steps.ts) and its outputs. A cancelled run starts no further job and stops its running one
// before its next step.
import { jobPermissions } from './job-identity.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Job, ReusableWorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import type { SequenceToken } from '@actions/workflow-parser/templates/tokens/index';
import { evaluateConcurrency, groupKey, type ConcurrencySettings } from './concurrency.js';
import { CONTEXTS_AT, STRATEGY, pick, runnerContext, type Scope } from './contexts.js';
import { evaluateExpression, evaluateStringMap, evaluateToken, isTruthy, toText } from './expressions.js';
import type { ContextValue, Contexts, StatusFunctions } from './expressions.js';
import { passEnvironmentRules } from './environments.js';
import { MARK } from './format.js';
import { installGhStandIn } from './gh.js';
import { child, jobDocument, type LoadedWorkflow } from './parser.js';
import { callOutputs, callScope } from './reusable-workflows.js';
import { GITHUB_ACTIONS_BOT, type RunState } from './run-state.js';
import type { Admission, Lease } from './scheduler.js';
import { runStep, type JobState } from './steps.js';
import type { JobResult } from './types.js';

/** Dependency order, keeping the file's order among jobs that are ready. */
function jobOrder(loaded: LoadedWorkflow): (Job | ReusableWorkflowJob)[] {
  const pending = [...(loaded.template.jobs ?? [])];
  const done = new Set<string>();
  const order: (Job | ReusableWorkflowJob)[] = [];
  while (pending.length > 0) {
    const index = pending.findIndex((job) => (job.needs ?? []).every((need) => done.has(need.value)));
    if (index < 0) throw new Error(`jobs ${pending.map((j) => j.id.value).join(', ')} wait on each other`);
    const [job] = pending.splice(index, 1);
    order.push(job!);
    done.add(job!.id.value);
  }
  return order;
}

/** Runs the jobs of one workflow (the run's, or a called one) and reports each. */
export async function runJobs(run: RunState, scope: Scope): Promise<JobResult[]> {
  const results = new Map<string, JobResult>();
  const all = new Map((scope.loaded.template.jobs ?? []).map((job) => [job.id.value, job]));
  const ancestors = (id: string, into = new Set<string>()): Set<string> => {
    for (const need of all.get(id)?.needs ?? []) {
      if (!into.has(need.value)) {
        into.add(need.value);
        ancestors(need.value, into);
      }
    }
    return into;
  };
  for (const job of jobOrder(scope.loaded)) {
    const id = job.id.value;
    const needs = (job.needs ?? []).map((n) => n.value);
    const needsContext: Record<string, ContextValue> = {};
    for (const need of needs) {
      const done = results.get(need)!;
      needsContext[need] = { result: done.status, outputs: done.outputs };
    }
    // Job-level status functions look at every ancestor job (GitHub skips a job whose ancestor was skipped).
    const before = [...ancestors(id)].map((a) => results.get(a)!.status);
    const status: StatusFunctions = {
      success: () => !run.cancelled && before.every((s) => s === 'success'),
      failure: () => before.some((s) => s === 'failure'),
      cancelled: () => run.cancelled,
    };
    const contexts: Contexts = {
      github: scope.github,
      needs: needsContext,
      vars: scope.vars,
      inputs: scope.inputs,
      strategy: STRATEGY,
      matrix: {},
      secrets: scope.secrets,
    };
    const path = `${scope.prefix}${id}`;
    const started = Date.now();
    const base: JobResult = {
      id,
      path,
      name: id,
      file: scope.loaded.file,
      status: 'skipped',
      if: { expression: job.if.expression, value: false },
      needs,
      outputs: {},
      steps: [],
      errors: [],
      warnings: [],
      durationMs: 0,
    };
    let result: JobResult;
    try {
      base.if.value = isTruthy(
        evaluateExpression(job.if.expression, pick(contexts, CONTEXTS_AT.jobIf), status),
      );
      const name = job.name ? toText(evaluateToken(job.name, pick(contexts, CONTEXTS_AT.jobName))) : id;
      base.name = name || id;
      if (!base.if.value) {
        // In a cancelled run, a job that does not ask to run anyway (`always()`) is cancelled.
        if (run.cancelled) base.status = 'cancelled';
        result = base;
      } else if (job.type === 'reusableWorkflowJob') {
        result = await runCall(run, scope, job as ReusableWorkflowJob, contexts, base);
      } else {
        result = await runJobInGroup(run, scope, job as Job, contexts, base);
      }
    } catch (error) {
      base.status = 'failure';
      base.errors.push(run.masked(error instanceof Error ? error.message : String(error)));
      result = base;
    }
    result.durationMs = Date.now() - started;
    results.set(id, result);
    const mark = MARK[result.status];
    run.progress(
      `  ${mark} job ${path} "${result.name}" ${result.status}${result.status === 'skipped' ? ` (if: ${result.if.expression})` : ` in ${(result.durationMs / 1000).toFixed(1)}s`}`,
    );
    for (const error of result.errors) run.progress(`      error: ${error}`);
  }
  return [...results.values()];
}

/**
 * A job's group: entered, or cancelled with why. The top-level workflow's own group is refused as
 * GitHub refuses it: the job would wait for the run that waits for it.
 */
function enterGroup(
  run: RunState,
  settings: ConcurrencySettings,
  path: string,
  onCancel: (reason: string) => void,
): Promise<Admission> {
  if (run.workflowGroup !== undefined && groupKey(run.workflowGroup) === groupKey(settings.group)) {
    return Promise.resolve({
      cancelled: `Canceling since a deadlock for concurrency group '${settings.group}' was detected between 'top level workflow' and '${path}'`,
    });
  }
  return run.scheduler.acquire({
    label: `run ${run.runId} job ${path}`,
    level: 'job',
    settings,
    onCancel,
    signal: run.signal,
  });
}

/**
 * A job that calls a reusable workflow: the called workflow's jobs run as its children, once the
 * call's group (`jobs.<id>.concurrency`) and the called workflow's own `concurrency:` let it.
 * (Gap: a newer call with `cancel-in-progress: true` does not stop a call that already runs.)
 */
async function runCall(
  run: RunState,
  scope: Scope,
  job: ReusableWorkflowJob,
  contexts: Contexts,
  result: JobResult,
): Promise<JobResult> {
  const called = await callScope(run, scope, job, contexts, result);
  if (!called) return result;
  const groups = [
    evaluateConcurrency(
      child(jobDocument(scope.loaded, job.id.value), 'concurrency'),
      pick(contexts, CONTEXTS_AT.jobConcurrency),
      `jobs.${job.id.value}.concurrency`,
    ),
    evaluateConcurrency(
      child(called.loaded.document, 'concurrency'),
      pick(
        { github: called.github, inputs: called.inputs, vars: called.vars },
        CONTEXTS_AT.workflowConcurrency,
      ),
      `${called.loaded.file}: concurrency`,
    ),
  ].filter((settings): settings is ConcurrencySettings => settings !== undefined);
  const leases: (() => void)[] = [];
  const releaseAll = (): void => leases.splice(0).forEach((release) => release());
  for (const settings of groups) {
    result.concurrency ??= settings;
    const admission = await enterGroup(run, settings, result.path, (reason) =>
      run.progress(`  ⊘ job ${result.path}: ${reason} (the sandbox lets a running call finish)`),
    );
    if ('cancelled' in admission) {
      releaseAll();
      result.status = 'cancelled';
      result.errors.push(admission.cancelled);
      return result;
    }
    leases.push(() => admission.lease.release());
  }
  run.progress(`  ↳ job ${result.path} calls ${called.loaded.file}`);
  let jobs: JobResult[];
  try {
    jobs = await runJobs(run, called);
  } finally {
    releaseAll();
  }
  result.call = {
    file: called.loaded.file,
    inputs: called.inputs,
    secrets: Object.keys(called.secrets).sort(),
    jobs,
  };
  result.outputs = callOutputs(called, jobs);
  result.status = jobs.some((j) => j.status === 'failure')
    ? 'failure'
    : jobs.some((j) => j.status === 'cancelled')
      ? 'cancelled'
      : 'success';
  return result;
}

/**
 * A job on the sandbox's runner, once its group lets it (`jobs.<id>.concurrency`): cancelled there,
 * or while it runs by its group's newcomer (`cancel-in-progress`) or with its run.
 */
async function runJobInGroup(
  run: RunState,
  scope: Scope,
  job: Job,
  jobContexts: Contexts,
  result: JobResult,
): Promise<JobResult> {
  const cancellation = new AbortController();
  const cancelJob = (reason: string): void => {
    if (!cancellation.signal.aborted) cancellation.abort(reason);
  };
  // GitHub re-evaluates a running job's `if:` when its run is cancelled: `always()` keeps it running.
  const onRunCancelled = (): void => {
    const keepsRunning = isTruthy(
      evaluateExpression(result.if.expression, pick(jobContexts, CONTEXTS_AT.jobIf), {
        success: () => false,
        failure: () => false,
        cancelled: () => true,
      }),
    );
    if (!keepsRunning) cancelJob(String(run.signal.reason));
  };
  run.signal.addEventListener('abort', onRunCancelled, { once: true });
  let lease: Lease | undefined;
  try {
    const settings = evaluateConcurrency(
      child(jobDocument(scope.loaded, job.id.value), 'concurrency'),
      pick(jobContexts, CONTEXTS_AT.jobConcurrency),
      `jobs.${job.id.value}.concurrency`,
    );
    if (settings) {
      result.concurrency = settings;
      const admission = await enterGroup(run, settings, result.path, cancelJob);
      if ('cancelled' in admission) {
        result.status = 'cancelled';
        result.errors.push(admission.cancelled);
        return result;
      }
      lease = admission.lease;
    }
    return await runJob(run, scope, job, jobContexts, result, cancellation.signal);
  } finally {
    run.signal.removeEventListener('abort', onRunCancelled);
    lease?.release();
  }
}

/** A job on the sandbox's runner. */
async function runJob(
  run: RunState,
  scope: Scope,
  job: Job,
  jobContexts: Contexts,
  result: JobResult,
  signal: AbortSignal,
): Promise<JobResult> {
  const { options } = run;
  const raw = jobDocument(scope.loaded, job.id.value);
  for (const key of ['strategy', 'container', 'services']) {
    if (child(raw, key))
      throw new Error(`jobs.${job.id.value}.${key} is not supported by the sandbox runner`);
  }
  // Set up job: the runner downloads every action that lives in a repository first; one that does
  // not resolve fails the job before any step runs.
  const actions = await run.jobActions(
    scope.loaded,
    (job.steps ?? []).flatMap((step) => ('uses' in step ? [step.uses.value] : [])),
  );
  const defaultsRun =
    child(child(raw, 'defaults'), 'run') ?? child(child(scope.loaded.document, 'defaults'), 'run');
  const defaultShell = child(defaultsRun, 'shell')?.toString();
  const defaultDirectory = child(defaultsRun, 'working-directory')?.toString();

  // Environment: its secrets and variables join the job's; GitHub records a deployment unless told not to.
  let secrets: Record<string, string> = { ...scope.secrets };
  let vars: Record<string, string> = { ...scope.vars };
  const environmentToken = job.environment;
  if (environmentToken) {
    const contexts = pick(jobContexts, CONTEXTS_AT.jobEnvironment);
    const nameToken =
      environmentToken.templateTokenType === 2 ? child(environmentToken, 'name') : environmentToken;
    const name = toText(evaluateToken(nameToken, contexts));
    // `deployment:` (default true) may be an expression, e.g. `${{ github.ref_name == 'main' }}`.
    const deploymentToken = child(environmentToken, 'deployment');
    const deployment = deploymentToken ? isTruthy(evaluateToken(deploymentToken, contexts)) : true;
    const settings = options.environments?.[name] ?? {};
    secrets = { ...secrets, ...(settings.secrets ?? {}) };
    vars = { ...vars, ...(settings.vars ?? {}) };
    result.environment = { name, deployment };
    const refused = await passEnvironmentRules(name, {
      github: options.github,
      runId: run.runId,
      ref: String(scope.github['ref']),
      actor: String(scope.github['triggering_actor'] ?? scope.github['actor']),
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      progress: (line) => run.progress(line),
    });
    if (refused) {
      result.status = 'failure';
      result.errors.push(refused);
      return result;
    }
  }
  const permissions = jobPermissions(raw, scope.loaded.document, scope.permissions);
  const token = run.mintGithubToken(permissions);
  const { workspace, temp } = run.nextJobDir(result.path);
  await mkdir(workspace, { recursive: true });
  await mkdir(temp, { recursive: true });
  const binDir = join(temp, '_bin');
  await installGhStandIn(binDir);
  const ghLog = join(temp, 'gh-stand-in.jsonl');
  const github: Record<string, ContextValue> = { ...scope.github, job: job.id.value, token, workspace };
  const secretsContext = { ...secrets, GITHUB_TOKEN: token };
  const base: Contexts = { ...jobContexts, github, vars, secrets: secretsContext };
  const env = {
    ...scope.workflowEnv,
    ...evaluateStringMap(job.env, pick({ ...base }, CONTEXTS_AT.jobEnv)),
  };

  // What GitHub Actions itself records for `environment:` (the Environments panel).
  let deploymentId: number | undefined;
  if (result.environment?.deployment) {
    const ref = String(github['ref']).startsWith('refs/heads/')
      ? String(github['ref_name'])
      : String(github['sha']);
    deploymentId = await options.github.recordEnvironmentDeployment(result.environment.name, {
      ref,
      creator: GITHUB_ACTIONS_BOT,
    });
    result.environment.deploymentId = deploymentId;
    await options.github.recordEnvironmentDeploymentStatus(deploymentId, 'in_progress', {
      creator: GITHUB_ACTIONS_BOT,
      logUrl: `${options.github.htmlUrl}/${run.repoFull}/actions/runs/${run.runId}`,
    });
  }

  const rawSteps = child(raw, 'steps');
  const rawList = rawSteps?.templateTokenType === 1 ? [...(rawSteps as SequenceToken)] : [];
  const machineEnv = { ...(options.env ?? {}) };
  const basePath = machineEnv['PATH'] ?? process.env.PATH ?? '';

  const state: JobState = {
    run,
    result,
    github,
    contexts: base,
    runner: runnerContext(temp),
    token,
    permissions,
    workflowRef: scope.workflowRef,
    workspace,
    temp,
    actions,
    ghLog,
    defaultShell,
    defaultDirectory,
    machineEnv,
    basePath,
    env,
    pathPrefix: [binDir],
    steps: {},
    status: 'success',
    signal,
  };
  for (const [index, step] of (job.steps ?? []).entries()) {
    const abortedBefore = signal.aborted;
    await runStep(state, step, rawList[index], index);
    const record = result.steps.at(-1);
    if (!abortedBefore && signal.aborted && record?.status === 'failure') {
      // Stopped by the cancellation, not failed on its own: GitHub shows it cancelled.
      record.status = record.outcome = 'cancelled';
      record.error = 'The operation was canceled.';
    }
  }

  // Job outputs: evaluated after the steps; one that may hold a secret is dropped, as GitHub does.
  const outputContexts: Contexts = {
    ...base,
    job: { status: state.status, container: {}, services: {} },
    runner: state.runner,
    env: state.env,
    steps: state.steps,
  };
  const outputs = evaluateStringMap(job.outputs, pick(outputContexts, CONTEXTS_AT.jobOutputs));
  for (const [name, value] of Object.entries(outputs)) {
    if (value !== '' && run.masked(value) !== value) {
      result.warnings.push(`Skip output '${name}' since it may contain secret.`);
      continue;
    }
    result.outputs[name] = value;
  }
  result.status = signal.aborted ? 'cancelled' : state.status;
  if (signal.aborted) result.errors.push(String(signal.reason));
  if (deploymentId !== undefined) {
    await options.github.recordEnvironmentDeploymentStatus(
      deploymentId,
      result.status === 'success' ? 'success' : 'failure',
      {
        creator: GITHUB_ACTIONS_BOT,
        logUrl: `${options.github.htmlUrl}/${run.repoFull}/actions/runs/${run.runId}`,
      },
    );
  }
  return result;
}
