/**
 * Wiring checks GitHub itself does not make before a run (it evaluates a misspelt reference to
 * an empty string and carries on), in the spirit of actionlint, but with the files at hand:
 *
 * - `steps.<id>.*`: the step exists earlier in the job; `outputs.<name>` is declared by the local
 *   action's action.yml, by the stood-in action, or written by the `run:` script.
 * - `needs.<job>.*`: the job is a direct need; `outputs.<name>` is one of its outputs (for a call
 *   of a reusable workflow: that workflow's `on.workflow_call.outputs`).
 * - `jobs.<job>.outputs.<name>` in `on.workflow_call.outputs`: the job and its output exist.
 * - `inputs.<name>`: declared by `on.workflow_call` or `on.workflow_dispatch`.
 * - An output (always a string) compared with a boolean or number literal (never equal), or a
 *   boolean input compared with `'true'` / `'false'` (never equal either).
 * - `with:` of a local or stood-in action: only inputs the action declares, every required one.
 * - `uses:` the runner cannot run (docker://, third-party actions without a stand-in, called
 *   workflows GitHub cannot fetch): reported here, as GitHub fails a run whose called workflow it
 *   cannot fetch. Actions in hosted repositories (`$/x`, `owner/repo/x@ref`) are checked like local
 *   ones; one that does not resolve is left to the job, which fails at set-up as on GitHub.
 */
import type {
  Job,
  ReusableWorkflowJob,
  Step,
  WorkflowJob,
} from '@actions/workflow-parser/model/workflow-template';
import type {
  BasicExpressionToken,
  MappingToken,
  SequenceToken,
  StringToken,
  TemplateToken,
} from '@actions/workflow-parser/templates/tokens/index';
import { analyseExpression, type ContextValue } from './expressions.js';
import { child, jobDocument, type LoadedWorkflow, type WorkflowProblem } from './parser.js';
import { STAND_INS, acceptsInput, actionName } from './stand-ins.js';

export interface ActionMetadata {
  inputs: Record<string, { required: boolean; hasDefault: boolean }>;
  outputs: string[];
  using: string;
}

export interface WiringFacts {
  /**
   * action.yml of a local action (`./actions/x`), undefined when there is none, 'unchecked' when
   * only the job can tell (a workflow of another repository using its caller's checkout).
   */
  localAction(path: string): Promise<ActionMetadata | 'unchecked' | undefined>;
  /**
   * action.yml of an action in a repository (`$/x`, a hosted `owner/repo/x@ref`); undefined when
   * the action is not in one (a stand-in's), 'unchecked' when it does not resolve.
   */
  repositoryAction?(uses: string): Promise<ActionMetadata | 'unchecked' | undefined>;
  /** A called workflow, loaded (for the outputs and inputs it declares), or why it cannot be. */
  calledWorkflow(ref: string): Promise<LoadedWorkflow | string | undefined>;
}

const ALL_CONTEXTS = [
  'github',
  'env',
  'vars',
  'secrets',
  'inputs',
  'needs',
  'steps',
  'job',
  'jobs',
  'runner',
  'strategy',
  'matrix',
];

/** Output names a `run:` script visibly writes to $GITHUB_OUTPUT; undefined when it cannot tell. */
export function scriptOutputs(script: string): Set<string> | undefined {
  const names = new Set<string>();
  for (const line of script.split('\n')) {
    if (!/GITHUB_OUTPUT/.test(line)) continue;
    const match = /\b(?:echo|printf)\s+(?:-[a-zA-Z]+\s+)*["']?([A-Za-z_][\w-]*)(?:=|<<)/.exec(line);
    if (!match) return undefined;
    names.add(match[1]!.toLowerCase());
  }
  return names;
}

function scriptText(token: TemplateToken | undefined): string | undefined {
  if (!token) return undefined;
  if (token.templateTokenType === 0) return (token as StringToken).value;
  if (token.templateTokenType === 3) {
    const expression = token as BasicExpressionToken;
    return expression.source ?? expression.expression;
  }
  return undefined;
}

/** Every expression token under a token (keys included). */
function expressionsIn(token: TemplateToken | undefined): BasicExpressionToken[] {
  if (!token) return [];
  switch (token.templateTokenType) {
    case 3:
      return [token as BasicExpressionToken];
    case 1:
      return [...(token as SequenceToken)].flatMap(expressionsIn);
    case 2:
      return [...(token as MappingToken)].flatMap((pair) => [
        ...expressionsIn(pair.key),
        ...expressionsIn(pair.value),
      ]);
    default:
      return [];
  }
}

function keysOf(token: TemplateToken | undefined): string[] {
  if (!token || token.templateTokenType !== 2) return [];
  return [...(token as MappingToken)].map((pair) => pair.key.toString());
}

interface StepFacts {
  id: string;
  /** Declared/visible outputs (lower case); undefined when unknowable. */
  outputs: Set<string> | undefined;
  what: string;
}

interface Scope {
  /** Steps (with explicit ids) before the expression, in this job. */
  steps?: Map<string, StepFacts>;
  /** Direct needs: job id → output names (lower case), or undefined when unknowable. */
  needs?: Map<string, Set<string> | undefined>;
  /** Jobs of this workflow (for on.workflow_call.outputs). */
  jobs?: Map<string, Set<string> | undefined>;
  where: string;
}

export async function checkWiring(loaded: LoadedWorkflow, facts: WiringFacts): Promise<WorkflowProblem[]> {
  const problems: WorkflowProblem[] = [];
  const report = (token: TemplateToken | undefined, message: string): void => {
    problems.push({
      file: loaded.file,
      line: token?.line ?? 0,
      column: token?.col ?? 0,
      message,
      source: 'wiring',
    });
  };
  const events = loaded.template.events ?? {};
  const inputTypes = new Map<string, Set<string>>();
  for (const config of [events.workflow_call, events.workflow_dispatch]) {
    for (const [name, input] of Object.entries(config?.inputs ?? {})) {
      const types = inputTypes.get(name.toLowerCase()) ?? new Set<string>();
      types.add(String(input.type));
      inputTypes.set(name.toLowerCase(), types);
    }
  }

  // Output names of every job (what `needs.<id>.outputs` and `jobs.<id>.outputs` can read).
  const jobOutputs = new Map<string, Set<string> | undefined>();
  for (const job of loaded.template.jobs ?? []) {
    jobOutputs.set(job.id.value, new Set(keysOf(job.outputs).map((k) => k.toLowerCase())));
  }

  const checkExpression = (token: BasicExpressionToken, scope: Scope): void => {
    let analysis: ReturnType<typeof analyseExpression>;
    try {
      analysis = analyseExpression(token.expression, ALL_CONTEXTS);
    } catch {
      return; // GitHub's parser reports syntax errors
    }
    for (const { path } of analysis.references) {
      const [context, name, property, output] = path.map((p) => p.toLowerCase());
      const shown = path.join('.');
      if (context === 'steps' && scope.steps && name !== undefined && name !== '*') {
        const step = scope.steps.get(name);
        if (!step) {
          report(token, `${shown}: no step with id '${path[1]}' runs before this point in ${scope.where}`);
          continue;
        }
        if (property !== undefined && !['outputs', 'outcome', 'conclusion'].includes(property)) {
          report(token, `${shown}: a step has outputs, outcome and conclusion, not '${path[2]}'`);
        } else if (property === 'outputs' && output !== undefined && output !== '*' && step.outputs) {
          if (!step.outputs.has(output)) {
            const known = [...step.outputs].sort().join(', ') || 'none';
            report(
              token,
              `${shown}: step '${path[1]}' (${step.what}) has no output '${path[3]}'; its outputs: ${known}`,
            );
          }
        }
      } else if (context === 'needs' && scope.needs && name !== undefined && name !== '*') {
        if (!scope.needs.has(name)) {
          const needs = [...scope.needs.keys()].join(', ') || 'none';
          report(token, `${shown}: job '${path[1]}' is not in the needs of ${scope.where} (needs: ${needs})`);
          continue;
        }
        const outputs = scope.needs.get(name);
        if (property !== undefined && !['outputs', 'result'].includes(property)) {
          report(token, `${shown}: a needed job has outputs and result, not '${path[2]}'`);
        } else if (
          property === 'outputs' &&
          output !== undefined &&
          output !== '*' &&
          outputs &&
          !outputs.has(output)
        ) {
          const known = [...outputs].sort().join(', ') || 'none';
          report(token, `${shown}: job '${path[1]}' has no output '${path[3]}'; its outputs: ${known}`);
        }
      } else if (context === 'jobs' && scope.jobs && name !== undefined && name !== '*') {
        if (!scope.jobs.has(name)) {
          report(token, `${shown}: this workflow has no job '${path[1]}'`);
          continue;
        }
        const outputs = scope.jobs.get(name);
        if (
          property === 'outputs' &&
          output !== undefined &&
          output !== '*' &&
          outputs &&
          !outputs.has(output)
        ) {
          const known = [...outputs].sort().join(', ') || 'none';
          report(token, `${shown}: job '${path[1]}' has no output '${path[3]}'; its outputs: ${known}`);
        }
      } else if (context === 'inputs' && name !== undefined && name !== '*' && !inputTypes.has(name)) {
        const known = [...inputTypes.keys()].join(', ') || 'none';
        report(
          token,
          `${shown}: input '${path[1]}' is not declared by on.workflow_call or on.workflow_dispatch (inputs: ${known})`,
        );
      }
    }
    for (const comparison of analysis.comparisons) {
      const lower = comparison.path.map((p) => p.toLowerCase());
      const isOutput =
        (['steps', 'needs', 'jobs'].includes(lower[0] ?? '') && lower[2] === 'outputs') ||
        (lower[0] === 'github' && lower[1] === 'event' && lower[2] === 'inputs');
      const literalType = typeof comparison.literal;
      if (isOutput && (literalType === 'boolean' || literalType === 'number')) {
        report(
          token,
          `${comparison.path.join('.')} ${comparison.operator} ${JSON.stringify(comparison.literal)}: outputs are strings, ` +
            `so this compares '${String(comparison.literal)}' as a number and is never equal; compare with '${String(comparison.literal)}'`,
        );
      }
      if (lower[0] === 'inputs' && lower.length === 2 && literalType === 'string') {
        const types = inputTypes.get(lower[1]!);
        const literal = String(comparison.literal as ContextValue);
        if (
          types &&
          [...types].every((t) => t === 'boolean') &&
          ['true', 'false'].includes(literal.toLowerCase())
        ) {
          report(
            token,
            `${comparison.path.join('.')} ${comparison.operator} '${literal}': the input is a boolean, ` +
              `so comparing it with a string is never equal; compare with ${literal.toLowerCase()} or use it as is`,
          );
        }
      }
    }
  };
  const checkAll = (token: TemplateToken | undefined, scope: Scope): void => {
    for (const expression of expressionsIn(token)) checkExpression(expression, scope);
  };

  // Workflow level.
  const document = loaded.document;
  checkAll(child(document, 'run-name'), { where: 'run-name' });
  checkAll(child(document, 'env'), { where: 'the workflow env' });
  checkAll(child(document, 'concurrency'), { where: 'the workflow concurrency' });
  const callOutputs = child(child(child(document, 'on'), 'workflow_call'), 'outputs');
  checkAll(callOutputs, { jobs: jobOutputs, where: 'on.workflow_call.outputs' });

  for (const job of loaded.template.jobs ?? []) {
    const id = job.id.value;
    const raw = jobDocument(loaded, id);
    const needs = new Map<string, Set<string> | undefined>();
    for (const need of job.needs ?? []) needs.set(need.value.toLowerCase(), jobOutputs.get(need.value));
    const where = `job '${id}'`;
    const jobScope: Scope = { needs, where };
    checkExpression(job.if, jobScope);
    for (const key of [
      'name',
      'env',
      'environment',
      'concurrency',
      'runs-on',
      'timeout-minutes',
      'continue-on-error',
    ]) {
      checkAll(child(raw, key), jobScope);
    }
    if (job.type === 'reusableWorkflowJob') {
      await checkCall(job as ReusableWorkflowJob, raw, jobScope);
      continue;
    }
    const steps = new Map<string, StepFacts>();
    const rawSteps = child(raw, 'steps');
    const rawList = rawSteps?.templateTokenType === 1 ? [...(rawSteps as SequenceToken)] : [];
    for (const [index, step] of ((job as Job).steps ?? []).entries()) {
      const rawStep = rawList[index];
      const stepScope: Scope = { needs, steps: new Map(steps), where };
      if ('if' in step && step.if) checkExpression(step.if, stepScope);
      for (const key of [
        'name',
        'env',
        'with',
        'run',
        'working-directory',
        'continue-on-error',
        'timeout-minutes',
        'shell',
      ]) {
        checkAll(child(rawStep, key), stepScope);
      }
      const stepFacts = await describeStep(step, rawStep, (token, message) =>
        report(token, `${where}: ${message}`),
      );
      if (step.id && !step.id.startsWith('__'))
        steps.set(step.id.toLowerCase(), { id: step.id, ...stepFacts });
    }
    // Job outputs see every step.
    checkAll(job.outputs, { needs, steps, where });
  }

  async function checkCall(
    job: ReusableWorkflowJob,
    raw: MappingToken | undefined,
    scope: Scope,
  ): Promise<void> {
    const ref = job.ref.value;
    checkAll(child(raw, 'with'), scope);
    checkAll(child(raw, 'secrets'), scope);
    const called = await facts.calledWorkflow(ref);
    if (!called) report(job.ref, `${scope.where}: ${ref} does not exist`);
    else if (typeof called === 'string') report(job.ref, `${scope.where}: ${called}`);
    // Unknown and missing inputs and secrets: GitHub's parser reports them (fetchReusableWorkflowDepth 1).
  }

  async function describeStep(
    step: Step,
    rawStep: TemplateToken | undefined,
    problem: (token: TemplateToken | undefined, message: string) => void,
  ): Promise<{ outputs: Set<string> | undefined; what: string }> {
    if ('run' in step) {
      const script = scriptText(step.run);
      return { outputs: script === undefined ? undefined : scriptOutputs(script), what: 'a run: script' };
    }
    if (!('uses' in step)) return { outputs: undefined, what: 'a step' };
    const uses = step.uses.value;
    const withToken = child(rawStep, 'with');
    const given = keysOf(withToken);
    const inRepository = uses.startsWith('./')
      ? await facts.localAction(uses)
      : await facts.repositoryAction?.(uses);
    if (uses.startsWith('./') || inRepository !== undefined) {
      const metadata = inRepository;
      if (metadata === 'unchecked') return { outputs: undefined, what: uses };
      if (!metadata) {
        problem(step.uses, `${uses} has no action.yml in the repository`);
        return { outputs: undefined, what: uses };
      }
      if (!/^node\d+$/.test(metadata.using)) {
        problem(
          step.uses,
          `${uses} runs with '${metadata.using}'; the sandbox runs JavaScript (node) actions only`,
        );
      }
      for (const name of given) {
        if (!(name.toLowerCase() in lowerKeys(metadata.inputs))) {
          problem(
            withToken,
            `input '${name}' is not declared by ${uses}/action.yml (inputs: ${Object.keys(metadata.inputs).join(', ')})`,
          );
        }
      }
      for (const [name, input] of Object.entries(metadata.inputs)) {
        if (
          input.required &&
          !input.hasDefault &&
          !given.some((g) => g.toLowerCase() === name.toLowerCase())
        ) {
          problem(step.uses, `${uses} requires input '${name}', which the step does not give`);
        }
      }
      return { outputs: new Set(metadata.outputs.map((o) => o.toLowerCase())), what: uses };
    }
    if (uses.startsWith('docker://')) {
      problem(step.uses, `${uses}: container actions need a Docker engine, which the sandbox does not have`);
      return { outputs: undefined, what: uses };
    }
    const standIn = STAND_INS[actionName(uses)];
    if (!standIn) {
      problem(
        step.uses,
        `${uses}: a third-party action with no stand-in in the sandbox (known: ${Object.keys(STAND_INS).join(', ')}); it cannot run here`,
      );
      return { outputs: undefined, what: uses };
    }
    for (const name of given) {
      if (!acceptsInput(standIn, name))
        problem(withToken, `input '${name}' is not an input of ${actionName(uses)}`);
    }
    return { outputs: new Set(standIn.outputs), what: `${actionName(uses)}, stood in` };
  }

  return problems;
}

function lowerKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The reusable workflows a workflow calls (`jobs.<id>.uses`: `./x`, `$/x`, `owner/repo/x@ref`). */
export function calls(loaded: LoadedWorkflow): string[] {
  return (loaded.template.jobs ?? [])
    .filter((job: WorkflowJob): job is ReusableWorkflowJob => job.type === 'reusableWorkflowJob')
    .map((job) => job.ref.value);
}
