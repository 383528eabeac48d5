/**
 * GitHub's concurrency groups, the rules alone (no timers, no promises; ./scheduler.ts waits on them).
 *
 * Followed from GitHub's docs, "Control the concurrency of workflows and jobs"
 * (https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency),
 * the workflow syntax of `concurrency` and `jobs.<job_id>.concurrency`
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#concurrency), and
 * the changelog "GitHub Actions concurrency groups now allow larger queues"
 * (https://github.blog/changelog/2026-05-07-github-actions-concurrency-groups-now-allow-larger-queues):
 *
 * - At most one job or workflow run of a group runs at a time, per repository; the name is
 *   case-insensitive (`prod` and `Prod` are one group). Without a group, nothing waits.
 * - `queue: single` (the default): at most one is pending. A newcomer that must wait cancels the one
 *   already pending and takes its place ("Canceling since a higher priority waiting request for
 *   '<group>' exists", the message runs show).
 * - `queue: max` (github.com since 2026-05; not GHES): up to 100 wait, and start in the order they
 *   began to wait; once 100 wait, a newcomer is cancelled.
 * - `cancel-in-progress: true` also cancels the one running. Combined with `queue: max` it is a
 *   workflow validation error.
 * - Order is first-come first-served by the time each began waiting on the group, "not guaranteed"
 *   since start times vary: for jobs queued close together, ./scheduler.ts may shuffle the arrivals
 *   (seeded, see {@link shuffled}) so a test can show an older deploy running last.
 *
 * Which setting decides is the newcomer's: its `cancel-in-progress` (the docs evaluate it for the new
 * job or run) and its `queue` (a `single` newcomer replaces whatever waits).
 */
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { evaluateToken, isTruthy, toText, type Contexts } from './expressions.js';
import { child } from './parser.js';

export type QueueMode = 'single' | 'max';

/** A `concurrency:` block as evaluated for one run or job. */
export interface ConcurrencySettings {
  /** As written (messages show it); compared case-insensitively. */
  group: string;
  cancelInProgress: boolean;
  queue: QueueMode;
}

/** `queue: max`: how many may wait in one group. */
export const MAX_PENDING = 100;

/** A run or job that has to stop, and the line GitHub shows on it. */
export interface Cancellation<T> {
  item: T;
  /** Whether it was running (cancel it) or pending (it never starts). */
  was: 'running' | 'pending' | 'arriving';
  reason: string;
}

export interface Admission<T> {
  /** The newcomer starts now. */
  start: boolean;
  /** Everything that stops because of it (the newcomer itself when the queue is full). */
  cancelled: Cancellation<T>[];
}

/**
 * The settings a `concurrency:` block gives, from its evaluated values: a bare string is the group;
 * `cancel-in-progress` defaults to false and `queue` to `single`. Throws GitHub's refusal (one line)
 * for an empty group, an unknown queue mode, or `queue: max` with `cancel-in-progress: true`.
 */
export function concurrencySettings(
  where: string,
  group: string,
  cancelInProgress: boolean,
  queue: string | undefined,
): ConcurrencySettings {
  if (group.trim() === '') throw new Error(`${where}: the concurrency group evaluated to an empty string`);
  const mode = queue === undefined || queue === '' ? 'single' : queue;
  if (mode !== 'single' && mode !== 'max') {
    throw new Error(`${where}: concurrency queue '${mode}' is not allowed; use 'single' or 'max'`);
  }
  if (mode === 'max' && cancelInProgress) {
    throw new Error(
      `${where}: concurrency 'queue: max' cannot be combined with 'cancel-in-progress: true' (a workflow validation error on GitHub)`,
    );
  }
  return { group, cancelInProgress, queue: mode };
}

/**
 * A `concurrency:` block (a string, or a mapping of `group`, `cancel-in-progress`, `queue`) evaluated
 * with the contexts GitHub gives at that place: `github`, `inputs`, `vars` at the workflow level, and
 * `needs`, `strategy`, `matrix` too at the job level. Undefined when there is no block.
 */
export function evaluateConcurrency(
  token: TemplateToken | undefined,
  contexts: Contexts,
  where: string,
): ConcurrencySettings | undefined {
  if (!token) return undefined;
  const mapping = token.templateTokenType === 2;
  const group = toText(evaluateToken(mapping ? child(token, 'group') : token, contexts));
  const cancelInProgress = mapping && isTruthy(evaluateToken(child(token, 'cancel-in-progress'), contexts));
  const queueToken = mapping ? child(token, 'queue') : undefined;
  const queue = queueToken ? toText(evaluateToken(queueToken, contexts)) : undefined;
  return concurrencySettings(where, group, cancelInProgress, queue);
}

export function groupKey(group: string): string {
  return group.toLowerCase();
}

const replacedBy = (group: string): string =>
  `Canceling since a higher priority waiting request for '${group}' exists`;

interface GroupState<T> {
  running: T | undefined;
  pending: T[];
}

/** Every group of one repository: who runs, who waits, in order. */
export class ConcurrencyGroups<T> {
  private readonly groups = new Map<string, GroupState<T>>();

  /** A run or job reaches its group: it starts, waits, or is cancelled, and may cancel others. */
  enter(item: T, settings: ConcurrencySettings): Admission<T> {
    const key = groupKey(settings.group);
    let state = this.groups.get(key);
    if (!state) {
      state = { running: undefined, pending: [] };
      this.groups.set(key, state);
    }
    const cancelled: Cancellation<T>[] = [];
    const reason = replacedBy(settings.group);
    if (settings.cancelInProgress && state.running !== undefined) {
      // The running one is told to stop; it holds the group until it has (leave()).
      cancelled.push({ item: state.running, was: 'running', reason });
    }
    if (state.running === undefined && state.pending.length === 0) {
      state.running = item;
      return { start: true, cancelled };
    }
    if (settings.queue === 'single' || settings.cancelInProgress) {
      for (const waiting of state.pending) cancelled.push({ item: waiting, was: 'pending', reason });
      state.pending = [item];
      return { start: false, cancelled };
    }
    if (state.pending.length >= MAX_PENDING) {
      cancelled.push({
        item,
        was: 'arriving',
        reason: `Canceling since ${MAX_PENDING} jobs or runs already wait in concurrency group '${settings.group}' (queue: max)`,
      });
      return { start: false, cancelled };
    }
    state.pending.push(item);
    return { start: false, cancelled };
  }

  /**
   * A run or job leaves its group (finished, cancelled, or withdrawn while pending). Returns the one
   * that starts in its place, if any.
   */
  leave(item: T, group: string): T | undefined {
    const key = groupKey(group);
    const state = this.groups.get(key);
    if (!state) return undefined;
    const index = state.pending.indexOf(item);
    if (index >= 0) {
      state.pending.splice(index, 1);
    } else if (state.running === item) {
      state.running = state.pending.shift();
    } else {
      return undefined;
    }
    if (state.running === undefined && state.pending.length === 0) this.groups.delete(key);
    return index >= 0 ? undefined : state.running;
  }

  /** Who runs and who waits, for tests and progress lines. */
  state(group: string): { running: T | undefined; pending: readonly T[] } {
    const state = this.groups.get(groupKey(group));
    return { running: state?.running, pending: [...(state?.pending ?? [])] };
  }
}

/**
 * A seeded pseudo-random sequence in [0, 1) (mulberry32): the same seed gives the same order, so a
 * test that shows one order can be replayed.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A copy of `items` in the order `random` picks (Fisher-Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
