// The deployment branch policy rule on its own: which refs may run a job that names an environment.
import { describe, expect, it } from 'vitest';
import { deploymentRefusal } from './environments.js';
import type { EnvironmentState } from './types.js';

function environment(policy: Partial<EnvironmentState>): EnvironmentState {
  return {
    id: 1,
    nodeId: 'EN_1',
    name: 'prod',
    createdAt: '',
    updatedAt: '',
    waitTimer: 0,
    preventSelfReview: false,
    deploymentBranchPolicy: { protected_branches: false, custom_branch_policies: true },
    reviewers: [],
    branchPolicies: [],
    ...policy,
  };
}

const custom = (...patterns: [string, 'branch' | 'tag'][]) =>
  environment({ branchPolicies: patterns.map(([name, type], id) => ({ id, name, type })) });
const noneProtected = () => false;

describe('deploymentRefusal', () => {
  it('without a policy every ref may deploy', () => {
    expect(
      deploymentRefusal(environment({ deploymentBranchPolicy: null }), 'refs/pull/7/merge', noneProtected),
    ).toBeUndefined();
  });

  it('with `main` only: main may, any other branch, a tag or a pull request ref may not', () => {
    const prod = custom(['main', 'branch']);
    expect(deploymentRefusal(prod, 'refs/heads/main', noneProtected)).toBeUndefined();
    expect(deploymentRefusal(prod, 'refs/heads/main2', noneProtected)).toBe(
      'Branch "main2" is not allowed to deploy to prod due to environment protection rules.',
    );
    expect(deploymentRefusal(prod, 'refs/tags/main', noneProtected)).toBe(
      'Tag "main" is not allowed to deploy to prod due to environment protection rules.',
    );
    expect(deploymentRefusal(prod, 'refs/pull/7/merge', noneProtected)).toBe(
      'Branch "refs/pull/7/merge" is not allowed to deploy to prod due to environment protection rules.',
    );
  });

  it('a wildcard never matches a slash, and tag rules match tags only', () => {
    const prod = custom(['release/*', 'branch'], ['v*', 'tag']);
    expect(deploymentRefusal(prod, 'refs/heads/release/1', noneProtected)).toBeUndefined();
    expect(deploymentRefusal(prod, 'refs/heads/release/1/x', noneProtected)).toMatch(
      /^Branch "release\/1\/x"/,
    );
    expect(deploymentRefusal(prod, 'refs/tags/v1.2.3', noneProtected)).toBeUndefined();
    expect(deploymentRefusal(prod, 'refs/heads/v1', noneProtected)).toMatch(/^Branch "v1"/);
  });

  it('protected branches: only a branch with a protection rule', () => {
    const prod = environment({
      deploymentBranchPolicy: { protected_branches: true, custom_branch_policies: false },
    });
    const isProtected = (branch: string) => branch === 'main';
    expect(deploymentRefusal(prod, 'refs/heads/main', isProtected)).toBeUndefined();
    expect(deploymentRefusal(prod, 'refs/heads/feature', isProtected)).toMatch(/^Branch "feature"/);
  });
});
