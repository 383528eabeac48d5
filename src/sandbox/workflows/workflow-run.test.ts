// The runner's GitHub semantics on small synthetic workflows (run: steps only, so they are fast):
// env precedence, GITHUB_OUTPUT / GITHUB_ENV, masking, status functions, needs, skipped ancestors,
// continue-on-error, typed inputs of dispatches and calls, and the parser quirk it corrects.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { createSandboxRepository, type SandboxRepository } from '../workspace.js';
import { matchesBranchFilters, workflowMatches } from './dispatcher.js';
import { evaluateExpression, toText } from './expressions.js';
import { expressionFromValue, loadWorkflow } from './parser.js';
import type { JobResult, WorkflowRunResult } from './types.js';
import { runWorkflow } from './workflow-run.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const SEMANTICS = `name: semantics
run-name: >-
  Semantics \${{ inputs.who }}
  run
on:
  workflow_dispatch:
    inputs:
      who: { type: string, required: true }
      flag: { type: boolean, default: false }
      count: { type: number, default: 2 }
env:
  LEVEL: workflow
  WHO: \${{ inputs.who }}
jobs:
  first:
    runs-on: ubuntu-latest
    env:
      LEVEL: job
    outputs:
      greeting: \${{ steps.hello.outputs.greeting }}
      leaked: \${{ steps.hello.outputs.secret }}
      typed: \${{ inputs.flag }}-\${{ inputs.count }}
      ok: \${{ steps.after.outputs.ok }}
    steps:
      - id: hello
        env:
          LEVEL: step
          SECRET_VALUE: \${{ secrets.SANDBOX_SECRET }}
        run: |
          echo "level=$LEVEL who=$WHO"
          echo "greeting=hello $WHO" >> "$GITHUB_OUTPUT"
          echo "secret=$SECRET_VALUE" >> "$GITHUB_OUTPUT"
          echo "printed $SECRET_VALUE"
          echo "FROM_ENV_FILE=set-by-step-1" >> "$GITHUB_ENV"
      - id: later
        run: echo "level=$LEVEL env-file=$FROM_ENV_FILE"
      - id: broken
        continue-on-error: true
        run: exit 3
      - id: after
        if: steps.broken.outcome == 'failure' && steps.broken.conclusion == 'success'
        run: echo "ok=yes" >> "$GITHUB_OUTPUT"
  fails:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - run: exit 1
      - name: Clean up
        if: failure()
        run: echo "cleanup ran"
      - name: Never
        if: success()
        run: echo never
  after-failure:
    needs: fails
    runs-on: ubuntu-latest
    steps:
      - run: echo never
  on-failure:
    needs: fails
    if: failure()
    runs-on: ubuntu-latest
    steps:
      - run: echo handled
  below-skipped:
    needs: after-failure
    runs-on: ubuntu-latest
    steps:
      - run: echo never
  always:
    needs: after-failure
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "needs.after-failure.result=\${{ needs.after-failure.result }}"
  call-ok:
    uses: ./.github/workflows/callee.yaml
    with:
      n: '3'
    secrets:
      TOKEN: \${{ secrets.SANDBOX_SECRET }}
  call-bad:
    uses: ./.github/workflows/callee.yaml
    with:
      n: \${{ 'abc' }}
    secrets:
      TOKEN: x
`;

const CALLEE = `name: callee
on:
  workflow_call:
    inputs:
      n: { type: number, required: true }
      b: { type: boolean, default: true }
      s: { type: string, default: '\${{ github.event_name }}' }
    secrets:
      TOKEN: { required: true }
    outputs:
      sum:
        value: \${{ jobs.calc.outputs.sum }}
jobs:
  calc:
    runs-on: ubuntu-latest
    outputs:
      sum: \${{ steps.add.outputs.sum }}
    steps:
      - id: add
        env:
          N: \${{ inputs.n }}
          B: \${{ inputs.b }}
          S: \${{ inputs.s }}
          HAS: \${{ secrets.TOKEN != '' }}
          WORKFLOW_LEVEL: \${{ env.LEVEL }}
        run: echo "sum=$((N + 1)) b=$B s=$S has=$HAS level=[$WORKFLOW_LEVEL]" >> "$GITHUB_OUTPUT"
`;

let root: string;
let repo: SandboxRepository;
let github: GitHubStandIn;
let result: WorkflowRunResult;
const SECRET = 'sandbox-secret-value-7f3a';

const job = (id: string): JobResult => {
  const found = result.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workflow-semantics-'));
  await mkdir(join(root, '.github', 'workflows'), { recursive: true });
  await writeFile(join(root, '.github/workflows/semantics.yaml'), SEMANTICS);
  await writeFile(join(root, '.github/workflows/callee.yaml'), CALLEE);
  repo = await createSandboxRepository({ source: ROOT, paths: ['base'] });
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: {},
  });
  result = await runWorkflow({
    file: join(root, '.github/workflows/semantics.yaml'),
    event: {
      name: 'workflow_dispatch',
      payload: {
        inputs: { who: 'mona', flag: 'true', count: '3' },
        ref: 'refs/heads/main',
        repository: { default_branch: 'main', full_name: 'acme/platform' },
        sender: { login: 'mona', id: 1 },
        workflow: '.github/workflows/semantics.yaml',
      },
    },
    secrets: { SANDBOX_SECRET: SECRET },
    repository: repo,
    github,
    tokenMode: 'github-token',
  });
});

afterAll(async () => {
  await github?.close();
  await repo?.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('a synthetic workflow', () => {
  it('starts: no problems, the run-name from the folded scalar as GitHub folds it', () => {
    expect(result.problems).toEqual([]);
    expect(result.runName).toBe('Semantics mona run');
    expect(result.conclusion).toBe('failure');
  });

  it('layers env (workflow < job < GITHUB_ENV < step), writes outputs and masks secrets in logs', () => {
    const first = job('first');
    expect(first.status).toBe('success');
    const [hello, later] = first.steps;
    expect(hello!.log).toContain('level=step who=mona');
    expect(hello!.log).toContain('printed ***');
    expect(hello!.log).not.toContain(SECRET);
    expect(later!.log).toContain('level=job env-file=set-by-step-1');
    expect(first.outputs).toEqual({ greeting: 'hello mona', typed: 'true-3', ok: 'yes' });
    expect(first.warnings).toEqual(["Skip output 'leaked' since it may contain secret."]);
  });

  it('continue-on-error: outcome failure, conclusion success, the job goes on', () => {
    const broken = job('first').steps.find((s) => s.id === 'broken')!;
    expect(broken).toMatchObject({ status: 'success', outcome: 'failure', exitCode: 3 });
    expect(job('first').steps.find((s) => s.id === 'after')).toMatchObject({
      status: 'success',
      if: { value: true },
    });
  });

  it('a failed step: failure() steps run, success() steps are skipped, the job fails', () => {
    const fails = job('fails');
    expect(fails.status).toBe('failure');
    expect(fails.steps.map((s) => [s.name, s.status])).toEqual([
      ['Run exit 1', 'failure'],
      ['Clean up', 'success'],
      ['Never', 'skipped'],
    ]);
    expect(fails.steps[1]!.log).toContain('cleanup ran');
  });

  it('needs: a failed need skips the job, failure() runs, a skipped ancestor skips, always() runs', () => {
    expect(job('after-failure')).toMatchObject({
      status: 'skipped',
      if: { expression: 'success()', value: false },
    });
    expect(job('on-failure')).toMatchObject({ status: 'success', if: { value: true } });
    expect(job('below-skipped').status).toBe('skipped');
    expect(job('always').status).toBe('success');
    expect(job('always').steps[0]!.log).toContain('needs.after-failure.result=skipped');
  });

  it('calls a reusable workflow: inputs typed and defaulted, secrets passed, outputs, no caller env', () => {
    const call = job('call-ok');
    expect(call.status).toBe('success');
    expect(call.call).toMatchObject({
      file: '.github/workflows/callee.yaml',
      inputs: { n: 3, b: true, s: 'workflow_dispatch' },
      secrets: ['TOKEN'],
    });
    expect(call.call!.jobs.map((j) => j.path)).toEqual(['call-ok/calc']);
    // The caller's workflow env does not reach the called workflow.
    expect(call.outputs).toEqual({ sum: '4 b=true s=workflow_dispatch has=true level=[]' });
    expect(job('call-bad')).toMatchObject({
      status: 'failure',
      errors: [expect.stringContaining(`input 'n' is a number, got "abc"`)],
    });
  });

  it('refuses dispatch inputs the workflow does not declare, and missing required ones', async () => {
    const refused = await runWorkflow({
      file: join(root, '.github/workflows/semantics.yaml'),
      event: {
        name: 'workflow_dispatch',
        payload: {
          inputs: { flag: 'maybe', colour: 'red' },
          ref: 'refs/heads/main',
          sender: { login: 'mona' },
        },
      },
      repository: repo,
      github,
      tokenMode: 'github-token',
    });
    expect(refused.conclusion).toBe('failure');
    expect(refused.jobs).toEqual([]);
    expect(refused.problems.map((p) => p.message)).toEqual([
      expect.stringContaining("input 'colour' is not defined"),
      expect.stringContaining("input 'who' is required"),
      expect.stringContaining(`input 'flag' is a boolean, got "maybe"`),
    ]);
  });
});

describe('pieces', () => {
  it('rebuilds multi-line expressions from the YAML value, as GitHub does', () => {
    expect(expressionFromValue('plain')).toBeUndefined();
    expect(expressionFromValue('${{ a.b }}')).toBe('a.b');
    expect(expressionFromValue("Deploy ${{ x }} to '${{ y }}' {z}")).toBe(
      "format('Deploy {0} to ''{1}'' {{z}}', x, y)",
    );
  });

  it('evaluates with GitHub’s coercions', () => {
    const contexts = { steps: { update: { outputs: { merged: 'true' } } }, inputs: { flag: true } };
    expect(toText(evaluateExpression("steps.update.outputs.merged == 'true'", contexts))).toBe('true');
    // An output is a string: compared with the boolean true it is never equal.
    expect(toText(evaluateExpression('steps.update.outputs.merged == true', contexts))).toBe('false');
    expect(toText(evaluateExpression("inputs.flag == 'true'", contexts))).toBe('false');
    expect(toText(evaluateExpression("steps.nope.outputs.x || 'fallback'", contexts))).toBe('fallback');
    expect(() => evaluateExpression('secrets.X', contexts)).toThrow(/Unrecognized named-value: 'secrets'/);
  });

  it('matches branch filters like GitHub', () => {
    expect(matchesBranchFilters('main', ['main'])).toBe(true);
    expect(matchesBranchFilters('release/orders/dev', ['release/*'])).toBe(false);
    expect(matchesBranchFilters('release/orders/dev', ['release/**'])).toBe(true);
    expect(matchesBranchFilters('release/orders/dev', ['release/**', '!release/*/dev'])).toBe(false);
  });

  it('starts overlay-deploy on pull_request closed into main only, and workflow_dispatch by file', async () => {
    const loaded = await loadWorkflow(join(ROOT, '.github/workflows/overlay-deploy.yaml'));
    const pr = (action: string, base: string) => ({ action, pull_request: { base: { ref: base } } });
    expect(workflowMatches(loaded, 'pull_request', pr('closed', 'main'))).toBe(true);
    expect(workflowMatches(loaded, 'pull_request', pr('opened', 'main'))).toBe(false);
    expect(workflowMatches(loaded, 'pull_request', pr('closed', 'develop'))).toBe(false);
    expect(
      workflowMatches(loaded, 'workflow_dispatch', { workflow: '.github/workflows/overlay-deploy.yaml' }),
    ).toBe(true);
    expect(
      workflowMatches(loaded, 'workflow_dispatch', { workflow: '.github/workflows/overlay-update.yaml' }),
    ).toBe(false);
  });
});
