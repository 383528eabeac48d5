// Who may promote by hand: overlay-update dispatched by a person for an environment with
// promoters (uat and prod in the sample config), run as the bundle built from the source in a real
// clone against the GitHub stand-in. The chain's own runs are not checked.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isChange, startGitHubStandIn, type GitHubStandIn } from '../sandbox/github/index.js';
import { git } from '../sandbox/process.js';
import { recordDeploy } from '../sandbox/record-deploy.js';
import { runAction, suiteActionsDir, type ActionRun } from '../sandbox/run-action.js';
import { createSandboxRepository, type SandboxRepository } from '../sandbox/workspace.js';

const APP_TOKEN = 'ghs_promotionAppToken0123456789';
const GITHUB_TOKEN = 'ghs_workflowGithubToken0123456789';

let repo: SandboxRepository;
let github: GitHubStandIn;

beforeEach(async () => {
  repo = await createSandboxRepository();
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: {
      [APP_TOKEN]: { login: 'promotion-app[bot]', type: 'Bot' },
      [GITHUB_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', isGithubToken: true },
    },
    // The sample config: uat's promoters are the team uat-approvers.
    teams: { 'uat-approvers': ['uat-lead'], 'release-managers': ['mallory'] },
  });
});

afterEach(async () => {
  expect(github.violations, 'every request satisfies GitHub’s description').toEqual([]);
  await github.close();
  await repo.dispose();
});

/** overlay-update as a run of `workflow` (dispatched by `actor`) would run it. */
async function promote(
  inputs: Record<string, string>,
  run: { actor: string; workflow: string; token?: string; branch?: string },
): Promise<ActionRun> {
  const workspace = await repo.checkout();
  if (run.branch) await git(workspace, 'checkout', '--quiet', run.branch);
  return runAction({
    action: join(suiteActionsDir(), 'overlay-update'),
    inputs,
    workspace,
    repository: `${repo.owner}/${repo.repo}`,
    token: run.token ?? APP_TOKEN,
    apiUrl: github.url,
    eventName: 'workflow_dispatch',
    event: { repository: { default_branch: 'main' }, workflow: `.github/workflows/${run.workflow}` },
    env: {
      GITHUB_ACTOR: run.actor,
      GITHUB_REF: `refs/heads/${run.branch ?? 'main'}`,
      GITHUB_WORKFLOW_REF: `${repo.owner}/${repo.repo}/.github/workflows/${run.workflow}@refs/heads/${run.branch ?? 'main'}`,
    },
  });
}

/** dev's deploy of what it runs in the seed (orders 1.5.0), recorded as overlay-deploy records it: uat takes it. */
async function devDeployed(): Promise<void> {
  await recordDeploy({
    apiUrl: github.url,
    token: APP_TOKEN,
    repository: repo,
    environment: 'dev',
    service: 'orders',
    version: { tag: '1.5.0' },
  });
}

async function releaseBranches(): Promise<string[]> {
  const refs = await git(repo.origin, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/release/');
  return refs.split('\n').filter(Boolean);
}

const errorOf = (run: ActionRun): string | undefined =>
  run.annotations.find((a) => a.level === 'error')?.message;

describe('overlay-update dispatched by hand', () => {
  it('refuses a uat promotion by someone not in its promoters: no branch pushed, no PR, no write', async () => {
    const main = await git(repo.origin, 'rev-parse', 'main');
    const run = await promote(
      { overlay: 'uat', service: 'orders' },
      { actor: 'mallory', workflow: 'overlay-update.yaml' },
    );
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toBe(
      "Refused: mallory may not promote orders to uat by hand. Allowed by the promoters of environment 'uat' in " +
        `.github/promotion.yaml on main (${main.slice(0, 12)}): teams ${repo.owner}/uat-approvers; mallory is not listed and not an ` +
        'active member of that team.',
    );
    expect(run.outputs).toEqual({});
    expect(await releaseBranches()).toEqual([]);
    expect(await git(repo.origin, 'rev-parse', 'main')).toBe(main);
    expect(github.pulls).toEqual([]);
    expect(github.requests.map((r) => `${r.method} ${r.operationId} ${r.status}`)).toEqual([
      // Who may promote is read from main at the head GitHub reports for it.
      'POST graphql 200',
      'GET teams/get-membership-for-user-in-org 404',
      'GET teams/get-by-name 200',
    ]);
    expect(run.summary).toContain('| `mallory` | refused |');
  });

  it('with GITHUB_TOKEN it cannot tell whether the person is a promoter: refused, naming the token needed', async () => {
    const run = await promote(
      { overlay: 'uat', service: 'orders' },
      { actor: 'uat-lead', workflow: 'overlay-update.yaml', token: GITHUB_TOKEN },
    );
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toMatch(
      /^Refused: cannot tell whether uat-lead may promote orders to uat by hand\..*read:org/,
    );
    expect(await releaseBranches()).toEqual([]);
    expect(github.pulls).toEqual([]);
  });

  it('a member of uat-approvers opens the uat promotion PR', async () => {
    await devDeployed();
    const run = await promote(
      { overlay: 'uat', service: 'orders' },
      { actor: 'uat-lead', workflow: 'overlay-update.yaml' },
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({ branch: 'release/orders/uat', changed: 'true', merged: 'false' });
    expect(await releaseBranches()).toEqual(['release/orders/uat']);
    expect(github.pulls).toHaveLength(1);
    expect(github.requests.find((r) => r.operationId?.startsWith('teams/'))).toMatchObject({
      operationId: 'teams/get-membership-for-user-in-org',
      status: 200,
    });
    expect(run.summary).toContain(
      `| \`uat-lead\` | allowed: uat-lead is a member of team ${repo.owner}/uat-approvers |`,
    );
  });

  it('dev has no promoters: anyone who may run the workflow promotes, with no team request', async () => {
    const run = await promote(
      { overlay: 'dev', service: 'orders', version: '1.6.0' },
      { actor: 'mallory', workflow: 'overlay-update.yaml' },
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(github.requests.filter((r) => r.operationId?.startsWith('teams/'))).toEqual([]);
    expect(run.summary).toContain("the promoters of environment 'dev' in .github/promotion.yaml on main (");
  });
});

describe('who may promote is read from the default branch, never from the dispatched ref', () => {
  /** mallory pushes a branch whose config makes her a promoter of every environment. */
  async function branchListingMallory(): Promise<string> {
    const config = await git(repo.origin, 'show', 'main:.github/promotion.yaml');
    await repo.pushToBranch(
      'mallory-branch',
      { '.github/promotion.yaml': `${config.replaceAll('teams: [uat-approvers]', 'users: [mallory]')}\n` },
      'me',
    );
    return 'mallory-branch';
  }

  it('a uat promotion dispatched from another branch is refused before anything, whatever that branch says', async () => {
    const branch = await branchListingMallory();
    const main = await git(repo.origin, 'rev-parse', 'main');
    const run = await promote(
      { overlay: 'uat', service: 'orders' },
      { actor: 'mallory', workflow: 'overlay-update.yaml', branch },
    );
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toBe(
      "Refused: a promotion to 'uat' by hand runs only from the default branch main, and this run is on " +
        'refs/heads/mallory-branch; choose "Use workflow from: main" in Run workflow',
    );
    expect(await releaseBranches()).toEqual([]);
    expect(await git(repo.origin, 'rev-parse', 'main')).toBe(main);
    expect(github.pulls).toEqual([]);
    expect(github.requests.filter(isChange)).toEqual([]);
  });

  it('on main, a promoter list changed on another branch counts for nothing', async () => {
    await branchListingMallory();
    const run = await promote(
      { overlay: 'uat', service: 'orders' },
      { actor: 'mallory', workflow: 'overlay-update.yaml' },
    );
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toMatch(/^Refused: mallory may not promote orders to uat by hand\./);
    expect(github.pulls).toEqual([]);
  });
});

describe('overlay-update run by the chain', () => {
  it('dispatched with a GITHUB_TOKEN (actor github-actions[bot]) it is not checked, whatever the file', async () => {
    await devDeployed();
    const run = await promote(
      { overlay: 'uat', service: 'orders' },
      { actor: 'github-actions[bot]', workflow: 'deploy-after-merge.yaml' },
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(github.requests.filter((r) => r.operationId?.startsWith('teams/'))).toEqual([]);
    expect(github.pulls).toHaveLength(1);
    expect(run.summary).not.toContain('who may');
  });

  it('from the suite’s release, the first environment is checked against release.allowed', async () => {
    const run = await promote(
      { overlay: 'dev', service: 'orders', version: '1.6.0', 'from-release': 'true' },
      { actor: 'release-manager', workflow: 'release.yaml' },
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.summary).toContain('overlay-update: who may release `orders` to `dev`');
    const refused = await promote(
      { overlay: 'dev', service: 'orders', version: '1.6.1', 'from-release': 'true' },
      { actor: 'mona', workflow: 'release.yaml' },
    );
    expect(refused.exitCode).toBe(1);
    expect(errorOf(refused)).toMatch(/^Refused: mona may not run a release of orders\./);
  });

  it('an older version than the environment runs: refused by hand, skipped from a release', async () => {
    const byHand = await promote(
      { overlay: 'dev', service: 'orders', version: '1.4.0' },
      { actor: 'uat-lead', workflow: 'overlay-update.yaml' },
    );
    expect(byHand.exitCode).toBe(1);
    expect(errorOf(byHand)).toBe(
      "'dev' runs orders 1.5.0, newer than 1.4.0: a downgrade is refused unless 'allow-downgrade' is true (the rollback path)",
    );
    // Two releases racing: the newer one reached dev first, the older one's promotion arrives late.
    const overtaken = await promote(
      { overlay: 'dev', service: 'orders', version: '1.4.0', 'from-release': 'true' },
      { actor: 'mallory', workflow: 'release.yaml' },
    );
    expect(overtaken.exitCode, overtaken.stdout + overtaken.stderr).toBe(0);
    expect(overtaken.annotations.map((a) => a.level)).toEqual(['notice']);
    expect(await releaseBranches()).toEqual([]);
    expect(github.requests.filter(isChange)).toEqual([]);
  });

  it('from-release given in a dispatch is a person’s: the run counts as by hand', async () => {
    await repo.pushToMain(
      {
        '.github/promotion.yaml': (await git(repo.origin, 'show', 'main:.github/promotion.yaml')).replace(
          '  - name: dev\n',
          '  - name: dev\n    promoters:\n      users: [dev-lead]\n',
        ),
      },
      'dev has promoters',
    );
    const run = await runAction({
      action: join(suiteActionsDir(), 'overlay-update'),
      inputs: { overlay: 'dev', service: 'orders', version: '1.6.0', 'from-release': 'true' },
      workspace: await repo.checkout(),
      repository: `${repo.owner}/${repo.repo}`,
      token: APP_TOKEN,
      apiUrl: github.url,
      eventName: 'workflow_dispatch',
      event: { repository: { default_branch: 'main' }, inputs: { overlay: 'dev', 'from-release': 'true' } },
      env: { GITHUB_ACTOR: 'release-manager' },
    });
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toMatch(/^Refused: release-manager may not promote orders to dev by hand\./);
    expect(await releaseBranches()).toEqual([]);
  });

  it('a caller named service-release.yaml is no exemption: a later environment is checked as by hand', async () => {
    for (const fromRelease of ['false', 'true']) {
      const run = await promote(
        { overlay: 'uat', service: 'orders', 'from-release': fromRelease },
        { actor: 'mallory', workflow: 'service-release.yaml' },
      );
      expect(run.exitCode).toBe(1);
      expect(errorOf(run)).toMatch(/^Refused: mallory may not promote orders to uat by hand\./);
    }
    expect(await releaseBranches()).toEqual([]);
  });

  it('overlay-deploy dispatched by a person promotes the next environment by hand: checked', async () => {
    const run = await promote(
      { overlay: 'uat', service: 'orders' },
      { actor: 'mallory', workflow: 'overlay-deploy.yaml' },
    );
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toMatch(/^Refused: mallory may not promote orders to uat by hand\./);
    expect(await releaseBranches()).toEqual([]);
    expect(github.pulls).toEqual([]);
  });
});

describe('overlay-update promoting in another repository', () => {
  it('refuses a repository the token cannot reach before anything is pushed, saying what to install', async () => {
    const main = await git(repo.origin, 'rev-parse', 'main');
    const run = await promote(
      { overlay: 'dev', service: 'orders', version: '1.6.0', repository: 'acme/gitops' },
      { actor: 'github-actions[bot]', workflow: 'release.yaml', token: GITHUB_TOKEN },
    );
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toMatch(
      /^The token cannot reach acme\/gitops \(HTTP 404\): the repository does not exist, or the token was not made for it\. Install the App on acme\/gitops/,
    );
    expect(await releaseBranches()).toEqual([]);
    expect(await git(repo.origin, 'rev-parse', 'main')).toBe(main);
    expect(github.pulls).toEqual([]);
  });
});
