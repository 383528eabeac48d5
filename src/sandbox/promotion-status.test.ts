// The GitOps repository's scheduled status check, across repositories as on GitHub: the caller
// `npm run init` writes in acme/gitops calls promotion-status.yaml of the suite acme/gitops-promotion
// at v1, which runs the suite's bundled action from the suite's repository (`$/actions/...`), never
// from the caller's checkout, reads the GitHub stand-in with the run's GITHUB_TOKEN and writes the
// status table to the job summary. The stand-in has no clock that fires cron: the test starts the run
// for a `schedule` event with GitHub's payload for one, which holds only the cron line ("When running
// on a schedule, the event payload does not contain any repository information such as the default
// branch name", github/codeql-action#1211; GITHUB_REF is the default branch, docs "Events that
// trigger workflows", schedule), and once as a dispatch from the Actions tab.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../core/config.js';
import { setImageVersion } from '../core/kustomization.js';
import { readStatus } from '../app/status.js';
import { startGitHubStandIn, type GitHubStandIn } from './github/index.js';
import { createRepositoryHost, type RepositoryHost } from './hosted-repositories.js';
import { createGitOpsRepository, createSuiteRepository, SUITE } from './layout.js';
import { git } from './process.js';
import { recordDeploy } from './record-deploy.js';
import type { JobResult, StepResult, WorkflowRunResult } from './workflows/types.js';
import { runWorkflow } from './workflows/workflow-run.js';
import type { SandboxRepository } from './workspace.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CALLER = '.github/workflows/promotion-status.yaml';
const SEED_TOKEN = 'seed-token';

/** An action that fails, saying whose copy ran. */
const decoy = (whose: string): string => `name: decoy
runs:
  using: composite
  steps:
    - run: echo "${whose} copy ran" && exit 1
      shell: bash
`;

let host: RepositoryHost;
let gitops: SandboxRepository;
let github: GitHubStandIn;

/** The caller's run for a scheduled event, as GitHub starts it on the default branch. */
async function scheduledRun(): Promise<WorkflowRunResult> {
  const workspace = await gitops.checkout();
  const caller = parse(await readFile(join(workspace, CALLER), 'utf8')) as {
    on: { schedule: { cron: string }[] };
  };
  return runWorkflow({
    file: join(workspace, CALLER),
    event: { name: 'schedule', payload: { schedule: caller.on.schedule[0]!.cron } },
    repository: gitops,
    repositories: host,
    github,
    tokenMode: 'github-token',
  });
}

/** The caller's run dispatched from the Actions tab on main, with its inputs. */
async function dispatchedRun(inputs: Record<string, string>): Promise<WorkflowRunResult> {
  const workspace = await gitops.checkout();
  return runWorkflow({
    file: join(workspace, CALLER),
    event: {
      name: 'workflow_dispatch',
      payload: {
        ref: 'refs/heads/main',
        repository: { default_branch: 'main', full_name: 'acme/gitops' },
        sender: { login: 'mona', id: 1 },
        workflow: CALLER,
      },
    },
    inputs,
    repository: gitops,
    repositories: host,
    github,
    tokenMode: 'github-token',
  });
}

/** The suite's job inside the caller's, and its step that runs the action. */
function statusStep(result: WorkflowRunResult): { called: JobResult; step: StepResult } {
  expect(result.jobs).toHaveLength(1);
  const called = result.jobs[0]!.call!.jobs.find((job) => job.id === 'status')!;
  const step = called.steps.find((s) => s.id === 'status')!;
  return { called, step };
}

beforeAll(async () => {
  host = createRepositoryHost();
  const suite = await createSuiteRepository(host, ROOT, SUITE);
  // The suite's main moves on past v1 with an action that fails: callers at v1 must not see it.
  await suite.pushToMain({ 'actions/promotion-status/action.yml': decoy('the suite past v1') }, 'Break');
  const config = parseConfig(await readFile(join(ROOT, '.github/promotion.yaml'), 'utf8'));
  gitops = await createGitOpsRepository(host, ROOT, { services: config.services.map((s) => s.name) });
  github = await startGitHubStandIn({
    bareRepo: gitops.origin,
    owner: gitops.owner,
    repo: gitops.repo,
    tokens: { [SEED_TOKEN]: { login: 'promoter[bot]', type: 'Bot' } },
  });
  // Every overlay deployed as it names it, as overlay-deploy records a deploy.
  const { rows } = await readStatus(await gitops.checkout('seed'));
  for (const row of rows) {
    for (const cell of row.cells) {
      await recordDeploy({
        apiUrl: github.url,
        token: SEED_TOKEN,
        repository: gitops,
        environment: cell.environment,
        service: row.service,
        version: { tag: cell.version!, ...(cell.digest ? { digest: cell.digest } : {}) },
      });
    }
  }
  // A copy of the action in the caller's repository, which `$/` must never pick up.
  await gitops.pushToMain(
    {
      'actions/promotion-status/action.yml': decoy("the caller's"),
    },
    'A copy of the suite in the GitOps repository',
  );
}, 300_000);

afterAll(async () => {
  await github?.close();
  await host?.dispose();
});

describe("the GitOps repository's promotion-status caller", () => {
  it("calls the suite's workflow at v1, which runs the suite's action and writes the table", async () => {
    const result = await scheduledRun();
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ event: 'schedule', ref: 'refs/heads/main', conclusion: 'success' });
    const caller = await git(gitops.origin, 'show', `main:${CALLER}`);
    expect(caller).toContain(
      `uses: ${SUITE.owner}/${SUITE.repo}/.github/workflows/promotion-status.yaml@${SUITE.ref}`,
    );
    expect(caller).not.toContain('$/');
    // The called file has the suite's job and step: the caller's file of the same name has neither.
    expect(result.jobs[0]!.call!.file).toBe(CALLER);
    const { called, step } = statusStep(result);
    expect(called.status).toBe('success');
    expect(step).toMatchObject({ kind: 'action', uses: '$/actions/promotion-status', status: 'success' });
    expect(step.log).not.toMatch(/copy ran/);
    expect(step.summary).toContain('### Promotion status of `acme/gitops`');
    expect(step.summary).toMatch(/\| `orders` \| 1\.5\.0 ✓ \| 1\.4\.2 ↓ ✓ \| 1\.4\.2 ✓ \|/);
    expect(step.summary).toContain(': 1 request (0 open promotion PRs, 9 deployments read)');
    expect(step.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(github.violations).toEqual([]);
  }, 180_000);

  it('fails with a drift annotation when an overlay on main names a version never deployed', async () => {
    const path = 'overlays/dev/kustomization.yaml';
    const overlay = await git(gitops.origin, 'show', `main:${path}`);
    const image = /name: (\S+\/orders)\n/.exec(overlay)![1]!;
    await gitops.pushToMain(
      { [path]: setImageVersion(overlay, { image, tag: '9.9.9' }) },
      'Set orders to 9.9.9 in dev by hand',
    );
    const result = await scheduledRun();
    expect(result.problems).toEqual([]);
    expect(result.conclusion).toBe('failure');
    const { called, step } = statusStep(result);
    expect(called.status).toBe('failure');
    const message =
      'drift: orders in dev: the overlay names 9.9.9, but the last successful deployment recorded 1.5.0 (merged but not deployed, or edited by hand)';
    expect(step.annotations).toContainEqual({
      level: 'error',
      message,
      properties: { title: 'Drift: orders in dev', file: path },
    });
    expect(step.outputs).toMatchObject({ drift: '1', waiting: '0', problems: JSON.stringify([message]) });
    expect(step.summary).toContain('| `orders` | 9.9.9 ⚠ drift |');
    expect(step.summary).toContain(`- ${message}`);
    expect(github.violations).toEqual([]);
  }, 180_000);

  it('dispatched with a max-age-hours that is not a number, fails naming it before any request', async () => {
    const before = github.requests.length;
    const result = await dispatchedRun({ 'max-age-hours': 'soon' });
    expect(result.problems).toEqual([]);
    expect(result.conclusion).toBe('failure');
    const { step } = statusStep(result);
    expect(step.annotations.map((a) => a.message)).toEqual([
      "Input 'max-age-hours': 'soon' is not a positive number of hours: use e.g. 72, or 0.5 for half an hour",
    ]);
    expect(step.summary).toBe('');
    expect(github.requests.slice(before).filter((r) => r.operationId === 'graphql')).toEqual([]);
  }, 180_000);
});
