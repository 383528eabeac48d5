// The repository settings the suite needs (what `npm run setup-repo` applies): the desired state
// from the config and the command's flags, the difference from what GitHub reports, and the lines
// the command prints. No I/O: the adapter reads and writes, the CLI prints.
import type { MergeMethod, PromotionConfig } from './config.js';

export const DEFAULT_PROTECTED_BRANCH = 'main';

/** Users (logins), teams (slugs) and apps (slugs), as branch protection lists them. */
export interface Principals {
  users: string[];
  teams: string[];
  apps: string[];
}

export interface RepositorySettings {
  deleteBranchOnMerge: boolean;
  allowAutoMerge: boolean;
  allowMergeCommit: boolean;
  allowSquashMerge: boolean;
  allowRebaseMerge: boolean;
}

export interface WorkflowPermissions {
  defaultWorkflowPermissions: 'read' | 'write';
  canApprovePullRequestReviews: boolean;
}

export interface PullRequestReviews {
  requireCodeOwnerReviews: boolean;
  requiredApprovingReviewCount: number;
  /** Who may merge without meeting the pull request requirements. */
  bypassAllowances: Principals;
  /** An approval stops counting when the promotion branch changes under it. */
  dismissStaleReviews: boolean;
  // Not managed by setup-repo: kept as they are when the protection is rewritten.
  requireLastPushApproval: boolean;
  dismissalRestrictions: Principals;
}

/** Classic branch protection, as `GET .../branches/{branch}/protection` describes it. */
export interface BranchProtection {
  requiredStatusChecks: { strict: boolean; contexts: string[] } | null;
  /** null: no pull request required. */
  requiredPullRequestReviews: PullRequestReviews | null;
  enforceAdmins: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
  // Not managed by setup-repo: kept as they are when the protection is rewritten.
  requiredLinearHistory: boolean;
  requiredConversationResolution: boolean;
  blockCreations: boolean;
  lockBranch: boolean;
  allowForkSyncing: boolean;
  restrictions: Principals | null;
}

/** An environment's "Deployment branches and tags" setting. */
export type DeploymentBranchPolicy =
  | { kind: 'none' }
  | { kind: 'protected' }
  /** Selected branches and tags: the name patterns, with GitHub's ids (to delete one). */
  | { kind: 'custom'; patterns: { id: number; name: string; type: 'branch' | 'tag' }[] };

export interface EnvironmentSettings {
  name: string;
  branchPolicy: DeploymentBranchPolicy;
}

/** What GitHub reports before anything is changed. */
export interface CurrentRepoSettings {
  repository: RepositorySettings;
  workflowPermissions: WorkflowPermissions;
  /** null: the branch is not protected. */
  protection: BranchProtection | null;
  /** The repository's GitHub environments. */
  environments: EnvironmentSettings[];
}

export interface DesiredRepoSettings {
  branch: string;
  mergeMethod: MergeMethod;
  /** Status check contexts required on the branch; empty means none (required_status_checks null). */
  requiredChecks: string[];
  /** The chain's environments, in order. */
  environments: string[];
}

export function desiredRepoSettings(
  config: PromotionConfig,
  options: { branch?: string; requiredChecks?: string[] } = {},
): DesiredRepoSettings {
  const requiredChecks: string[] = [];
  for (const check of options.requiredChecks ?? []) {
    const name = check.trim();
    if (name !== '' && !requiredChecks.includes(name)) requiredChecks.push(name);
  }
  return {
    branch: options.branch ?? DEFAULT_PROTECTED_BRANCH,
    mergeMethod: config.mergeMethod,
    requiredChecks,
    environments: config.environments.map((e) => e.name),
  };
}

export type SettingStatus = 'unchanged' | 'changed' | 'created';

export interface SettingLine {
  /** `repository`, `actions`, `branch main` or `environment`. */
  scope: string;
  /** The API field (or environment name) the line is about. */
  name: string;
  status: SettingStatus;
  /** What GitHub has now; undefined when the thing does not exist yet. */
  from: string | undefined;
  to: string;
}

/** The writes that make GitHub match; each undefined or empty when nothing of that kind differs. */
export interface RepoSettingsChanges {
  /** `PATCH /repos/{owner}/{repo}`: only the fields that differ. */
  repository: Partial<RepositorySettings> | undefined;
  /** `PUT .../actions/permissions/workflow`. */
  workflowPermissions: WorkflowPermissions | undefined;
  /** `PUT .../branches/{branch}/protection`: the whole protection, since the call replaces it. */
  protection: BranchProtection | undefined;
  /** `PUT .../environments/{name}` for each. */
  environments: string[];
  /** Each environment whose deployment branch policy must become "the default branch only". */
  branchPolicies: BranchPolicyChange[];
}

/**
 * `PUT .../environments/{name}` with custom branch policies when `select` (they are not on yet),
 * then `POST .../deployment-branch-policies` for each of `add` and `DELETE` for each of `remove`.
 */
export interface BranchPolicyChange {
  environment: string;
  select: boolean;
  add: string[];
  remove: number[];
}

export interface RepoSettingsPlan {
  branch: string;
  lines: SettingLine[];
  changes: RepoSettingsChanges;
}

const MERGE_SETTING: Record<MergeMethod, keyof RepositorySettings> = {
  merge: 'allowMergeCommit',
  squash: 'allowSquashMerge',
  rebase: 'allowRebaseMerge',
};

const REPOSITORY_FIELD: Record<keyof RepositorySettings, string> = {
  deleteBranchOnMerge: 'delete_branch_on_merge',
  allowAutoMerge: 'allow_auto_merge',
  allowMergeCommit: 'allow_merge_commit',
  allowSquashMerge: 'allow_squash_merge',
  allowRebaseMerge: 'allow_rebase_merge',
};

const NO_ONE: Principals = { users: [], teams: [], apps: [] };

function principalsText(p: Principals): string {
  const parts = [
    p.users.length > 0 ? `users ${p.users.join(', ')}` : '',
    p.teams.length > 0 ? `teams ${p.teams.join(', ')}` : '',
    p.apps.length > 0 ? `apps ${p.apps.join(', ')}` : '',
  ].filter((s) => s !== '');
  return parts.length > 0 ? parts.join('; ') : 'none';
}

function checksText(checks: BranchProtection['requiredStatusChecks']): string {
  if (checks === null) return 'none';
  const names = checks.contexts.length > 0 ? [...checks.contexts].sort().join(', ') : '(no contexts)';
  return `${names}${checks.strict ? ' (strict)' : ' (not strict)'}`;
}

/** The protection setup-repo wants, keeping what it does not manage from the current one. */
function desiredProtection(current: BranchProtection | null, desired: DesiredRepoSettings): BranchProtection {
  const reviews = current?.requiredPullRequestReviews;
  return {
    requiredStatusChecks:
      desired.requiredChecks.length > 0 ? { strict: true, contexts: [...desired.requiredChecks] } : null,
    requiredPullRequestReviews: {
      requireCodeOwnerReviews: true,
      // 0: dev merges without approval; CODEOWNERS makes uat/prod need their team.
      requiredApprovingReviewCount: 0,
      bypassAllowances: { ...NO_ONE },
      // A promotion branch rebuilt on a newer main (or pushed to by hand) needs approving again.
      dismissStaleReviews: true,
      requireLastPushApproval: reviews?.requireLastPushApproval ?? false,
      dismissalRestrictions: reviews?.dismissalRestrictions ?? { ...NO_ONE },
    },
    enforceAdmins: true,
    allowForcePushes: false,
    allowDeletions: false,
    requiredLinearHistory: current?.requiredLinearHistory ?? false,
    requiredConversationResolution: current?.requiredConversationResolution ?? false,
    blockCreations: current?.blockCreations ?? false,
    lockBranch: current?.lockBranch ?? false,
    allowForkSyncing: current?.allowForkSyncing ?? false,
    restrictions: current?.restrictions ?? null,
  };
}

/** The protection fields setup-repo manages, rendered for comparison and printing. */
function protectionFields(p: BranchProtection | null): { name: string; value: string }[] {
  const reviews = p?.requiredPullRequestReviews ?? null;
  return [
    { name: 'required_pull_request_reviews', value: reviews ? 'pull request required' : 'none' },
    {
      name: 'required_approving_review_count',
      value: reviews ? String(reviews.requiredApprovingReviewCount) : 'none',
    },
    { name: 'require_code_owner_reviews', value: String(reviews?.requireCodeOwnerReviews ?? false) },
    { name: 'dismiss_stale_reviews', value: String(reviews?.dismissStaleReviews ?? false) },
    { name: 'bypass_pull_request_allowances', value: principalsText(reviews?.bypassAllowances ?? NO_ONE) },
    { name: 'required_status_checks', value: checksText(p?.requiredStatusChecks ?? null) },
    { name: 'enforce_admins', value: String(p?.enforceAdmins ?? false) },
    { name: 'allow_force_pushes', value: String(p?.allowForcePushes ?? false) },
    { name: 'allow_deletions', value: String(p?.allowDeletions ?? false) },
  ];
}

function branchPolicyText(policy: DeploymentBranchPolicy): string {
  if (policy.kind === 'none') return 'no restriction';
  if (policy.kind === 'protected') return 'protected branches';
  const of = (type: 'branch' | 'tag') =>
    policy.patterns
      .filter((p) => p.type === type)
      .map((p) => p.name)
      .sort();
  const branches = of('branch');
  const tags = of('tag');
  const parts = [
    ...(branches.length > 0 ? [`branches ${branches.join(', ')}`] : []),
    ...(tags.length > 0 ? [`tags ${tags.join(', ')}`] : []),
  ];
  return `only ${parts.length > 0 ? parts.join(' and ') : 'none (nothing may deploy)'}`;
}

function line(scope: string, name: string, from: string | undefined, to: string): SettingLine {
  return {
    scope,
    name,
    from,
    to,
    status: from === undefined ? 'created' : from === to ? 'unchanged' : 'changed',
  };
}

/** Compares what GitHub has with what the suite needs: one line per setting, and the writes. */
export function planRepoSettings(
  current: CurrentRepoSettings,
  desired: DesiredRepoSettings,
): RepoSettingsPlan {
  const lines: SettingLine[] = [];

  const wantRepository: Partial<RepositorySettings> = {
    deleteBranchOnMerge: true,
    allowAutoMerge: true,
    [MERGE_SETTING[desired.mergeMethod]]: true,
  };
  const repositoryPatch: Partial<RepositorySettings> = {};
  for (const [key, want] of Object.entries(wantRepository) as [keyof RepositorySettings, boolean][]) {
    const have = current.repository[key];
    lines.push(line('repository', REPOSITORY_FIELD[key], String(have), String(want)));
    if (have !== want) repositoryPatch[key] = want;
  }

  const wantPermissions: WorkflowPermissions = {
    defaultWorkflowPermissions: 'write',
    canApprovePullRequestReviews: true,
  };
  const havePermissions = current.workflowPermissions;
  lines.push(
    line(
      'actions',
      'default_workflow_permissions',
      havePermissions.defaultWorkflowPermissions,
      wantPermissions.defaultWorkflowPermissions,
    ),
    line(
      'actions',
      'can_approve_pull_request_reviews',
      String(havePermissions.canApprovePullRequestReviews),
      String(wantPermissions.canApprovePullRequestReviews),
    ),
  );
  const permissionsDiffer =
    havePermissions.defaultWorkflowPermissions !== wantPermissions.defaultWorkflowPermissions ||
    havePermissions.canApprovePullRequestReviews !== wantPermissions.canApprovePullRequestReviews;

  const wantProtection = desiredProtection(current.protection, desired);
  const haveFields = current.protection ? protectionFields(current.protection) : undefined;
  const wantFields = protectionFields(wantProtection);
  let protectionDiffers = current.protection === null;
  for (const [i, field] of wantFields.entries()) {
    const have = haveFields?.[i]?.value;
    lines.push(line(`branch ${desired.branch}`, field.name, have, field.value));
    if (have !== field.value) protectionDiffers = true;
  }

  const existing = (name: string) => current.environments.find((e) => e.name === name);
  const missingEnvironments = desired.environments.filter((name) => !existing(name));
  const branchPolicies: BranchPolicyChange[] = [];
  for (const name of desired.environments) {
    const have = existing(name);
    lines.push(line('environment', name, have ? 'exists' : undefined, 'exists'));
    // Only the default branch may run a job that reads the environment's secrets (its cluster).
    const want: DeploymentBranchPolicy = {
      kind: 'custom',
      patterns: [{ id: 0, name: desired.branch, type: 'branch' }],
    };
    const from = have ? branchPolicyText(have.branchPolicy) : undefined;
    lines.push(line(`environment ${name}`, 'deployment_branch_policy', from, branchPolicyText(want)));
    if (from === branchPolicyText(want)) continue;
    const patterns = have?.branchPolicy.kind === 'custom' ? have.branchPolicy.patterns : [];
    const isWanted = (p: { name: string; type: string }) => p.type === 'branch' && p.name === desired.branch;
    branchPolicies.push({
      environment: name,
      select: have?.branchPolicy.kind !== 'custom',
      add: patterns.some(isWanted) ? [] : [desired.branch],
      remove: patterns.filter((p) => !isWanted(p)).map((p) => p.id),
    });
  }

  return {
    branch: desired.branch,
    lines,
    changes: {
      repository: Object.keys(repositoryPatch).length > 0 ? repositoryPatch : undefined,
      workflowPermissions: permissionsDiffer ? wantPermissions : undefined,
      protection: protectionDiffers ? wantProtection : undefined,
      environments: missingEnvironments,
      branchPolicies,
    },
  };
}

export function hasChanges(plan: RepoSettingsPlan): boolean {
  return plan.lines.some((l) => l.status !== 'unchanged');
}

const MARK: Record<SettingStatus, string> = { unchanged: '=', changed: '~', created: '+' };

/**
 * One line per setting. `applied`: what was done (`changed from X to Y`, `created`); `check`: what
 * differs, without doing it (`differs: X, wanted Y`, `missing`).
 */
export function formatPlan(plan: RepoSettingsPlan, mode: 'applied' | 'check'): string[] {
  return plan.lines.map((l) => {
    const subject = `${MARK[l.status]} ${l.scope === 'environment' ? `environment ${l.name}` : `${l.scope} ${l.name}`}`;
    const isEnvironment = l.scope === 'environment';
    switch (l.status) {
      case 'unchanged':
        return `${subject}: unchanged${isEnvironment ? '' : ` (${l.to})`}`;
      case 'changed':
        return mode === 'applied'
          ? `${subject}: changed from ${l.from ?? ''} to ${l.to}`
          : `${subject}: differs: is ${l.from ?? ''}, wanted ${l.to}`;
      case 'created':
        if (mode === 'check') return `${subject}: missing${isEnvironment ? '' : `, wanted ${l.to}`}`;
        return `${subject}: created${isEnvironment ? '' : ` (${l.to})`}`;
    }
  });
}

/** The closing line: how many settings changed (or differ, with --check). */
export function summarizePlan(plan: RepoSettingsPlan, mode: 'applied' | 'check'): string {
  const differing = plan.lines.filter((l) => l.status !== 'unchanged').length;
  const total = plan.lines.length;
  if (mode === 'check') {
    return differing === 0
      ? `All ${total} settings match.`
      : `${differing} of ${total} settings differ; run setup-repo without --check to apply them.`;
  }
  return differing === 0
    ? `Nothing to change: all ${total} settings match.`
    : `${differing} of ${total} settings changed.`;
}
