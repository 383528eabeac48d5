// Concurrency through the runner: small workflows (run: steps only) dispatched through the GitHub
// stand-in and started by the dispatcher, as GitHub would run them. Runs without a group overlap;
// a workflow-level group runs one and replaces the pending one; cancel-in-progress stops the running
// run before its next step; queue: max runs every one in order; a job-level group keyed on `needs`
// outputs, shuffled with a seed, lets an older deploy run last.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { createSandboxRepository, type SandboxRepository } from '../workspace.js';
import { seededRandom, shuffled } from './concurrency.js';
import { createWorkflowDispatcher, type DispatchedRun, type WorkflowDispatcher } from './dispatcher.js';
import type { SchedulerOptions } from './scheduler.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let repo: SandboxRepository | undefined;
let github: GitHubStandIn | undefined;
let dispatcher: WorkflowDispatcher | undefined;
let work: string | undefined;

afterEach(async () => {
  dispatcher?.dispose();
  await github?.close();
  await repo?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
  dispatcher = github = repo = work = undefined;
});

/** A sandbox whose only workflow is `w.yaml`; every step appends to `<root>/trace`. */
async function sandbox(
  workflow: string,
  concurrency?: SchedulerOptions,
  others: Record<string, string> = {},
) {
  repo = await createSandboxRepository({ source: ROOT, paths: ['base'] });
  const files = Object.fromEntries(
    Object.entries(others).map(([name, text]) => [`.github/workflows/${name}`, text]),
  );
  await repo.pushToMain({ ...files, '.github/workflows/w.yaml': workflow }, 'Add the workflows');
  work = await repo.checkout('workflows');
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: {},
  });
  const trace = join(repo.root, 'trace');
  await writeFile(trace, '');
  dispatcher = createWorkflowDispatcher({
    repository: repo,
    github,
    tokenMode: 'github-token',
    workflowsDir: join(work, '.github', 'workflows'),
    env: { TRACE: trace },
    ...(concurrency ? { concurrency } : {}),
    ...(process.env.SANDBOX_TRACE ? { onProgress: (line: string) => console.log(line) } : {}),
  });
  return {
    github,
    dispatcher,
    dispatch: (inputs: Record<string, string>) =>
      github!.dispatchWorkflow('w.yaml', { ref: 'main', inputs, login: 'mona' }),
    /** `GET /repos/{owner}/{repo}/actions/runs` as a client reads it: newest first. */
    listRuns: async (query = '') => {
      github!.registerToken('reader-token', { login: 'mona', type: 'User' });
      const response = await fetch(`${github!.url}/repos/${repo!.owner}/${repo!.repo}/actions/runs${query}`, {
        headers: { authorization: 'Bearer reader-token', accept: 'application/vnd.github+json' },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as {
        total_count: number;
        workflow_runs: { id: number; display_title: string; status: string; conclusion: string | null }[];
      };
    },
    /** The lines the steps wrote, in the order they wrote them. */
    trace: async () => (await readFile(trace, 'utf8')).split('\n').filter(Boolean),
  };
}

const byVersion = (runs: DispatchedRun[]) =>
  Object.fromEntries(
    runs.map((run) => [
      (run.result?.runName ?? '').replace(/^deploy /, ''),
      run.result?.conclusion ?? String(run.error),
    ]),
  );

/** Polls `test` every 25 ms, for up to 15 s. */
async function until(test: () => boolean | Promise<boolean>, what: () => string): Promise<void> {
  for (let i = 0; i < 600 && !(await test()); i++) await new Promise((r) => setTimeout(r, 25));
  if (!(await test())) throw new Error(`never happened: ${what()}`);
}

/** Waits until the scheduler's log passes `test` (e.g. a run entered its group). */
const untilLogged = (d: WorkflowDispatcher, test: (log: string[]) => boolean) =>
  until(
    () => test(d.scheduler.log),
    () => `log: ${d.scheduler.log.join(' | ')}`,
  );

/**
 * Waits until a step wrote `line`: on a loaded machine a step starts well after its run entered its
 * group, and a cancellation must meet a running step, not one yet to start.
 */
const untilTraced = (s: { trace(): Promise<string[]> }, line: string) =>
  until(
    async () => (await s.trace()).includes(line),
    () => `'${line}' in the trace`,
  );

const header = (concurrency: string) => `name: deploy
run-name: deploy \${{ inputs.version }}
on:
  workflow_dispatch:
    inputs:
      version: { type: string, required: true }
      seconds: { type: string, default: '0.6' }
${concurrency}
`;

const slowJob = `jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - env:
          VERSION: \${{ inputs.version }}
          SECONDS_: \${{ inputs.seconds }}
        run: |
          echo "start $VERSION" >> "$TRACE"
          sleep "$SECONDS_"
      - env:
          VERSION: \${{ inputs.version }}
        run: echo "end $VERSION" >> "$TRACE"
      - if: cancelled()
        env:
          VERSION: \${{ inputs.version }}
        run: echo "cleanup $VERSION" >> "$TRACE"
`;

describe('runs without a concurrency group', () => {
  it('run at the same time, as GitHub runs them: each starts before the other ends', async () => {
    const s = await sandbox(header('') + slowJob);
    await s.dispatch({ version: 'a', seconds: '1.5' });
    await s.dispatch({ version: 'b', seconds: '1.5' });
    await s.dispatcher.idle();
    expect(byVersion(s.dispatcher.runs)).toEqual({ a: 'success', b: 'success' });
    const trace = await s.trace();
    expect(trace.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    expect(trace.slice(2).sort()).toEqual(['end a', 'end b']);
  });
});

describe('a workflow-level group', () => {
  it('one runs, one waits; a newer pending run cancels the older pending one', async () => {
    const s = await sandbox(header('concurrency: deploy-${{ github.ref }}') + slowJob);
    await s.dispatch({ version: '1.6.1' });
    await s.dispatch({ version: '1.6.2' });
    await s.dispatch({ version: '1.6.3' });
    await s.dispatcher.idle();
    expect(byVersion(s.dispatcher.runs)).toEqual({
      '1.6.1': 'success',
      '1.6.2': 'cancelled',
      '1.6.3': 'success',
    });
    expect(await s.trace()).toEqual(['start 1.6.1', 'end 1.6.1', 'start 1.6.3', 'end 1.6.3']);
    const cancelled = s.dispatcher.runs[1]!.result!;
    expect(cancelled.jobs).toEqual([]);
    expect(cancelled.cancelled).toBe(
      "Canceling since a higher priority waiting request for 'deploy-refs/heads/main' exists",
    );
    expect(s.dispatcher.failures()).toEqual([]);

    // The run list GitHub serves shows the replaced run as cancelled, newest first.
    const listed = await s.listRuns();
    expect(listed.workflow_runs.map((r) => [r.display_title, r.status, r.conclusion])).toEqual([
      ['deploy 1.6.3', 'completed', 'success'],
      ['deploy 1.6.2', 'completed', 'cancelled'],
      ['deploy 1.6.1', 'completed', 'success'],
    ]);
    expect((await s.listRuns('?status=cancelled')).workflow_runs.map((r) => r.display_title)).toEqual([
      'deploy 1.6.2',
    ]);
    expect(s.github.violations, 'each run list answer is valid for GitHub’s description').toEqual([]);
  });

  it('cancel-in-progress: true cancels the running run: its step is stopped, its next step never runs', async () => {
    const s = await sandbox(header('concurrency:\n  group: deploy\n  cancel-in-progress: true') + slowJob);
    await s.dispatch({ version: '1.6.1', seconds: '60' });
    await untilLogged(s.dispatcher, (log) => log.some((line) => line.endsWith("runs in 'deploy'")));
    await untilTraced(s, 'start 1.6.1');
    await s.dispatch({ version: '1.6.2' });
    await s.dispatcher.idle();
    expect(byVersion(s.dispatcher.runs)).toEqual({ '1.6.1': 'cancelled', '1.6.2': 'success' });
    const trace = await s.trace();
    // The cancelled run's `if: cancelled()` step still runs; its next ordinary step does not.
    expect(trace).toEqual(['start 1.6.1', 'cleanup 1.6.1', 'start 1.6.2', 'end 1.6.2']);
    const cancelled = s.dispatcher.runs[0]!.result!;
    // Stopped in its minute-long sleep, as the runner stops a cancelled step (SIGINT to its processes).
    expect(cancelled.durationMs).toBeLessThan(30_000);
    const job = cancelled.jobs[0]!;
    expect(job.status).toBe('cancelled');
    expect(job.steps.map((step) => [step.status, step.error])).toEqual([
      ['cancelled', 'The operation was canceled.'],
      ['skipped', undefined],
      ['success', undefined],
    ]);
    expect(job.errors).toEqual(["Canceling since a higher priority waiting request for 'deploy' exists"]);
  });

  it('queue: max keeps every pending run and runs them in the order they came', async () => {
    const s = await sandbox(header('concurrency:\n  group: deploy\n  queue: max') + slowJob);
    await s.dispatch({ version: '1.6.1', seconds: '1.5' });
    await untilLogged(s.dispatcher, (log) => log.some((line) => line.endsWith("runs in 'deploy'")));
    for (const version of ['1.6.2', '1.6.3', '1.6.4']) await s.dispatch({ version, seconds: '0.2' });
    await untilLogged(s.dispatcher, (log) => log.filter((line) => line.includes('pending')).length === 3);
    // While they wait, the run list shows them pending (GitHub's status for a run held by its group).
    expect((await s.listRuns()).workflow_runs.map((r) => [r.display_title, r.status])).toEqual([
      ['deploy 1.6.4', 'pending'],
      ['deploy 1.6.3', 'pending'],
      ['deploy 1.6.2', 'pending'],
      ['deploy 1.6.1', 'in_progress'],
    ]);
    await s.dispatcher.idle();
    expect(Object.values(byVersion(s.dispatcher.runs))).toEqual(['success', 'success', 'success', 'success']);
    expect((await s.trace()).filter((line) => line.startsWith('start'))).toEqual([
      'start 1.6.1',
      'start 1.6.2',
      'start 1.6.3',
      'start 1.6.4',
    ]);
  });

  it('queue: max with cancel-in-progress: true fails the run before any job, as GitHub refuses it', async () => {
    const s = await sandbox(
      header(
        "concurrency:\n  group: deploy\n  queue: max\n  cancel-in-progress: ${{ inputs.version != '' }}",
      ) + slowJob,
    );
    await s.dispatch({ version: '1.6.1' });
    await s.dispatcher.idle();
    const result = s.dispatcher.runs[0]!.result!;
    expect(result.conclusion).toBe('failure');
    expect(result.jobs).toEqual([]);
    expect(result.problems.map((p) => p.message)).toEqual([
      ".github/workflows/w.yaml: concurrency: concurrency 'queue: max' cannot be combined with 'cancel-in-progress: true' (a workflow validation error on GitHub)",
    ]);
  });
});

describe('a cancelled run', () => {
  it('cancels its running job, then runs the jobs whose if: is always()', async () => {
    const s = await sandbox(
      header('concurrency:\n  group: deploy\n  cancel-in-progress: true') +
        `jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - env:
          VERSION: \${{ inputs.version }}
          SECONDS_: \${{ inputs.seconds }}
        run: |
          echo "deploy $VERSION" >> "$TRACE"
          sleep "$SECONDS_"
  report:
    needs: deploy
    if: always()
    runs-on: ubuntu-latest
    steps:
      - env:
          VERSION: \${{ inputs.version }}
          RESULT: \${{ needs.deploy.result }}
        run: echo "report $VERSION $RESULT" >> "$TRACE"
`,
    );
    await s.dispatch({ version: '1.6.1', seconds: '60' });
    await untilLogged(s.dispatcher, (log) => log.some((line) => line.endsWith("runs in 'deploy'")));
    await untilTraced(s, 'deploy 1.6.1');
    await s.dispatch({ version: '1.6.2', seconds: '0' });
    await s.dispatcher.idle();
    expect(byVersion(s.dispatcher.runs)).toEqual({ '1.6.1': 'cancelled', '1.6.2': 'success' });
    expect(s.dispatcher.runs[0]!.result!.jobs.map((j) => [j.id, j.status])).toEqual([
      ['deploy', 'cancelled'],
      ['report', 'success'],
    ]);
    expect(await s.trace()).toEqual([
      'deploy 1.6.1',
      'report 1.6.1 cancelled',
      'deploy 1.6.2',
      'report 1.6.2 success',
    ]);
  });

  it('lets a running job whose if: is always() finish its steps', async () => {
    const s = await sandbox(
      header('concurrency:\n  group: deploy\n  cancel-in-progress: true') +
        `jobs:
  deploy:
    if: always()
    runs-on: ubuntu-latest
    steps:
      - env:
          VERSION: \${{ inputs.version }}
          SECONDS_: \${{ inputs.seconds }}
        run: |
          sleep "$SECONDS_"
          echo "deployed $VERSION" >> "$TRACE"
`,
    );
    await s.dispatch({ version: '1.6.1', seconds: '2' });
    await untilLogged(s.dispatcher, (log) => log.some((line) => line.endsWith("runs in 'deploy'")));
    await s.dispatch({ version: '1.6.2', seconds: '0' });
    await s.dispatcher.idle();
    expect(s.dispatcher.runs[0]!.result!.jobs.map((j) => [j.id, j.status])).toEqual([['deploy', 'success']]);
    expect(await s.trace()).toEqual(['deployed 1.6.1', 'deployed 1.6.2']);
  });
});

describe('groups a job cannot hold', () => {
  it('the run’s own group at the job level: the job is cancelled for the deadlock, as GitHub does', async () => {
    const s = await sandbox(
      header('concurrency: deploy') +
        `jobs:
  deploy:
    runs-on: ubuntu-latest
    concurrency: Deploy
    steps:
      - run: echo "never" >> "$TRACE"
`,
    );
    await s.dispatch({ version: '1.6.1' });
    await s.dispatcher.idle();
    const result = s.dispatcher.runs[0]!.result!;
    expect(result.conclusion).toBe('cancelled');
    expect(result.jobs[0]!.errors).toEqual([
      "Canceling since a deadlock for concurrency group 'Deploy' was detected between 'top level workflow' and 'deploy'",
    ]);
    expect(await s.trace()).toEqual([]);
  });
});

describe('a called workflow’s own concurrency group', () => {
  it('holds its callers: one call runs, a newer pending call replaces the older one', async () => {
    const callee = `on:
  workflow_call:
    inputs:
      version: { type: string, required: true }
      seconds: { type: string, required: true }
concurrency: deploy-\${{ inputs.version == 'x' && 'x' || 'dev' }}
${slowJob}`;
    const s = await sandbox(
      header('') +
        `jobs:
  call:
    uses: ./.github/workflows/callee.yaml
    with:
      version: \${{ inputs.version }}
      seconds: \${{ inputs.seconds }}
`,
      undefined,
      { 'callee.yaml': callee },
    );
    await s.dispatch({ version: '1.6.1', seconds: '2' });
    await untilLogged(s.dispatcher, (log) => log.some((line) => line.endsWith("runs in 'deploy-dev'")));
    await s.dispatch({ version: '1.6.2' });
    await untilLogged(s.dispatcher, (log) => log.some((line) => line.includes('pending')));
    await s.dispatch({ version: '1.6.3' });
    await s.dispatcher.idle();
    expect(byVersion(s.dispatcher.runs)).toEqual({
      '1.6.1': 'success',
      '1.6.2': 'cancelled',
      '1.6.3': 'success',
    });
    expect(await s.trace()).toEqual(['start 1.6.1', 'end 1.6.1', 'start 1.6.3', 'end 1.6.3']);
  });
});

describe('a job-level group keyed on needs outputs', () => {
  const workflow =
    header('') +
    `jobs:
  target:
    runs-on: ubuntu-latest
    outputs:
      overlay: \${{ steps.t.outputs.overlay }}
    steps:
      - id: t
        run: echo "overlay=dev" >> "$GITHUB_OUTPUT"
  deploy:
    needs: target
    runs-on: ubuntu-latest
    concurrency:
      group: deploy-\${{ needs.target.outputs.overlay }}
    steps:
      - env:
          VERSION: \${{ inputs.version }}
          SECONDS_: \${{ inputs.seconds }}
        run: |
          echo "start $VERSION" >> "$TRACE"
          sleep "$SECONDS_"
          echo "end $VERSION" >> "$TRACE"
  after:
    needs: deploy
    runs-on: ubuntu-latest
    steps:
      - run: echo "after" >> "$TRACE"
`;

  it('with a seeded shuffle, deploys queued close together can end with the older one last', async () => {
    // A seed that enters 1.6.3's deploy before 1.6.2's: 1.6.2 then replaces it as the pending one.
    const seed = [...Array(50).keys()].find(
      (candidate) => shuffled(['1.6.2', '1.6.3'], seededRandom(candidate)).join() === '1.6.3,1.6.2',
    )!;
    const s = await sandbox(workflow, { shuffle: { seed, windowMs: 1500 } });
    await s.dispatch({ version: '1.6.1', seconds: '3' });
    await untilLogged(s.dispatcher, (log) => log.some((line) => line.endsWith("runs in 'deploy-dev'")));
    await s.dispatch({ version: '1.6.2' });
    await s.dispatch({ version: '1.6.3' });
    await s.dispatcher.idle();

    expect(byVersion(s.dispatcher.runs)).toEqual({
      '1.6.1': 'success',
      '1.6.2': 'success',
      '1.6.3': 'cancelled',
    });
    expect((await s.trace()).filter((line) => line.startsWith('start'))).toEqual([
      'start 1.6.1',
      'start 1.6.2',
    ]);
    const newer = s.dispatcher.runs[2]!.result!;
    expect(newer.jobs.map((j) => [j.id, j.status])).toEqual([
      ['target', 'success'],
      ['deploy', 'cancelled'],
      ['after', 'skipped'],
    ]);
    expect(newer.jobs[1]!.concurrency).toEqual({
      group: 'deploy-dev',
      cancelInProgress: false,
      queue: 'single',
    });
  });

  it('without the shuffle, the one that reached the group last is the one that runs', async () => {
    const s = await sandbox(workflow);
    await s.dispatch({ version: '1.6.1', seconds: '2' });
    await untilLogged(s.dispatcher, (log) => log.some((line) => line.endsWith("runs in 'deploy-dev'")));
    await s.dispatch({ version: '1.6.2' });
    await untilLogged(s.dispatcher, (log) =>
      log.some((line) => line.startsWith('run') && line.includes('pending')),
    );
    await s.dispatch({ version: '1.6.3' });
    await s.dispatcher.idle();
    expect(byVersion(s.dispatcher.runs)).toEqual({
      '1.6.1': 'success',
      '1.6.2': 'cancelled',
      '1.6.3': 'success',
    });
  });
});
