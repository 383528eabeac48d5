// Reviews of pull requests: the reviewers GitHub asks (CODEOWNERS of the base branch, and those
// requested by hand) and the reviews they submit, with GitHub's refusals (REST operations
// pulls/request-reviewers and pulls/create-review). A review can complete an auto-merge.
import { CODEOWNERS_PATHS, codeOwnersOf } from '../../core/codeowners.js';
import { HttpError, notFound } from './errors.js';
import { requirePermission } from './permissions.js';
import { refresh, runAutoMerges } from './merges.js';
import { isoNow, nodeId } from './objects.js';
import { sameLogin, type StoreState } from './store-state.js';
import type { Identity, PullState, ReviewState, ReviewStateName } from './types.js';

export type NewReview = {
  event?: 'APPROVE' | 'REQUEST_CHANGES' | 'COMMENT';
  body?: string;
  commit_id?: string;
};

/** The review a submitted event leaves; without an event the review stays pending. */
const STATE_OF_EVENT: Record<NonNullable<NewReview['event']>, ReviewStateName> = {
  APPROVE: 'APPROVED',
  REQUEST_CHANGES: 'CHANGES_REQUESTED',
  COMMENT: 'COMMENTED',
};

/** GitHub asks the code owners of the changed files (CODEOWNERS of the base) on a PR opened ready for review. */
export async function requestCodeOwners(store: StoreState, pr: PullState): Promise<void> {
  if (pr.draft) return;
  let codeowners: string | undefined;
  for (const path of CODEOWNERS_PATHS) {
    codeowners = await store.git.readFile(pr.base.sha, path);
    if (codeowners !== undefined) break;
  }
  if (codeowners === undefined) return;
  for (const file of pr.stats.files) {
    const owners = codeOwnersOf(codeowners, file, store.ctx.owner);
    if (!owners) continue;
    const users = owners.users.filter((login) => !sameLogin(login, pr.user.login));
    requestReviewers(pr, users, owners.teams);
  }
}

export function requestReviewers(pr: PullState, reviewers: string[], teams: string[]): void {
  if (reviewers.some((r) => sameLogin(r, pr.user.login))) {
    throw new HttpError(422, { message: 'Review cannot be requested from pull request author.' });
  }
  for (const r of reviewers)
    if (!pr.requestedReviewers.some((x) => sameLogin(x, r))) pr.requestedReviewers.push(r);
  for (const t of teams) if (!pr.requestedTeams.includes(t)) pr.requestedTeams.push(t);
  pr.updatedAt = isoNow();
}

export async function createReview(
  store: StoreState,
  actor: Identity,
  pr: PullState,
  input: NewReview,
): Promise<ReviewState> {
  requirePermission(actor, 'pull_requests', 'write');
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
  await refresh(store, pr);
  const id = store.newId();
  const state: ReviewStateName = input.event ? STATE_OF_EVENT[input.event] : 'PENDING';
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
  await refresh(store, pr);
  await runAutoMerges(store);
  return review;
}

/**
 * "Dismiss a review for a pull request" (REST pulls/dismiss-review): an approval or a request for
 * changes stops counting; a message is required. A comment or a pending review cannot be dismissed.
 * Branch protection's "restrict who can dismiss" is not modelled: the seed does not set it.
 */
export async function dismissReview(
  store: StoreState,
  actor: Identity,
  pr: PullState,
  reviewId: number,
  input: { message?: unknown },
): Promise<ReviewState> {
  requirePermission(actor, 'pull_requests', 'write');
  const review = pr.reviews.find((r) => r.id === reviewId);
  if (!review) throw notFound();
  if (typeof input.message !== 'string' || input.message === '')
    throw new HttpError(422, { message: 'Unprocessable Entity', errors: ["Message can't be blank"] });
  if (review.state !== 'APPROVED' && review.state !== 'CHANGES_REQUESTED') {
    throw new HttpError(422, {
      message: 'Unprocessable Entity',
      errors: [`Can not dismiss a ${review.state.toLowerCase()} pull request review`],
    });
  }
  review.state = 'DISMISSED';
  await refresh(store, pr);
  return review;
}
