// Builders for the JSON objects GitHub returns. Every field the spec marks required is present,
// with URLs under the stand-in's own origin, so responses validate against the description.
import { createRequire } from 'node:module';
import type {
  CommentState,
  CommitStatusState,
  DeploymentState,
  DeploymentStatusState,
  Identity,
  LabelState,
  PullState,
  ReviewState,
} from './types.js';

export interface RepoContext {
  /** API origin, e.g. http://127.0.0.1:PORT (GITHUB_API_URL). */
  api: string;
  /** Web origin for html_url (GITHUB_SERVER_URL); same origin as the API here. */
  html: string;
  owner: string;
  ownerType: 'Organization' | 'User';
  repo: string;
  repoId: number;
  ownerId: number;
  defaultBranch: string;
  createdAt: string;
  pushedAt: string;
  allowAutoMerge: boolean;
  allowMergeCommit: boolean;
  allowSquashMerge: boolean;
  allowRebaseMerge: boolean;
  deleteBranchOnMerge: boolean;
}

type Obj = Record<string, unknown>;

/** ISO 8601 without milliseconds, the way GitHub prints times. */
export function isoNow(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Stable positive ids for logins, so the same person keeps the same id across calls. */
export function idForLogin(login: string): number {
  if (login === 'github-actions[bot]') return 41898282; // GitHub's real id for the Actions bot
  let hash = 2166136261;
  for (const ch of login) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619) >>> 0;
  return 1_000_000 + (hash % 90_000_000);
}

export function nodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(`${prefix}:${id}`).toString('base64url')}`;
}

export function repoPath(ctx: RepoContext): string {
  return `${ctx.api}/repos/${ctx.owner}/${ctx.repo}`;
}

export function userObject(ctx: RepoContext, who: { login: string; type: string }): Obj {
  const id = idForLogin(who.login);
  const name = encodeURIComponent(who.login);
  const users = `${ctx.api}/users/${name}`;
  const htmlUrl =
    who.type === 'Bot'
      ? `${ctx.html}/apps/${encodeURIComponent(who.login.replace(/\[bot\]$/, ''))}`
      : `${ctx.html}/${name}`;
  return {
    login: who.login,
    id,
    node_id: nodeId(who.type === 'Bot' ? 'BOT' : who.type === 'Organization' ? 'O' : 'U', id),
    avatar_url: `${ctx.api}/_avatars/u/${id}?v=4`,
    gravatar_id: '',
    url: users,
    html_url: htmlUrl,
    followers_url: `${users}/followers`,
    following_url: `${users}/following{/other_user}`,
    gists_url: `${users}/gists{/gist_id}`,
    starred_url: `${users}/starred{/owner}{/repo}`,
    subscriptions_url: `${users}/subscriptions`,
    organizations_url: `${users}/orgs`,
    repos_url: `${users}/repos`,
    events_url: `${users}/events{/privacy}`,
    received_events_url: `${users}/received_events`,
    type: who.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export function ownerObject(ctx: RepoContext): Obj {
  return userObject(ctx, { login: ctx.owner, type: ctx.ownerType });
}

/** `full-repository` (a superset of `repository`, which head.repo and base.repo use). */
export function repositoryObject(ctx: RepoContext, openIssues: number): Obj {
  const r = repoPath(ctx);
  const full = `${ctx.owner}/${ctx.repo}`;
  const host = new URL(ctx.html).host;
  const owner = ownerObject(ctx);
  return {
    id: ctx.repoId,
    node_id: nodeId('R', ctx.repoId),
    name: ctx.repo,
    full_name: full,
    private: true,
    owner,
    html_url: `${ctx.html}/${full}`,
    description: null,
    fork: false,
    url: r,
    archive_url: `${r}/{archive_format}{/ref}`,
    assignees_url: `${r}/assignees{/user}`,
    blobs_url: `${r}/git/blobs{/sha}`,
    branches_url: `${r}/branches{/branch}`,
    collaborators_url: `${r}/collaborators{/collaborator}`,
    comments_url: `${r}/comments{/number}`,
    commits_url: `${r}/commits{/sha}`,
    compare_url: `${r}/compare/{base}...{head}`,
    contents_url: `${r}/contents/{+path}`,
    contributors_url: `${r}/contributors`,
    deployments_url: `${r}/deployments`,
    downloads_url: `${r}/downloads`,
    events_url: `${r}/events`,
    forks_url: `${r}/forks`,
    git_commits_url: `${r}/git/commits{/sha}`,
    git_refs_url: `${r}/git/refs{/sha}`,
    git_tags_url: `${r}/git/tags{/sha}`,
    git_url: `git://${host}/${full}.git`,
    issue_comment_url: `${r}/issues/comments{/number}`,
    issue_events_url: `${r}/issues/events{/number}`,
    issues_url: `${r}/issues{/number}`,
    keys_url: `${r}/keys{/key_id}`,
    labels_url: `${r}/labels{/name}`,
    languages_url: `${r}/languages`,
    merges_url: `${r}/merges`,
    milestones_url: `${r}/milestones{/number}`,
    notifications_url: `${r}/notifications{?since,all,participating}`,
    pulls_url: `${r}/pulls{/number}`,
    releases_url: `${r}/releases{/id}`,
    ssh_url: `git@${host}:${full}.git`,
    stargazers_url: `${r}/stargazers`,
    statuses_url: `${r}/statuses/{sha}`,
    subscribers_url: `${r}/subscribers`,
    subscription_url: `${r}/subscription`,
    tags_url: `${r}/tags`,
    teams_url: `${r}/teams`,
    trees_url: `${r}/git/trees{/sha}`,
    clone_url: `${ctx.html}/${full}.git`,
    mirror_url: null,
    hooks_url: `${r}/hooks`,
    svn_url: `${ctx.html}/${full}`,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: ctx.defaultBranch,
    open_issues_count: openIssues,
    open_issues: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    pushed_at: ctx.pushedAt,
    created_at: ctx.createdAt,
    updated_at: ctx.pushedAt,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    allow_rebase_merge: ctx.allowRebaseMerge,
    allow_squash_merge: ctx.allowSquashMerge,
    allow_merge_commit: ctx.allowMergeCommit,
    allow_auto_merge: ctx.allowAutoMerge,
    delete_branch_on_merge: ctx.deleteBranchOnMerge,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: 'PR_TITLE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    merge_commit_title: 'MERGE_MESSAGE',
    merge_commit_message: 'PR_TITLE',
    allow_forking: false,
    web_commit_signoff_required: false,
    license: null,
    ...(ctx.ownerType === 'Organization' ? { organization: owner } : {}),
    network_count: 0,
    subscribers_count: 0,
  };
}

export function labelObject(ctx: RepoContext, label: LabelState): Obj {
  return {
    id: label.id,
    node_id: label.nodeId,
    url: `${repoPath(ctx)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: false,
  };
}

/** A team named by slug in `team_reviewers`; GitHub's `team` schema is a superset of `team-simple`. */
export function teamObject(ctx: RepoContext, slug: string): Obj {
  const id = idForLogin(`team:${slug}`);
  const url = `${ctx.api}/organizations/${ctx.ownerId}/team/${id}`;
  return {
    id,
    node_id: nodeId('T', id),
    url,
    html_url: `${ctx.html}/orgs/${ctx.owner}/teams/${slug}`,
    name: slug,
    slug,
    description: null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: 'push',
    members_url: `${url}/members{/member}`,
    repositories_url: `${url}/repos`,
    type: 'organization',
    organization_id: ctx.ownerId,
    parent: null,
  };
}

function authorAssociation(ctx: RepoContext, who: Identity): string {
  if (who.login.toLowerCase() === ctx.owner.toLowerCase()) return 'OWNER';
  return who.type === 'Bot' ? 'CONTRIBUTOR' : 'MEMBER';
}

function branchObject(ctx: RepoContext, repository: Obj, branch: { ref: string; sha: string }): Obj {
  return {
    label: `${ctx.owner}:${branch.ref}`,
    ref: branch.ref,
    sha: branch.sha,
    user: ownerObject(ctx),
    repo: repository,
  };
}

/** `pull-request` (GET/POST/PATCH a pull request). */
export function pullObject(ctx: RepoContext, pr: PullState, repository: Obj, labels: LabelState[]): Obj {
  const r = repoPath(ctx);
  const self = `${r}/pulls/${pr.number}`;
  const html = `${ctx.html}/${ctx.owner}/${ctx.repo}/pull/${pr.number}`;
  const issue = `${r}/issues/${pr.number}`;
  const statuses = `${r}/statuses/${pr.head.sha}`;
  return {
    url: self,
    id: pr.id,
    node_id: pr.nodeId,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issue,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${r}/pulls/comments{/number}`,
    comments_url: `${issue}/comments`,
    statuses_url: statuses,
    number: pr.number,
    state: pr.state,
    locked: pr.locked,
    title: pr.title,
    user: userObject(ctx, pr.user),
    body: pr.body,
    labels: labels.map((l) => labelObject(ctx, l)),
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: pr.requestedReviewers.map((login) => userObject(ctx, { login, type: 'User' })),
    requested_teams: pr.requestedTeams.map((slug) => teamObject(ctx, slug)),
    head: branchObject(ctx, repository, pr.head),
    base: branchObject(ctx, repository, pr.base),
    _links: {
      self: { href: self },
      html: { href: html },
      issue: { href: issue },
      comments: { href: `${issue}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${r}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: statuses },
    },
    author_association: authorAssociation(ctx, pr.user),
    auto_merge: pr.autoMerge
      ? {
          enabled_by: userObject(ctx, pr.autoMerge.enabledBy),
          merge_method: pr.autoMerge.mergeMethod,
          commit_title: pr.autoMerge.commitTitle,
          commit_message: pr.autoMerge.commitMessage,
        }
      : null,
    draft: pr.draft,
    merged: pr.merged,
    mergeable: pr.mergeable,
    rebaseable: pr.mergeable,
    mergeable_state: pr.mergeableState,
    merged_by: pr.mergedBy ? userObject(ctx, pr.mergedBy) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: pr.maintainerCanModify,
    commits: pr.stats.commits,
    additions: pr.stats.additions,
    deletions: pr.stats.deletions,
    changed_files: pr.stats.changedFiles,
  };
}

const FULL_ONLY = [
  'merged',
  'mergeable',
  'rebaseable',
  'mergeable_state',
  'merged_by',
  'comments',
  'review_comments',
  'maintainer_can_modify',
  'commits',
  'additions',
  'deletions',
  'changed_files',
];

/** `pull-request-simple` (lists): GitHub leaves out what it must compute per pull request. */
export function pullSimpleObject(
  ctx: RepoContext,
  pr: PullState,
  repository: Obj,
  labels: LabelState[],
): Obj {
  const full = pullObject(ctx, pr, repository, labels);
  for (const key of FULL_ONLY) delete full[key];
  // pull-request-simple requires a label's description as a string (pull-request allows null, and
  // GitHub sends null for a label without one); "" satisfies both readers and the description.
  full['labels'] = (full['labels'] as Obj[]).map((l) => ({ ...l, description: l['description'] ?? '' }));
  return full;
}

export function reviewObject(ctx: RepoContext, pr: PullState, review: ReviewState): Obj {
  const html = `${ctx.html}/${ctx.owner}/${ctx.repo}/pull/${pr.number}#pullrequestreview-${review.id}`;
  const prUrl = `${repoPath(ctx)}/pulls/${pr.number}`;
  return {
    id: review.id,
    node_id: review.nodeId,
    user: userObject(ctx, review.user),
    body: review.body,
    state: review.state,
    html_url: html,
    pull_request_url: prUrl,
    _links: { html: { href: html }, pull_request: { href: prUrl } },
    ...(review.state === 'PENDING' ? {} : { submitted_at: review.submittedAt }),
    commit_id: review.commitId,
    author_association: authorAssociation(ctx, review.user),
  };
}

export function commentObject(ctx: RepoContext, pr: PullState, comment: CommentState): Obj {
  const issueUrl = `${repoPath(ctx)}/issues/${pr.number}`;
  return {
    id: comment.id,
    node_id: nodeId('IC', comment.id),
    url: `${repoPath(ctx)}/issues/comments/${comment.id}`,
    html_url: `${ctx.html}/${ctx.owner}/${ctx.repo}/pull/${pr.number}#issuecomment-${comment.id}`,
    issue_url: issueUrl,
    body: comment.body,
    user: userObject(ctx, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    author_association: authorAssociation(ctx, comment.user),
  };
}

export function deploymentObject(ctx: RepoContext, d: DeploymentState): Obj {
  const url = `${repoPath(ctx)}/deployments/${d.id}`;
  return {
    url,
    id: d.id,
    node_id: d.nodeId,
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.originalEnvironment,
    environment: d.environment,
    description: d.description,
    creator: userObject(ctx, d.creator),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: repoPath(ctx),
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment,
    performed_via_github_app: null,
  };
}

export function deploymentStatusObject(ctx: RepoContext, d: DeploymentState, s: DeploymentStatusState): Obj {
  const deploymentUrl = `${repoPath(ctx)}/deployments/${d.id}`;
  return {
    url: `${deploymentUrl}/statuses/${s.id}`,
    id: s.id,
    node_id: s.nodeId,
    state: s.state,
    creator: userObject(ctx, s.creator),
    description: s.description,
    environment: s.environment,
    // GitHub sends "" for unset URLs although the spec says format: uri (see spec.ts).
    target_url: s.targetUrl,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    deployment_url: deploymentUrl,
    repository_url: repoPath(ctx),
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
    performed_via_github_app: null,
  };
}

export function commitStatusObject(ctx: RepoContext, s: CommitStatusState): Obj {
  return {
    url: `${repoPath(ctx)}/statuses/${s.sha}`,
    avatar_url: `${ctx.api}/_avatars/u/${idForLogin(s.creator.login)}?v=4`,
    id: s.id,
    node_id: s.nodeId,
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    creator: userObject(ctx, s.creator),
  };
}

export function organizationWebhookObject(ctx: RepoContext): Obj {
  const url = `${ctx.api}/orgs/${ctx.owner}`;
  return {
    login: ctx.owner,
    id: ctx.ownerId,
    node_id: nodeId('O', ctx.ownerId),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: `${ctx.api}/_avatars/u/${ctx.ownerId}?v=4`,
    description: null,
  };
}

interface WebhookDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

let examples: WebhookDefinition[] | undefined;

/** The community examples from @octokit/webhooks-examples; the payload starts from one of them. */
function exampleFor(name: string, action: string): Record<string, unknown> {
  if (!examples) {
    const require = createRequire(import.meta.url);
    examples = require('@octokit/webhooks-examples') as WebhookDefinition[];
  }
  const definition = examples.find((d) => d.name === name);
  const candidates = (definition?.examples ?? []).filter((e) => (e['action'] ?? '') === action);
  const chosen = candidates.find((e) => 'organization' in e) ?? candidates[0] ?? definition?.examples[0];
  if (!chosen) throw new Error(`no webhook example for ${name}.${action}`);
  return structuredClone(chosen);
}

/**
 * A `pull_request` webhook payload: the example's shape with every value that matters replaced by
 * the stand-in's state, so a workflow reading `github.event.pull_request.*` sees the truth.
 */
export function pullRequestEventPayload(
  ctx: RepoContext,
  action: string,
  pull: Obj,
  repository: Obj,
  sender: Identity,
  installationId: number,
): Record<string, unknown> {
  const payload = exampleFor('pull_request', action);
  const examplePull = (payload['pull_request'] ?? {}) as Obj;
  const exampleRepo = (payload['repository'] ?? {}) as Obj;
  payload['action'] = action;
  payload['number'] = pull['number'];
  payload['pull_request'] = {
    ...examplePull,
    ...pull,
    allow_auto_merge: ctx.allowAutoMerge,
    allow_update_branch: false,
    delete_branch_on_merge: ctx.deleteBranchOnMerge,
    merge_commit_message: 'PR_TITLE',
    merge_commit_title: 'MERGE_MESSAGE',
    squash_merge_commit_message: 'COMMIT_MESSAGES',
    squash_merge_commit_title: 'PR_TITLE',
    use_squash_pr_title_as_default: false,
  };
  payload['repository'] = { ...exampleRepo, ...repository };
  if (ctx.ownerType === 'Organization') payload['organization'] = organizationWebhookObject(ctx);
  else delete payload['organization'];
  // Only GitHub Apps (bots that are not the Actions token) deliver an installation.
  if (sender.type === 'Bot' && !sender.isGithubToken) {
    payload['installation'] = {
      id: installationId,
      node_id: nodeId('MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u', installationId),
    };
  } else {
    delete payload['installation'];
  }
  delete payload['enterprise'];
  payload['sender'] = userObject(ctx, sender);
  return payload;
}

/** The numeric id GitHub would give a workflow file (stable per path, like GitHub's). */
export function workflowIdFor(path: string): number {
  return idForLogin(`workflow:${path}`);
}

/**
 * A `workflow_dispatch` webhook payload: the example's shape with the dispatch's ref, inputs and
 * workflow path, the stand-in's repository and the identity that dispatched it as `sender`.
 */
export function workflowDispatchEventPayload(
  ctx: RepoContext,
  dispatch: { ref: string; inputs: Record<string, string>; path: string },
  repository: Obj,
  sender: Identity,
  installationId: number,
): Record<string, unknown> {
  const payload = exampleFor('workflow_dispatch', '');
  const exampleRepo = (payload['repository'] ?? {}) as Obj;
  payload['inputs'] = { ...dispatch.inputs };
  payload['ref'] = dispatch.ref;
  payload['workflow'] = dispatch.path;
  payload['repository'] = { ...exampleRepo, ...repository };
  if (ctx.ownerType === 'Organization') payload['organization'] = organizationWebhookObject(ctx);
  else delete payload['organization'];
  if (sender.type === 'Bot' && !sender.isGithubToken) {
    payload['installation'] = {
      id: installationId,
      node_id: nodeId('MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u', installationId),
    };
  } else {
    delete payload['installation'];
  }
  delete payload['enterprise'];
  payload['sender'] = userObject(ctx, sender);
  return payload;
}
