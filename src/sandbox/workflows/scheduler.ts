// Waiting on concurrency groups (the rules are ./concurrency.ts): one scheduler per repository, shared
// by every run the dispatcher starts. A run or job asks for its group and gets either a lease (it
// runs, then releases) or a cancellation, and is told when a newcomer cancels it while it runs.
//
// Order: workflow-level groups are entered in the order the runs were created (the dispatcher
// reserves a place per run, see `reserve`), however long each run takes to read its files. Job-level
// entries arrive when their jobs get there; with `shuffle`, the entries that arrive within
// `windowMs` of each other are entered in a seeded random order, because GitHub promises no order
// for jobs queued close together.
import {
  ConcurrencyGroups,
  seededRandom,
  shuffled,
  type Cancellation,
  type ConcurrencySettings,
} from './concurrency.js';

export interface SchedulerOptions {
  /** Shuffle job-level arrivals that come close together (seeded; off by default: arrival order). */
  shuffle?: { seed: number; windowMs?: number };
}

/** Who asks for a group: a run (workflow level) or one job of a run. */
export interface Entrant {
  /** For progress lines and tests, e.g. `run 9000000001` or `run 9000000001 job deploy`. */
  label: string;
  level: 'workflow' | 'job';
  settings: ConcurrencySettings;
  /** A newcomer cancels this one while it runs (`cancel-in-progress: true`). */
  onCancel: (reason: string) => void;
  /** The run itself was cancelled while this waited: it leaves the group without starting. */
  signal?: AbortSignal;
  /** It waits in its group (GitHub lists such a run as `pending`). */
  onPending?: () => void;
}

export type Admission = { lease: Lease } | { cancelled: string };

export interface Lease {
  /** Leaves the group; the next one waiting starts. Idempotent. */
  release(): void;
}

/** A run's place in the order of workflow-level entries: acquire or skip it, exactly once. */
export interface RunSlot {
  acquire(entrant: Entrant): Promise<Admission>;
  /** The run has no workflow-level group (or failed before it got there). Idempotent. */
  skip(): void;
}

interface Waiter {
  entrant: Entrant;
  resolve: (admission: Admission) => void;
}

export class ConcurrencyScheduler {
  private readonly groups = new ConcurrencyGroups<Waiter>();
  private readonly random: (() => number) | undefined;
  private readonly windowMs: number;
  private batch: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();
  /** Every decision, in order, for tests and the demo's account of a run. */
  readonly log: string[] = [];

  constructor(options: SchedulerOptions = {}) {
    this.random = options.shuffle ? seededRandom(options.shuffle.seed) : undefined;
    this.windowMs = options.shuffle?.windowMs ?? 250;
  }

  /** A place for one run's workflow-level group, in the order runs are created. */
  reserve(): RunSlot {
    const previous = this.tail;
    let done!: () => void;
    this.tail = new Promise<void>((resolve) => (done = resolve));
    let used = false;
    return {
      acquire: async (entrant) => {
        if (used) throw new Error(`${entrant.label}: its run slot was already used`);
        used = true;
        await previous;
        // enter() decides before the next run's entry is looked at.
        const admission = this.acquire(entrant);
        done();
        return admission;
      },
      skip: () => {
        if (used) return;
        used = true;
        void previous.then(done);
      },
    };
  }

  /** Asks for a group. Resolves with a lease once it may run, or with why it was cancelled. */
  acquire(entrant: Entrant): Promise<Admission> {
    return new Promise<Admission>((resolve) => {
      const waiter: Waiter = { entrant, resolve };
      if (entrant.signal?.aborted) {
        resolve({ cancelled: 'The run was canceled' });
        return;
      }
      if (entrant.level === 'job' && this.random) {
        this.batch.push(waiter);
        this.timer ??= setTimeout(() => this.flush(), this.windowMs);
        return;
      }
      this.enter(waiter);
    });
  }

  private flush(): void {
    this.timer = undefined;
    const batch = shuffled(this.batch, this.random!);
    this.batch = [];
    for (const waiter of batch) {
      if (waiter.entrant.signal?.aborted) waiter.resolve({ cancelled: 'The run was canceled' });
      else this.enter(waiter);
    }
  }

  private enter(waiter: Waiter): void {
    const { entrant } = waiter;
    const admission = this.groups.enter(waiter, entrant.settings);
    for (const cancellation of admission.cancelled) this.cancel(cancellation);
    if (admission.start) {
      this.start(waiter);
      return;
    }
    if (admission.cancelled.some((c) => c.item === waiter)) return;
    this.log.push(`${entrant.label} pending in '${entrant.settings.group}'`);
    entrant.onPending?.();
    // A run cancelled while its job waits takes the job out of the group.
    entrant.signal?.addEventListener(
      'abort',
      () => {
        if (this.groups.state(entrant.settings.group).pending.includes(waiter)) {
          this.groups.leave(waiter, entrant.settings.group);
          this.log.push(`${entrant.label} withdrawn from '${entrant.settings.group}'`);
          waiter.resolve({ cancelled: 'The run was canceled' });
        }
      },
      { once: true },
    );
  }

  private cancel({ item, was, reason }: Cancellation<Waiter>): void {
    this.log.push(`${item.entrant.label} cancelled (${was}) in '${item.entrant.settings.group}'`);
    if (was === 'running') item.entrant.onCancel(reason);
    else item.resolve({ cancelled: reason });
  }

  private start(waiter: Waiter): void {
    const { entrant } = waiter;
    this.log.push(`${entrant.label} runs in '${entrant.settings.group}'`);
    let released = false;
    waiter.resolve({
      lease: {
        release: () => {
          if (released) return;
          released = true;
          this.log.push(`${entrant.label} leaves '${entrant.settings.group}'`);
          const next = this.groups.leave(waiter, entrant.settings.group);
          if (next) this.start(next);
        },
      },
    });
  }
}
