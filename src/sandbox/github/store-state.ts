// What the stand-in keeps about one repository it hosts, and how it is looked up and shown: the rule
// modules (pulls, merges, reviews, statuses, deployments, dispatches) read and write it, and
// Store (store.ts) puts their operations on it.
import type { BareRepo } from './git.js';
import { notFound } from './errors.js';
import { deploymentObject, pullObject, pullSimpleObject, repositoryObject } from './objects.js';
import type { RepoContext } from './objects.js';
import type {
  CommitStatusState,
  Identity,
  DeploymentState,
  LabelState,
  PullState,
  RecordedEvent,
  RepoSettingsState,
  StandInHooks,
  StandInOptions,
  WorkflowDispatchState,
  WorkflowRunState,
} from './types.js';

/** Logins (and label names) compare case-insensitively on GitHub. */
export function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Whether a token's identity reaches `owner/repo` (Identity.repositories). */
export function reaches(identity: Identity, owner: string, repo: string): boolean {
  const name = `${owner}/${repo}`.toLowerCase();
  return !identity.repositories || identity.repositories.some((r) => r.toLowerCase() === name);
}

/** Ids are unique across the repositories of one stand-in, as GitHub's are across GitHub. */
export interface IdCounter {
  next: number;
}

export class StoreState {
  readonly pulls: PullState[] = [];
  readonly deployments: DeploymentState[] = [];
  readonly commitStatuses: CommitStatusState[] = [];
  readonly labels: LabelState[] = [];
  readonly events: RecordedEvent[] = [];
  readonly dispatches: WorkflowDispatchState[] = [];
  /** Workflow runs the dispatcher started, as listed by ./runs.ts. */
  readonly workflowRuns: WorkflowRunState[] = [];
  readonly hookErrors: unknown[] = [];
  readonly hooks: StandInHooks = {};
  /** Workflow permissions, branch protection, environments (served by settings.ts). */
  readonly settings: RepoSettingsState = {
    workflowPermissions: { defaultWorkflowPermissions: 'read', canApprovePullRequestReviews: false },
    protections: new Map(),
    environments: [],
    pendingDeployments: [],
  };
  /** Mergeability and diff of `base...head`, by that key: git answers once per pair of commits. */
  readonly gitInfo = new Map<string, { clean: boolean; stats: PullState['stats'] }>();
  readonly installationId = 4_200_000;
  private nextNumber = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly options: StandInOptions,
    readonly git: BareRepo,
    readonly ctx: RepoContext,
    readonly violations: string[],
    private readonly ids: IdCounter = { next: 100_000 },
  ) {}

  /**
   * Runs one unit of work after every earlier one: GitHub serialises merges per repository, and a
   * sequential stand-in cannot interleave two merges into the same base branch.
   */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Resolves once all queued work (including auto-merges) has run. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /** The id of a new object of any kind (pull request, review, status, deployment, ...). */
  newId(): number {
    return this.ids.next++;
  }

  newPullNumber(): number {
    return this.nextNumber++;
  }

  repository(): Record<string, unknown> {
    return repositoryObject(this.ctx, this.pulls.filter((p) => p.state === 'open').length);
  }

  pullJson(pr: PullState): Record<string, unknown> {
    return pullObject(this.ctx, pr, this.repository(), this.labelsOf(pr));
  }

  pullSimpleJson(pr: PullState): Record<string, unknown> {
    return pullSimpleObject(this.ctx, pr, this.repository(), this.labelsOf(pr));
  }

  labelsOf(pr: PullState): LabelState[] {
    return pr.labels
      .map((name) => this.labels.find((l) => l.name === name))
      .filter((l): l is LabelState => l !== undefined);
  }

  findPull(number: number): PullState {
    const pr = this.pulls.find((p) => p.number === number);
    if (!pr) throw notFound();
    return pr;
  }

  latestStatus(sha: string, context: string): CommitStatusState | undefined {
    return this.commitStatuses.filter((s) => s.sha === sha && s.context === context).at(-1);
  }

  findDeployment(id: number): DeploymentState {
    const deployment = this.deployments.find((d) => d.id === id);
    if (!deployment) throw notFound();
    return deployment;
  }

  deploymentJson(d: DeploymentState): Record<string, unknown> {
    return deploymentObject(this.ctx, d);
  }
}
