// State the stand-in keeps, public so tests and the sandbox can inspect it directly.

export interface Identity {
  login: string;
  type: 'User' | 'Bot';
  /** The workflow's GITHUB_TOKEN: events it causes start no new workflow runs. */
  isGithubToken?: boolean;
  /**
   * The organization permission "Members" of an App installation or fine-grained token: 'none'
   * makes team reads answer 403. Unset: granted (an App with Members read, a PAT with read:org).
   * A GITHUB_TOKEN never has it, whatever this says.
   */
  orgMembers?: 'read' | 'none';
  /**
   * An App installation token's permissions (GitHub's names), as minted with `permission-*`.
   * Enforced where a promotion needs them (permissions.ts): contents write to merge, pull requests
   * write to review; `members` through orgMembers. Unset: not restricted.
   */
  permissions?: Record<string, 'read' | 'write'>;
  /**
   * The repositories (`owner/repo`) the token reaches; any other answers 404 "Not Found", as GitHub
   * hides a repository a token cannot see. Unset: every hosted repository (a person, a PAT). A
   * GITHUB_TOKEN reaches only the repository of its run, an App installation token the repositories
   * it was minted for (https://docs.github.com/actions/security-guides/automatic-token-authentication).
   */
  repositories?: string[];
}

export type MergeMethod = 'merge' | 'squash' | 'rebase';

export type MergeableState = 'clean' | 'dirty' | 'blocked' | 'draft' | 'unknown';

export type ReviewStateName = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'PENDING' | 'DISMISSED';

export interface ReviewState {
  id: number;
  nodeId: string;
  user: Identity;
  state: ReviewStateName;
  body: string;
  commitId: string;
  submittedAt: string;
}

/** A comment on a pull request (GitHub keeps them as issue comments). */
export interface CommentState {
  id: number;
  user: Identity;
  body: string;
  createdAt: string;
}

export interface AutoMergeState {
  enabledBy: Identity;
  mergeMethod: MergeMethod;
  commitTitle: string;
  commitMessage: string;
  enabledAt: string;
}

export interface PullStats {
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
  files: string[];
}

export interface PullState {
  number: number;
  id: number;
  nodeId: string;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  locked: boolean;
  maintainerCanModify: boolean;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  user: Identity;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  merged: boolean;
  mergedBy: Identity | null;
  mergeCommitSha: string | null;
  /** Who closed it (merge or close), for the event's sender. */
  closedBy: Identity | null;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
  reviews: ReviewState[];
  comments?: CommentState[];
  autoMerge: AutoMergeState | null;
  /** Computed from the bare repository each time the pull request is read. */
  mergeable: boolean | null;
  mergeableState: MergeableState;
  /** Why a merge would be refused right now (approval, status checks), GitHub's wording. */
  blockers: string[];
  /** A rule of the base branch's protection requires a review (review-rules.ts). */
  reviewRequired: boolean;
  stats: PullStats;
}

export interface DeploymentStatusState {
  id: number;
  nodeId: string;
  state: 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';
  creator: Identity;
  description: string;
  environment: string;
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentState {
  id: number;
  nodeId: string;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  environment: string;
  originalEnvironment: string;
  description: string | null;
  creator: Identity;
  createdAt: string;
  updatedAt: string;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  /** As sent, so tests can check the suite's choices (undefined = not sent). */
  requested: { autoMerge?: boolean; requiredContexts?: string[] };
  statuses: DeploymentStatusState[];
}

export interface CommitStatusState {
  id: number;
  nodeId: string;
  sha: string;
  context: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  description: string | null;
  targetUrl: string | null;
  creator: Identity;
  createdAt: string;
}

export interface LabelState {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
}

// ---- repository administration (settings.ts) ----------------------------------------------

export interface PrincipalNames {
  users: string[];
  teams: string[];
  apps: string[];
}

/** Classic branch protection as the last `PUT .../branches/{branch}/protection` set it. */
export interface BranchProtectionState {
  requiredStatusChecks: { strict: boolean; contexts: string[] } | null;
  enforceAdmins: boolean;
  requiredPullRequestReviews: {
    dismissStaleReviews: boolean;
    requireCodeOwnerReviews: boolean;
    requiredApprovingReviewCount: number;
    requireLastPushApproval: boolean;
    dismissalRestrictions: PrincipalNames | null;
    bypassPullRequestAllowances: PrincipalNames | null;
  } | null;
  restrictions: PrincipalNames | null;
  requiredLinearHistory: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
  blockCreations: boolean;
  requiredConversationResolution: boolean;
  lockBranch: boolean;
  allowForkSyncing: boolean;
}

export interface EnvironmentState {
  id: number;
  nodeId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  waitTimer: number;
  preventSelfReview: boolean;
  deploymentBranchPolicy: { protected_branches: boolean; custom_branch_policies: boolean } | null;
  /** Required reviewers: users (logins) and teams (slugs); any one of them approves. */
  reviewers: { type: 'User' | 'Team'; name: string }[];
  /** Name patterns of `custom_branch_policies` (used only when that is on). */
  branchPolicies: { id: number; name: string; type: 'branch' | 'tag' }[];
}

/** A job that references an environment with required reviewers, waiting for their decision. */
export interface PendingDeploymentState {
  runId: number;
  environment: string;
  /** Who started the run: with prevent_self_review they may not approve it. */
  actor: string;
  waitTimerStartedAt: string | null;
  /** Set once, by `POST .../actions/runs/{run_id}/pending_deployments`. */
  decision?: { state: 'approved' | 'rejected'; by: Identity; comment: string };
  /** Tells the waiting job the decision. */
  settle: (state: 'approved' | 'rejected') => void;
}

/** Repository administration the stand-in keeps: what setup-repo reads and writes. */
export interface RepoSettingsState {
  /** `read` and false on a new repository, as GitHub does since 2023. */
  workflowPermissions: {
    defaultWorkflowPermissions: 'read' | 'write';
    canApprovePullRequestReviews: boolean;
  };
  /** Branch name -> protection; a branch without an entry is not protected. */
  protections: Map<string, BranchProtectionState>;
  /** Includes the environments deployments created (GitHub creates one when a deployment names it). */
  environments: EnvironmentState[];
  /** Jobs waiting for an environment's required reviewers (environments.ts). */
  pendingDeployments: PendingDeploymentState[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** The spec's operationId, 'graphql' for /graphql, undefined for unknown routes. */
  operationId: string | undefined;
  /** Login of the token's identity, when the request carried one. */
  login: string | undefined;
  response: unknown;
  /** Answered 403 for going over GitHub's secondary limit on content creation; nothing changed. */
  secondaryRateLimited?: true;
}

export interface EventMeta {
  actor: Identity;
  /** False when the GITHUB_TOKEN caused it: GitHub starts no workflow run for such events. */
  triggersWorkflows: boolean;
  /** workflow_dispatch only: the run id GitHub assigned (what `return_run_details` answers). */
  workflowRunId?: number;
}

/** A `POST .../actions/workflows/{workflow_id}/dispatches` GitHub accepted. */
/** A workflow run as the Actions tab lists it (./runs.ts); the sandbox's dispatcher records it. */
export interface WorkflowRunState {
  id: number;
  runNumber: number;
  attempt: number;
  /** The workflow's `name:`. */
  name: string;
  /** `run-name:` evaluated, or the workflow's name. */
  displayTitle: string;
  /** `.github/workflows/<file>`. */
  path: string;
  event: string;
  status: 'queued' | 'pending' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | 'cancelled' | null;
  headBranch: string | null;
  headSha: string;
  actor: Identity;
  createdAt: string;
  updatedAt: string;
}

export interface WorkflowDispatchState {
  /** The workflow run id GitHub assigned to the run this dispatch starts. */
  runId: number;
  /** As the caller named it: a file name (`overlay-deploy.yaml`) or a numeric id. */
  workflowId: string;
  /** `.github/workflows/<file>` in the repository. */
  path: string;
  /** Fully qualified: `refs/heads/main` or `refs/tags/v1`. */
  ref: string;
  /** The commit the ref pointed at when the dispatch was made (the run's GITHUB_SHA). */
  sha: string;
  /** As they go into the event payload: strings, with the workflow's defaults filled in. */
  inputs: Record<string, string>;
  actor: Identity;
  createdAt: string;
}

export interface RecordedEvent extends EventMeta {
  name: string;
  action: string;
  payload: Record<string, unknown>;
}

export interface StandInHooks {
  /** Called synchronously after the state changed; a returned promise is not awaited. */
  onEvent?: (name: string, payload: Record<string, unknown>, meta: EventMeta) => unknown;
}

/** A repository the stand-in hosts beside the first: its own settings, pulls, events and hooks. */
export type HostedRepositoryOptions = Omit<StandInOptions, 'tokens' | 'repositories'>;

/** At most `requests` content-creating requests in any `seconds` (a sliding window). */
export interface ContentLimit {
  requests: number;
  seconds: number;
}

export interface StandInOptions {
  /** Path of the bare repository that plays "origin". */
  bareRepo: string;
  owner: string;
  repo: string;
  defaultBranch?: string;
  /** token -> identity; without it any token is the User 'octocat'. */
  tokens?: Record<string, Identity>;
  /**
   * A pull request whose changed files match needs an APPROVED review, from anyone, before it
   * merges: a shortcut for tests about the chain. The branch protection a test (or setup-repo)
   * sets counts approvals as GitHub does (review-rules.ts): code owners, stale approvals, last push.
   */
  requireApproval?: (files: string[]) => boolean;
  /** Commit status contexts that must be `success` on the head before a merge. */
  requiredStatusChecks?: string[];
  /** Repository setting "Allow auto-merge". */
  allowAutoMerge?: boolean;
  /** Repository settings allow_merge_commit / allow_squash_merge / allow_rebase_merge (all by default). */
  allowedMergeMethods?: MergeMethod[];
  /** 'Organization' (default) or 'User'. */
  ownerType?: 'Organization' | 'User';
  /** Repository setting "Automatically delete head branches" (default false, as on GitHub). */
  deleteBranchOnMerge?: boolean;
  /** Teams of the owning organization by slug, with the logins of their active members. */
  teams?: Record<string, string[]>;
  /**
   * Each team's permission on the repository (default `write`): a team with `read` or `triage`
   * owns nothing in CODEOWNERS, as on GitHub.
   */
  teamPermissions?: Record<string, 'read' | 'triage' | 'write' | 'maintain' | 'admin'>;
  /**
   * Logins with administration rights: only they may change settings, branch protection and
   * environments (others get GitHub's 403). Without it every identity may.
   */
  administrators?: string[];
  /** More repositories to host (each served under /repos/{owner}/{repo}); more with addRepository. */
  repositories?: HostedRepositoryOptions[];
  /**
   * GitHub's secondary limit on content-creating requests, per identity (./secondary-limits.ts):
   * GITHUB_CONTENT_LIMITS for GitHub's figures, smaller windows for tests. Off by default.
   */
  secondaryRateLimit?: readonly ContentLimit[];
}
