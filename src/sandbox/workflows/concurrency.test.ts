// GitHub's concurrency rules on their own (./concurrency.ts) and the scheduler that waits on them
// (./scheduler.ts): one running, one pending and its replacement, cancel-in-progress, `queue: max`
// order and its limit of 100, the seeded shuffle of job-level arrivals, and groups evaluated from
// expressions (a job's `needs` outputs included).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConcurrencyGroups,
  MAX_PENDING,
  concurrencySettings,
  evaluateConcurrency,
  seededRandom,
  shuffled,
  type ConcurrencySettings,
} from './concurrency.js';
import { CONTEXTS_AT, pick } from './contexts.js';
import { child, jobDocument, loadWorkflow, type LoadedWorkflow } from './parser.js';
import { ConcurrencyScheduler, type Admission, type Entrant } from './scheduler.js';

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function loadWorkflowText(text: string): Promise<LoadedWorkflow> {
  const root = await mkdtemp(join(tmpdir(), 'concurrency-'));
  folders.push(root);
  await mkdir(join(root, '.github', 'workflows'), { recursive: true });
  await writeFile(join(root, '.github/workflows/w.yaml'), text);
  const loaded = await loadWorkflow(join(root, '.github/workflows/w.yaml'));
  expect(loaded.problems).toEqual([]);
  return loaded;
}

const single = (group = 'deploy'): ConcurrencySettings => ({
  group,
  cancelInProgress: false,
  queue: 'single',
});
const max = (group = 'deploy'): ConcurrencySettings => ({ group, cancelInProgress: false, queue: 'max' });
const cancelling = (group = 'deploy'): ConcurrencySettings => ({
  group,
  cancelInProgress: true,
  queue: 'single',
});
const REPLACED = "Canceling since a higher priority waiting request for 'deploy' exists";

describe('ConcurrencyGroups (the rules)', () => {
  it('one runs; the next waits; a newer pending one cancels the older pending one', () => {
    const groups = new ConcurrencyGroups<string>();
    expect(groups.enter('a', single())).toEqual({ start: true, cancelled: [] });
    expect(groups.enter('b', single())).toEqual({ start: false, cancelled: [] });
    expect(groups.enter('c', single())).toEqual({
      start: false,
      cancelled: [{ item: 'b', was: 'pending', reason: REPLACED }],
    });
    expect(groups.state('deploy')).toEqual({ running: 'a', pending: ['c'] });
    expect(groups.leave('a', 'deploy')).toBe('c');
    expect(groups.state('deploy')).toEqual({ running: 'c', pending: [] });
    expect(groups.leave('c', 'deploy')).toBeUndefined();
    expect(groups.enter('d', single())).toEqual({ start: true, cancelled: [] });
  });

  it('groups differ by name, case aside: Prod and prod are one group, dev another', () => {
    const groups = new ConcurrencyGroups<string>();
    expect(groups.enter('a', single('prod')).start).toBe(true);
    expect(groups.enter('b', single('dev')).start).toBe(true);
    expect(groups.enter('c', single('Prod')).start).toBe(false);
    expect(groups.state('PROD')).toEqual({ running: 'a', pending: ['c'] });
  });

  it('cancel-in-progress: the newcomer cancels the running one and the pending one, then runs', () => {
    const groups = new ConcurrencyGroups<string>();
    groups.enter('a', single());
    groups.enter('b', single());
    expect(groups.enter('c', cancelling())).toEqual({
      start: false,
      cancelled: [
        { item: 'a', was: 'running', reason: REPLACED },
        { item: 'b', was: 'pending', reason: REPLACED },
      ],
    });
    // The cancelled run holds the group until it has stopped.
    expect(groups.leave('a', 'deploy')).toBe('c');
  });

  it('a pending one that withdraws starts nothing; a stranger leaving changes nothing', () => {
    const groups = new ConcurrencyGroups<string>();
    groups.enter('a', max());
    groups.enter('b', max());
    groups.enter('c', max());
    expect(groups.leave('b', 'deploy')).toBeUndefined();
    expect(groups.leave('zzz', 'deploy')).toBeUndefined();
    expect(groups.state('deploy')).toEqual({ running: 'a', pending: ['c'] });
  });

  it('queue: max keeps every waiting one, in the order they came, and starts them in turn', () => {
    const groups = new ConcurrencyGroups<string>();
    const names = ['v1', 'v2', 'v3', 'v4', 'v5'];
    const admissions = names.map((name) => groups.enter(name, max()));
    expect(admissions.map((a) => a.start)).toEqual([true, false, false, false, false]);
    expect(admissions.flatMap((a) => a.cancelled)).toEqual([]);
    const order = ['v1'];
    for (let next = groups.leave('v1', 'deploy'); next; next = groups.leave(next, 'deploy')) order.push(next);
    expect(order).toEqual(names);
  });

  it(`queue: max holds ${MAX_PENDING} waiting; the next newcomer is cancelled, the queue kept`, () => {
    const groups = new ConcurrencyGroups<number>();
    groups.enter(0, max());
    for (let i = 1; i <= MAX_PENDING; i++) expect(groups.enter(i, max()).cancelled).toEqual([]);
    const refused = groups.enter(MAX_PENDING + 1, max());
    expect(refused.start).toBe(false);
    expect(refused.cancelled).toEqual([
      {
        item: MAX_PENDING + 1,
        was: 'arriving',
        reason: expect.stringContaining(`${MAX_PENDING} jobs or runs already wait`) as unknown,
      },
    ]);
    expect(groups.state('deploy').pending).toHaveLength(MAX_PENDING);
    expect(groups.state('deploy').pending[0]).toBe(1);
  });

  it('a queue: single newcomer replaces every one a queue: max left waiting', () => {
    const groups = new ConcurrencyGroups<string>();
    groups.enter('a', max());
    groups.enter('b', max());
    groups.enter('c', max());
    expect(groups.enter('d', single()).cancelled.map((c) => c.item)).toEqual(['b', 'c']);
    expect(groups.state('deploy').pending).toEqual(['d']);
  });
});

describe('concurrencySettings', () => {
  it('defaults to queue: single and refuses what GitHub refuses, in one line', () => {
    expect(concurrencySettings('w', 'g', false, undefined)).toEqual(single('g'));
    expect(() => concurrencySettings('w', 'g', true, 'max')).toThrow(
      "w: concurrency 'queue: max' cannot be combined with 'cancel-in-progress: true'",
    );
    expect(() => concurrencySettings('w', 'g', false, 'all')).toThrow(
      "w: concurrency queue 'all' is not allowed; use 'single' or 'max'",
    );
    expect(() => concurrencySettings('w', ' ', false, undefined)).toThrow(
      'w: the concurrency group evaluated to an empty string',
    );
  });
});

describe('evaluateConcurrency (expressions as GitHub evaluates them there)', () => {
  const WORKFLOW = `on:
  workflow_dispatch:
    inputs:
      service: { type: string, required: true }
concurrency: release-\${{ inputs.service }}
jobs:
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
      group: deploy-\${{ needs.target.outputs.overlay }}-\${{ inputs.service }}
      cancel-in-progress: \${{ vars.CANCEL == 'yes' }}
      queue: \${{ vars.QUEUE }}
    steps:
      - run: echo deploy
`;

  it('the workflow level from github, inputs and vars; a bare string is the group', async () => {
    const loaded = await loadWorkflowText(WORKFLOW);
    const settings = evaluateConcurrency(
      child(loaded.document, 'concurrency'),
      pick({ github: {}, inputs: { service: 'orders' }, vars: {} }, CONTEXTS_AT.workflowConcurrency),
      'w',
    );
    expect(settings).toEqual(single('release-orders'));
    expect(evaluateConcurrency(undefined, {}, 'w')).toBeUndefined();
  });

  it('the job level from needs outputs, with cancel-in-progress and queue from expressions', async () => {
    const loaded = await loadWorkflowText(WORKFLOW);
    const token = child(jobDocument(loaded, 'deploy'), 'concurrency');
    const contexts = (vars: Record<string, string>) =>
      pick(
        {
          github: {},
          inputs: { service: 'orders' },
          vars,
          needs: { target: { result: 'success', outputs: { overlay: 'uat' } } },
          strategy: {},
          matrix: {},
        },
        CONTEXTS_AT.jobConcurrency,
      );
    expect(evaluateConcurrency(token, contexts({ QUEUE: 'max' }), 'j')).toEqual(max('deploy-uat-orders'));
    expect(evaluateConcurrency(token, contexts({ CANCEL: 'yes' }), 'j')).toEqual(
      cancelling('deploy-uat-orders'),
    );
    expect(() => evaluateConcurrency(token, contexts({ CANCEL: 'yes', QUEUE: 'max' }), 'j')).toThrow(
      /cannot be combined/,
    );
  });
});

describe('the seeded shuffle', () => {
  it('the same seed gives the same order; other seeds give other orders; nothing is lost', () => {
    const items = Array.from({ length: 8 }, (_, i) => i);
    const once = shuffled(items, seededRandom(7));
    expect(shuffled(items, seededRandom(7))).toEqual(once);
    expect([...once].sort((a, b) => a - b)).toEqual(items);
    const orders = new Set(
      Array.from({ length: 10 }, (_, seed) => shuffled(items, seededRandom(seed)).join()),
    );
    expect(orders.size).toBeGreaterThan(5);
  });
});

describe('ConcurrencyScheduler', () => {
  const entrant = (
    label: string,
    settings: ConcurrencySettings,
    level: Entrant['level'] = 'workflow',
    cancels: string[] = [],
    signal?: AbortSignal,
  ): Entrant => ({
    label,
    level,
    settings,
    onCancel: (reason) => cancels.push(`${label}: ${reason}`),
    ...(signal ? { signal } : {}),
  });
  const leaseOf = (admission: Admission) => {
    if (!('lease' in admission)) throw new Error(`cancelled: ${admission.cancelled}`);
    return admission.lease;
  };

  it('workflow-level entries keep the order the runs were created in, however late they arrive', async () => {
    const scheduler = new ConcurrencyScheduler();
    const first = scheduler.reserve();
    const second = scheduler.reserve();
    const third = scheduler.reserve();
    // The third run is read first, the first last: the order is still first, second, third.
    const c = third.acquire(entrant('third', single()));
    const b = second.acquire(entrant('second', single()));
    await new Promise((r) => setTimeout(r, 20));
    const a = first.acquire(entrant('first', single()));
    const lease = leaseOf(await a);
    // second pending, then third replaced it.
    expect(await b).toEqual({ cancelled: REPLACED });
    lease.release();
    leaseOf(await c).release();
    expect(scheduler.log).toEqual([
      "first runs in 'deploy'",
      "second pending in 'deploy'",
      "second cancelled (pending) in 'deploy'",
      "third pending in 'deploy'",
      "first leaves 'deploy'",
      "third runs in 'deploy'",
      "third leaves 'deploy'",
    ]);
  });

  it('a skipped slot lets the next run through', async () => {
    const scheduler = new ConcurrencyScheduler();
    const first = scheduler.reserve();
    const second = scheduler.reserve();
    first.skip();
    leaseOf(await second.acquire(entrant('second', single()))).release();
  });

  it('cancel-in-progress tells the running one; it starts the newcomer once it has left', async () => {
    const scheduler = new ConcurrencyScheduler();
    const cancels: string[] = [];
    const lease = leaseOf(await scheduler.acquire(entrant('old', single(), 'job', cancels)));
    const newer = scheduler.acquire(entrant('new', cancelling(), 'job', cancels));
    expect(cancels).toEqual([`old: ${REPLACED}`]);
    let started = false;
    void newer.then(() => (started = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toBe(false);
    lease.release();
    leaseOf(await newer).release();
  });

  it('a run cancelled while its job waits withdraws the job from the group', async () => {
    const scheduler = new ConcurrencyScheduler();
    const lease = leaseOf(await scheduler.acquire(entrant('a', max(), 'job')));
    const run = new AbortController();
    const waiting = scheduler.acquire(entrant('b', max(), 'job', [], run.signal));
    const after = scheduler.acquire(entrant('c', max(), 'job'));
    run.abort('The run was canceled');
    expect(await waiting).toEqual({ cancelled: 'The run was canceled' });
    lease.release();
    leaseOf(await after).release();
  });

  it('shuffle: job-level arrivals close together enter in the seed’s order, an older one last', async () => {
    // Find a seed that puts the newer deploy first, so the older one ends up running last.
    const seed = [...Array(50).keys()].find(
      (s) => shuffled(['v2', 'v3'], seededRandom(s)).join() === 'v3,v2',
    )!;
    const scheduler = new ConcurrencyScheduler({ shuffle: { seed, windowMs: 30 } });
    const running = scheduler.acquire(entrant('v1', single(), 'job'));
    const lease = leaseOf(await running);
    const v2 = scheduler.acquire(entrant('v2', single(), 'job'));
    const v3 = scheduler.acquire(entrant('v3', single(), 'job'));
    // v3 entered first and waited; v2 came "later" and replaced it.
    expect(await v3).toEqual({ cancelled: REPLACED });
    lease.release();
    leaseOf(await v2).release();
    expect(scheduler.log.filter((line) => line.includes('runs in'))).toEqual([
      "v1 runs in 'deploy'",
      "v2 runs in 'deploy'",
    ]);
  });
});
