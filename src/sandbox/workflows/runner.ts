/**
 * Runs this repository's real workflow files on one machine.
 *
 * - Workflows are read with GitHub's parser (`@actions/workflow-parser`) and every `${{ }}` is
 *   evaluated with GitHub's expression engine (`@actions/expressions`), with the contexts GitHub
 *   gives at that place (see `CONTEXTS_AT`), so a context used where GitHub refuses it fails here.
 * - Jobs follow `needs:` one at a time in dependency order; `if:` with the status functions;
 *   job outputs; `jobs.<id>.uses: ./.github/workflows/x.yaml` with `with:`/`secrets:` evaluated,
 *   checked and typed against the called workflow's declarations, and its `on.workflow_call.outputs`.
 * - Steps: `uses: ./actions/<name>` runs the committed bundle with the runner protocol
 *   (`../run-action.ts`); `run:` runs for real with `bash --noprofile --norc -eo pipefail`;
 *   third-party actions run as explicit stand-ins (`./stand-ins.ts`); `gh` on PATH is a stand-in
 *   (`./gh.ts`). Every stood-in step is listed in the result with the reason.
 * - Wiring mistakes fail the run before any job starts (`./lint.ts`), as GitHub fails an invalid
 *   workflow file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Job, ReusableWorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import type {
  MappingToken,
  SequenceToken,
  TemplateToken,
} from '@actions/workflow-parser/templates/tokens/index';
import type { GitHubStandIn, Identity } from '../github/index.js';
import { runProcess } from '../process.js';
import { runAction } from '../run-action.js';
import type { SandboxRepository } from '../workspace.js';
import {
  createStepFiles,
  maskText,
  masksOf,
  readCommands,
  readStepFiles,
  type Annotation,
} from './commands.js';
import {
  evaluateExpression,
  evaluateStringMap,
  evaluateToken,
  fromExpressionData,
  isTruthy,
  toExpressionData,
  toText,
  type ContextValue,
  type Contexts,
  type ExpressionData,
  type StatusFunctions,
} from './expressions.js';
import { installGhStandIn } from './gh.js';
import { checkWiring, localCalls, type ActionMetadata } from './lint.js';
import {
  child,
  formatProblem,
  jobDocument,
  loadWorkflow,
  repositoryRootOf,
  type LoadedWorkflow,
  type WorkflowProblem,
} from './parser.js';
import { SANDBOX_APP, STAND_INS, actionName, type SandboxApp } from './stand-ins.js';

export type TokenMode = 'app' | 'github-token';
export type Status = 'success' | 'failure' | 'skipped';

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
  github: GitHubStandIn;
  tokenMode: TokenMode;
  /** The App `tokenMode: 'app'` configures; default {@link SANDBOX_APP}. */
  app?: SandboxApp;
  /** The runner machine's environment for every step (e.g. the recording kubectl's PATH). */
  env?: Record<string, string>;
  /** GITHUB_SHA when the caller knows it (a dispatch records it); default: resolved from the event. */
  sha?: string;
  runId?: number;
  runNumber?: number;
  /** GitHub's "Re-run": the same run id, event and sha, and the next attempt (default 1). */
  runAttempt?: number;
  /** One line per job and step as they finish, for a live view. */
  onProgress?: (line: string) => void;
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
  concurrency?: { group: string; cancelInProgress: boolean };
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
  conclusion: 'success' | 'failure';
  /** Why the run failed before or outside any step (invalid workflow, wiring mistakes, ...). */
  problems: WorkflowProblem[];
  jobs: JobResult[];
  /** `on.workflow_call.outputs`, evaluated. */
  outputs: Record<string, string>;
  /** Every stood-in step of the run, called workflows included. */
  standIns: StandInRecord[];
  durationMs: number;
}

export const GITHUB_ACTIONS_BOT: Identity = {
  login: 'github-actions[bot]',
  type: 'Bot',
  isGithubToken: true,
};

/** Contexts GitHub makes available at each place (docs: "Context availability"). */
const CONTEXTS_AT = {
  runName: ['github', 'inputs', 'vars'],
  workflowEnv: ['github', 'secrets', 'inputs', 'vars'],
  inputDefault: ['github', 'inputs', 'vars'],
  jobIf: ['github', 'needs', 'vars', 'inputs'],
  jobName: ['github', 'needs', 'strategy', 'matrix', 'vars', 'inputs'],
  jobEnv: ['github', 'needs', 'strategy', 'matrix', 'vars', 'secrets', 'inputs'],
  jobEnvironment: ['github', 'needs', 'strategy', 'matrix', 'vars', 'inputs'],
  jobConcurrency: ['github', 'needs', 'strategy', 'matrix', 'vars', 'inputs'],
  jobOutputs: [
    'github',
    'needs',
    'strategy',
    'matrix',
    'job',
    'runner',
    'env',
    'vars',
    'secrets',
    'steps',
    'inputs',
  ],
  stepIf: ['github', 'needs', 'strategy', 'matrix', 'job', 'runner', 'env', 'vars', 'steps', 'inputs'],
  step: [
    'github',
    'needs',
    'strategy',
    'matrix',
    'job',
    'runner',
    'env',
    'vars',
    'secrets',
    'steps',
    'inputs',
  ],
  callWith: ['github', 'needs', 'strategy', 'matrix', 'inputs', 'vars'],
  callSecrets: ['github', 'needs', 'strategy', 'matrix', 'secrets', 'inputs', 'vars'],
  callOutputs: ['github', 'jobs', 'vars', 'inputs'],
  actionDefault: ['github', 'strategy', 'matrix', 'job', 'runner', 'env', 'vars', 'steps', 'inputs'],
} as const;

function pick(all: Contexts, names: readonly string[]): Contexts {
  return Object.fromEntries(names.map((name) => [name, all[name] ?? null]));
}

const STRATEGY: ContextValue = { 'fail-fast': true, 'job-index': 0, 'job-total': 1, 'max-parallel': 1 };
/** GitHub's limit for nested reusable workflows on github.com (GHES: 4). */
const MAX_CALL_DEPTH = 10;

interface InputDeclaration {
  type: string;
  required: boolean;
  default: TemplateToken | undefined;
  options: string[];
}

/** Inputs a workflow declares for one trigger, read from the document (the model drops `number`). */
function declaredInputs(loaded: LoadedWorkflow, trigger: string): Map<string, InputDeclaration> | undefined {
  const on = child(loaded.document, 'on');
  const config = child(on, trigger);
  const declared = new Map<string, InputDeclaration>();
  const inputs = child(config, 'inputs');
  const triggered =
    config !== undefined ||
    (on?.templateTokenType === 0 && on.toString() === trigger) ||
    (on?.templateTokenType === 1 && [...(on as SequenceToken)].some((t) => t.toString() === trigger));
  if (!triggered) return undefined;
  if (inputs?.templateTokenType !== 2) return declared;
  for (const pair of inputs as MappingToken) {
    const spec = pair.value;
    const options = child(spec, 'options');
    declared.set(pair.key.toString(), {
      type: child(spec, 'type')?.toString() ?? 'string',
      required: child(spec, 'required')?.toString() === 'true',
      default: child(spec, 'default'),
      options:
        options?.templateTokenType === 1 ? [...(options as SequenceToken)].map((t) => t.toString()) : [],
    });
  }
  return declared;
}

/**
 * Types inputs as GitHub does for `workflow_call` (and for `inputs` of a dispatch): boolean and
 * number inputs take their type (a string 'true' or '3' is converted), strings take the text.
 */
function typeInputs(
  declared: Map<string, InputDeclaration>,
  given: Map<string, ExpressionData | string>,
  evaluateDefault: (token: TemplateToken) => ExpressionData,
  where: string,
): { inputs: Record<string, ContextValue>; errors: string[] } {
  const errors: string[] = [];
  const inputs: Record<string, ContextValue> = {};
  const lowerDeclared = new Map([...declared].map(([name, spec]) => [name.toLowerCase(), { name, spec }]));
  for (const name of given.keys()) {
    if (!lowerDeclared.has(name.toLowerCase())) {
      errors.push(
        `${where}: input '${name}' is not defined in the workflow (inputs: ${[...declared.keys()].join(', ')})`,
      );
    }
  }
  const givenLower = new Map([...given].map(([name, value]) => [name.toLowerCase(), value]));
  for (const [name, spec] of declared) {
    let value: ExpressionData | string | undefined = givenLower.get(name.toLowerCase());
    if (value === undefined) {
      if (spec.required) {
        errors.push(`${where}: input '${name}' is required, but not provided`);
        continue;
      }
      if (spec.default) value = evaluateDefault(spec.default);
    }
    const plain: ContextValue =
      value === undefined ? null : typeof value === 'string' ? value : fromExpressionData(value);
    switch (spec.type) {
      case 'boolean':
        if (plain === null) inputs[name] = false;
        else if (typeof plain === 'boolean') inputs[name] = plain;
        else if (typeof plain === 'string' && /^(true|false)$/i.test(plain))
          inputs[name] = plain.toLowerCase() === 'true';
        else errors.push(`${where}: input '${name}' is a boolean, got ${JSON.stringify(plain)}`);
        break;
      case 'number':
        if (plain === null) inputs[name] = 0;
        else if (typeof plain === 'number') inputs[name] = plain;
        else if (typeof plain === 'string' && plain.trim() !== '' && !Number.isNaN(Number(plain)))
          inputs[name] = Number(plain);
        else errors.push(`${where}: input '${name}' is a number, got ${JSON.stringify(plain)}`);
        break;
      default: {
        const text = plain === null ? '' : typeof plain === 'object' ? JSON.stringify(plain) : String(plain);
        if (spec.type === 'choice' && text !== '' && !spec.options.includes(text)) {
          errors.push(`${where}: input '${name}' must be one of ${spec.options.join(', ')}, got '${text}'`);
        }
        inputs[name] = text;
      }
    }
  }
  return { inputs, errors };
}

interface Scope {
  loaded: LoadedWorkflow;
  github: Record<string, ContextValue>;
  inputs: Record<string, ContextValue>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  workflowEnv: Record<string, string>;
  /** `promote/` for the jobs of a workflow called by job `promote`. */
  prefix: string;
  depth: number;
}

class Run {
  readonly masks = new Set<string>();
  readonly standIns: StandInRecord[] = [];
  readonly problems: WorkflowProblem[] = [];
  private readonly workflows = new Map<string, Promise<LoadedWorkflow>>();
  private readonly actionMetadata = new Map<string, Promise<ActionMetadata | undefined>>();
  readonly app: SandboxApp;
  readonly runId: number;
  readonly runNumber: number;
  readonly runAttempt: number;
  readonly dir: string;
  readonly repoFull: string;
  private jobCount = 0;

  constructor(readonly options: RunWorkflowOptions) {
    this.app = options.app ?? SANDBOX_APP;
    this.runId = options.runId ?? Math.floor(Date.now() / 1000) * 10 + Math.floor(Math.random() * 10);
    this.runNumber = options.runNumber ?? 1;
    this.runAttempt = options.runAttempt ?? 1;
    this.dir = join(
      options.repository.root,
      this.runAttempt === 1 ? `run-${this.runId}` : `run-${this.runId}-attempt-${this.runAttempt}`,
    );
    this.repoFull = `${options.repository.owner}/${options.repository.repo}`;
  }

  progress(line: string): void {
    this.options.onProgress?.(line);
  }

  mask(value: string | undefined): void {
    for (const m of masksOf(value ?? '')) this.masks.add(m);
  }

  masked(text: string): string {
    return maskText(text, this.masks);
  }

  load(path: string): Promise<LoadedWorkflow> {
    let loaded = this.workflows.get(path);
    if (!loaded) {
      loaded = loadWorkflow(path, this.options.root ?? repositoryRootOf(this.options.file));
      this.workflows.set(path, loaded);
    }
    return loaded;
  }

  /** action.yml of a local action as committed at the run's SHA (what checkout will give the job). */
  localAction(uses: string, sha: string): Promise<ActionMetadata | undefined> {
    const key = `${sha}:${uses}`;
    let metadata = this.actionMetadata.get(key);
    if (!metadata) {
      metadata = (async () => {
        const dir = uses.replace(/^\.\//, '').replace(/\/$/, '');
        for (const name of ['action.yml', 'action.yaml']) {
          const shown = await runProcess('git', [
            '--git-dir',
            this.options.repository.origin,
            'show',
            `${sha}:${dir}/${name}`,
          ]);
          if (shown.exitCode === 0) return actionMetadataOf(shown.stdout);
        }
        return undefined;
      })();
      this.actionMetadata.set(key, metadata);
    }
    return metadata;
  }

  /** A new GITHUB_TOKEN (one per job, as GitHub mints one per job), known to the stand-in. */
  mintGithubToken(): string {
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    this.options.github.registerToken(token, GITHUB_ACTIONS_BOT);
    this.mask(token);
    return token;
  }

  nextJobDir(path: string): { workspace: string; temp: string } {
    const safe = `${++this.jobCount}-${path.replace(/[^A-Za-z0-9_.-]+/g, '-')}`;
    return { workspace: join(this.dir, safe), temp: join(this.dir, `${safe}.temp`) };
  }
}

function actionMetadataOf(text: string): ActionMetadata {
  const doc = (parseYaml(text) ?? {}) as {
    inputs?: Record<string, { required?: boolean; default?: unknown } | null>;
    outputs?: Record<string, unknown>;
    runs?: { using?: string };
  };
  return {
    inputs: Object.fromEntries(
      Object.entries(doc.inputs ?? {}).map(([name, spec]) => [
        name,
        { required: spec?.required === true, hasDefault: spec?.default !== undefined },
      ]),
    ),
    outputs: Object.keys(doc.outputs ?? {}),
    using: doc.runs?.using ?? '',
  };
}

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
    const ref = `refs/pull/${pr.number ?? payload.number}/merge`;
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
  const run = new Run(options);
  const file = isAbsolute(options.file) ? options.file : resolve(options.file);
  const loaded = await run.load(file);
  const payload = structuredClone(options.event.payload);
  const { ref, sha } = await refAndSha({ ...options, event: { ...options.event, payload } });
  const sender = (payload['sender'] ?? {}) as { login?: string; id?: number };
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
  const finish = (): WorkflowRunResult => {
    result.durationMs = Date.now() - started;
    run.progress(
      `${result.conclusion === 'success' ? '✓' : '✗'} ${result.runName} (${result.file}, run ${result.runId}) ${result.conclusion} in ${(result.durationMs / 1000).toFixed(1)}s`,
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
    run.problems.push(
      ...(await checkWiring(workflow, {
        localAction: (uses) => run.localAction(uses, sha),
        calledWorkflow: async (ref) => {
          const target = resolve(workflow.root, ref);
          return existsSync(target) ? run.load(target) : undefined;
        },
      })),
    );
    for (const ref of localCalls(workflow)) {
      const target = resolve(workflow.root, ref);
      if (existsSync(target)) await check(await run.load(target));
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
  const { owner, repo } = options.repository;
  const repository = (payload['repository'] ?? {}) as { id?: number; owner?: { id?: number } };
  const github: Record<string, ContextValue> = {
    action: '',
    action_path: '',
    action_ref: '',
    action_repository: '',
    action_status: '',
    actor,
    actor_id: String(sender.id ?? ''),
    api_url: options.github.url,
    base_ref: String(((payload['pull_request'] ?? {}) as { base?: { ref?: string } }).base?.ref ?? ''),
    env: '',
    event: payload as ContextValue,
    event_name: options.event.name,
    event_path: '',
    graphql_url: `${options.github.url}/graphql`,
    head_ref: String(((payload['pull_request'] ?? {}) as { head?: { ref?: string } }).head?.ref ?? ''),
    job: '',
    path: '',
    ref,
    ref_name: ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\//, ''),
    ref_protected: false,
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    repository: run.repoFull,
    repository_id: String(repository.id ?? ''),
    repository_owner: owner,
    repository_owner_id: String(repository.owner?.id ?? ''),
    repositoryUrl: `${options.github.htmlUrl}/${owner}/${repo}.git`,
    retention_days: '90',
    run_attempt: String(run.runAttempt),
    run_id: String(run.runId),
    run_number: String(run.runNumber),
    secret_source: 'Actions',
    server_url: options.github.htmlUrl,
    sha,
    token: '',
    triggering_actor: actor,
    workflow: workflowName,
    workflow_ref: `${run.repoFull}/${loaded.file}@${ref}`,
    workflow_sha: sha,
    workspace: '',
  };
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
    run.progress(
      `▶ ${result.runName} (${loaded.file}, ${options.event.name}${result.action ? `.${result.action}` : ''} by ${actor}, run ${run.runId}, token mode ${options.tokenMode})`,
    );
    await mkdir(run.dir, { recursive: true });
    const jobs = await runJobs(run, {
      loaded,
      github,
      inputs,
      secrets,
      vars,
      workflowEnv,
      prefix: '',
      depth: 0,
    });
    result.jobs = jobs;
    result.outputs = callOutputs(loaded, github, jobs, inputs, vars);
    result.conclusion = jobs.some((job) => job.status === 'failure') ? 'failure' : 'success';
  } catch (error) {
    run.problems.push(problemAt(loaded, error instanceof Error ? error.message : String(error), 'runner'));
    result.conclusion = 'failure';
  }
  return finish();
}

function problemAt(
  loaded: LoadedWorkflow,
  message: string,
  source: WorkflowProblem['source'] = 'runner',
): WorkflowProblem {
  return { file: loaded.file, line: 0, column: 0, message, source };
}

/** `on.workflow_call.outputs.<name>.value`, with the `jobs` context of the finished jobs. */
function callOutputs(
  loaded: LoadedWorkflow,
  github: Record<string, ContextValue>,
  jobs: JobResult[],
  inputs: Record<string, ContextValue>,
  vars: Record<string, string>,
): Record<string, string> {
  const outputs = child(child(child(loaded.document, 'on'), 'workflow_call'), 'outputs');
  const result: Record<string, string> = {};
  if (outputs?.templateTokenType !== 2) return result;
  const jobsContext: Record<string, ContextValue> = {};
  for (const job of jobs) jobsContext[job.id] = { result: job.status, outputs: job.outputs };
  const contexts: Contexts = { github, jobs: jobsContext, vars, inputs };
  for (const pair of outputs as MappingToken) {
    result[pair.key.toString()] = toText(
      evaluateToken(child(pair.value, 'value'), pick(contexts, CONTEXTS_AT.callOutputs)),
    );
  }
  return result;
}

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

async function runJobs(run: Run, scope: Scope): Promise<JobResult[]> {
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
      success: () => before.every((s) => s === 'success'),
      failure: () => before.some((s) => s === 'failure'),
      cancelled: () => false,
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
        result = base;
      } else if (job.type === 'reusableWorkflowJob') {
        result = await runCall(run, scope, job as ReusableWorkflowJob, contexts, base);
      } else {
        result = await runJob(run, scope, job as Job, contexts, base);
      }
    } catch (error) {
      base.status = 'failure';
      base.errors.push(run.masked(error instanceof Error ? error.message : String(error)));
      result = base;
    }
    result.durationMs = Date.now() - started;
    results.set(id, result);
    const mark = result.status === 'success' ? '✓' : result.status === 'skipped' ? '-' : '✗';
    run.progress(
      `  ${mark} job ${path} "${result.name}" ${result.status}${result.status === 'skipped' ? ` (if: ${result.if.expression})` : ` in ${(result.durationMs / 1000).toFixed(1)}s`}`,
    );
    for (const error of result.errors) run.progress(`      error: ${error}`);
  }
  return [...results.values()];
}

async function runCall(
  run: Run,
  scope: Scope,
  job: ReusableWorkflowJob,
  contexts: Contexts,
  result: JobResult,
): Promise<JobResult> {
  const ref = job.ref.value;
  if (!ref.startsWith('./')) throw new Error(`${ref}: remote reusable workflows cannot run in the sandbox`);
  if (scope.depth + 1 > MAX_CALL_DEPTH) {
    throw new Error(`${ref}: reusable workflows nest at most ${MAX_CALL_DEPTH} levels on github.com`);
  }
  const called = await run.load(resolve(scope.loaded.root, ref));
  const declared = declaredInputs(called, 'workflow_call');
  if (!declared) throw new Error(`${ref} has no on.workflow_call trigger`);
  const raw = jobDocument(scope.loaded, job.id.value);

  // with: evaluated where GitHub evaluates it, then checked and typed against the declarations.
  const withContexts = pick(contexts, CONTEXTS_AT.callWith);
  const given = new Map<string, ExpressionData>();
  const withToken = child(raw, 'with');
  if (withToken?.templateTokenType === 2) {
    for (const pair of withToken as MappingToken)
      given.set(pair.key.toString(), evaluateToken(pair.value, withContexts));
  }
  const typed = typeInputs(
    declared,
    given,
    (token) =>
      evaluateToken(
        token,
        pick({ github: scope.github, inputs: {}, vars: scope.vars }, CONTEXTS_AT.inputDefault),
      ),
    `${result.path} calling ${ref}`,
  );
  if (typed.errors.length > 0) {
    result.status = 'failure';
    result.errors.push(...typed.errors);
    return result;
  }

  // secrets: inherit, or the ones passed (only declared ones, every required one).
  const secretsToken = child(raw, 'secrets');
  let secrets: Record<string, string>;
  if (job['inherit-secrets'] || secretsToken?.toString() === 'inherit') {
    secrets = { ...scope.secrets };
  } else {
    secrets = evaluateStringMap(secretsToken, pick(contexts, CONTEXTS_AT.callSecrets));
    const definitions = child(child(child(called.document, 'on'), 'workflow_call'), 'secrets');
    const names = definitions?.templateTokenType === 2 ? [...(definitions as MappingToken)] : [];
    for (const name of Object.keys(secrets)) {
      if (!names.some((pair) => pair.key.toString().toLowerCase() === name.toLowerCase())) {
        result.errors.push(`${ref}: secret '${name}' is not defined in the called workflow`);
      }
    }
    for (const pair of names) {
      if (child(pair.value, 'required')?.toString() === 'true' && !secrets[pair.key.toString()]) {
        result.errors.push(`${ref}: secret '${pair.key.toString()}' is required, but not provided`);
      }
    }
    if (result.errors.length > 0) {
      result.status = 'failure';
      return result;
    }
  }
  // An empty secret is an unset one.
  secrets = Object.fromEntries(Object.entries(secrets).filter(([, value]) => value !== ''));

  const calledContexts: Contexts = { github: scope.github, secrets, inputs: typed.inputs, vars: scope.vars };
  const workflowEnv = evaluateStringMap(
    child(called.document, 'env'),
    pick(calledContexts, CONTEXTS_AT.workflowEnv),
  );
  run.progress(`  ↳ job ${result.path} calls ${called.file}`);
  const jobs = await runJobs(run, {
    loaded: called,
    github: scope.github,
    inputs: typed.inputs,
    secrets,
    vars: scope.vars,
    workflowEnv,
    prefix: `${result.path}/`,
    depth: scope.depth + 1,
  });
  result.call = { file: called.file, inputs: typed.inputs, secrets: Object.keys(secrets).sort(), jobs };
  result.outputs = callOutputs(called, scope.github, jobs, typed.inputs, scope.vars);
  result.status = jobs.some((j) => j.status === 'failure') ? 'failure' : 'success';
  return result;
}

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

async function runJob(
  run: Run,
  scope: Scope,
  job: Job,
  jobContexts: Contexts,
  result: JobResult,
): Promise<JobResult> {
  const { options } = run;
  const raw = jobDocument(scope.loaded, job.id.value);
  for (const key of ['strategy', 'container', 'services']) {
    if (child(raw, key))
      throw new Error(`jobs.${job.id.value}.${key} is not supported by the sandbox runner`);
  }
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
  }
  const concurrency = child(raw, 'concurrency');
  if (concurrency) {
    const contexts = pick(jobContexts, CONTEXTS_AT.jobConcurrency);
    const group = concurrency.templateTokenType === 2 ? child(concurrency, 'group') : concurrency;
    result.concurrency = {
      group: toText(evaluateToken(group, contexts)),
      cancelInProgress: isTruthy(evaluateToken(child(concurrency, 'cancel-in-progress'), contexts)),
    };
  }

  const token = run.mintGithubToken();
  const { workspace, temp } = run.nextJobDir(result.path);
  await mkdir(workspace, { recursive: true });
  await mkdir(temp, { recursive: true });
  const binDir = join(temp, '_bin');
  await installGhStandIn(binDir);
  const ghLog = join(temp, 'gh-stand-in.jsonl');
  const github: Record<string, ContextValue> = { ...scope.github, job: job.id.value, token, workspace };
  const runner: ContextValue = {
    name: 'sandbox-runner',
    os: 'Linux',
    arch: 'X64',
    temp,
    tool_cache: join(temp, '_tool'),
    environment: 'github-hosted',
  };
  const secretsContext = { ...secrets, GITHUB_TOKEN: token };
  const base: Contexts = { ...jobContexts, github, vars, secrets: secretsContext };
  let jobEnv = {
    ...scope.workflowEnv,
    ...evaluateStringMap(job.env, pick({ ...base }, CONTEXTS_AT.jobEnv)),
  };
  const pathPrefix: string[] = [binDir];
  const steps: Record<string, ContextValue> = {};
  let jobStatus: 'success' | 'failure' = 'success';

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

  for (const [index, step] of (job.steps ?? []).entries()) {
    const rawStep = rawList[index];
    for (const key of rawStep?.templateTokenType === 2 ? [...(rawStep as MappingToken)] : []) {
      if (!RAW_STEP_KEYS_SUPPORTED.has(key.key.toString())) {
        throw new Error(
          `step ${index + 1} of ${result.path}: '${key.key.toString()}' is not supported by the sandbox runner`,
        );
      }
    }
    const started = Date.now();
    const jobContext: ContextValue = { status: jobStatus, container: {}, services: {} };
    const contexts: Contexts = { ...base, job: jobContext, runner, env: jobEnv, steps };
    const statusFns: StatusFunctions = {
      success: () => jobStatus === 'success',
      failure: () => jobStatus === 'failure',
      cancelled: () => false,
    };
    const stepId = step.id;
    const uses = 'uses' in step ? step.uses.value : undefined;
    const condition = 'if' in step && step.if ? step.if.expression : 'success()';
    const record: StepResult = {
      index,
      id: stepId,
      name: uses ? `Run ${uses}` : 'Run',
      kind: 'run' in step ? 'run' : uses?.startsWith('./') ? 'action' : 'stand-in',
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
      record.if.value = isTruthy(
        evaluateExpression(condition, pick(contexts, CONTEXTS_AT.stepIf), statusFns),
      );
    } catch (error) {
      record.status = record.outcome = 'failure';
      record.error = run.masked(error instanceof Error ? error.message : String(error));
      jobStatus = 'failure';
      continue;
    }
    if (!record.if.value) {
      if (stepId && !stepId.startsWith('__'))
        steps[stepId] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      run.progress(`      - ${record.name}: skipped (if: ${condition})`);
      continue;
    }

    const files = await createStepFiles(temp, `step-${index + 1}`);
    let outcome: 'success' | 'failure' = 'success';
    try {
      const stepEnvValues = evaluateStringMap(
        'env' in step ? step.env : undefined,
        pick(contexts, CONTEXTS_AT.step),
      );
      const stepEnv = { ...jobEnv, ...stepEnvValues };
      const stepContexts: Contexts = { ...contexts, env: stepEnv };
      const githubAction = stepId.startsWith('__') ? stepId.replace(/^__/, '') : stepId;
      const runnerVars: Record<string, string> = {
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTION: githubAction,
        GITHUB_ACTOR: String(github['actor']),
        GITHUB_ACTOR_ID: String(github['actor_id']),
        GITHUB_API_URL: options.github.url,
        GITHUB_BASE_REF: String(github['base_ref']),
        GITHUB_ENV: files.env,
        GITHUB_EVENT_NAME: String(github['event_name']),
        GITHUB_GRAPHQL_URL: String(github['graphql_url']),
        GITHUB_HEAD_REF: String(github['head_ref']),
        GITHUB_JOB: job.id.value,
        GITHUB_PATH: files.path,
        GITHUB_REF: String(github['ref']),
        GITHUB_REF_NAME: String(github['ref_name']),
        GITHUB_REF_PROTECTED: 'false',
        GITHUB_REF_TYPE: String(github['ref_type']),
        GITHUB_REPOSITORY: run.repoFull,
        GITHUB_REPOSITORY_ID: String(github['repository_id']),
        GITHUB_REPOSITORY_OWNER: options.repository.owner,
        GITHUB_REPOSITORY_OWNER_ID: String(github['repository_owner_id']),
        GITHUB_RETENTION_DAYS: '90',
        GITHUB_RUN_ATTEMPT: String(run.runAttempt),
        GITHUB_RUN_ID: String(run.runId),
        GITHUB_RUN_NUMBER: String(run.runNumber),
        GITHUB_SERVER_URL: options.github.htmlUrl,
        GITHUB_SHA: String(github['sha']),
        GITHUB_TRIGGERING_ACTOR: String(github['triggering_actor']),
        GITHUB_WORKFLOW: String(github['workflow']),
        GITHUB_WORKFLOW_REF: String(github['workflow_ref']),
        GITHUB_WORKFLOW_SHA: String(github['workflow_sha']),
        GITHUB_WORKSPACE: workspace,
        RUNNER_ARCH: 'X64',
        RUNNER_ENVIRONMENT: 'github-hosted',
        RUNNER_NAME: 'sandbox-runner',
        RUNNER_OS: 'Linux',
        RUNNER_TEMP: temp,
        RUNNER_TOOL_CACHE: join(temp, '_tool'),
        // For the gh stand-in only (a real gh finds the API from GH_HOST).
        GH_STANDIN_API_URL: options.github.url,
        GH_STANDIN_LOG: ghLog,
      };
      const processEnv: Record<string, string> = {
        HOME: process.env.HOME ?? '/root',
        LANG: process.env.LANG ?? 'C.UTF-8',
        ...machineEnv,
        ...stepEnv,
        ...runnerVars,
        PATH: [...pathPrefix, basePath].filter(Boolean).join(delimiter),
      };
      const ghCallsBefore = existsSync(ghLog)
        ? (await readFile(ghLog, 'utf8')).split('\n').filter(Boolean).length
        : 0;

      if ('run' in step) {
        const script = toText(evaluateToken(step.run, pick(stepContexts, CONTEXTS_AT.step)));
        const shell = child(rawStep, 'shell')?.toString() ?? defaultShell ?? 'bash';
        if (shell !== 'bash')
          throw new Error(`shell: ${shell} is not supported by the sandbox runner (bash only)`);
        const directory = child(rawStep, 'working-directory')?.toString() ?? defaultDirectory;
        const cwd = directory ? resolve(workspace, directory) : workspace;
        const scriptFile = join(temp, `step-${index + 1}.sh`);
        await writeFile(scriptFile, script);
        const processResult = await runProcess(
          'bash',
          ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile],
          {
            cwd,
            env: { ...processEnv, GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary },
          },
        );
        record.exitCode = processResult.exitCode;
        const commands = readCommands(processResult.stdout);
        commands.masks.forEach((m) => run.mask(m));
        record.annotations = commands.annotations;
        record.log = run.masked(`${processResult.stdout}${processResult.stderr}`);
        const written = await readStepFiles(files);
        record.outputs = written.outputs;
        record.summary = run.masked(written.summary);
        jobEnv = { ...jobEnv, ...written.env };
        pathPrefix.unshift(...written.path.reverse());
        if (processResult.exitCode !== 0) {
          outcome = 'failure';
          record.error = `Process completed with exit code ${processResult.exitCode}.`;
        }
        const ghCalls = existsSync(ghLog)
          ? (await readFile(ghLog, 'utf8')).split('\n').filter(Boolean).slice(ghCallsBefore)
          : [];
        if (ghCalls.length > 0) {
          const calls = ghCalls.map((line) => JSON.parse(line) as { argv: string[] });
          record.standIn = {
            job: result.path,
            step: record.name,
            uses: 'gh (run:)',
            reason:
              `the script ran for real, but gh needs github.com: the gh on PATH is the sandbox stand-in, ` +
              `which sent ${calls.map((c) => `gh ${c.argv.join(' ')}`).join('; ')} to the GitHub stand-in's REST API`,
          };
          run.standIns.push(record.standIn);
        }
      } else if (uses?.startsWith('./')) {
        const inputs = evaluateStringMap(child(rawStep, 'with'), pick(stepContexts, CONTEXTS_AT.step));
        record.inputs = maskValues(run, inputs);
        const actionDir = resolve(workspace, uses);
        if (!existsSync(join(actionDir, 'action.yml'))) {
          throw new Error(
            `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${actionDir}'. ` +
              `Did you forget to run actions/checkout before running your local action?`,
          );
        }
        const metadata = parseYaml(await readFile(join(actionDir, 'action.yml'), 'utf8')) as {
          inputs?: Record<string, { default?: unknown } | null>;
          runs?: { using?: string };
        };
        if (!/^node\d+$/.test(metadata.runs?.using ?? '')) {
          throw new Error(
            `${uses} runs with '${metadata.runs?.using}': the sandbox runs JavaScript actions only`,
          );
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
        });
        record.exitCode = actionRun.exitCode;
        const commands = readCommands(actionRun.stdout);
        commands.masks.forEach((m) => run.mask(m));
        record.annotations = actionRun.annotations;
        record.log = run.masked(`${actionRun.stdout}${actionRun.stderr}`);
        record.outputs = actionRun.outputs;
        record.summary = run.masked(actionRun.summary);
        const written = await readStepFiles(files);
        jobEnv = { ...jobEnv, ...written.env };
        pathPrefix.unshift(...written.path.reverse());
        if (actionRun.exitCode !== 0) {
          outcome = 'failure';
          record.error = `${uses} exited with code ${actionRun.exitCode}`;
        }
      } else if (uses) {
        const standIn = STAND_INS[actionName(uses)];
        if (!standIn)
          throw new Error(`${uses}: no stand-in for this third-party action; it cannot run in the sandbox`);
        const inputs = evaluateStringMap(child(rawStep, 'with'), pick(stepContexts, CONTEXTS_AT.step));
        record.inputs = maskValues(run, inputs);
        const outcomeOf = await standIn.run({
          inputs,
          workspace,
          repository: options.repository,
          github: options.github,
          app: run.app,
          run: { repository: run.repoFull, ref: String(github['ref']), sha: String(github['sha']), token },
          mask: (value) => run.mask(value),
        });
        record.outputs = outcomeOf.outputs;
        record.log = run.masked(outcomeOf.log);
        record.standIn = { job: result.path, step: record.name, uses, reason: outcomeOf.reason };
        run.standIns.push(record.standIn);
        if (outcomeOf.failure) {
          outcome = 'failure';
          record.error = run.masked(outcomeOf.failure);
        }
      }
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
    if (record.status === 'failure') jobStatus = 'failure';
    if (stepId && !stepId.startsWith('__')) {
      steps[stepId] = { outputs: record.outputs, outcome, conclusion: record.status };
    }
    record.durationMs = Date.now() - started;
    const mark = record.status === 'success' ? '✓' : '✗';
    run.progress(
      `      ${mark} ${record.name}${record.standIn ? ' [stood in]' : ''} (${(record.durationMs / 1000).toFixed(1)}s)${record.error ? `: ${record.error}` : ''}`,
    );
  }

  // Job outputs: evaluated after the steps; one that may hold a secret is dropped, as GitHub does.
  const outputContexts: Contexts = {
    ...base,
    job: { status: jobStatus, container: {}, services: {} },
    runner,
    env: jobEnv,
    steps,
  };
  const outputs = evaluateStringMap(job.outputs, pick(outputContexts, CONTEXTS_AT.jobOutputs));
  for (const [name, value] of Object.entries(outputs)) {
    if (value !== '' && run.masked(value) !== value) {
      result.warnings.push(`Skip output '${name}' since it may contain secret.`);
      continue;
    }
    result.outputs[name] = value;
  }
  result.status = jobStatus;
  if (deploymentId !== undefined) {
    await options.github.recordEnvironmentDeploymentStatus(
      deploymentId,
      jobStatus === 'success' ? 'success' : 'failure',
      {
        creator: GITHUB_ACTIONS_BOT,
        logUrl: `${options.github.htmlUrl}/${run.repoFull}/actions/runs/${run.runId}`,
      },
    );
  }
  return result;
}

function maskValues(run: Run, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, run.masked(v)]));
}

/** `text ${{ expr }} text` as the runner evaluates action.yml defaults. */
function evaluateTemplateString(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) =>
    toText(evaluateExpression(expression.trim(), contexts)),
  );
}
