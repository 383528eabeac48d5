// A wiring mistake in a workflow fails the run before any job starts, with the file, the line and
// what is wrong: copies of the real workflows with one mistake each, dispatched like the real ones.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { createSandboxRepository, type SandboxRepository } from '../workspace.js';
import { createWorkflowDispatcher, formatProblem, loadWorkflow, runWorkflow } from './index.js';
import { checkWiring, type ActionMetadata } from './lint.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let repo: SandboxRepository;
let github: GitHubStandIn;

beforeAll(async () => {
  repo = await createSandboxRepository({ source: ROOT });
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: {},
  });
});

afterAll(async () => {
  await github?.close();
  await repo?.dispose();
});

/** A copy of .github/workflows with one edit, in a fresh folder. */
async function mutated(file: string, from: string | RegExp, to: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'wiring-'));
  await cp(join(ROOT, '.github'), join(root, '.github'), { recursive: true });
  const path = join(root, '.github/workflows', file);
  const text = await readFile(path, 'utf8');
  const edited = text.replace(from, to);
  expect(edited, `the edit applies to ${file}`).not.toBe(text);
  await writeFile(path, edited);
  return root;
}

interface Case {
  what: string;
  file: string;
  from: string | RegExp;
  to: string;
  dispatch: { workflow: string; inputs: Record<string, string> };
  message: RegExp;
}

const UPDATE = {
  workflow: 'overlay-update.yaml',
  inputs: { overlay: 'dev', service: 'orders', version: '1.6.0' },
};
const DEPLOY = { workflow: 'overlay-deploy.yaml', inputs: { overlay: 'dev', service: 'orders' } };

const CASES: Case[] = [
  {
    what: "a misspelt output of the suite's action ($/actions/x)",
    file: 'overlay-update.yaml',
    from: 'merged: ${{ steps.update.outputs.merged }}',
    to: 'merged: ${{ steps.update.outputs.mergd }}',
    dispatch: UPDATE,
    message:
      /steps\.update\.outputs\.mergd: step 'update' \(\$\/actions\/overlay-update\) has no output 'mergd'; its outputs: branch, changed, digest, merged, pull-request-number, pull-request-url, version/,
  },
  {
    what: 'a misspelt output of a run: script',
    file: 'overlay-update.yaml',
    from: 'token-mode: ${{ steps.mode.outputs.mode }}',
    to: 'token-mode: ${{ steps.mode.outputs.mod }}',
    dispatch: UPDATE,
    message:
      /steps\.mode\.outputs\.mod: step 'mode' \(a run: script\) has no output 'mod'; its outputs: mode/,
  },
  {
    what: 'an if: comparing a string output with a boolean',
    file: 'overlay-update.yaml',
    from: "if: steps.update.outputs.merged == 'true'",
    to: 'if: steps.update.outputs.merged == true',
    dispatch: UPDATE,
    message:
      /steps\.update\.outputs\.merged == true: outputs are strings, so this compares 'true' as a number and is never equal/,
  },
  {
    what: 'an if: reading an output the needed job does not have',
    file: 'overlay-deploy.yaml',
    from: "if: needs.deploy.outputs.next-overlay != ''",
    to: "if: needs.deploy.outputs.next_overlay != ''",
    dispatch: DEPLOY,
    message:
      /needs\.deploy\.outputs\.next_overlay: job 'deploy' has no output 'next_overlay'; its outputs: deployed, digest, next-overlay, rollback, version/,
  },
  {
    what: 'an if: reading a job that is not needed',
    file: 'overlay-deploy.yaml',
    from: "if: needs.target.outputs.overlay != ''",
    to: "if: needs.targt.outputs.overlay != ''",
    dispatch: DEPLOY,
    message:
      /needs\.targt\.outputs\.overlay: job 'targt' is not in the needs of job 'deploy' \(needs: target\)/,
  },
  {
    what: 'a called workflow input that does not exist',
    file: 'overlay-deploy.yaml',
    from: 'overlay: ${{ needs.deploy.outputs.next-overlay }}',
    to: 'overlays: ${{ needs.deploy.outputs.next-overlay }}',
    dispatch: DEPLOY,
    message: /Invalid input, overlays is not defined in the referenced workflow\./,
  },
  {
    what: 'a workflow_call output reading a job output that does not exist',
    file: 'overlay-update.yaml',
    from: 'value: ${{ jobs.update.outputs.pull-request-url }}',
    to: 'value: ${{ jobs.update.outputs.pr-url }}',
    dispatch: UPDATE,
    message: /jobs\.update\.outputs\.pr-url: job 'update' has no output 'pr-url'/,
  },
  {
    what: "an input of the suite's action that does not exist",
    file: 'overlay-deploy.yaml',
    from: 'dry-run: ${{ inputs.dry-run || false }}',
    to: 'dryrun: ${{ inputs.dry-run || false }}',
    dispatch: DEPLOY,
    message: /input 'dryrun' is not declared by \$\/actions\/overlay-deploy\/action\.yml/,
  },
];

describe('a wiring mistake fails the run before any job starts', () => {
  it('the real workflows have none', async () => {
    for (const file of ['overlay-update.yaml', 'overlay-deploy.yaml']) {
      const loaded = await loadWorkflow(join(ROOT, '.github/workflows', file));
      expect(loaded.problems).toEqual([]);
      // The suite's parts are `$/` references: this repository, at the running commit.
      const inSuite = (uses: string): string => join(ROOT, uses.replace(/^\$\//, ''));
      const action = async (uses: string): Promise<ActionMetadata> => {
        const text = await readFile(join(inSuite(uses), 'action.yml'), 'utf8');
        const { parse } = await import('yaml');
        const doc = parse(text) as {
          inputs?: Record<string, { required?: boolean; default?: unknown }>;
          outputs?: object;
          runs: { using: string };
        };
        return {
          inputs: Object.fromEntries(
            Object.entries(doc.inputs ?? {}).map(([k, v]) => [
              k,
              { required: v.required === true, hasDefault: v.default !== undefined },
            ]),
          ),
          outputs: Object.keys(doc.outputs ?? {}),
          using: doc.runs.using,
        };
      };
      const problems = await checkWiring(loaded, {
        localAction: async (uses) => {
          throw new Error(`the suite's workflows use no ./ action (${uses})`);
        },
        repositoryAction: async (uses) => (uses.startsWith('$/') ? action(uses) : undefined),
        calledWorkflow: (ref) => loadWorkflow(inSuite(ref)),
      });
      expect(problems.map(formatProblem)).toEqual([]);
    }
  });

  it.each(CASES)('$what', async ({ file, from, to, dispatch, message }) => {
    const root = await mutated(file, from, to);
    const dispatcher = createWorkflowDispatcher({
      repository: repo,
      github,
      tokenMode: 'app',
      workflowsDir: join(root, '.github/workflows'),
    });
    try {
      const requestsBefore = github.requests.length;
      const pullsBefore = github.pulls.length;
      await github.dispatchWorkflow(dispatch.workflow, { inputs: dispatch.inputs, login: 'release-manager' });
      await dispatcher.idle();
      expect(dispatcher.runs).toHaveLength(1);
      const result = dispatcher.runs[0]!.result!;
      expect(result.conclusion).toBe('failure');
      expect(result.jobs, 'no job started').toEqual([]);
      const shown = result.problems.map(formatProblem).join('\n');
      expect(shown).toMatch(message);
      // Each problem names the file and a line in it.
      expect(result.problems.every((p) => p.file.startsWith('.github/workflows/') && p.line > 0)).toBe(true);
      expect(github.requests.length, 'not one API request').toBe(requestsBefore);
      expect(github.pulls.length).toBe(pullsBefore);
    } finally {
      dispatcher.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses call inputs of the wrong type or unknown, at run time, before any job', async () => {
    const result = await runWorkflow({
      file: join(ROOT, '.github/workflows/overlay-update.yaml'),
      event: { name: 'push', payload: { ref: 'refs/heads/main', sender: { login: 'mona' } } },
      inputs: { overlay: 'dev', service: 'orders', 'allow-downgrade': 'maybe', colour: 'red' },
      repository: repo,
      github,
      tokenMode: 'app',
    });
    expect(result.jobs).toEqual([]);
    expect(result.problems.map((p) => p.message)).toEqual([
      expect.stringContaining("input 'colour' is not defined in the workflow"),
      expect.stringContaining(`input 'allow-downgrade' is a boolean, got "maybe"`),
    ]);
  });
});
