// Runs this repository's real workflow files against the sandbox: GitHub's parser and expression
// engine, the committed action bundles, explicit stand-ins for what cannot run here.
export { createWorkflowDispatcher, matchesBranchFilters, workflowMatches } from './dispatcher.js';
export type {
  DispatchedRun,
  EventLogEntry,
  WorkflowDispatcher,
  WorkflowDispatcherOptions,
} from './dispatcher.js';
export { ConcurrencyGroups, MAX_PENDING, seededRandom, shuffled } from './concurrency.js';
export type { ConcurrencySettings, QueueMode } from './concurrency.js';
export { ConcurrencyScheduler } from './scheduler.js';
export type { SchedulerOptions } from './scheduler.js';
export { formatProblem, loadWorkflow } from './parser.js';
export type { LoadedWorkflow, WorkflowProblem } from './parser.js';
export { GITHUB_ACTIONS_BOT } from './run-state.js';
export { runWorkflow } from './workflow-run.js';
export type {
  Conclusion,
  Condition,
  EnvironmentSettings,
  JobResult,
  RunWorkflowOptions,
  StandInRecord,
  Status,
  StepResult,
  TokenMode,
  WorkflowEvent,
  WorkflowRunResult,
} from './types.js';
export { SANDBOX_APP, STAND_INS, appIdentity } from './stand-ins.js';
export type { SandboxApp, StandInAction } from './stand-ins.js';
export { formatRun } from './format.js';
