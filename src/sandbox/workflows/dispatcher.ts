/**
 * GitHub's side of "an event happened": every workflow whose `on:` matches the event starts a run,
 * unless the GITHUB_TOKEN caused the event (then none does; workflow_dispatch excepted, which the
 * stand-in already marks). Runs start at once and run in parallel, as on GitHub ("By default, GitHub
 * Actions allows multiple jobs within the same workflow, multiple workflow runs within the same
 * repository ... to run concurrently", "Control the concurrency of workflows and jobs",
 * https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency);
 * only their concurrency groups make them wait or cancel them (./concurrency.ts, ./scheduler.ts),
 * one scheduler for the repository's runs.
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { EventMeta, GitHubStandIn } from '../github/index.js';
import type { RepositoryHost } from '../hosted-repositories.js';
import type { SandboxRepository } from '../workspace.js';
import { child, loadWorkflow, type LoadedWorkflow } from './parser.js';
import { ConcurrencyScheduler, type SchedulerOptions } from './scheduler.js';
import type { SandboxApp } from './stand-ins.js';
import type { EnvironmentSettings, RunWorkflowOptions, TokenMode, WorkflowRunResult } from './types.js';
import { runWorkflow } from './workflow-run.js';

export interface WorkflowDispatcherOptions {
  repository: SandboxRepository;
  /** Other repositories the stand-in hosts (RunWorkflowOptions.repositories). */
  repositories?: RepositoryHost;
  github: GitHubStandIn;
  tokenMode: TokenMode;
  /** The folder holding the workflow files, e.g. `<repo>/.github/workflows`. */
  workflowsDir: string;
  /** File names the sandbox may start (default: all); the project's own CI is not part of a promotion. */
  workflows?: string[];
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  environments?: Record<string, EnvironmentSettings>;
  app?: SandboxApp;
  /** The runner machine's environment (e.g. the recording kubectl's PATH). */
  env?: Record<string, string>;
  onProgress?: (line: string) => void;
  /**
   * At most this many runs at a time (default: no bound, as GitHub). A bound for a small machine;
   * the runs over it wait in creation order, before their concurrency groups.
   */
  maxParallelRuns?: number;
  /** Concurrency groups: seeded shuffling of job-level arrivals (./scheduler.ts). */
  concurrency?: SchedulerOptions;
}

export interface DispatchedRun {
  runId: number;
  /** 1, or the attempt a re-run made. */
  attempt: number;
  /** `.github/workflows/<file>`. */
  file: string;
  event: string;
  action?: string;
  actor: string;
  /** Set once the run has finished. */
  result?: WorkflowRunResult;
  /** Set when the runner itself threw (not a failed workflow: that is `result.conclusion`). */
  error?: unknown;
  /**
   * GitHub's run status: `queued` until it starts, `pending` while it waits in its concurrency
   * group, `in_progress`, then `completed`.
   */
  status: 'queued' | 'pending' | 'in_progress' | 'completed';
  /** The workflow's `name:` (the file's path when it has none). */
  workflow: string;
  /** Its `run-name:` once evaluated (GitHub's display title). */
  runName?: string;
  /** What the run list shows as head_branch and head_sha: the PR's head, or the dispatched ref. */
  headBranch: string | null;
  headSha: string;
  createdAt: string;
  updatedAt: string;
}

export interface EventLogEntry {
  event: string;
  action?: string;
  actor: string;
  triggersWorkflows: boolean;
  /** Runs the event started (their run ids and files). */
  started: { runId: number; file: string }[];
  /** Why nothing started, when nothing did. */
  note?: string;
}

export interface WorkflowDispatcher {
  /** Every run started, in start order. */
  readonly runs: DispatchedRun[];
  /** Every event the stand-in emitted and what it started. */
  readonly log: EventLogEntry[];
  /** Resolves when the stand-in is idle and no run is queued or running. */
  idle(): Promise<void>;
  /**
   * Plays "Re-run all jobs" on a finished run: the same run id, event and sha as the first attempt,
   * whatever the default branch holds now. Resolves with the new attempt once it has finished.
   */
  rerun(runId: number): Promise<DispatchedRun>;
  /** Runs that finished with conclusion failure or threw. */
  failures(): DispatchedRun[];
  /** The repository's concurrency groups (their log tells who ran, waited or was cancelled). */
  readonly scheduler: ConcurrencyScheduler;
  /** Stops listening (queued runs still finish). */
  dispose(): void;
}

/** GitHub's branch filter globs: `*` (no slash), `**` (anything), `?`, `!` negation, last match wins. */
export function matchesBranchFilters(branch: string, patterns: string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    const source = glob
      .split(/(\*\*|\*|\?)/)
      .map((part) =>
        part === '**'
          ? '.*'
          : part === '*'
            ? '[^/]*'
            : part === '?'
              ? '[^/]'
              : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    if (new RegExp(`^${source}$`).test(branch)) matched = !negated;
  }
  return matched;
}

const DEFAULT_PULL_REQUEST_TYPES = ['opened', 'synchronize', 'reopened'];

/** Whether a workflow's `on:` starts a run for this event. */
export function workflowMatches(
  loaded: LoadedWorkflow,
  name: string,
  payload: Record<string, unknown>,
): boolean {
  const events = loaded.template.events ?? {};
  if (name === 'workflow_dispatch') {
    // GitHub checked the trigger when it accepted the dispatch; a file that no longer parses still
    // gets its run, which then fails with the parser's findings ("Invalid workflow file").
    return payload['workflow'] === loaded.file && (name in events || loaded.problems.length > 0);
  }
  if (!(name in events)) return false;
  if (name === 'pull_request' || name === 'pull_request_target') {
    const filter = (events[name] ?? {}) as {
      types?: string[];
      branches?: string[];
      'branches-ignore'?: string[];
      paths?: string[];
      'paths-ignore'?: string[];
    };
    if (filter.paths || filter['paths-ignore']) {
      throw new Error(`${loaded.file}: on.${name}.paths filters are not supported by the sandbox dispatcher`);
    }
    const action = String(payload['action'] ?? '');
    if (!(filter.types ?? DEFAULT_PULL_REQUEST_TYPES).includes(action)) return false;
    const base = String(((payload['pull_request'] ?? {}) as { base?: { ref?: string } }).base?.ref ?? '');
    if (filter.branches && !matchesBranchFilters(base, filter.branches)) return false;
    if (filter['branches-ignore'] && matchesBranchFilters(base, filter['branches-ignore'])) return false;
    return true;
  }
  throw new Error(`${loaded.file}: the sandbox dispatcher does not start workflows on '${name}' events`);
}

/** The head branch and commit GitHub lists a run under: the PR's head, else the pushed or dispatched ref. */
function headOf(
  event: string,
  payload: Record<string, unknown>,
  dispatch: { ref: string; sha: string } | undefined,
): { headBranch: string | null; headSha: string } {
  const pr = payload['pull_request'] as { head?: { ref?: string; sha?: string } } | undefined;
  if (event.startsWith('pull_request') && pr?.head)
    return { headBranch: pr.head.ref ?? null, headSha: pr.head.sha ?? '' };
  const ref = dispatch?.ref ?? (typeof payload['ref'] === 'string' ? payload['ref'] : '');
  return { headBranch: ref.replace(/^refs\/(heads|tags)\//, '') || null, headSha: dispatch?.sha ?? '' };
}

export function createWorkflowDispatcher(options: WorkflowDispatcherOptions): WorkflowDispatcher {
  const runs: DispatchedRun[] = [];
  const log: EventLogEntry[] = [];
  const startedWith = new Map<DispatchedRun, RunWorkflowOptions>();
  const scheduler = new ConcurrencyScheduler(options.concurrency);
  const active = new Set<Promise<void>>();
  const waiting: (() => void)[] = [];
  let running = 0;
  const limit = options.maxParallelRuns ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 1)) throw new Error(`maxParallelRuns must be 1 or more, not ${String(limit)}`);
  // Events are handled one after the other, in the order the stand-in emitted them.
  let handling: Promise<void> = Promise.resolve();
  let pendingEvents = 0;
  let nextRunId = 9_000_000_001;
  let disposed = false;
  const previous = options.github.hooks.onEvent;
  const workflowsDir = resolve(options.workflowsDir);

  const files = (): string[] =>
    readdirSync(workflowsDir)
      .filter((name) => /\.ya?ml$/.test(name) && (!options.workflows || options.workflows.includes(name)))
      .sort()
      .map((name) => join(workflowsDir, name));

  /** What the stand-in's run list (`GET .../actions/runs`) shows for the run now. */
  const publish = (run: DispatchedRun): void => {
    run.updatedAt = new Date().toISOString();
    options.github.recordWorkflowRun({
      id: run.runId,
      runNumber: startedWith.get(run)?.runNumber ?? 1,
      attempt: run.attempt,
      name: run.workflow,
      displayTitle: run.result?.runName ?? run.runName ?? run.workflow,
      path: run.file,
      event: run.event,
      status: run.status,
      conclusion: run.status !== 'completed' ? null : (run.result?.conclusion ?? 'failure'),
      headBranch: run.headBranch,
      headSha: run.headSha || (run.result?.sha ?? ''),
      actor: { login: run.actor, type: run.actor.endsWith('[bot]') ? 'Bot' : 'User' },
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
    });
  };

  /** Starts a run now (in parallel with the others), or once a place frees up under the bound. */
  const start = (run: DispatchedRun, runOptions: RunWorkflowOptions): void => {
    startedWith.set(run, runOptions);
    publish(run);
    // The run's place among workflow-level groups is taken now, in creation order.
    const slot = scheduler.reserve();
    const work = (async () => {
      if (running >= limit) await new Promise<void>((resolveTurn) => waiting.push(resolveTurn));
      running++;
      try {
        run.result = await runWorkflow({
          ...runOptions,
          concurrency: { scheduler, slot },
          onStatus: (status, runName) => {
            run.status = status;
            run.runName = runName;
            publish(run);
          },
        });
      } catch (error) {
        slot.skip();
        run.error = error;
        options.onProgress?.(`✗ run ${run.runId} (${run.file}) threw: ${String(error)}`);
      } finally {
        running--;
        run.status = 'completed';
        publish(run);
        waiting.shift()?.();
      }
    })();
    active.add(work);
    void work.finally(() => active.delete(work));
  };

  const onEvent = async (name: string, payload: Record<string, unknown>, meta: EventMeta): Promise<void> => {
    const entry: EventLogEntry = {
      event: name,
      ...(typeof payload['action'] === 'string' ? { action: payload['action'] } : {}),
      actor: meta.actor.login,
      triggersWorkflows: meta.triggersWorkflows,
      started: [],
    };
    log.push(entry);
    if (disposed) {
      entry.note = 'dispatcher disposed';
      return;
    }
    if (!meta.triggersWorkflows) {
      entry.note = `caused by GITHUB_TOKEN (${meta.actor.login}): GitHub starts no workflow run for it`;
      options.onProgress?.(
        `· ${name}${entry.action ? `.${entry.action}` : ''} by ${meta.actor.login}: ${entry.note}`,
      );
      return;
    }
    const snapshot = payload;
    const matching: { file: string; workflow: string }[] = [];
    for (const file of files()) {
      const loaded = await loadWorkflow(file);
      if (workflowMatches(loaded, name, snapshot))
        matching.push({ file, workflow: child(loaded.document, 'name')?.toString() ?? loaded.file });
    }
    if (matching.length === 0) {
      entry.note = 'no workflow matches';
      return;
    }
    const head = headOf(
      name,
      snapshot,
      options.github.dispatches.find((d) => d.runId === meta.workflowRunId),
    );
    for (const { file, workflow } of matching) {
      const runId = meta.workflowRunId ?? nextRunId++;
      const now = new Date().toISOString();
      const run: DispatchedRun = {
        runId,
        attempt: 1,
        status: 'queued',
        createdAt: now,
        updatedAt: now,
        workflow,
        ...head,
        file: relative(resolve(workflowsDir, '..', '..'), file)
          .split(sep)
          .join('/'),
        event: name,
        ...(entry.action ? { action: entry.action } : {}),
        actor: meta.actor.login,
      };
      runs.push(run);
      entry.started.push({ runId, file: run.file });
      const dispatch = options.github.dispatches.find((d) => d.runId === meta.workflowRunId);
      start(run, {
        file,
        event: { name, payload: snapshot },
        repository: options.repository,
        github: options.github,
        tokenMode: options.tokenMode,
        runId,
        runNumber: runs.filter((r) => r.file === run.file).length,
        ...(dispatch ? { sha: dispatch.sha } : {}),
        ...(options.repositories ? { repositories: options.repositories } : {}),
        ...(options.secrets ? { secrets: options.secrets } : {}),
        ...(options.vars ? { vars: options.vars } : {}),
        ...(options.environments ? { environments: options.environments } : {}),
        ...(options.app ? { app: options.app } : {}),
        ...(options.env ? { env: options.env } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    }
  };

  const idle = async (): Promise<void> => {
    for (;;) {
      await options.github.idle();
      await handling;
      if (active.size > 0) {
        await Promise.all(active);
        continue;
      }
      // A request still in flight may emit an event after the stand-in looked idle: settle once more.
      await new Promise((resolveTick) => setTimeout(resolveTick, 10));
      await options.github.idle();
      if (active.size === 0 && pendingEvents === 0) return;
    }
  };

  options.github.hooks.onEvent = (name, payload, meta) => {
    const previousResult = previous?.(name, payload, meta);
    if (previousResult instanceof Promise) previousResult.catch(() => undefined);
    // Snapshot the payload now: later changes to the pull request must not leak into the run.
    const snapshot = structuredClone(payload);
    pendingEvents++;
    handling = handling
      .then(() => onEvent(name, snapshot, meta))
      .catch((error: unknown) => {
        options.onProgress?.(`✗ ${name} event could not be dispatched: ${String(error)}`);
        log.push({
          event: name,
          actor: meta.actor.login,
          triggersWorkflows: meta.triggersWorkflows,
          started: [],
          note: `dispatch error: ${String(error)}`,
        });
      })
      .finally(() => {
        pendingEvents--;
      });
    return handling;
  };

  return {
    runs,
    log,
    scheduler,
    idle,
    async rerun(runId) {
      const attempts = runs.filter((run) => run.runId === runId);
      const last = attempts.at(-1);
      const first = attempts[0] && startedWith.get(attempts[0]);
      if (!last || !first || (!last.result && !last.error))
        throw new Error(`run ${runId} has not finished: only a finished run can be re-run`);
      const now = new Date().toISOString();
      const run: DispatchedRun = {
        ...last,
        attempt: last.attempt + 1,
        status: 'queued',
        createdAt: now,
        updatedAt: now,
      };
      delete run.result;
      delete run.error;
      runs.push(run);
      const sha = attempts[0]!.result?.sha;
      start(run, { ...first, runAttempt: run.attempt, ...(sha ? { sha } : {}) });
      await idle();
      return run;
    },
    failures() {
      return runs.filter((run) => run.error !== undefined || run.result?.conclusion === 'failure');
    },
    dispose() {
      disposed = true;
      options.github.hooks.onEvent = previous;
    },
  };
}
