/**
 * Runs this repository's real workflow files on one machine.
 *
 * - Workflows are read with GitHub's parser (`@actions/workflow-parser`) and every `${{ }}` is
 *   evaluated with GitHub's expression engine (`@actions/expressions`), with the contexts GitHub
 *   gives at that place (`./contexts.ts`), so a context used where GitHub refuses it fails here.
 * - Jobs follow `needs:` one at a time in dependency order (`./jobs.ts`); a job may call a reusable
 *   workflow (`./reusable-workflows.ts`); steps run for real or as explicit stand-ins
 *   (`./steps.ts`). Every stood-in step is listed in the result with the reason.
 * - Wiring mistakes fail the run before any job starts (`./lint.ts`), as GitHub fails an invalid
 *   workflow file.
 *
 * - A workflow-level `concurrency:` is evaluated once the inputs are known; the run then waits on
 *   its group, or is cancelled there (`./concurrency.ts`, `./scheduler.ts`).
 *
 * This module owns the run itself: the event's ref and sha, the inputs of a dispatch or a call,
 * the secrets, the run name, the workflow's `env:` and `concurrency:`, and the result.
 */
import { mkdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { runProcess } from '../process.js';
import { evaluateConcurrency } from './concurrency.js';
import { CONTEXTS_AT, declaredInputs, githubContext, pick, typeInputs, type Scope } from './contexts.js';
import {
  evaluateStringMap,
  evaluateToken,
  toExpressionData,
  toText,
  type ContextValue,
  type Contexts,
  type ExpressionData,
} from './expressions.js';
import { runJobs } from './jobs.js';
import { calls, checkWiring } from './lint.js';
import { child, formatProblem, type LoadedWorkflow, type WorkflowProblem } from './parser.js';
import { callOutputs } from './reusable-workflows.js';
import { RunState } from './run-state.js';
import type { Entrant, Lease } from './scheduler.js';
import type { JobResult, RunWorkflowOptions, WorkflowRunResult } from './types.js';

/** What the event says GITHUB_REF and GITHUB_SHA are. */
async function refAndSha(options: RunWorkflowOptions): Promise<{ ref: string; sha: string }> {
  const payload = options.event.payload as {
    ref?: string;
    number?: number;
    pull_request?: {
      number?: number;
      merged?: boolean;
      merge_commit_sha?: string | null;
      head?: { sha?: string };
      base?: { ref?: string };
    };
    repository?: { default_branch?: string };
  };
  const resolveSha = async (ref: string): Promise<string> => {
    const result = await runProcess('git', [
      '--git-dir',
      options.repository.origin,
      'rev-parse',
      '--verify',
      '--quiet',
      `${ref}^{commit}`,
    ]);
    if (result.exitCode !== 0) throw new Error(`the event's ref ${ref} is not in the sandbox origin`);
    return result.stdout.trim();
  };
  if (options.event.name === 'pull_request' || options.event.name === 'pull_request_target') {
    const pr = payload.pull_request ?? {};
    // A merged pull request runs on the branch it was merged into (changelog 2023-09-13, "Updates
    // to GITHUB_REF and github.ref"): environment branch policies are checked against that ref.
    const ref =
      pr.merged === true && pr.base?.ref
        ? `refs/heads/${pr.base.ref}`
        : `refs/pull/${pr.number ?? payload.number}/merge`;
    // A merged pull request's merge ref is gone: GITHUB_SHA is the merge commit.
    const sha = options.sha ?? pr.merge_commit_sha ?? pr.head?.sha ?? '';
    return { ref, sha };
  }
  const ref = payload.ref?.startsWith('refs/')
    ? payload.ref
    : `refs/heads/${payload.ref ?? payload.repository?.default_branch ?? 'main'}`;
  return { ref, sha: options.sha ?? (await resolveSha(ref)) };
}

/** Runs one workflow file for one event and reports every job and step. */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowRunResult> {
  const started = Date.now();
  const run = new RunState(options);
  const file = isAbsolute(options.file) ? options.file : resolve(options.file);
  const payload = structuredClone(options.event.payload);
  const { ref, sha } = await refAndSha({ ...options, event: { ...options.event, payload } });
  run.runSource = { repository: run.repoFull, sha };
  const loaded = await run.load(file);
  const sender = (payload['sender'] ?? {}) as { login?: string };
  const actor = sender.login ?? 'octocat';
  const workflowName = child(loaded.document, 'name')?.toString() ?? loaded.file;
  const result: WorkflowRunResult = {
    runId: run.runId,
    runNumber: run.runNumber,
    runAttempt: run.runAttempt,
    workflow: workflowName,
    file: loaded.file,
    runName: workflowName,
    event: options.event.name,
    ...(typeof payload['action'] === 'string' ? { action: payload['action'] } : {}),
    actor,
    ref,
    sha,
    tokenMode: options.tokenMode,
    conclusion: 'failure',
    problems: run.problems,
    jobs: [],
    outputs: {},
    standIns: run.standIns,
    durationMs: 0,
  };
  const slot = options.concurrency?.slot;
  const finish = (): WorkflowRunResult => {
    // A run that never reached its group must not hold up the runs created after it.
    slot?.skip();
    result.durationMs = Date.now() - started;
    run.progress(
      `${result.conclusion === 'success' ? '✓' : result.conclusion === 'cancelled' ? '⊘' : '✗'} ${result.runName} (${result.file}, run ${result.runId}) ${result.conclusion} in ${(result.durationMs / 1000).toFixed(1)}s`,
    );
    for (const problem of result.problems) run.progress(`  ${formatProblem(problem)}`);
    return result;
  };

  // 1. The whole call graph must be valid before anything runs (GitHub: "Invalid workflow file").
  const seen = new Set<string>();
  const check = async (workflow: LoadedWorkflow): Promise<void> => {
    if (seen.has(workflow.path)) return;
    seen.add(workflow.path);
    run.problems.push(...workflow.problems);
    // A workflow of another repository may use `./x` for what its caller checked out: only the
    // job can tell (GitHub fails that step, not the run).
    const foreign = workflow.source?.repository !== run.repoFull;
    run.problems.push(
      ...(await checkWiring(workflow, {
        localAction: async (uses) =>
          (await run.localAction(uses, sha)) ?? (foreign ? 'unchecked' : undefined),
        repositoryAction: (uses) => run.repositoryAction(workflow, uses),
        calledWorkflow: (ref) =>
          run.calledWorkflow(workflow, ref).catch((error: unknown) => String((error as Error).message)),
      })),
    );
    for (const ref of calls(workflow)) {
      const called = await run.calledWorkflow(workflow, ref).catch(() => undefined);
      if (called) await check(called);
    }
  };
  await check(loaded);
  if (run.problems.length > 0) return finish();

  // 2. Inputs: a dispatch's (typed from its strings), or a call's.
  let inputs: Record<string, ContextValue> = {};
  const defaultContexts: Contexts = { github: {}, inputs: {}, vars: options.vars ?? {} };
  const evaluateDefault = (token: TemplateToken): ExpressionData =>
    evaluateToken(token, pick(defaultContexts, CONTEXTS_AT.inputDefault));
  if (options.event.name === 'workflow_dispatch') {
    const declared = declaredInputs(loaded, 'workflow_dispatch');
    if (!declared) {
      run.problems.push(problemAt(loaded, `${loaded.file} has no workflow_dispatch trigger`));
      return finish();
    }
    const given = new Map<string, string>(
      Object.entries({
        ...((payload['inputs'] ?? {}) as Record<string, unknown>),
        ...(options.inputs ?? {}),
      }).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
    const typed = typeInputs(declared, given, evaluateDefault, 'workflow_dispatch');
    if (typed.errors.length > 0) {
      run.problems.push(...typed.errors.map((e) => problemAt(loaded, e)));
      return finish();
    }
    inputs = typed.inputs;
    // github.event.inputs keeps strings, defaults filled in.
    payload['inputs'] = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]),
    );
  } else if (options.inputs) {
    const declared = declaredInputs(loaded, 'workflow_call');
    if (!declared) {
      run.problems.push(
        problemAt(loaded, `${loaded.file} has no workflow_call trigger, but inputs were given`),
      );
      return finish();
    }
    const given = new Map<string, ExpressionData | string>(
      Object.entries(options.inputs).map(([k, v]) => [k, typeof v === 'string' ? v : toExpressionData(v)]),
    );
    const typed = typeInputs(declared, given, evaluateDefault, 'workflow_call');
    if (typed.errors.length > 0) {
      run.problems.push(...typed.errors.map((e) => problemAt(loaded, e)));
      return finish();
    }
    inputs = typed.inputs;
  }

  // 3. Secrets, the run's github context.
  const secrets: Record<string, string> = { ...(options.secrets ?? {}) };
  if (options.tokenMode === 'app') {
    secrets['PROMOTION_APP_CLIENT_ID'] = run.app.clientId;
    secrets['PROMOTION_APP_PRIVATE_KEY'] = run.app.privateKey;
  }
  for (const value of Object.values(secrets)) run.mask(value);
  for (const environment of Object.values(options.environments ?? {})) {
    for (const value of Object.values(environment.secrets ?? {})) run.mask(value);
  }
  const github = githubContext(run, payload, {
    actor,
    ref,
    sha,
    workflow: workflowName,
    file: loaded.file,
  });
  const runToken = run.mintGithubToken();
  github['token'] = runToken;

  const vars = options.vars ?? {};
  const contexts: Contexts = { github, inputs, vars, secrets: { ...secrets, GITHUB_TOKEN: runToken } };
  try {
    result.runName =
      toText(evaluateToken(child(loaded.document, 'run-name'), pick(contexts, CONTEXTS_AT.runName))) ||
      workflowName;
    const workflowEnv = evaluateStringMap(
      child(loaded.document, 'env'),
      pick(contexts, CONTEXTS_AT.workflowEnv),
    );
    const settings = evaluateConcurrency(
      child(loaded.document, 'concurrency'),
      pick(contexts, CONTEXTS_AT.workflowConcurrency),
      `${loaded.file}: concurrency`,
    );
    let lease: Lease | undefined;
    if (settings) {
      result.concurrency = settings;
      const entrant: Entrant = {
        label: `run ${run.runId} (${loaded.file})`,
        level: 'workflow',
        settings,
        onCancel: (reason) => run.cancel(reason),
        onPending: () => options.onStatus?.('pending', result.runName),
      };
      const admission = await (slot ? slot.acquire(entrant) : run.scheduler.acquire(entrant));
      if ('cancelled' in admission) {
        // Cancelled while pending: the run shows as cancelled, with no job started.
        result.conclusion = 'cancelled';
        result.cancelled = admission.cancelled;
        run.progress(`⊘ ${result.runName} (${loaded.file}, run ${run.runId}): ${admission.cancelled}`);
        return finish();
      }
      lease = admission.lease;
      run.workflowGroup = settings.group;
    }
    slot?.skip();
    options.onStatus?.('in_progress', result.runName);
    run.progress(
      `▶ ${result.runName} (${loaded.file}, ${options.event.name}${result.action ? `.${result.action}` : ''} by ${actor}, run ${run.runId}, token mode ${options.tokenMode})`,
    );
    try {
      await mkdir(run.dir, { recursive: true });
      const scope: Scope = {
        loaded,
        github,
        inputs,
        secrets,
        vars,
        workflowEnv,
        prefix: '',
        depth: 0,
        workflowRef: `${run.repoFull}/${loaded.file}@${String(github['ref'])}`,
        permissions: undefined,
      };
      const jobs = await runJobs(run, scope);
      result.jobs = jobs;
      result.outputs = callOutputs(scope, jobs);
      result.conclusion = conclusionOf(jobs, run.cancelled);
      if (run.cancelled) result.cancelled = String(run.signal.reason);
    } finally {
      lease?.release();
    }
  } catch (error) {
    run.problems.push(problemAt(loaded, error instanceof Error ? error.message : String(error), 'runner'));
    result.conclusion = 'failure';
  }
  return finish();
}

/** GitHub's run conclusion: a failed job fails it; else a cancelled run or job cancels it. */
export function conclusionOf(jobs: JobResult[], runCancelled: boolean): WorkflowRunResult['conclusion'] {
  if (jobs.some((job) => job.status === 'failure')) return 'failure';
  if (runCancelled || jobs.some((job) => job.status === 'cancelled')) return 'cancelled';
  return 'success';
}

function problemAt(
  loaded: LoadedWorkflow,
  message: string,
  source: WorkflowProblem['source'] = 'runner',
): WorkflowProblem {
  return { file: loaded.file, line: 0, column: 0, message, source };
}
