// The REST calls behind `npm run setup-repo`: read the repository's settings, workflow permissions,
// branch protection and environments, and write the ones that differ. GitHub's answers that mean
// "this token cannot do that" become errors that say what to fix.
import type {
  BranchProtection,
  CurrentRepoSettings,
  DeploymentBranchPolicy,
  EnvironmentSettings,
  Principals,
  BranchPolicyChange,
  RepoSettingsChanges,
  RepositorySettings,
} from '../core/repo-settings.js';
import { UserError } from '../core/errors.js';
import { createOctokit } from './github.js';
import type { Octokit, Repo } from './github.js';

export const DEFAULT_API_URL = 'https://api.github.com';

/** A request GitHub answered with an error, re-worded for the person running setup-repo. */
export class RepoSettingsError extends UserError {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

interface Logger {
  warning(message: string): void;
}

/** An Octokit for `apiUrl`, the URL the command was given. */
export function createSettingsOctokit(token: string, apiUrl: string, log: Logger): Octokit {
  return createOctokit(token, log, apiUrl);
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : undefined;
}

function messageOf(error: unknown): string {
  const response =
    typeof error === 'object' && error !== null && 'response' in error
      ? (error as { response?: { data?: unknown } }).response?.data
      : undefined;
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const errors = (response as { errors?: unknown }).errors;
    const details = Array.isArray(errors)
      ? errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('; ')
      : '';
    return `${String((response as { message: unknown }).message)}${details ? ` (${details})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

type Principal = { login?: string; slug?: string | null } | null;

function names(list: readonly Principal[] | undefined, key: 'login' | 'slug'): string[] {
  return (list ?? []).map((p) => p?.[key] ?? '').filter((n): n is string => n !== '');
}

function principals(
  value:
    { users?: readonly Principal[]; teams?: readonly Principal[]; apps?: readonly Principal[] } | undefined,
): Principals {
  return {
    users: names(value?.users, 'login'),
    teams: names(value?.teams, 'slug'),
    apps: names(value?.apps, 'slug'),
  };
}

function isEmpty(p: Principals): boolean {
  return p.users.length === 0 && p.teams.length === 0 && p.apps.length === 0;
}

type ProtectionData = Awaited<ReturnType<Octokit['rest']['repos']['getBranchProtection']>>['data'];

function toProtection(data: ProtectionData): BranchProtection {
  const reviews = data.required_pull_request_reviews;
  const checks = data.required_status_checks;
  return {
    requiredStatusChecks: checks
      ? {
          strict: checks.strict ?? false,
          contexts: [...new Set([...checks.contexts, ...(checks.checks ?? []).map((c) => c.context)])],
        }
      : null,
    requiredPullRequestReviews: reviews
      ? {
          requireCodeOwnerReviews: reviews.require_code_owner_reviews,
          requiredApprovingReviewCount: reviews.required_approving_review_count ?? 0,
          bypassAllowances: principals(reviews.bypass_pull_request_allowances),
          dismissStaleReviews: reviews.dismiss_stale_reviews,
          requireLastPushApproval: reviews.require_last_push_approval ?? false,
          dismissalRestrictions: principals(reviews.dismissal_restrictions),
        }
      : null,
    enforceAdmins: data.enforce_admins?.enabled ?? false,
    allowForcePushes: data.allow_force_pushes?.enabled ?? false,
    allowDeletions: data.allow_deletions?.enabled ?? false,
    requiredLinearHistory: data.required_linear_history?.enabled ?? false,
    requiredConversationResolution: data.required_conversation_resolution?.enabled ?? false,
    blockCreations: data.block_creations?.enabled ?? false,
    lockBranch: data.lock_branch?.enabled ?? false,
    allowForkSyncing: data.allow_fork_syncing?.enabled ?? false,
    restrictions: data.restrictions ? principals(data.restrictions) : null,
  };
}

/** The body of `PUT .../branches/{branch}/protection` (it replaces the whole protection). */
export function protectionRequest(p: BranchProtection) {
  const reviews = p.requiredPullRequestReviews;
  return {
    required_status_checks: p.requiredStatusChecks
      ? { strict: p.requiredStatusChecks.strict, contexts: p.requiredStatusChecks.contexts }
      : null,
    enforce_admins: p.enforceAdmins,
    required_pull_request_reviews: reviews
      ? {
          dismiss_stale_reviews: reviews.dismissStaleReviews,
          require_code_owner_reviews: reviews.requireCodeOwnerReviews,
          required_approving_review_count: reviews.requiredApprovingReviewCount,
          require_last_push_approval: reviews.requireLastPushApproval,
          // Only organisation repositories take these; sent only when there is something to keep.
          ...(isEmpty(reviews.dismissalRestrictions)
            ? {}
            : { dismissal_restrictions: reviews.dismissalRestrictions }),
          ...(isEmpty(reviews.bypassAllowances)
            ? {}
            : { bypass_pull_request_allowances: reviews.bypassAllowances }),
        }
      : null,
    restrictions: p.restrictions,
    required_linear_history: p.requiredLinearHistory,
    allow_force_pushes: p.allowForcePushes,
    allow_deletions: p.allowDeletions,
    block_creations: p.blockCreations,
    required_conversation_resolution: p.requiredConversationResolution,
    lock_branch: p.lockBranch,
    allow_fork_syncing: p.allowForkSyncing,
  };
}

const REPOSITORY_FIELDS = {
  deleteBranchOnMerge: 'delete_branch_on_merge',
  allowAutoMerge: 'allow_auto_merge',
  allowMergeCommit: 'allow_merge_commit',
  allowSquashMerge: 'allow_squash_merge',
  allowRebaseMerge: 'allow_rebase_merge',
} as const satisfies Record<keyof RepositorySettings, string>;

/** Reads and writes one repository's settings; every method is one or a few REST calls. */
export class RepoSettingsClient {
  /**
   * What each environment's other protection rules were when read: a `PUT .../environments/{name}`
   * that sets the branch policy sends them again, so that required reviewers and the wait timer a
   * person set stay as they are.
   */
  private readonly kept = new Map<string, EnvironmentRules>();

  constructor(
    private readonly octokit: Octokit,
    private readonly repo: Repo,
  ) {}

  private get name(): string {
    return `${this.repo.owner}/${this.repo.repo}`;
  }

  /** Turns GitHub's refusals into messages that say what to change. */
  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const status = statusOf(error);
      const detail = `${what} answered ${status ?? 'an error'}: ${messageOf(error)}`;
      if (status === 401) {
        throw new RepoSettingsError(
          `GitHub refused the token (${detail}); set GITHUB_TOKEN (or GH_TOKEN) to a valid token`,
          status,
        );
      }
      if (status === 403) {
        throw new RepoSettingsError(
          `the token lacks administration: write on ${this.name} (${detail}); use a GitHub App token ` +
            `with "Administration: Read and write", or a token of a repository admin ` +
            `(fine-grained: Administration write; classic: repo scope)`,
          status,
        );
      }
      throw new RepoSettingsError(detail, status);
    }
  }

  async read(branch: string): Promise<CurrentRepoSettings> {
    const repository = await this.readRepository();
    const { data: permissions } = await this.call(
      `GET /repos/${this.name}/actions/permissions/workflow`,
      () => this.octokit.rest.actions.getGithubActionsDefaultWorkflowPermissionsRepository({ ...this.repo }),
    );
    const protection = await this.readProtection(branch);
    const environments = await this.readEnvironments();
    return {
      repository,
      workflowPermissions: {
        defaultWorkflowPermissions: permissions.default_workflow_permissions,
        canApprovePullRequestReviews: permissions.can_approve_pull_request_reviews,
      },
      protection,
      environments,
    };
  }

  private async readRepository(): Promise<RepositorySettings> {
    try {
      const { data } = await this.octokit.rest.repos.get({ ...this.repo });
      return {
        deleteBranchOnMerge: data.delete_branch_on_merge ?? false,
        allowAutoMerge: data.allow_auto_merge ?? false,
        allowMergeCommit: data.allow_merge_commit ?? true,
        allowSquashMerge: data.allow_squash_merge ?? true,
        allowRebaseMerge: data.allow_rebase_merge ?? true,
      };
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new RepoSettingsError(
          `repository ${this.name} not found or the token cannot see it (GET /repos/${this.name} answered 404)`,
          404,
        );
      }
      return this.call(`GET /repos/${this.name}`, () => Promise.reject(error));
    }
  }

  /** Every environment with its deployment branch policy, a page of 100 at a time. */
  private async readEnvironments(): Promise<EnvironmentSettings[]> {
    const found: EnvironmentSettings[] = [];
    for (let page = 1; ; page++) {
      const { data } = await this.call(`GET /repos/${this.name}/environments`, () =>
        this.octokit.rest.repos.getAllEnvironments({ ...this.repo, per_page: 100, page }),
      );
      const batch = data.environments ?? [];
      for (const environment of batch) {
        this.kept.set(environment.name, rulesOf(environment.protection_rules ?? []));
        const policy = environment.deployment_branch_policy;
        const branchPolicy: DeploymentBranchPolicy = !policy
          ? { kind: 'none' }
          : policy.protected_branches
            ? { kind: 'protected' }
            : { kind: 'custom', patterns: await this.readBranchPolicies(environment.name) };
        found.push({ name: environment.name, branchPolicy });
      }
      if (batch.length < 100 || found.length >= (data.total_count ?? 0)) return found;
    }
  }

  private async readBranchPolicies(
    environment: string,
  ): Promise<{ id: number; name: string; type: 'branch' | 'tag' }[]> {
    const found: { id: number; name: string; type: 'branch' | 'tag' }[] = [];
    const path = `/repos/${this.name}/environments/${encodeURIComponent(environment)}/deployment-branch-policies`;
    for (let page = 1; ; page++) {
      const { data } = await this.call(`GET ${path}`, () =>
        this.octokit.rest.repos.listDeploymentBranchPolicies({
          ...this.repo,
          environment_name: environment,
          per_page: 100,
          page,
        }),
      );
      for (const p of data.branch_policies) {
        found.push({ id: p.id ?? 0, name: p.name ?? '', type: p.type === 'tag' ? 'tag' : 'branch' });
      }
      if (data.branch_policies.length < 100 || found.length >= data.total_count) return found;
    }
  }

  private async readProtection(branch: string): Promise<BranchProtection | null> {
    const what = `GET /repos/${this.name}/branches/${branch}/protection`;
    try {
      const { data } = await this.octokit.rest.repos.getBranchProtection({ ...this.repo, branch });
      return toProtection(data);
    } catch (error) {
      // "Branch not protected" (or a branch that does not exist yet, which the PUT reports).
      if (statusOf(error) === 404) return null;
      return this.call(what, () => Promise.reject(error));
    }
  }

  /** Writes what differs; `done` hears each request that succeeded, as `METHOD path`. */
  async apply(
    branch: string,
    changes: RepoSettingsChanges,
    done: (request: string) => void = () => undefined,
  ): Promise<void> {
    if (changes.repository) {
      const body: Partial<Record<(typeof REPOSITORY_FIELDS)[keyof RepositorySettings], boolean>> = {};
      for (const [key, value] of Object.entries(changes.repository) as [
        keyof RepositorySettings,
        boolean,
      ][]) {
        body[REPOSITORY_FIELDS[key]] = value;
      }
      const what = `PATCH /repos/${this.name}`;
      await this.call(what, () => this.octokit.rest.repos.update({ ...this.repo, ...body }));
      done(what);
    }
    if (changes.workflowPermissions) {
      const what = `PUT /repos/${this.name}/actions/permissions/workflow`;
      const permissions = changes.workflowPermissions;
      try {
        await this.octokit.rest.actions.setGithubActionsDefaultWorkflowPermissionsRepository({
          ...this.repo,
          default_workflow_permissions: permissions.defaultWorkflowPermissions,
          can_approve_pull_request_reviews: permissions.canApprovePullRequestReviews,
        });
      } catch (error) {
        if (statusOf(error) === 409) {
          throw new RepoSettingsError(
            `${what} answered 409: the organization or enterprise that owns ${this.name} does not let ` +
              `repositories change workflow permissions; an owner must allow "Read and write permissions" ` +
              `and "Allow GitHub Actions to create and approve pull requests" there (${messageOf(error)})`,
            409,
          );
        }
        await this.call(what, () => Promise.reject(error));
      }
      done(what);
    }
    if (changes.protection) {
      const what = `PUT /repos/${this.name}/branches/${branch}/protection`;
      const body = protectionRequest(changes.protection);
      try {
        await this.octokit.rest.repos.updateBranchProtection({ ...this.repo, branch, ...body });
      } catch (error) {
        if (statusOf(error) === 404) {
          throw new RepoSettingsError(
            `${what} answered 404: branch ${branch} does not exist in ${this.name} (push it first) ` +
              `or the token cannot administer the repository (${messageOf(error)})`,
            404,
          );
        }
        await this.call(what, () => Promise.reject(error));
      }
      done(what);
    }
    for (const environment of changes.environments) {
      const what = `PUT /repos/${this.name}/environments/${encodeURIComponent(environment)}`;
      await this.call(what, () =>
        this.octokit.rest.repos.createOrUpdateEnvironment({ ...this.repo, environment_name: environment }),
      );
      done(what);
    }
    for (const change of changes.branchPolicies) await this.applyBranchPolicy(change, done);
  }

  private async applyBranchPolicy(
    change: BranchPolicyChange,
    done: (request: string) => void,
  ): Promise<void> {
    const environment_name = change.environment;
    const path = `/repos/${this.name}/environments/${encodeURIComponent(environment_name)}`;
    if (change.select) {
      const kept = this.kept.get(environment_name) ?? { reviewers: null };
      await this.call(`PUT ${path}`, () =>
        this.octokit.rest.repos.createOrUpdateEnvironment({
          ...this.repo,
          environment_name,
          ...kept,
          deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
        }),
      );
      done(`PUT ${path}`);
    }
    for (const name of change.add) {
      const what = `POST ${path}/deployment-branch-policies`;
      await this.call(what, () =>
        this.octokit.rest.repos.createDeploymentBranchPolicy({
          ...this.repo,
          environment_name,
          name,
          type: 'branch',
        }),
      );
      done(what);
    }
    for (const branch_policy_id of change.remove) {
      const what = `DELETE ${path}/deployment-branch-policies/${branch_policy_id}`;
      await this.call(what, () =>
        this.octokit.rest.repos.deleteDeploymentBranchPolicy({
          ...this.repo,
          environment_name,
          branch_policy_id,
        }),
      );
      done(what);
    }
  }
}

interface EnvironmentRules {
  wait_timer?: number;
  prevent_self_review?: boolean;
  reviewers: { type: 'User' | 'Team'; id: number }[] | null;
}

type ProtectionRule = NonNullable<
  Awaited<ReturnType<Octokit['rest']['repos']['getAllEnvironments']>>['data']['environments']
>[number]['protection_rules'];

/** The wait timer and required reviewers of an environment, in the form its PUT takes them. */
function rulesOf(rules: NonNullable<ProtectionRule>): EnvironmentRules {
  const kept: EnvironmentRules = { reviewers: null };
  for (const rule of rules) {
    if ('wait_timer' in rule && typeof rule.wait_timer === 'number') kept.wait_timer = rule.wait_timer;
    if ('reviewers' in rule && rule.reviewers) {
      kept.prevent_self_review = rule.prevent_self_review ?? false;
      kept.reviewers = rule.reviewers.flatMap((r) =>
        r.type && r.reviewer && 'id' in r.reviewer ? [{ type: r.type, id: r.reviewer.id }] : [],
      );
    }
  }
  return kept;
}
