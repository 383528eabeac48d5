// setup-repo against the GitHub stand-in: every request and answer is checked against GitHub's
// OpenAPI description (gh.violations), and the stand-in keeps what was written so reruns see it.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProcess } from '../sandbox/process.js';
import { createGitFixture } from '../sandbox/github/fixture.js';
import type { GitFixture } from '../sandbox/github/fixture.js';
import { startGitHubStandIn } from '../sandbox/github/index.js';
import { idForLogin } from '../sandbox/github/objects.js';
import type { GitHubStandIn, StandInOptions } from '../sandbox/github/index.js';
import { parseArgs, setupRepo } from './setup-repo.js';

const CONFIG = `version: 1
environments:
  - name: dev
    merge-without-review: true
  - name: uat
  - name: prod
services:
  - name: orders
    image: ghcr.io/acme/orders
pull-requests:
  merge-method: rebase
`;

let fixture: GitFixture;
let gh: GitHubStandIn;
let dir: string;

async function start(extra: Partial<StandInOptions> = {}): Promise<void> {
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    owner: 'acme',
    repo: 'platform',
    // A fresh repository that allows squash merges only; the config asks for rebase.
    allowedMergeMethods: ['squash'],
    tokens: {
      'admin-token': { login: 'platform-admin', type: 'User' },
      'other-admin-token': { login: 'other-admin', type: 'User' },
      'dev-token': { login: 'dev', type: 'User' },
    },
    administrators: ['platform-admin', 'other-admin'],
    ...extra,
  });
}

beforeEach(async () => {
  fixture = await createGitFixture();
  dir = await mkdtemp(join(tmpdir(), 'setup-repo-'));
  await mkdir(join(dir, '.github'));
  await writeFile(join(dir, '.github/promotion.yaml'), CONFIG);
});

afterEach(async () => {
  await gh?.close();
  await fixture.cleanup();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
}

async function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await setupRepo({
    argv: args,
    env: { GITHUB_TOKEN: 'admin-token', GITHUB_API_URL: gh.url, ...env },
    cwd: dir,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  });
  return { code, stdout, stderr };
}

const REPO = ['--repo', 'acme/platform'];
const writes = (): string[] =>
  gh.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
const reads = (): string[] => gh.requests.filter((r) => r.method === 'GET').map((r) => `GET ${r.path}`);

const EXPECTED_READS = [
  'GET /repos/acme/platform',
  'GET /repos/acme/platform/actions/permissions/workflow',
  'GET /repos/acme/platform/branches/main/protection',
  'GET /repos/acme/platform/environments',
  ...['dev', 'uat', 'prod'].map(
    (e) => `GET /repos/acme/platform/environments/${e}/deployment-branch-policies`,
  ),
];

describe('setup-repo on a fresh repository', () => {
  it('changes every setting, prints ~ and + lines, and the stand-in keeps what was written', async () => {
    await start();
    const result = await run([...REPO, '--required-check', 'build', '--required-check', 'test']);
    expect(result.stderr).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toEqual([
      `Setting up acme/platform at ${gh.url}:`,
      '~ repository delete_branch_on_merge: changed from false to true',
      '~ repository allow_auto_merge: changed from false to true',
      '~ repository allow_rebase_merge: changed from false to true',
      '~ actions default_workflow_permissions: changed from read to write',
      '~ actions can_approve_pull_request_reviews: changed from false to true',
      '+ branch main required_pull_request_reviews: created (pull request required)',
      '+ branch main required_approving_review_count: created (0)',
      '+ branch main require_code_owner_reviews: created (true)',
      '+ branch main dismiss_stale_reviews: created (true)',
      '+ branch main bypass_pull_request_allowances: created (none)',
      '+ branch main required_status_checks: created (build, test (strict))',
      '+ branch main enforce_admins: created (true)',
      '+ branch main allow_force_pushes: created (false)',
      '+ branch main allow_deletions: created (false)',
      '+ environment dev: created',
      '+ environment dev deployment_branch_policy: created (only branches main)',
      '+ environment uat: created',
      '+ environment uat deployment_branch_policy: created (only branches main)',
      '+ environment prod: created',
      '+ environment prod deployment_branch_policy: created (only branches main)',
      '20 of 20 settings changed.',
    ]);

    // The environments do not exist yet: no branch policy to read.
    expect(reads()).toEqual(EXPECTED_READS.slice(0, 4));
    expect(writes()).toEqual([
      'PATCH /repos/acme/platform',
      'PUT /repos/acme/platform/actions/permissions/workflow',
      'PUT /repos/acme/platform/branches/main/protection',
      'PUT /repos/acme/platform/environments/dev',
      'PUT /repos/acme/platform/environments/uat',
      'PUT /repos/acme/platform/environments/prod',
      ...['dev', 'uat', 'prod'].flatMap((e) => [
        `PUT /repos/acme/platform/environments/${e}`,
        `POST /repos/acme/platform/environments/${e}/deployment-branch-policies`,
      ]),
    ]);
    const bodies = gh.requests.filter((r) => r.method !== 'GET').map((r) => r.body);
    expect(bodies[0]).toEqual({
      delete_branch_on_merge: true,
      allow_auto_merge: true,
      allow_rebase_merge: true,
    });
    expect(bodies[1]).toEqual({
      default_workflow_permissions: 'write',
      can_approve_pull_request_reviews: true,
    });
    expect(bodies[2]).toMatchObject({
      required_status_checks: { strict: true, contexts: ['build', 'test'] },
      enforce_admins: true,
      required_pull_request_reviews: { require_code_owner_reviews: true, required_approving_review_count: 0 },
      restrictions: null,
      allow_force_pushes: false,
      allow_deletions: false,
    });
    expect(gh.requests.every((r) => r.login === 'platform-admin')).toBe(true);

    // What GitHub now reports (GETs reflect the writes).
    expect(gh.settings.workflowPermissions).toEqual({
      defaultWorkflowPermissions: 'write',
      canApprovePullRequestReviews: true,
    });
    expect(gh.settings.protections.get('main')).toMatchObject({
      requiredStatusChecks: { strict: true, contexts: ['build', 'test'] },
      requiredPullRequestReviews: { requireCodeOwnerReviews: true, requiredApprovingReviewCount: 0 },
      enforceAdmins: true,
      allowForcePushes: false,
      allowDeletions: false,
    });
    expect(gh.settings.environments.map((e) => e.name)).toEqual(['dev', 'uat', 'prod']);
    expect(
      gh.settings.environments.map((e) => [e.deploymentBranchPolicy, e.branchPolicies.map((p) => p.name)]),
    ).toEqual(Array(3).fill([{ protected_branches: false, custom_branch_policies: true }, ['main']]));
    expect(gh.violations).toEqual([]);
  });

  it('prints only = lines on a second run and makes no write request', async () => {
    await start();
    expect((await run([...REPO, '--required-check', 'build'])).code).toBe(0);
    gh.requests.length = 0;

    const second = await run([...REPO, '--required-check', 'build']);
    expect(second.code).toBe(0);
    const lines = second.stdout.slice(1, -1);
    expect(lines).toHaveLength(20);
    expect(lines.every((l) => l.startsWith('= '))).toBe(true);
    expect(lines).toContain('= repository allow_rebase_merge: unchanged (true)');
    expect(lines).toContain('= branch main required_status_checks: unchanged (build (strict))');
    expect(lines).toContain('= environment prod: unchanged');
    expect(second.stdout.at(-1)).toBe('Nothing to change: all 20 settings match.');
    expect(writes()).toEqual([]);
    expect(reads()).toEqual(EXPECTED_READS);
    expect(gh.violations).toEqual([]);
  });

  it('--check lists what differs, exits 1 and writes nothing', async () => {
    await start();
    const check = await run([...REPO, '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout[0]).toBe(`Checking acme/platform at ${gh.url} (nothing is changed):`);
    expect(check.stdout).toContain('~ repository delete_branch_on_merge: differs: is false, wanted true');
    expect(check.stdout).toContain('~ actions default_workflow_permissions: differs: is read, wanted write');
    expect(check.stdout).toContain('+ branch main require_code_owner_reviews: missing, wanted true');
    expect(check.stdout).toContain('+ branch main required_status_checks: missing, wanted none');
    expect(check.stdout).toContain('+ environment uat: missing');
    expect(check.stdout).toContain(
      '+ environment uat deployment_branch_policy: missing, wanted only branches main',
    );
    expect(check.stdout.at(-1)).toBe(
      '20 of 20 settings differ; run setup-repo without --check to apply them.',
    );
    expect(writes()).toEqual([]);
    expect(gh.settings.protections.size).toBe(0);
    expect(gh.settings.environments).toEqual([]);
    expect(gh.violations).toEqual([]);
  });

  it('--check exits 0 after setup, and 1 again once someone changes a setting', async () => {
    await start();
    expect((await run(REPO)).code).toBe(0);
    const check = await run([...REPO, '--check']);
    expect(check.code).toBe(0);
    expect(check.stdout.at(-1)).toBe('All 20 settings match.');

    // Someone loosens the protection in the UI: --check notices, setup-repo puts it back.
    const put = await fetch(`${gh.url}/repos/acme/platform/branches/main/protection`, {
      method: 'PUT',
      headers: { authorization: 'token admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        required_status_checks: null,
        enforce_admins: false,
        required_pull_request_reviews: {
          require_code_owner_reviews: true,
          required_approving_review_count: 2,
        },
        restrictions: null,
        required_linear_history: true,
      }),
    });
    expect(put.status).toBe(200);
    const drift = await run([...REPO, '--check']);
    expect(drift.code).toBe(1);
    expect(drift.stdout.filter((l) => !l.startsWith('= ')).slice(1, -1)).toEqual([
      '~ branch main required_approving_review_count: differs: is 2, wanted 0',
      '~ branch main dismiss_stale_reviews: differs: is false, wanted true',
      '~ branch main enforce_admins: differs: is false, wanted true',
    ]);
    gh.requests.length = 0;
    const fix = await run(REPO);
    expect(fix.stdout).toContain('~ branch main enforce_admins: changed from false to true');
    expect(writes()).toEqual(['PUT /repos/acme/platform/branches/main/protection']);
    // What setup-repo does not manage survives the rewrite.
    expect(gh.settings.protections.get('main')?.requiredLinearHistory).toBe(true);
    expect(gh.settings.protections.get('main')?.enforceAdmins).toBe(true);
    expect(gh.violations).toEqual([]);
  });

  it('--check fails when an environment may deploy from any branch; setup-repo keeps its reviewers', async () => {
    await start();
    expect((await run(REPO)).code).toBe(0);
    // Someone opens prod to every branch, and sets a required reviewer and a wait timer.
    const put = await fetch(`${gh.url}/repos/acme/platform/environments/prod`, {
      method: 'PUT',
      headers: { authorization: 'token admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        deployment_branch_policy: null,
        wait_timer: 5,
        reviewers: [{ type: 'User', id: idForLogin('platform-admin') }],
      }),
    });
    expect(put.status).toBe(200);
    const drift = await run([...REPO, '--check']);
    expect(drift.code).toBe(1);
    expect(drift.stdout.filter((l) => !l.startsWith('= ')).slice(1, -1)).toEqual([
      '~ environment prod deployment_branch_policy: differs: is no restriction, wanted only branches main',
    ]);
    expect((await run(REPO)).code).toBe(0);
    const prod = gh.settings.environments.find((e) => e.name === 'prod');
    expect(prod).toMatchObject({
      deploymentBranchPolicy: { protected_branches: false, custom_branch_policies: true },
      waitTimer: 5,
      reviewers: [{ type: 'User', name: 'platform-admin' }],
    });
    expect(prod?.branchPolicies.map((p) => p.name)).toEqual(['main']);
    expect((await run([...REPO, '--check'])).code).toBe(0);
    expect(gh.violations).toEqual([]);
  });

  it('counts an environment a deployment already created', async () => {
    await start();
    const sha = await fixture.bareGit('rev-parse', 'main');
    await gh.recordEnvironmentDeployment('dev', { ref: sha, creator: { login: 'dev', type: 'User' } });
    const result = await run(REPO);
    expect(result.stdout).toContain('= environment dev: unchanged');
    // GitHub created dev with no restriction: setup-repo restricts it too.
    expect(result.stdout).toContain(
      '~ environment dev deployment_branch_policy: changed from no restriction to only branches main',
    );
    expect(
      writes()
        .filter((w) => w.includes('/environments/'))
        .slice(0, 3),
    ).toEqual([
      'PUT /repos/acme/platform/environments/uat',
      'PUT /repos/acme/platform/environments/prod',
      'PUT /repos/acme/platform/environments/dev',
    ]);
  });

  it('reads the config from --config', async () => {
    await start({ allowedMergeMethods: ['rebase'] });
    await writeFile(join(dir, 'other.yaml'), CONFIG.replace('merge-method: rebase', 'merge-method: merge'));
    const result = await run([...REPO, '--config', 'other.yaml', '--check']);
    expect(result.stdout).toContain('~ repository allow_merge_commit: differs: is false, wanted true');
    expect(result.stdout.some((l) => l.includes('allow_rebase_merge'))).toBe(false);
  });
});

describe('setup-repo errors', () => {
  it('exits 2 without a token and says what to set, before any request', async () => {
    await start();
    const result = await run(REPO, { GITHUB_TOKEN: undefined, GH_TOKEN: '' });
    expect(result.code).toBe(2);
    expect(result.stderr.join('\n')).toContain('set GITHUB_TOKEN (or GH_TOKEN)');
    expect(gh.requests).toEqual([]);
  });

  it('says the repository is not found or not visible on 404', async () => {
    await start();
    const result = await run(['--repo', 'acme/elsewhere']);
    expect(result.code).toBe(2);
    expect(result.stderr.join('\n')).toContain(
      'repository acme/elsewhere not found or the token cannot see it',
    );
    expect(writes()).toEqual([]);
  });

  it('says the token lacks administration: write on 403', async () => {
    await start();
    const result = await run(REPO, { GITHUB_TOKEN: 'dev-token' });
    expect(result.code).toBe(2);
    expect(result.stderr.join('\n')).toContain('the token lacks administration: write on acme/platform');
    expect(result.stderr.join('\n')).toContain('answered 403: Must have admin rights to Repository.');
    expect(writes()).toEqual([]);
  });

  it('names the missing branch, and what was already done, when the protection cannot be set', async () => {
    await start();
    const result = await run([...REPO, '--branch', 'trunk']);
    expect(result.code).toBe(2);
    expect(result.stderr).toEqual([
      'setup-repo: done before the error: PATCH /repos/acme/platform, PUT /repos/acme/platform/actions/permissions/workflow',
      'setup-repo: PUT /repos/acme/platform/branches/trunk/protection answered 404: branch trunk does not exist in ' +
        'acme/platform (push it first) or the token cannot administer the repository (Branch not found)',
    ]);
    expect(writes()).toEqual([
      'PATCH /repos/acme/platform',
      'PUT /repos/acme/platform/actions/permissions/workflow',
      'PUT /repos/acme/platform/branches/trunk/protection',
    ]);
    expect(gh.violations).toEqual([]);
  });

  it('refuses bad arguments with the usage', async () => {
    await start();
    for (const args of [[], ['--repo', 'platform'], [...REPO, '--required-check'], [...REPO, '--force']]) {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.stderr.join('\n')).toContain('usage: npm run setup-repo');
    }
    expect(gh.requests).toEqual([]);
    expect(parseArgs(['--repo=acme/platform', '--required-check=build', '--check'])).toMatchObject({
      owner: 'acme',
      repo: 'platform',
      requiredChecks: ['build'],
      check: true,
    });
  });

  it('points at the config file when it cannot be read', async () => {
    await start();
    const result = await run([...REPO, '--config', 'missing.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr.join('\n')).toContain('cannot read the configuration missing.yaml');
    expect(gh.requests).toEqual([]);
  });
});

describe('setup-repo as a process', () => {
  const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
  const script = join(process.cwd(), 'src', 'cli', 'setup-repo.ts');

  /** The child's environment: nothing of the test's GitHub variables leaks in. */
  function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_API_URL']) delete env[name];
    return { ...env, ...extra };
  }

  it('takes the token (GH_TOKEN) and the API URL from the environment; --check exits 1 then 0', async () => {
    await start();
    const env = childEnv({ GH_TOKEN: 'other-admin-token', GITHUB_API_URL: `${gh.url}/` });
    const check = await runProcess(tsx, [script, ...REPO, '--check'], { cwd: dir, env });
    expect(check.stderr).toBe('');
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain('+ environment dev: missing');
    expect(writes()).toEqual([]);
    // Every request reached this stand-in, made with the token GH_TOKEN names.
    expect(gh.requests.length).toBeGreaterThan(0);
    expect(gh.requests.every((r) => r.login === 'other-admin')).toBe(true);

    const apply = await runProcess(tsx, [script, ...REPO], { cwd: dir, env });
    expect(apply.exitCode).toBe(0);
    expect(apply.stdout).toContain('~ repository allow_auto_merge: changed from false to true');
    expect(writes()).toHaveLength(12);

    const after = await runProcess(tsx, [script, ...REPO, '--check'], { cwd: dir, env });
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toContain('All 20 settings match.');
    expect(gh.violations).toEqual([]);
  });

  it('exits 2 naming GITHUB_TOKEN when no token is set', async () => {
    await start();
    const result = await runProcess(tsx, [script, ...REPO], {
      cwd: dir,
      env: childEnv({ GITHUB_API_URL: gh.url }),
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('set GITHUB_TOKEN (or GH_TOKEN)');
    expect(gh.requests).toEqual([]);
  });
});
