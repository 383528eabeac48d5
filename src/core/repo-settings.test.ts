import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import {
  desiredRepoSettings,
  formatPlan,
  hasChanges,
  planRepoSettings,
  summarizePlan,
  type BranchProtection,
  type CurrentRepoSettings,
  type DeploymentBranchPolicy,
  type DesiredRepoSettings,
} from './repo-settings.js';

const CONFIG = `
environments:
  - name: dev
    merge-without-review: true
  - name: uat
  - name: prod
services:
  - name: orders
    image: ghcr.io/acme/orders
`;

/** A repository as GitHub creates it: nothing set up. */
function fresh(): CurrentRepoSettings {
  return {
    repository: {
      deleteBranchOnMerge: false,
      allowAutoMerge: false,
      allowMergeCommit: true,
      allowSquashMerge: true,
      allowRebaseMerge: true,
    },
    workflowPermissions: { defaultWorkflowPermissions: 'read', canApprovePullRequestReviews: false },
    protection: null,
    environments: [],
  };
}

const desired: DesiredRepoSettings = {
  branch: 'main',
  mergeMethod: 'squash',
  requiredChecks: ['build', 'lint'],
  environments: ['dev', 'uat', 'prod'],
};

const MAIN_ONLY: DeploymentBranchPolicy = {
  kind: 'custom',
  patterns: [{ id: 1, name: 'main', type: 'branch' }],
};
const env = (name: string, branchPolicy: DeploymentBranchPolicy = { kind: 'none' }) => ({
  name,
  branchPolicy,
});

/** What setup-repo leaves behind for `desired`. */
function setUp(): CurrentRepoSettings {
  const plan = planRepoSettings(fresh(), desired);
  return {
    repository: { ...fresh().repository, ...plan.changes.repository },
    workflowPermissions: plan.changes.workflowPermissions!,
    protection: plan.changes.protection!,
    environments: ['dev', 'uat', 'prod'].map((name) => env(name, structuredClone(MAIN_ONLY))),
  };
}

describe('desiredRepoSettings', () => {
  it('takes the merge method and the chain from the config and the checks from the flags', () => {
    const config = parseConfig(`${CONFIG}pull-requests:\n  merge-method: rebase\n`);
    expect(desiredRepoSettings(config, { requiredChecks: ['build', ' build ', '', 'test'] })).toEqual({
      branch: 'main',
      mergeMethod: 'rebase',
      requiredChecks: ['build', 'test'],
      environments: ['dev', 'uat', 'prod'],
    });
  });

  it('defaults to squash, no required checks and main', () => {
    const result = desiredRepoSettings(parseConfig(CONFIG));
    expect(result.mergeMethod).toBe('squash');
    expect(result.requiredChecks).toEqual([]);
    expect(result.branch).toBe('main');
  });
});

describe('planRepoSettings', () => {
  it('on a fresh repository changes every setting and writes only what differs', () => {
    const plan = planRepoSettings(fresh(), desired);
    expect(hasChanges(plan)).toBe(true);
    // Squash merging is already allowed: not part of the PATCH.
    expect(plan.changes.repository).toEqual({ deleteBranchOnMerge: true, allowAutoMerge: true });
    expect(plan.changes.workflowPermissions).toEqual({
      defaultWorkflowPermissions: 'write',
      canApprovePullRequestReviews: true,
    });
    expect(plan.changes.protection).toEqual({
      requiredStatusChecks: { strict: true, contexts: ['build', 'lint'] },
      requiredPullRequestReviews: {
        requireCodeOwnerReviews: true,
        requiredApprovingReviewCount: 0,
        bypassAllowances: { users: [], teams: [], apps: [] },
        dismissStaleReviews: true,
        requireLastPushApproval: false,
        dismissalRestrictions: { users: [], teams: [], apps: [] },
      },
      enforceAdmins: true,
      allowForcePushes: false,
      allowDeletions: false,
      requiredLinearHistory: false,
      requiredConversationResolution: false,
      blockCreations: false,
      lockBranch: false,
      allowForkSyncing: false,
      restrictions: null,
    } satisfies BranchProtection);
    expect(plan.changes.environments).toEqual(['dev', 'uat', 'prod']);
    expect(plan.lines.filter((l) => l.status === 'created').map((l) => `${l.scope} ${l.name}`)).toEqual([
      'branch main required_pull_request_reviews',
      'branch main required_approving_review_count',
      'branch main require_code_owner_reviews',
      'branch main dismiss_stale_reviews',
      'branch main bypass_pull_request_allowances',
      'branch main required_status_checks',
      'branch main enforce_admins',
      'branch main allow_force_pushes',
      'branch main allow_deletions',
      'environment dev',
      'environment dev deployment_branch_policy',
      'environment uat',
      'environment uat deployment_branch_policy',
      'environment prod',
      'environment prod deployment_branch_policy',
    ]);
    expect(plan.changes.branchPolicies).toEqual(
      ['dev', 'uat', 'prod'].map((environment) => ({ environment, select: true, add: ['main'], remove: [] })),
    );
  });

  it('asks for the merge method the config uses', () => {
    const current = fresh();
    current.repository.allowRebaseMerge = false;
    const plan = planRepoSettings(current, { ...desired, mergeMethod: 'rebase' });
    expect(plan.changes.repository).toEqual({
      deleteBranchOnMerge: true,
      allowAutoMerge: true,
      allowRebaseMerge: true,
    });
    expect(plan.lines.find((l) => l.name === 'allow_rebase_merge')).toMatchObject({
      status: 'changed',
      from: 'false',
      to: 'true',
    });
    expect(plan.lines.some((l) => l.name === 'allow_squash_merge')).toBe(false);
  });

  it('plans no write once everything matches', () => {
    const plan = planRepoSettings(setUp(), desired);
    expect(hasChanges(plan)).toBe(false);
    expect(plan.changes).toEqual({
      repository: undefined,
      workflowPermissions: undefined,
      protection: undefined,
      environments: [],
      branchPolicies: [],
    });
    expect(plan.lines.every((l) => l.status === 'unchanged')).toBe(true);
  });

  it('compares required checks whatever their order', () => {
    const current = setUp();
    current.protection!.requiredStatusChecks = { strict: true, contexts: ['lint', 'build'] };
    expect(hasChanges(planRepoSettings(current, desired))).toBe(false);
  });

  it('rewrites the protection when one field differs, keeping what setup-repo does not manage', () => {
    const current = setUp();
    const protection = current.protection!;
    protection.requiredPullRequestReviews!.requiredApprovingReviewCount = 2;
    protection.requiredPullRequestReviews!.dismissStaleReviews = true;
    protection.requiredPullRequestReviews!.bypassAllowances = { users: ['alice'], teams: [], apps: [] };
    protection.requiredLinearHistory = true;
    protection.restrictions = { users: [], teams: ['platform'], apps: [] };
    const plan = planRepoSettings(current, desired);
    expect(plan.lines.filter((l) => l.status !== 'unchanged')).toEqual([
      {
        scope: 'branch main',
        name: 'required_approving_review_count',
        status: 'changed',
        from: '2',
        to: '0',
      },
      {
        scope: 'branch main',
        name: 'bypass_pull_request_allowances',
        status: 'changed',
        from: 'users alice',
        to: 'none',
      },
    ]);
    expect(plan.changes.protection).toMatchObject({
      requiredPullRequestReviews: {
        requiredApprovingReviewCount: 0,
        dismissStaleReviews: true,
        bypassAllowances: { users: [], teams: [], apps: [] },
      },
      requiredLinearHistory: true,
      restrictions: { users: [], teams: ['platform'], apps: [] },
    });
    expect(plan.changes.repository).toBeUndefined();
  });

  it('turns required status checks off when no check is asked for', () => {
    const plan = planRepoSettings(setUp(), { ...desired, requiredChecks: [] });
    expect(plan.lines.find((l) => l.name === 'required_status_checks')).toMatchObject({
      status: 'changed',
      from: 'build, lint (strict)',
      to: 'none',
    });
    expect(plan.changes.protection?.requiredStatusChecks).toBeNull();
  });

  it('creates only the environments that are missing', () => {
    const plan = planRepoSettings({ ...fresh(), environments: [env('uat'), env('staging')] }, desired);
    expect(plan.changes.environments).toEqual(['dev', 'prod']);
    expect(plan.lines.filter((l) => l.scope === 'environment').map((l) => [l.name, l.status])).toEqual([
      ['dev', 'created'],
      ['uat', 'unchanged'],
      ['prod', 'created'],
    ]);
  });

  it('restricts each environment to the default branch, keeping what already matches', () => {
    const current = setUp();
    current.environments = [
      env('dev'),
      env('uat', { kind: 'protected' }),
      env('prod', {
        kind: 'custom',
        patterns: [
          { id: 7, name: 'main', type: 'branch' },
          { id: 8, name: 'release/*', type: 'branch' },
          { id: 9, name: 'v*', type: 'tag' },
        ],
      }),
    ];
    const plan = planRepoSettings(current, desired);
    expect(
      plan.lines.filter((l) => l.name === 'deployment_branch_policy').map((l) => [l.scope, l.from]),
    ).toEqual([
      ['environment dev', 'no restriction'],
      ['environment uat', 'protected branches'],
      ['environment prod', 'only branches main, release/* and tags v*'],
    ]);
    expect(plan.changes.branchPolicies).toEqual([
      { environment: 'dev', select: true, add: ['main'], remove: [] },
      { environment: 'uat', select: true, add: ['main'], remove: [] },
      { environment: 'prod', select: false, add: [], remove: [8, 9] },
    ]);
    expect(formatPlan(plan, 'check')).toContain(
      '~ environment dev deployment_branch_policy: differs: is no restriction, wanted only branches main',
    );
    expect(planRepoSettings(setUp(), desired).changes.branchPolicies).toEqual([]);
  });

  it('counts a protection without pull request reviews as not requiring a pull request', () => {
    const current = setUp();
    current.protection!.requiredPullRequestReviews = null;
    const plan = planRepoSettings(current, desired);
    expect(plan.lines.filter((l) => l.status === 'changed').map((l) => [l.name, l.from, l.to])).toEqual([
      ['required_pull_request_reviews', 'none', 'pull request required'],
      ['required_approving_review_count', 'none', '0'],
      ['require_code_owner_reviews', 'false', 'true'],
      ['dismiss_stale_reviews', 'false', 'true'],
    ]);
  });
});

describe('formatPlan and summarizePlan', () => {
  it('prints =, ~ and + lines for what was done', () => {
    const current = setUp();
    current.repository.allowAutoMerge = false;
    current.workflowPermissions.defaultWorkflowPermissions = 'read';
    current.environments = current.environments.slice(0, 2);
    const plan = planRepoSettings(current, desired);
    const lines = formatPlan(plan, 'applied');
    expect(lines).toContain('= repository delete_branch_on_merge: unchanged (true)');
    expect(lines).toContain('~ repository allow_auto_merge: changed from false to true');
    expect(lines).toContain('~ actions default_workflow_permissions: changed from read to write');
    expect(lines).toContain('= branch main required_status_checks: unchanged (build, lint (strict))');
    expect(lines).toContain('= environment dev: unchanged');
    expect(lines).toContain('+ environment prod: created');
    expect(lines).toContain('= environment dev deployment_branch_policy: unchanged (only branches main)');
    expect(lines).toContain('+ environment prod deployment_branch_policy: created (only branches main)');
    expect(lines).toHaveLength(plan.lines.length);
    expect(summarizePlan(plan, 'applied')).toBe(`4 of ${plan.lines.length} settings changed.`);
  });

  it('says what differs with --check, without claiming it changed', () => {
    const plan = planRepoSettings(fresh(), desired);
    const lines = formatPlan(plan, 'check');
    expect(lines).toContain('~ repository allow_auto_merge: differs: is false, wanted true');
    expect(lines).toContain('+ branch main enforce_admins: missing, wanted true');
    expect(lines).toContain('+ environment uat: missing');
    expect(lines.some((l) => l.includes('changed from') || l.includes('created'))).toBe(false);
    expect(summarizePlan(plan, 'check')).toBe(
      `19 of ${plan.lines.length} settings differ; run setup-repo without --check to apply them.`,
    );
    expect(summarizePlan(planRepoSettings(setUp(), desired), 'check')).toBe(
      `All ${plan.lines.length} settings match.`,
    );
  });
});
