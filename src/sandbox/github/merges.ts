// When a pull request may merge, and the merge itself: mergeability (conflicts, the approval and
// required status checks that block it), GitHub's merge button with its three methods, and
// auto-merge (GraphQL `enablePullRequestAutoMerge`), which merges once nothing blocks any more.
// Follows the REST operation pulls/merge and GitHub's messages for each refusal.
import { GraphqlError, HttpError } from './errors.js';
import { requirePermission } from './permissions.js';
import { emitPullRequestEvent } from './events.js';
import type { GitPerson } from './git.js';
import { idForLogin, isoNow } from './objects.js';
import { dismissStaleApprovals, reviewRuling } from './review-rules.js';
import type { StoreState } from './store-state.js';
import type { Identity, MergeMethod, PullState, ReviewStateName } from './types.js';

const NOT_MERGEABLE = 'Pull Request is not mergeable';
const APPROVAL_REQUIRED = 'At least 1 approving review is required by reviewers with write access.';

const METHOD_NOT_ALLOWED: Record<MergeMethod, string> = {
  merge: 'Merge commits are not allowed on this repository.',
  squash: 'Squash merges are not allowed on this repository.',
  rebase: 'Rebase merges are not allowed on this repository.',
};

const GITHUB_COMMITTER: GitPerson = { name: 'GitHub', email: 'noreply@github.com' };

function person(who: Identity): GitPerson {
  return { name: who.login, email: `${idForLogin(who.login)}+${who.login}@users.noreply.github.com` };
}

export interface MergeRequest {
  sha?: string;
  merge_method?: MergeMethod;
  commit_title?: string;
  commit_message?: string;
}

export type AutoMergeRequest = {
  mergeMethod?: string;
  commitHeadline?: string;
  commitBody?: string;
};

/** Reads the branches from the bare repository and recomputes what GitHub would show. */
export async function refresh(store: StoreState, pr: PullState): Promise<void> {
  if (pr.state === 'closed') {
    pr.mergeable = null;
    pr.mergeableState = 'unknown';
    pr.blockers = [];
    return;
  }
  const headBefore = pr.head.sha;
  pr.head.sha = (await store.git.branchSha(pr.head.ref)) ?? pr.head.sha;
  if (pr.head.sha !== headBefore) dismissStaleApprovals(store, pr);
  pr.base.sha = (await store.git.branchSha(pr.base.ref)) ?? pr.base.sha;
  const key = `${pr.base.sha}...${pr.head.sha}`;
  let info = store.gitInfo.get(key);
  if (!info) {
    const [merge, diff, commits] = await Promise.all([
      store.git.mergeTree(pr.base.sha, pr.head.sha),
      store.git.diffStats(pr.base.sha, pr.head.sha),
      store.git.commitsBetween(pr.base.sha, pr.head.sha),
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
    store.gitInfo.set(key, info);
  }
  pr.stats = info.stats;
  pr.mergeable = info.clean;
  const ruling = await reviewRuling(store, pr);
  pr.reviewRequired = ruling.required;
  pr.blockers = [...ruling.blockers, ...blockersFor(store, pr)];
  pr.mergeableState = pr.draft
    ? 'draft'
    : !info.clean
      ? 'dirty'
      : pr.blockers.length > 0
        ? 'blocked'
        : 'clean';
}

/** Each reviewer's latest approving or blocking review; comments do not change it. */
function reviewStates(pr: PullState): ReviewStateName[] {
  const latest = new Map<string, ReviewStateName>();
  for (const review of pr.reviews) {
    if (review.state === 'COMMENTED' || review.state === 'PENDING') continue;
    latest.set(review.user.login.toLowerCase(), review.state);
  }
  return [...latest.values()];
}

function isApproved(pr: PullState): boolean {
  const states = reviewStates(pr);
  return states.includes('APPROVED') && !states.includes('CHANGES_REQUESTED');
}

/** GraphQL's `reviewDecision`: null when no rule requires a review of this pull request. */
export function reviewDecision(
  store: StoreState,
  pr: PullState,
): 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null {
  if (pr.reviewRequired) {
    if (pr.blockers.some((b) => b.startsWith('Changes requested'))) return 'CHANGES_REQUESTED';
    return pr.blockers.some((b) => b.startsWith('At least') || b.startsWith('Waiting on code owner'))
      ? 'REVIEW_REQUIRED'
      : 'APPROVED';
  }
  if (!store.options.requireApproval?.(pr.stats.files)) return null;
  if (reviewStates(pr).includes('CHANGES_REQUESTED')) return 'CHANGES_REQUESTED';
  return isApproved(pr) ? 'APPROVED' : 'REVIEW_REQUIRED';
}

function blockersFor(store: StoreState, pr: PullState): string[] {
  const blockers: string[] = [];
  if (store.options.requireApproval?.(pr.stats.files) && !isApproved(pr)) blockers.push(APPROVAL_REQUIRED);
  for (const context of store.options.requiredStatusChecks ?? []) {
    const status = store.latestStatus(pr.head.sha, context);
    if (!status || status.state === 'pending')
      blockers.push(`Required status check "${context}" is expected.`);
    else if (status.state !== 'success') blockers.push(`Required status check "${context}" is failing.`);
  }
  return blockers;
}

function allowedMethods(store: StoreState): MergeMethod[] {
  return store.options.allowedMergeMethods ?? ['merge', 'squash', 'rebase'];
}

/** GitHub's merge button: the checks in GitHub's order, then a real merge into the base branch. */
export async function mergePull(
  store: StoreState,
  actor: Identity,
  pr: PullState,
  request: MergeRequest,
): Promise<string> {
  requirePermission(actor, 'contents', 'write');
  if (pr.merged || pr.state === 'closed') throw new HttpError(405, { message: NOT_MERGEABLE });
  await refresh(store, pr);
  if (request.sha !== undefined && request.sha !== pr.head.sha) {
    throw new HttpError(409, { message: 'Head branch was modified. Review and try the merge again.' });
  }
  const method = request.merge_method ?? 'merge';
  if (!allowedMethods(store).includes(method))
    throw new HttpError(405, { message: METHOD_NOT_ALLOWED[method] });
  if (pr.draft || !pr.mergeable) throw new HttpError(405, { message: NOT_MERGEABLE });
  const blocker = pr.blockers[0];
  if (blocker) throw new HttpError(405, { message: blocker });

  const now = isoNow();
  const baseSha = pr.base.sha;
  const headSha = pr.head.sha;
  const commits = await store.git.commitsBetween(baseSha, headSha);
  let newSha: string | undefined;
  if (method === 'rebase') {
    newSha = await store.git.rebaseCommits(baseSha, commits, GITHUB_COMMITTER, now);
    if (!newSha) throw new HttpError(405, { message: NOT_MERGEABLE });
  } else {
    const merged = await store.git.mergeTree(baseSha, headSha);
    if (!merged.clean) throw new HttpError(405, { message: NOT_MERGEABLE });
    if (method === 'merge') {
      const title =
        request.commit_title ?? `Merge pull request #${pr.number} from ${store.ctx.owner}/${pr.head.ref}`;
      const message = request.commit_message ?? pr.title;
      newSha = await store.git.commitTree(
        merged.tree,
        [baseSha, headSha],
        `${title}\n\n${message}`,
        person(actor),
        GITHUB_COMMITTER,
        now,
      );
    } else {
      const title = request.commit_title ?? `${pr.title} (#${pr.number})`;
      const message = request.commit_message ?? (await squashMessage(store, commits));
      const text = message.trim() === '' ? title : `${title}\n\n${message}`;
      newSha = await store.git.commitTree(merged.tree, [baseSha], text, person(actor), GITHUB_COMMITTER, now);
    }
  }
  if (!(await store.git.updateRef(`refs/heads/${pr.base.ref}`, newSha, baseSha))) {
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
  await refresh(store, pr);
  emitPullRequestEvent(store, 'closed', pr, actor);
  return newSha;
}

/** squash_merge_commit_message COMMIT_MESSAGES: each commit's message as a bullet. */
async function squashMessage(store: StoreState, commits: string[]): Promise<string> {
  const messages = await Promise.all(commits.map((c) => store.git.commitMessage(c)));
  return messages.map((m) => `* ${m}`).join('\n\n');
}

export async function enableAutoMerge(
  store: StoreState,
  actor: Identity,
  pullRequestId: string,
  input: AutoMergeRequest,
): Promise<PullState> {
  const pr = store.pulls.find((p) => p.nodeId === pullRequestId);
  if (!pr)
    throw new GraphqlError(
      'NOT_FOUND',
      `Could not resolve to a node with the global id of '${pullRequestId}'`,
    );
  if (!store.ctx.allowAutoMerge)
    throw new GraphqlError('UNPROCESSABLE', 'Auto merge is not allowed for this repository');
  const method = (input.mergeMethod ?? 'MERGE').toLowerCase() as MergeMethod;
  if (!allowedMethods(store).includes(method))
    throw new GraphqlError('UNPROCESSABLE', METHOD_NOT_ALLOWED[method]);
  await refresh(store, pr);
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
        ? `Merge pull request #${pr.number} from ${store.ctx.owner}/${pr.head.ref}`
        : `${pr.title} (#${pr.number})`),
    commitMessage: input.commitBody ?? (method === 'merge' ? pr.title : ''),
    enabledAt: isoNow(),
  };
  pr.updatedAt = isoNow();
  return pr;
}

/** Merges every open pull request whose auto-merge waits and whose requirements are now met. */
export async function runAutoMerges(store: StoreState): Promise<void> {
  for (const pr of store.pulls) {
    if (pr.state !== 'open' || !pr.autoMerge) continue;
    await refresh(store, pr);
    if (pr.mergeableState !== 'clean') continue;
    const auto = pr.autoMerge;
    try {
      // GitHub merges as the person who enabled auto-merge: that identity sends the event.
      await mergePull(store, auto.enabledBy, pr, {
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
