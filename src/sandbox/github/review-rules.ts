// The pull request review rules of a classic branch protection, counted as GitHub counts them
// ("About protected branches", docs.github.com/repositories/configuring-branches-and-merges-in-
// your-repository/managing-protected-branches/about-protected-branches, and "About code owners"):
// - "require approvals": that many approving reviews from people with write access; a person's
//   latest review counts, and a request for changes blocks until that person approves;
// - "require review from Code Owners": "any pull request that modifies content with a code owner
//   must be approved by that code owner", any one of a path's owners being enough; a code owner is a
//   listed user or a member of a listed team, and "the team must have write permissions" (a team
//   without it, or a team that does not exist, owns nothing, which leaves its paths unowned);
// - "dismiss stale pull request approvals when new commits are pushed": an approval of an older
//   head stops counting (DISMISSED) once the branch moves;
// - "require approval of the most recent reviewable push": only an approval of the current head,
//   from someone other than the person who pushed it (the stand-in takes the head commit's
//   committer for the pusher: pushes reach the bare repository without an identity), counts.
import { CODEOWNERS_PATHS, codeOwnersOf } from '../../core/codeowners.js';
import { sameLogin, type StoreState } from './store-state.js';
import type { PullState, ReviewState } from './types.js';

/** What the reviews of a pull request decide under the protection of its base branch. */
export interface ReviewRuling {
  /** A rule requires a review of this pull request (GraphQL reviewDecision is then not null). */
  required: boolean;
  /** GitHub's reasons the merge is blocked, first one first. */
  blockers: string[];
}

const NOT_REQUIRED: ReviewRuling = { required: false, blockers: [] };

/** Marks approvals of an older head DISMISSED when the protection dismisses stale approvals. */
export function dismissStaleApprovals(store: StoreState, pr: PullState): void {
  if (!store.settings.protections.get(pr.base.ref)?.requiredPullRequestReviews?.dismissStaleReviews) return;
  for (const review of pr.reviews) {
    if (review.state === 'APPROVED' && review.commitId !== pr.head.sha) review.state = 'DISMISSED';
  }
}

/** Each reviewer's latest approving or blocking review; comments and pending reviews do not count. */
function latestReviews(pr: PullState): ReviewState[] {
  const latest = new Map<string, ReviewState>();
  for (const review of pr.reviews) {
    if (review.state === 'COMMENTED' || review.state === 'PENDING') continue;
    latest.set(review.user.login.toLowerCase(), review);
  }
  return [...latest.values()];
}

function approvalWord(count: number): string {
  return count === 1 ? '1 approving review is' : `${count} approving reviews are`;
}

async function readCodeOwners(store: StoreState, sha: string): Promise<string | undefined> {
  for (const path of CODEOWNERS_PATHS) {
    const text = await store.git.readFile(sha, path);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** The committer of the head commit, as a login when it is a noreply address (`id+login@...`). */
async function lastPusher(store: StoreState, sha: string): Promise<string> {
  const [name = '', email = ''] = (await store.git.git(['log', '-1', '--format=%cn%n%ce', sha])).split('\n');
  return /^\d+\+([^@]+)@users\.noreply\.github\.com$/.exec(email)?.[1] ?? name;
}

/** The rules of the protection of the pull request's base branch, applied to its reviews. */
export async function reviewRuling(store: StoreState, pr: PullState): Promise<ReviewRuling> {
  const rules = store.settings.protections.get(pr.base.ref)?.requiredPullRequestReviews;
  if (!rules) return NOT_REQUIRED;
  const latest = latestReviews(pr);
  const blockedBy = latest.filter((r) => r.state === 'CHANGES_REQUESTED');
  let approvals = latest.filter((r) => r.state === 'APPROVED');
  if (rules.requireLastPushApproval) {
    const pusher = await lastPusher(store, pr.head.sha);
    approvals = approvals.filter((r) => r.commitId === pr.head.sha && !sameLogin(r.user.login, pusher));
  }
  const blockers: string[] = [];
  let required = rules.requiredApprovingReviewCount > 0;
  if (approvals.length < rules.requiredApprovingReviewCount) {
    blockers.push(
      `At least ${approvalWord(rules.requiredApprovingReviewCount)} required by reviewers with write access.`,
    );
  }
  if (rules.requireCodeOwnerReviews) {
    const codeowners = await readCodeOwners(store, pr.base.sha);
    const waiting = new Set<string>();
    for (const file of codeowners === undefined ? [] : pr.stats.files) {
      const owners = codeOwnersOf(codeowners!, file, store.ctx.owner);
      if (!owners) {
        // Syntax the reader does not know: the stand-in cannot tell who owns it, so nobody does.
        required = true;
        waiting.add(`the owners of ${file} (a CODEOWNERS line the stand-in cannot read)`);
        continue;
      }
      const valid = validOwners(store, owners);
      if (valid.users.length + valid.teams.length === 0) continue;
      required = true;
      const approvedByOwner = approvals.some((r) => isOwner(store, valid, r.user.login));
      if (!approvedByOwner) {
        for (const user of valid.users) waiting.add(`@${user}`);
        for (const team of valid.teams) waiting.add(`@${store.ctx.owner}/${team}`);
      }
    }
    if (waiting.size > 0) blockers.push(`Waiting on code owner review from ${[...waiting].join(', ')}.`);
  }
  if (blockedBy.length > 0) {
    required = true;
    blockers.push(`Changes requested by ${blockedBy.map((r) => r.user.login).join(', ')}.`);
  }
  return { required, blockers };
}

/**
 * The owners GitHub can use: listed users, and teams that exist and have write access (the
 * stand-in's `teams` and `teamPermissions`, default write).
 */
function validOwners(
  store: StoreState,
  owners: { users: string[]; teams: string[] },
): { users: string[]; teams: string[] } {
  const teams = owners.teams.filter((team) => {
    const slug = team.toLowerCase();
    const permission = store.options.teamPermissions?.[slug] ?? 'write';
    return store.options.teams?.[slug] !== undefined && permission !== 'read' && permission !== 'triage';
  });
  return { users: owners.users, teams };
}

function isOwner(store: StoreState, owners: { users: string[]; teams: string[] }, login: string): boolean {
  return (
    owners.users.some((user) => sameLogin(user, login)) ||
    owners.teams.some((team) =>
      (store.options.teams?.[team.toLowerCase()] ?? []).some((m) => sameLogin(m, login)),
    )
  );
}
