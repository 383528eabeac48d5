// The stand-in's repository state and GitHub's rules for it: pull requests, reviews, merges,
// statuses, deployments, auto-merge. Routes and GraphQL translate HTTP into calls on this.
import type { BareRepo, GitPerson } from './git.js';
import { CODEOWNERS_PATHS, codeOwnersOf } from '../../core/codeowners.js';
import { parse as parseYaml } from 'yaml';
import {
  deploymentObject,
  idForLogin,
  isoNow,
  nodeId,
  pullObject,
  pullRequestEventPayload,
  pullSimpleObject,
  repositoryObject,
  workflowDispatchEventPayload,
  workflowIdFor,
} from './objects.js';
import type { RepoContext } from './objects.js';
import { validateComponent } from './spec.js';
import type {
  CommitStatusState,
  DeploymentState,
  DeploymentStatusState,
  EventMeta,
  Identity,
  LabelState,
  MergeMethod,
  PullState,
  RecordedEvent,
  RepoSettingsState,
  ReviewState,
  ReviewStateName,
  StandInHooks,
  StandInOptions,
  WorkflowDispatchState,
} from './types.js';

/** An HTTP answer other than success; the server adds documentation_url and status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    const errors = Array.isArray(body['errors'])
      ? body['errors'].map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
      : [];
    super([String(body['message'] ?? status), ...errors].join(': '));
  }
}

export function validationFailed(
  errors: Record<string, unknown>[],
  message = 'Validation Failed',
): HttpError {
  return new HttpError(422, { message, errors });
}

export const notFound = (): HttpError => new HttpError(404, { message: 'Not Found' });

/** A GraphQL error as GitHub reports it (HTTP 200, `errors[]`). */
export class GraphqlError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const NOT_MERGEABLE = 'Pull Request is not mergeable';
const APPROVAL_REQUIRED = 'At least 1 approving review is required by reviewers with write access.';
const BODY_LIMIT = 65_536;

const METHOD_NOT_ALLOWED: Record<MergeMethod, string> = {
  merge: 'Merge commits are not allowed on this repository.',
  squash: 'Squash merges are not allowed on this repository.',
  rebase: 'Rebase merges are not allowed on this repository.',
};

const GITHUB_COMMITTER: GitPerson = { name: 'GitHub', email: 'noreply@github.com' };

function person(who: Identity): GitPerson {
  return { name: who.login, email: `${idForLogin(who.login)}+${who.login}@users.noreply.github.com` };
}

function sameLogin(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export interface MergeRequest {
  sha?: string;
  merge_method?: MergeMethod;
  commit_title?: string;
  commit_message?: string;
}

export class Store {
  readonly pulls: PullState[] = [];
  readonly deployments: DeploymentState[] = [];
  readonly commitStatuses: CommitStatusState[] = [];
  readonly labels: LabelState[] = [];
  readonly events: RecordedEvent[] = [];
  readonly dispatches: WorkflowDispatchState[] = [];
  readonly hookErrors: unknown[] = [];
  readonly hooks: StandInHooks = {};
  /** Workflow permissions, branch protection, environments (served by settings.ts). */
  readonly settings: RepoSettingsState = {
    workflowPermissions: { defaultWorkflowPermissions: 'read', canApprovePullRequestReviews: false },
    protections: new Map(),
    environments: [],
  };
  private nextId = 100_000;
  private nextNumber = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly gitInfo = new Map<string, { clean: boolean; stats: PullState['stats'] }>();
  private readonly installationId = 4_200_000;

  constructor(
    readonly options: StandInOptions,
    readonly git: BareRepo,
    readonly ctx: RepoContext,
    readonly violations: string[],
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

  private id(): number {
    return this.nextId++;
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

  // ---- mergeability -------------------------------------------------------------------------

  /** Reads the branches from the bare repository and recomputes what GitHub would show. */
  async refresh(pr: PullState): Promise<void> {
    if (pr.state === 'closed') {
      pr.mergeable = null;
      pr.mergeableState = 'unknown';
      pr.blockers = [];
      return;
    }
    pr.head.sha = (await this.git.branchSha(pr.head.ref)) ?? pr.head.sha;
    pr.base.sha = (await this.git.branchSha(pr.base.ref)) ?? pr.base.sha;
    const key = `${pr.base.sha}...${pr.head.sha}`;
    let info = this.gitInfo.get(key);
    if (!info) {
      const [merge, diff, commits] = await Promise.all([
        this.git.mergeTree(pr.base.sha, pr.head.sha),
        this.git.diffStats(pr.base.sha, pr.head.sha),
        this.git.commitsBetween(pr.base.sha, pr.head.sha),
      ]);
      info = {
        clean: merge.clean,
        stats: {
          commits: commits.length,
          additions: diff.additions,
          deletions: diff.deletions,
          changedFiles: diff.files.length,
          files: diff.files,
        },
      };
      this.gitInfo.set(key, info);
    }
    pr.stats = info.stats;
    pr.mergeable = info.clean;
    pr.blockers = this.blockersFor(pr);
    pr.mergeableState = pr.draft
      ? 'draft'
      : !info.clean
        ? 'dirty'
        : pr.blockers.length > 0
          ? 'blocked'
          : 'clean';
  }

  /** Each reviewer's latest approving or blocking review; comments do not change it. */
  private reviewStates(pr: PullState): ReviewStateName[] {
    const latest = new Map<string, ReviewStateName>();
    for (const review of pr.reviews) {
      if (review.state === 'COMMENTED' || review.state === 'PENDING') continue;
      latest.set(review.user.login.toLowerCase(), review.state);
    }
    return [...latest.values()];
  }

  isApproved(pr: PullState): boolean {
    const states = this.reviewStates(pr);
    return states.includes('APPROVED') && !states.includes('CHANGES_REQUESTED');
  }

  /** GraphQL's `reviewDecision`: null when no rule requires a review of this pull request. */
  reviewDecision(pr: PullState): 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null {
    if (!this.options.requireApproval?.(pr.stats.files)) return null;
    if (this.reviewStates(pr).includes('CHANGES_REQUESTED')) return 'CHANGES_REQUESTED';
    return this.isApproved(pr) ? 'APPROVED' : 'REVIEW_REQUIRED';
  }

  latestStatus(sha: string, context: string): CommitStatusState | undefined {
    return this.commitStatuses.filter((s) => s.sha === sha && s.context === context).at(-1);
  }

  private blockersFor(pr: PullState): string[] {
    const blockers: string[] = [];
    if (this.options.requireApproval?.(pr.stats.files) && !this.isApproved(pr))
      blockers.push(APPROVAL_REQUIRED);
    for (const context of this.options.requiredStatusChecks ?? []) {
      const status = this.latestStatus(pr.head.sha, context);
      if (!status || status.state === 'pending')
        blockers.push(`Required status check "${context}" is expected.`);
      else if (status.state !== 'success') blockers.push(`Required status check "${context}" is failing.`);
    }
    return blockers;
  }

  // ---- pull requests ------------------------------------------------------------------------

  private parseHead(head: string): string | undefined {
    const colon = head.indexOf(':');
    if (colon < 0) return head;
    // Pull requests from forks are out of scope: the stand-in has one repository.
    return sameLogin(head.slice(0, colon), this.ctx.owner) ? head.slice(colon + 1) : undefined;
  }

  private checkBody(body: unknown): void {
    if (typeof body === 'string' && body.length > BODY_LIMIT) {
      throw validationFailed([
        {
          resource: 'Issue',
          code: 'custom',
          field: 'body',
          message: `body is too long (maximum is ${BODY_LIMIT} characters)`,
        },
      ]);
    }
  }

  async createPull(
    actor: Identity,
    input: {
      title?: string;
      head: string;
      base: string;
      body?: string;
      draft?: boolean;
      maintainer_can_modify?: boolean;
      issue?: number;
    },
  ): Promise<PullState> {
    const headRef = this.parseHead(input.head);
    const headSha = headRef === undefined ? undefined : await this.git.branchSha(headRef);
    if (headRef === undefined || !headSha)
      throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    const baseSha = await this.git.branchSha(input.base);
    if (!baseSha) throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    if (input.title === undefined || input.title.trim() === '') {
      throw validationFailed([{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
    }
    this.checkBody(input.body);
    const existing = this.pulls.find(
      (p) => p.state === 'open' && p.head.ref === headRef && p.base.ref === input.base,
    );
    if (existing) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${this.ctx.owner}:${headRef}.`,
        },
      ]);
    }
    if ((await this.git.commitsBetween(baseSha, headSha)).length === 0) {
      throw validationFailed([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `No commits between ${input.base} and ${headRef}`,
        },
      ]);
    }
    const id = this.id();
    const now = isoNow();
    const pr: PullState = {
      number: this.nextNumber++,
      id,
      nodeId: nodeId('PR', id),
      title: input.title,
      body: input.body ?? null,
      state: 'open',
      draft: input.draft ?? false,
      locked: false,
      maintainerCanModify: input.maintainer_can_modify ?? false,
      head: { ref: headRef, sha: headSha },
      base: { ref: input.base, sha: baseSha },
      user: actor,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      mergedAt: null,
      merged: false,
      mergedBy: null,
      mergeCommitSha: null,
      closedBy: null,
      labels: [],
      requestedReviewers: [],
      requestedTeams: [],
      reviews: [],
      autoMerge: null,
      mergeable: null,
      mergeableState: 'unknown',
      blockers: [],
      stats: { commits: 0, additions: 0, deletions: 0, changedFiles: 0, files: [] },
    };
    this.pulls.push(pr);
    await this.refresh(pr);
    await this.requestCodeOwners(pr);
    this.emit('opened', pr, actor);
    return pr;
  }

  async updatePull(
    actor: Identity,
    pr: PullState,
    input: {
      title?: string;
      body?: string;
      state?: 'open' | 'closed';
      base?: string;
      maintainer_can_modify?: boolean;
    },
  ): Promise<void> {
    this.checkBody(input.body);
    if (input.base !== undefined && input.base !== pr.base.ref) {
      if (!(await this.git.branchSha(input.base))) {
        throw validationFailed([
          {
            resource: 'PullRequest',
            field: 'base',
            code: 'invalid',
            message: `Proposed base branch '${input.base}' was not found`,
          },
        ]);
      }
      if (pr.state === 'closed') {
        throw validationFailed([
          {
            resource: 'PullRequest',
            field: 'base',
            code: 'invalid',
            message: 'Cannot change the base branch of a closed pull request.',
          },
        ]);
      }
    }
    let action: 'closed' | 'reopened' | undefined;
    if (input.state === 'closed' && pr.state === 'open') action = 'closed';
    if (input.state === 'open' && pr.state === 'closed') {
      if (pr.merged) {
        throw validationFailed([
          {
            resource: 'PullRequest',
            field: 'state',
            code: 'custom',
            message:
              'state cannot be changed. The pull request cannot be reopened because it has been merged.',
          },
        ]);
      }
      const clash = this.pulls.find(
        (p) =>
          p !== pr &&
          p.state === 'open' &&
          p.head.ref === pr.head.ref &&
          p.base.ref === (input.base ?? pr.base.ref),
      );
      if (clash) {
        throw validationFailed([
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${this.ctx.owner}:${pr.head.ref}.`,
          },
        ]);
      }
      action = 'reopened';
    }
    if (input.title !== undefined) pr.title = input.title;
    if (input.body !== undefined) pr.body = input.body;
    if (input.base !== undefined) pr.base.ref = input.base;
    if (input.maintainer_can_modify !== undefined) pr.maintainerCanModify = input.maintainer_can_modify;
    const now = isoNow();
    pr.updatedAt = now;
    if (action === 'closed') {
      await this.refresh(pr); // freeze the final head and base
      pr.state = 'closed';
      pr.closedAt = now;
      pr.closedBy = actor;
    } else if (action === 'reopened') {
      pr.state = 'open';
      pr.closedAt = null;
      pr.closedBy = null;
    }
    await this.refresh(pr);
    if (action) this.emit(action, pr, actor);
  }

  private allowedMethods(): MergeMethod[] {
    return this.options.allowedMergeMethods ?? ['merge', 'squash', 'rebase'];
  }

  /** GitHub's merge button: the checks in GitHub's order, then a real merge into the base branch. */
  async mergePull(actor: Identity, pr: PullState, request: MergeRequest): Promise<string> {
    if (pr.merged || pr.state === 'closed') throw new HttpError(405, { message: NOT_MERGEABLE });
    await this.refresh(pr);
    if (request.sha !== undefined && request.sha !== pr.head.sha) {
      throw new HttpError(409, { message: 'Head branch was modified. Review and try the merge again.' });
    }
    const method = request.merge_method ?? 'merge';
    if (!this.allowedMethods().includes(method))
      throw new HttpError(405, { message: METHOD_NOT_ALLOWED[method] });
    if (pr.draft || !pr.mergeable) throw new HttpError(405, { message: NOT_MERGEABLE });
    const blocker = pr.blockers[0];
    if (blocker) throw new HttpError(405, { message: blocker });

    const now = isoNow();
    const baseSha = pr.base.sha;
    const headSha = pr.head.sha;
    const commits = await this.git.commitsBetween(baseSha, headSha);
    let newSha: string | undefined;
    if (method === 'rebase') {
      newSha = await this.git.rebaseCommits(baseSha, commits, GITHUB_COMMITTER, now);
      if (!newSha) throw new HttpError(405, { message: NOT_MERGEABLE });
    } else {
      const merged = await this.git.mergeTree(baseSha, headSha);
      if (!merged.clean) throw new HttpError(405, { message: NOT_MERGEABLE });
      if (method === 'merge') {
        const title =
          request.commit_title ?? `Merge pull request #${pr.number} from ${this.ctx.owner}/${pr.head.ref}`;
        const message = request.commit_message ?? pr.title;
        newSha = await this.git.commitTree(
          merged.tree,
          [baseSha, headSha],
          `${title}\n\n${message}`,
          person(actor),
          GITHUB_COMMITTER,
          now,
        );
      } else {
        const title = request.commit_title ?? `${pr.title} (#${pr.number})`;
        const message = request.commit_message ?? (await this.squashMessage(commits));
        const text = message.trim() === '' ? title : `${title}\n\n${message}`;
        newSha = await this.git.commitTree(
          merged.tree,
          [baseSha],
          text,
          person(actor),
          GITHUB_COMMITTER,
          now,
        );
      }
    }
    if (!(await this.git.updateRef(`refs/heads/${pr.base.ref}`, newSha, baseSha))) {
      throw new HttpError(409, { message: 'Base branch was modified. Review and try the merge again.' });
    }
    pr.merged = true;
    pr.state = 'closed';
    pr.mergedAt = now;
    pr.closedAt = now;
    pr.updatedAt = now;
    pr.mergedBy = actor;
    pr.closedBy = actor;
    pr.mergeCommitSha = newSha;
    await this.refresh(pr);
    this.emit('closed', pr, actor);
    return newSha;
  }

  /** squash_merge_commit_message COMMIT_MESSAGES: each commit's message as a bullet. */
  private async squashMessage(commits: string[]): Promise<string> {
    const messages = await Promise.all(commits.map((c) => this.git.commitMessage(c)));
    return messages.map((m) => `* ${m}`).join('\n\n');
  }

  /** GitHub asks the code owners of the changed files (CODEOWNERS of the base) on a PR opened ready for review. */
  private async requestCodeOwners(pr: PullState): Promise<void> {
    if (pr.draft) return;
    let codeowners: string | undefined;
    for (const path of CODEOWNERS_PATHS) {
      codeowners = await this.git.readFile(pr.base.sha, path);
      if (codeowners !== undefined) break;
    }
    if (codeowners === undefined) return;
    for (const file of pr.stats.files) {
      const owners = codeOwnersOf(codeowners, file, this.ctx.owner);
      if (!owners) continue;
      const users = owners.users.filter((login) => !sameLogin(login, pr.user.login));
      this.requestReviewers(pr, users, owners.teams);
    }
  }

  requestReviewers(pr: PullState, reviewers: string[], teams: string[]): void {
    if (reviewers.some((r) => sameLogin(r, pr.user.login))) {
      throw new HttpError(422, { message: 'Review cannot be requested from pull request author.' });
    }
    for (const r of reviewers)
      if (!pr.requestedReviewers.some((x) => sameLogin(x, r))) pr.requestedReviewers.push(r);
    for (const t of teams) if (!pr.requestedTeams.includes(t)) pr.requestedTeams.push(t);
    pr.updatedAt = isoNow();
  }

  addLabels(pr: PullState, names: string[]): void {
    for (const name of names) {
      // GitHub creates a label that does not exist yet; names match case-insensitively.
      let label = this.labels.find((l) => sameLogin(l.name, name));
      if (!label) {
        const id = this.id();
        label = { id, nodeId: nodeId('LA', id), name, color: 'ededed', description: null };
        this.labels.push(label);
      }
      if (!pr.labels.includes(label.name)) pr.labels.push(label.name);
    }
    pr.updatedAt = isoNow();
  }

  async createReview(
    actor: Identity,
    pr: PullState,
    input: { event?: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT'; body?: string; commit_id?: string },
  ): Promise<ReviewState> {
    const own = sameLogin(actor.login, pr.user.login);
    const errors: string[] = [];
    if (pr.state === 'closed' && input.event !== undefined && input.event !== 'COMMENT') {
      errors.push(
        `Review Can not ${input.event === 'APPROVE' ? 'approve' : 'request changes on'} a closed pull request`,
      );
    }
    if (own && input.event === 'APPROVE') errors.push('Review Can not approve your own pull request');
    if (own && input.event === 'REQUEST_CHANGES')
      errors.push('Review Can not request changes on your own pull request');
    if ((input.event === 'REQUEST_CHANGES' || input.event === 'COMMENT') && !input.body) {
      errors.push(`Review body is required for ${input.event} reviews`);
    }
    if (errors.length > 0) throw new HttpError(422, { message: 'Unprocessable Entity', errors });
    await this.refresh(pr);
    const id = this.id();
    const state: ReviewStateName =
      input.event === 'APPROVE'
        ? 'APPROVED'
        : input.event === 'REQUEST_CHANGES'
          ? 'CHANGES_REQUESTED'
          : input.event === 'COMMENT'
            ? 'COMMENTED'
            : 'PENDING';
    const review: ReviewState = {
      id,
      nodeId: nodeId('PRR', id),
      user: actor,
      state,
      body: input.body ?? '',
      commitId: input.commit_id ?? pr.head.sha,
      submittedAt: isoNow(),
    };
    pr.reviews.push(review);
    pr.requestedReviewers = pr.requestedReviewers.filter((r) => !sameLogin(r, actor.login));
    await this.refresh(pr);
    await this.runAutoMerges();
    return review;
  }

  // ---- statuses and auto-merge --------------------------------------------------------------

  async createCommitStatus(
    actor: Identity,
    sha: string,
    input: {
      state: CommitStatusState['state'];
      context?: string;
      description?: string | null;
      target_url?: string | null;
    },
  ): Promise<CommitStatusState> {
    const commit = await this.git.resolveCommit(sha);
    if (!commit || !commit.startsWith(sha.toLowerCase())) {
      throw validationFailed([], `No commit found for SHA: ${sha}`);
    }
    const id = this.id();
    const status: CommitStatusState = {
      id,
      nodeId: nodeId('SC', id),
      sha: commit,
      context: input.context ?? 'default',
      state: input.state,
      description: input.description ?? null,
      targetUrl: input.target_url ?? null,
      creator: actor,
      createdAt: isoNow(),
    };
    this.commitStatuses.push(status);
    await this.runAutoMerges();
    return status;
  }

  async enableAutoMerge(
    actor: Identity,
    pullRequestId: string,
    input: { mergeMethod?: string; commitHeadline?: string; commitBody?: string },
  ): Promise<PullState> {
    const pr = this.pulls.find((p) => p.nodeId === pullRequestId);
    if (!pr)
      throw new GraphqlError(
        'NOT_FOUND',
        `Could not resolve to a node with the global id of '${pullRequestId}'`,
      );
    if (!this.ctx.allowAutoMerge)
      throw new GraphqlError('UNPROCESSABLE', 'Auto merge is not allowed for this repository');
    const method = (input.mergeMethod ?? 'MERGE').toLowerCase() as MergeMethod;
    if (!this.allowedMethods().includes(method))
      throw new GraphqlError('UNPROCESSABLE', METHOD_NOT_ALLOWED[method]);
    await this.refresh(pr);
    if (pr.merged) throw new GraphqlError('UNPROCESSABLE', 'Pull request Pull request is already merged');
    if (pr.state === 'closed') throw new GraphqlError('UNPROCESSABLE', 'Pull request Pull request is closed');
    // Only a pull request that waits for something can wait for it automatically.
    if (pr.mergeableState !== 'blocked') {
      throw new GraphqlError('UNPROCESSABLE', `Pull request Pull request is in ${pr.mergeableState} status`);
    }
    pr.autoMerge = {
      enabledBy: actor,
      mergeMethod: method,
      commitTitle:
        input.commitHeadline ??
        (method === 'merge'
          ? `Merge pull request #${pr.number} from ${this.ctx.owner}/${pr.head.ref}`
          : `${pr.title} (#${pr.number})`),
      commitMessage: input.commitBody ?? (method === 'merge' ? pr.title : ''),
      enabledAt: isoNow(),
    };
    pr.updatedAt = isoNow();
    return pr;
  }

  /** Merges every open pull request whose auto-merge waits and whose requirements are now met. */
  async runAutoMerges(): Promise<void> {
    for (const pr of this.pulls) {
      if (pr.state !== 'open' || !pr.autoMerge) continue;
      await this.refresh(pr);
      if (pr.mergeableState !== 'clean') continue;
      const auto = pr.autoMerge;
      try {
        // GitHub merges as the person who enabled auto-merge: that identity sends the event.
        await this.mergePull(auto.enabledBy, pr, {
          merge_method: auto.mergeMethod,
          ...(auto.mergeMethod === 'rebase'
            ? {}
            : { commit_title: auto.commitTitle, commit_message: auto.commitMessage }),
        });
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
      }
    }
  }

  // ---- deployments --------------------------------------------------------------------------

  async createDeployment(
    actor: Identity,
    input: {
      ref: string;
      task?: string;
      auto_merge?: boolean;
      required_contexts?: string[];
      payload?: Record<string, unknown> | string;
      environment?: string;
      description?: string | null;
      transient_environment?: boolean;
      production_environment?: boolean;
    },
  ): Promise<DeploymentState> {
    if (
      input.auto_merge !== false ||
      !Array.isArray(input.required_contexts) ||
      input.required_contexts.length > 0
    ) {
      this.violations.push(
        `repos/create-deployment: deployment created without auto_merge:false / required_contexts:[] (sent auto_merge=${JSON.stringify(input.auto_merge)}, required_contexts=${JSON.stringify(input.required_contexts)}); GitHub may answer 409 or merge ${this.ctx.defaultBranch} into ${input.ref}`,
      );
    }
    const sha = await this.git.resolveCommit(input.ref);
    if (!sha) throw new HttpError(422, { message: `No ref found for: ${input.ref}` });
    // Without required_contexts GitHub requires every context reported on the commit to pass.
    const contexts = input.required_contexts ?? [
      ...new Set(this.commitStatuses.filter((s) => s.sha === sha).map((s) => s.context)),
    ];
    const failing = contexts.filter((c) => this.latestStatus(sha, c)?.state !== 'success');
    if (failing.length > 0)
      throw new HttpError(409, { message: `Conflict: Commit status checks failed for ${input.ref}.` });
    const id = this.id();
    const now = isoNow();
    const environment = input.environment ?? 'production';
    const deployment: DeploymentState = {
      id,
      nodeId: nodeId('DE', id),
      sha,
      ref: input.ref,
      task: input.task ?? 'deploy',
      payload: input.payload ?? {},
      environment,
      originalEnvironment: environment,
      description: input.description ?? null,
      creator: actor,
      createdAt: now,
      updatedAt: now,
      transientEnvironment: input.transient_environment ?? false,
      productionEnvironment: input.production_environment ?? environment === 'production',
      requested: {
        ...(input.auto_merge !== undefined ? { autoMerge: input.auto_merge } : {}),
        ...(input.required_contexts !== undefined ? { requiredContexts: input.required_contexts } : {}),
      },
      statuses: [],
    };
    this.deployments.push(deployment);
    return deployment;
  }

  findDeployment(id: number): DeploymentState {
    const deployment = this.deployments.find((d) => d.id === id);
    if (!deployment) throw notFound();
    return deployment;
  }

  createDeploymentStatus(
    actor: Identity,
    deployment: DeploymentState,
    input: {
      state: DeploymentStatusState['state'];
      target_url?: string;
      log_url?: string;
      description?: string;
      environment?: string;
      environment_url?: string;
      auto_inactive?: boolean;
    },
  ): DeploymentStatusState {
    if (input.description !== undefined && input.description.length > 140) {
      throw validationFailed([
        {
          resource: 'DeploymentStatus',
          field: 'description',
          code: 'custom',
          message: 'description is too long (maximum is 140 characters)',
        },
      ]);
    }
    const now = isoNow();
    if (input.environment !== undefined) deployment.environment = input.environment;
    const make = (
      state: DeploymentStatusState['state'],
      creator: Identity,
      extra: Partial<DeploymentStatusState> = {},
    ): DeploymentStatusState => {
      const id = this.id();
      return {
        id,
        nodeId: nodeId('DES', id),
        state,
        creator,
        description: '',
        environment: deployment.environment,
        targetUrl: '',
        logUrl: '',
        environmentUrl: '',
        createdAt: now,
        updatedAt: now,
        ...extra,
      };
    };
    const status = make(input.state, actor, {
      description: input.description ?? '',
      // GitHub fills log_url from target_url and the other way round.
      targetUrl: input.target_url ?? input.log_url ?? '',
      logUrl: input.log_url ?? input.target_url ?? '',
      environmentUrl: input.environment_url ?? '',
    });
    deployment.statuses.push(status);
    deployment.updatedAt = now;
    // auto_inactive (default true): a new success retires earlier non-transient, non-production
    // deployments of the environment (GitHub's description of the parameter).
    if (input.state === 'success' && input.auto_inactive !== false) {
      for (const other of this.deployments) {
        if (
          other === deployment ||
          other.environment !== deployment.environment ||
          other.transientEnvironment ||
          other.productionEnvironment
        )
          continue;
        if (other.statuses.at(-1)?.state === 'success') {
          other.statuses.push(make('inactive', actor, { environment: other.environment }));
          other.updatedAt = now;
        }
      }
    }
    return status;
  }

  deploymentJson(d: DeploymentState): Record<string, unknown> {
    return deploymentObject(this.ctx, d);
  }

  // ---- workflow dispatches ------------------------------------------------------------------

  /**
   * `POST .../actions/workflows/{workflow_id}/dispatches`: GitHub's checks (the ref, the workflow
   * file at that ref, its `workflow_dispatch` trigger and declared inputs), then a
   * `workflow_dispatch` event. Dispatches are the exception to the GITHUB_TOKEN rule: the event
   * starts the workflow whoever sent it.
   */
  async dispatchWorkflow(
    actor: Identity,
    workflowId: string,
    input: { ref: string; inputs?: Record<string, unknown> },
  ): Promise<WorkflowDispatchState> {
    const ref = await this.qualifyRef(input.ref);
    const sha = ref === undefined ? undefined : await this.git.resolveCommit(ref);
    if (ref === undefined || !sha) throw new HttpError(422, { message: `No ref found for: ${input.ref}` });
    const path = await this.workflowPath(sha, workflowId);
    if (path === undefined) throw notFound();
    const text = await this.git.git(['show', `${sha}:${path}`]);
    let on: unknown;
    try {
      on = (parseYaml(text) as { on?: unknown } | null)?.on;
    } catch {
      on = undefined;
    }
    const triggers =
      typeof on === 'string'
        ? { [on]: null }
        : Array.isArray(on)
          ? Object.fromEntries(on.map((name) => [String(name), null]))
          : typeof on === 'object' && on !== null
            ? (on as Record<string, unknown>)
            : {};
    if (!('workflow_dispatch' in triggers)) {
      throw new HttpError(422, { message: "Workflow does not have 'workflow_dispatch' trigger" });
    }
    const definitions = ((triggers['workflow_dispatch'] as { inputs?: unknown } | null)?.inputs ??
      {}) as Record<string, { required?: boolean; default?: unknown; type?: string; options?: unknown[] }>;
    const given = input.inputs ?? {};
    const unexpected = Object.keys(given).filter((name) => !(name in definitions));
    if (unexpected.length > 0) {
      throw new HttpError(422, { message: `Unexpected inputs provided: ${JSON.stringify(unexpected)}` });
    }
    const inputs: Record<string, string> = {};
    for (const [name, definition] of Object.entries(definitions)) {
      const value = given[name] ?? definition?.default;
      if (value === undefined || value === null) {
        if (definition?.required)
          throw new HttpError(422, { message: `Required input '${name}' not provided` });
        continue;
      }
      const text = String(value);
      if (definition?.type === 'choice' && !(definition.options ?? []).map(String).includes(text)) {
        throw new HttpError(422, {
          message: `Provided value '${text}' for input '${name}' not in the list of allowed values`,
        });
      }
      inputs[name] = text;
    }
    const dispatch: WorkflowDispatchState = {
      runId: this.id(),
      workflowId,
      path,
      ref,
      sha,
      inputs,
      actor,
      createdAt: isoNow(),
    };
    this.dispatches.push(dispatch);
    const payload = workflowDispatchEventPayload(
      this.ctx,
      dispatch,
      this.repository(),
      actor,
      this.installationId,
    );
    for (const problem of validateComponent('webhook-workflow-dispatch', payload)) {
      this.violations.push(`workflow_dispatch event payload: ${problem}`);
    }
    // Dispatches start workflows even when GITHUB_TOKEN made them (GitHub's documented exception).
    this.deliver('workflow_dispatch', '', payload, {
      actor,
      triggersWorkflows: true,
      workflowRunId: dispatch.runId,
    });
    return dispatch;
  }

  /** A branch or tag name (or a full refs/heads/, refs/tags/ ref) as GitHub qualifies it. */
  private async qualifyRef(ref: string): Promise<string | undefined> {
    if (ref.startsWith('refs/heads/') || ref.startsWith('refs/tags/')) {
      return (await this.git.resolveCommit(ref)) ? ref : undefined;
    }
    for (const candidate of [`refs/heads/${ref}`, `refs/tags/${ref}`]) {
      if (await this.git.resolveCommit(candidate)) return candidate;
    }
    return undefined;
  }

  /** `.github/workflows/<file>` for a file name or a numeric workflow id, when it exists at sha. */
  private async workflowPath(sha: string, workflowId: string): Promise<string | undefined> {
    const listing = await this.git
      .git(['ls-tree', '--name-only', `${sha}:.github/workflows`])
      .catch(() => '');
    const files = listing
      .split('\n')
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => `.github/workflows/${name}`);
    return files.find(
      (path) => path === `.github/workflows/${workflowId}` || String(workflowIdFor(path)) === workflowId,
    );
  }

  // ---- events -------------------------------------------------------------------------------

  /** Records a `pull_request` event, checks it against GitHub's webhook schema, tells the hook. */
  emit(action: string, pr: PullState, actor: Identity): void {
    const payload = pullRequestEventPayload(
      this.ctx,
      action,
      this.pullJson(pr),
      this.repository(),
      actor,
      this.installationId,
    );
    for (const problem of validateComponent(`webhook-pull-request-${action}`, payload)) {
      this.violations.push(`pull_request.${action} event payload: ${problem}`);
    }
    this.deliver('pull_request', action, payload, { actor, triggersWorkflows: !actor.isGithubToken });
  }

  /** Records an event and hands it to the hook (whose failures never break the request). */
  private deliver(name: string, action: string, payload: Record<string, unknown>, meta: EventMeta): void {
    this.events.push({ name, action, payload, ...meta });
    try {
      const result = this.hooks.onEvent?.(name, payload, meta);
      if (result instanceof Promise) result.catch((error: unknown) => this.hookErrors.push(error));
    } catch (error) {
      this.hookErrors.push(error);
    }
  }
}
