// The contexts `${{ }}` expressions see: which ones GitHub makes available where (docs: "Context
// availability"), the run's `github` context, a job's `runner`, and `inputs` typed as GitHub types
// them for a dispatch or a call. Jobs add `needs`, `env`, `steps` and `job` as they run (jobs.ts,
// steps.ts).
import type { DeclaredPermissions } from './job-identity.js';
import { join } from 'node:path';
import type {
  MappingToken,
  SequenceToken,
  TemplateToken,
} from '@actions/workflow-parser/templates/tokens/index';
import { fromExpressionData, type ContextValue, type Contexts, type ExpressionData } from './expressions.js';
import { child, type LoadedWorkflow } from './parser.js';
import type { RunState } from './run-state.js';

/** What a step's keys see, and a job's `outputs:` too. */
const STEP_CONTEXTS = [
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
] as const;

/** Contexts GitHub makes available at each place (docs: "Context availability"). */
export const CONTEXTS_AT = {
  runName: ['github', 'inputs', 'vars'],
  workflowConcurrency: ['github', 'inputs', 'vars'],
  workflowEnv: ['github', 'secrets', 'inputs', 'vars'],
  inputDefault: ['github', 'inputs', 'vars'],
  jobIf: ['github', 'needs', 'vars', 'inputs'],
  jobName: ['github', 'needs', 'strategy', 'matrix', 'vars', 'inputs'],
  jobEnv: ['github', 'needs', 'strategy', 'matrix', 'vars', 'secrets', 'inputs'],
  jobEnvironment: ['github', 'needs', 'strategy', 'matrix', 'vars', 'inputs'],
  jobConcurrency: ['github', 'needs', 'strategy', 'matrix', 'vars', 'inputs'],
  jobOutputs: STEP_CONTEXTS,
  stepIf: ['github', 'needs', 'strategy', 'matrix', 'job', 'runner', 'env', 'vars', 'steps', 'inputs'],
  step: STEP_CONTEXTS,
  callWith: ['github', 'needs', 'strategy', 'matrix', 'inputs', 'vars'],
  callSecrets: ['github', 'needs', 'strategy', 'matrix', 'secrets', 'inputs', 'vars'],
  callOutputs: ['github', 'jobs', 'vars', 'inputs'],
  actionDefault: ['github', 'strategy', 'matrix', 'job', 'runner', 'env', 'vars', 'steps', 'inputs'],
} as const;

export function pick(all: Contexts, names: readonly string[]): Contexts {
  return Object.fromEntries(names.map((name) => [name, all[name] ?? null]));
}

export const STRATEGY: ContextValue = {
  'fail-fast': true,
  'job-index': 0,
  'job-total': 1,
  'max-parallel': 1,
};

interface InputDeclaration {
  type: string;
  required: boolean;
  default: TemplateToken | undefined;
  options: string[];
}

/** Inputs a workflow declares for one trigger, read from the document (the model drops `number`). */
export function declaredInputs(
  loaded: LoadedWorkflow,
  trigger: string,
): Map<string, InputDeclaration> | undefined {
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
export function typeInputs(
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

/** What the jobs of one workflow see: the caller's run or call, and the workflow's own `env:`. */
export interface Scope {
  loaded: LoadedWorkflow;
  github: Record<string, ContextValue>;
  inputs: Record<string, ContextValue>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  workflowEnv: Record<string, string>;
  /** `promote/` for the jobs of a workflow called by job `promote`. */
  prefix: string;
  depth: number;
  /** `job_workflow_ref` of this workflow's jobs: `owner/repo/path@ref` of the file (job-identity.ts). */
  workflowRef: string;
  /** What a job that declares no `permissions:` gets: the calling job's, for a called workflow. */
  permissions: DeclaredPermissions | undefined;
}

/**
 * The run's `github` context, from the event (`payload` is the run's copy); each job adds its
 * `job`, `token` and `workspace`, the run its token.
 */
export function githubContext(
  run: RunState,
  payload: Record<string, unknown>,
  at: { actor: string; ref: string; sha: string; workflow: string; file: string },
): Record<string, ContextValue> {
  const { options } = run;
  const { owner, repo } = options.repository;
  const repository = (payload['repository'] ?? {}) as { id?: number; owner?: { id?: number } };
  return {
    action: '',
    action_path: '',
    action_ref: '',
    action_repository: '',
    action_status: '',
    actor: at.actor,
    actor_id: String(((payload['sender'] ?? {}) as { id?: number }).id ?? ''),
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
    ref: at.ref,
    ref_name: at.ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\/pull\//, ''),
    ref_protected: false,
    ref_type: at.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
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
    sha: at.sha,
    token: '',
    triggering_actor: at.actor,
    workflow: at.workflow,
    workflow_ref: `${run.repoFull}/${at.file}@${at.ref}`,
    workflow_sha: at.sha,
    workspace: '',
  };
}

/** A job's `runner` context: the machine is the one the sandbox runs on, `temp` the job's own. */
export function runnerContext(temp: string): ContextValue {
  return {
    name: 'sandbox-runner',
    os: 'Linux',
    arch: 'X64',
    temp,
    tool_cache: join(temp, '_tool'),
    environment: 'github-hosted',
  };
}
