// Pull requests: opening, editing, closing and reopening them, their labels and comments, with
// GitHub's validation errors (REST operations pulls/create, pulls/update, issues/add-labels,
// issues/create-comment). Merging is
// merges.ts; reviews and code owners are reviews.ts.
import { validationFailed } from './errors.js';
import { requirePermission } from './permissions.js';
import { emitPullRequestEvent } from './events.js';
import { refresh } from './merges.js';
import { isoNow, nodeId } from './objects.js';
import { requestCodeOwners } from './reviews.js';
import { sameLogin, type StoreState } from './store-state.js';
import type { CommentState, Identity, PullState } from './types.js';

const BODY_LIMIT = 65_536;

// Request bodies are type aliases: routes.ts casts a JSON object (Record<string, unknown>) to
// them, which TypeScript refuses for an interface with required members.
export type NewPull = {
  title?: string;
  head: string;
  base: string;
  body?: string;
  draft?: boolean;
  maintainer_can_modify?: boolean;
  issue?: number;
};

export type PullUpdate = {
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  base?: string;
  maintainer_can_modify?: boolean;
};

function parseHead(store: StoreState, head: string): string | undefined {
  const colon = head.indexOf(':');
  if (colon < 0) return head;
  // Pull requests from forks are out of scope: the stand-in has one repository.
  return sameLogin(head.slice(0, colon), store.ctx.owner) ? head.slice(colon + 1) : undefined;
}

function checkBody(body: unknown): void {
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

/** A comment on a pull request (issues/create-comment): a body is required, at most BODY_LIMIT long. */
export function addComment(pr: PullState, actor: Identity, body: unknown, id: number): CommentState {
  // GitHub also takes issues write for a comment; the suite's tokens hold pull requests write.
  requirePermission(actor, 'pull_requests', 'write');
  if (typeof body !== 'string' || body === '')
    throw validationFailed([{ resource: 'IssueComment', field: 'body', code: 'missing_field' }]);
  checkBody(body);
  const comment = { id, user: actor, body, createdAt: isoNow() };
  (pr.comments ??= []).push(comment);
  return comment;
}

export async function createPull(store: StoreState, actor: Identity, input: NewPull): Promise<PullState> {
  const headRef = parseHead(store, input.head);
  const headSha = headRef === undefined ? undefined : await store.git.branchSha(headRef);
  if (headRef === undefined || !headSha)
    throw validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
  const baseSha = await store.git.branchSha(input.base);
  if (!baseSha) throw validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
  if (input.title === undefined || input.title.trim() === '') {
    throw validationFailed([{ resource: 'Issue', field: 'title', code: 'missing_field' }]);
  }
  checkBody(input.body);
  const existing = store.pulls.find(
    (p) => p.state === 'open' && p.head.ref === headRef && p.base.ref === input.base,
  );
  if (existing) {
    throw validationFailed([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for ${store.ctx.owner}:${headRef}.`,
      },
    ]);
  }
  if ((await store.git.commitsBetween(baseSha, headSha)).length === 0) {
    throw validationFailed([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `No commits between ${input.base} and ${headRef}`,
      },
    ]);
  }
  const id = store.newId();
  const now = isoNow();
  const pr: PullState = {
    number: store.newPullNumber(),
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
    reviewRequired: false,
    stats: { commits: 0, additions: 0, deletions: 0, changedFiles: 0, files: [] },
  };
  store.pulls.push(pr);
  await refresh(store, pr);
  await requestCodeOwners(store, pr);
  emitPullRequestEvent(store, 'opened', pr, actor);
  return pr;
}

export async function updatePull(
  store: StoreState,
  actor: Identity,
  pr: PullState,
  input: PullUpdate,
): Promise<void> {
  checkBody(input.body);
  if (input.base !== undefined && input.base !== pr.base.ref) {
    if (!(await store.git.branchSha(input.base))) {
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
          message: 'state cannot be changed. The pull request cannot be reopened because it has been merged.',
        },
      ]);
    }
    const clash = store.pulls.find(
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
          message: `A pull request already exists for ${store.ctx.owner}:${pr.head.ref}.`,
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
    await refresh(store, pr); // freeze the final head and base
    pr.state = 'closed';
    pr.closedAt = now;
    pr.closedBy = actor;
  } else if (action === 'reopened') {
    pr.state = 'open';
    pr.closedAt = null;
    pr.closedBy = null;
  }
  await refresh(store, pr);
  if (action) emitPullRequestEvent(store, action, pr, actor);
}

export function addLabels(store: StoreState, pr: PullState, names: string[]): void {
  for (const name of names) {
    // GitHub creates a label that does not exist yet; names match case-insensitively.
    let label = store.labels.find((l) => sameLogin(l.name, name));
    if (!label) {
      const id = store.newId();
      label = { id, nodeId: nodeId('LA', id), name, color: 'ededed', description: null };
      store.labels.push(label);
    }
    if (!pr.labels.includes(label.name)) pr.labels.push(label.name);
  }
  pr.updatedAt = isoNow();
}
