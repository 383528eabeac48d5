// Reusable workflows: a job's `uses:` (`./.github/workflows/x.yaml`, `$/...`, or
// `owner/repo/.github/workflows/x.yaml@ref` of a hosted repository; resolved in ./uses.ts), its
// `with:` and `secrets:` evaluated, checked and typed against the called workflow's
// `on.workflow_call` declarations, and the call's `on.workflow_call.outputs` (GitHub docs: "Reuse
// workflows"). The called workflow's jobs see the caller's `github` context: "When a reusable
// workflow is triggered by a caller workflow, the github context is always associated with the
// caller workflow" (docs "Reusing workflows"), so github.repository, ref, sha and workflow_ref are
// the caller's run's. `github.job_workflow_sha` is not modelled: GitHub documents it for OIDC
// claims, and it is empty in expressions (actions/runner#2417).
import type { ReusableWorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/index';
import { CONTEXTS_AT, declaredInputs, pick, typeInputs, type Scope } from './contexts.js';
import {
  evaluateStringMap,
  evaluateToken,
  toText,
  type ContextValue,
  type Contexts,
  type ExpressionData,
} from './expressions.js';
import { calledWorkflowRef, jobPermissions, permissionsBeyond } from './job-identity.js';
import { child, jobDocument } from './parser.js';
import type { RunState } from './run-state.js';
import type { JobResult } from './types.js';

/** GitHub's limit for nested reusable workflows on github.com (GHES: 4). */
const MAX_CALL_DEPTH = 10;

/**
 * The scope the called workflow's jobs run in, or undefined when GitHub would fail the calling job
 * (`result` then has the errors).
 */
export async function callScope(
  run: RunState,
  scope: Scope,
  job: ReusableWorkflowJob,
  contexts: Contexts,
  result: JobResult,
): Promise<Scope | undefined> {
  const ref = job.ref.value;
  if (scope.depth + 1 > MAX_CALL_DEPTH) {
    throw new Error(`${ref}: reusable workflows nest at most ${MAX_CALL_DEPTH} levels on github.com`);
  }
  const called = await run.calledWorkflow(scope.loaded, ref);
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
    return undefined;
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
      return undefined;
    }
  }
  // An empty secret is an unset one.
  secrets = Object.fromEntries(Object.entries(secrets).filter(([, value]) => value !== ''));

  // GitHub refuses the whole call when any of its jobs, run or not, asks more than the caller has.
  const permissions = jobPermissions(raw, scope.loaded.document, scope.permissions);
  const calledJobs = child(called.document, 'jobs');
  const beyond =
    calledJobs?.templateTokenType === 2
      ? [...(calledJobs as MappingToken)].flatMap((pair) =>
          permissionsBeyond(
            pair.key.toString(),
            jobPermissions(pair.value, called.document, undefined),
            permissions,
          ),
        )
      : [];
  if (beyond.length > 0) {
    result.status = 'failure';
    result.errors.push(...beyond.map((line) => `Error calling workflow '${ref}'. ${line}`));
    return undefined;
  }

  const calledContexts: Contexts = { github: scope.github, secrets, inputs: typed.inputs, vars: scope.vars };
  const workflowEnv = evaluateStringMap(
    child(called.document, 'env'),
    pick(calledContexts, CONTEXTS_AT.workflowEnv),
  );
  return {
    loaded: called,
    github: scope.github,
    inputs: typed.inputs,
    secrets,
    vars: scope.vars,
    workflowEnv,
    prefix: `${result.path}/`,
    depth: scope.depth + 1,
    workflowRef: await calledWorkflowRef(
      run.host,
      run.repoFull,
      scope.workflowRef,
      String(scope.github['ref']),
      ref,
    ),
    permissions,
  };
}

/** `on.workflow_call.outputs.<name>.value`, with the `jobs` context of the finished jobs. */
export function callOutputs(scope: Scope, jobs: JobResult[]): Record<string, string> {
  const { loaded, github, inputs, vars } = scope;
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
