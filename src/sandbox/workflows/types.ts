// What a workflow run is given and what it reports: the options of runWorkflow and the result of
// the run, each job and each step, as the demo, the dispatcher and the tests read them.
import type { GitHubStandIn } from '../github/index.js';
import type { RepositoryHost } from '../hosted-repositories.js';
import type { SandboxRepository } from '../workspace.js';
import type { Annotation } from './commands.js';
import type { ConcurrencySettings } from './concurrency.js';
import type { ContextValue } from './expressions.js';
import type { WorkflowProblem } from './parser.js';
import type { ConcurrencyScheduler, RunSlot } from './scheduler.js';
import type { SandboxApp } from './stand-ins.js';

export type TokenMode = 'app' | 'github-token';
export type Status = 'success' | 'failure' | 'skipped' | 'cancelled';
export type Conclusion = 'success' | 'failure' | 'cancelled';

export interface WorkflowEvent {
  name: string;
  payload: Record<string, unknown>;
}

export interface EnvironmentSettings {
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
}

export interface RunWorkflowOptions {
  /** The workflow file (absolute, or relative to the current directory). */
  file: string;
  /** What `./` in `uses:` resolves against; default: the folder holding `.github/workflows/`. */
  root?: string;
  event: WorkflowEvent;
  /**
   * workflow_dispatch: the inputs of the dispatch (merged into `event.payload.inputs`). Any other
   * event: the run is a `workflow_call` from outside, with these inputs.
   */
  inputs?: Record<string, ContextValue>;
  /** Repository secrets. `tokenMode: 'app'` adds PROMOTION_APP_CLIENT_ID / PROMOTION_APP_PRIVATE_KEY. */
  secrets?: Record<string, string>;
  /** Configuration variables (`vars`). */
  vars?: Record<string, string>;
  /** Environment secrets and variables, by environment name (a job's `environment:`). */
  environments?: Record<string, EnvironmentSettings>;
  repository: SandboxRepository;
  /**
   * Every repository the GitHub stand-in hosts, for `uses: owner/repo/...@ref` and `$/...`; the
   * run's `repository` is added when missing. Default: the run's repository alone.
   */
  repositories?: RepositoryHost;
  github: GitHubStandIn;
  tokenMode: TokenMode;
  /** The App `tokenMode: 'app'` configures; default {@link SANDBOX_APP}. */
  app?: SandboxApp;
  /** The runner machine's environment for every step (e.g. buildah's storage settings). */
  env?: Record<string, string>;
  /** GITHUB_SHA when the caller knows it (a dispatch records it); default: resolved from the event. */
  sha?: string;
  runId?: number;
  runNumber?: number;
  /** GitHub's "Re-run": the same run id, event and sha, and the next attempt (default 1). */
  runAttempt?: number;
  /**
   * The repository's concurrency groups, shared by its runs (the dispatcher's), and this run's place
   * in the order of workflow-level entries. Default: a scheduler of this run alone.
   */
  concurrency?: { scheduler: ConcurrencyScheduler; slot?: RunSlot };
  /**
   * The run waits in its workflow-level group (`pending`), then runs (`in_progress`); `runName` is
   * its `run-name:`, evaluated (what GitHub lists as its display title).
   */
  onStatus?: (status: 'pending' | 'in_progress', runName: string) => void;
  /** One line per job and step as they finish, for a live view. */
  onProgress?: (line: string) => void;
  /** Waits out an environment's wait timer (./environments.ts); default: real time. */
  sleep?: (ms: number) => Promise<void>;
}

export interface Condition {
  /** The condition as GitHub evaluates it (with the implicit `success() && (...)`). */
  expression: string;
  value: boolean;
}

export interface StandInRecord {
  /** `promote/update` for a job of a called workflow. */
  job: string;
  step: string;
  uses: string;
  reason: string;
}

export interface StepResult {
  index: number;
  /** The step's `id:`, or GitHub's generated one (`__run`, `__actions_checkout`). */
  id: string;
  name: string;
  kind: 'run' | 'action' | 'stand-in';
  uses?: string;
  if: Condition;
  status: Status;
  outcome: Status;
  /** With values masked. */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  standIn?: StandInRecord;
  annotations: Annotation[];
  /** stdout then stderr, secrets masked. */
  log: string;
  summary: string;
  exitCode?: number;
  error?: string;
  durationMs: number;
}

export interface JobResult {
  /** The job's id in its workflow. */
  id: string;
  /** `promote/update` for a job of a called workflow. */
  path: string;
  name: string;
  /** The workflow file the job is in. */
  file: string;
  status: Status;
  if: Condition;
  needs: string[];
  outputs: Record<string, string>;
  steps: StepResult[];
  environment?: { name: string; deployment: boolean; deploymentId?: number };
  concurrency?: ConcurrencySettings;
  /** For `uses: ./.github/workflows/...`: the call. */
  call?: {
    file: string;
    inputs: Record<string, ContextValue>;
    /** Names only. */
    secrets: string[];
    jobs: JobResult[];
  };
  errors: string[];
  warnings: string[];
  durationMs: number;
}

export interface WorkflowRunResult {
  runId: number;
  runNumber: number;
  runAttempt: number;
  /** The workflow's `name:`. */
  workflow: string;
  /** `.github/workflows/<file>`. */
  file: string;
  /** `run-name:` evaluated (or the workflow name). */
  runName: string;
  event: string;
  action?: string;
  actor: string;
  ref: string;
  sha: string;
  tokenMode: TokenMode;
  /** `cancelled` when a concurrency group or a newer run cancelled the run or one of its jobs. */
  conclusion: Conclusion;
  /** The workflow-level `concurrency:`, evaluated. */
  concurrency?: ConcurrencySettings;
  /** Why the run was cancelled (GitHub's line, e.g. "Canceling since a higher priority ..."). */
  cancelled?: string;
  /** Why the run failed before or outside any step (invalid workflow, wiring mistakes, ...). */
  problems: WorkflowProblem[];
  jobs: JobResult[];
  /** `on.workflow_call.outputs`, evaluated. */
  outputs: Record<string, string>;
  /** Every stood-in step of the run, called workflows included. */
  standIns: StandInRecord[];
  durationMs: number;
}
