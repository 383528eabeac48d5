// Repository administration in the stand-in: every write is stored, every GET reflects it, and
// requests and answers hold to GitHub's OpenAPI description.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture } from './fixture.js';
import type { GitFixture } from './fixture.js';
import { startGitHubStandIn } from './server.js';
import type { GitHubStandIn } from './server.js';
import type { StandInOptions } from './types.js';

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the wire
  headers: Headers;
}

let fixture: GitFixture;
let gh: GitHubStandIn;

const R = '/repos/acme/platform';

async function start(extra: Partial<StandInOptions> = {}): Promise<void> {
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    owner: 'acme',
    repo: 'platform',
    tokens: {
      admin: { login: 'platform-admin', type: 'User' },
      dev: { login: 'dev', type: 'User' },
      app: { login: 'promoter[bot]', type: 'Bot' },
    },
    administrators: ['platform-admin'],
    ...extra,
  });
}

async function call(method: string, path: string, body?: unknown, token = 'admin'): Promise<Answer> {
  const headers: Record<string, string> = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${gh.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

const PROTECTION = {
  required_status_checks: { strict: true, contexts: ['build'] },
  enforce_admins: true,
  required_pull_request_reviews: { require_code_owner_reviews: true, required_approving_review_count: 0 },
  restrictions: null,
  allow_force_pushes: false,
  allow_deletions: false,
  required_linear_history: true,
};

beforeEach(async () => {
  fixture = await createGitFixture();
});

afterEach(async () => {
  await gh.close();
  await fixture.cleanup();
});

describe('repository settings', () => {
  it('PATCH changes the merge settings and GET shows them', async () => {
    await start({ allowedMergeMethods: ['merge'] });
    const before = await call('GET', R);
    expect(before.body).toMatchObject({ delete_branch_on_merge: false, allow_squash_merge: false });
    const patched = await call('PATCH', R, {
      delete_branch_on_merge: true,
      allow_auto_merge: true,
      allow_squash_merge: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      delete_branch_on_merge: true,
      allow_auto_merge: true,
      allow_squash_merge: true,
      allow_merge_commit: true,
    });
    expect((await call('GET', R)).body).toMatchObject({
      delete_branch_on_merge: true,
      allow_auto_merge: true,
    });
    expect(gh.violations).toEqual([]);
  });

  it('refuses to disallow every merge method, like GitHub', async () => {
    await start({ allowedMergeMethods: ['squash'] });
    const answer = await call('PATCH', R, { allow_squash_merge: false });
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.body.errors)).toContain('allow at least one merge strategy');
    expect((await call('GET', R)).body.allow_squash_merge).toBe(true);
  });

  it('records fields it does not model instead of pretending to apply them', async () => {
    await start();
    await call('PATCH', R, { description: 'x' });
    expect(gh.violations).toEqual([
      'repos/update: the stand-in does not model "description"; it was not applied',
    ]);
  });
});

describe('workflow permissions', () => {
  it('start as read without PR approval, and GET reflects PUT', async () => {
    await start();
    const path = `${R}/actions/permissions/workflow`;
    expect((await call('GET', path)).body).toEqual({
      default_workflow_permissions: 'read',
      can_approve_pull_request_reviews: false,
    });
    const put = await call('PUT', path, {
      default_workflow_permissions: 'write',
      can_approve_pull_request_reviews: true,
    });
    expect(put.status).toBe(204);
    expect((await call('GET', path)).body).toEqual({
      default_workflow_permissions: 'write',
      can_approve_pull_request_reviews: true,
    });
    expect(gh.settings.workflowPermissions.defaultWorkflowPermissions).toBe('write');
    expect(gh.violations).toEqual([]);
  });

  it('refuses a value outside the description', async () => {
    await start();
    const put = await call('PUT', `${R}/actions/permissions/workflow`, {
      default_workflow_permissions: 'admin',
    });
    expect(put.status).toBe(422);
    expect(gh.violations.join('\n')).toContain('default_workflow_permissions');
  });
});

describe('branch protection', () => {
  it('is 404 "Branch not protected" until a PUT, then GET answers what was set', async () => {
    await start();
    const path = `${R}/branches/main/protection`;
    const none = await call('GET', path);
    expect(none.status).toBe(404);
    expect(none.body.message).toBe('Branch not protected');

    const put = await call('PUT', path, PROTECTION);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      enforce_admins: { enabled: true },
      required_linear_history: { enabled: true },
    });
    const got = await call('GET', path);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      url: `${gh.url}${path}`,
      required_status_checks: {
        strict: true,
        contexts: ['build'],
        checks: [{ context: 'build', app_id: null }],
      },
      required_pull_request_reviews: { require_code_owner_reviews: true, required_approving_review_count: 0 },
      enforce_admins: { enabled: true },
      allow_force_pushes: { enabled: false },
      allow_deletions: { enabled: false },
      required_linear_history: { enabled: true },
    });
    expect(got.body.restrictions).toBeUndefined();
    expect(gh.violations).toEqual([]);
  });

  it('replaces the whole protection on PUT (null turns a part off)', async () => {
    await start();
    const path = `${R}/branches/main/protection`;
    await call('PUT', path, PROTECTION);
    await call('PUT', path, {
      ...PROTECTION,
      required_status_checks: null,
      required_pull_request_reviews: null,
    });
    const got = await call('GET', path);
    expect(got.body.required_status_checks).toBeUndefined();
    expect(got.body.required_pull_request_reviews).toBeUndefined();
    expect(got.body.required_linear_history).toEqual({ enabled: true });
  });

  it('round-trips restrictions, dismissal restrictions and bypass lists in an organisation', async () => {
    await start();
    const path = `${R}/branches/main/protection`;
    const put = await call('PUT', path, {
      ...PROTECTION,
      required_pull_request_reviews: {
        required_approving_review_count: 1,
        dismissal_restrictions: { users: ['alice'], teams: ['leads'] },
        bypass_pull_request_allowances: { users: [], teams: ['release'], apps: ['promoter'] },
      },
      restrictions: { users: ['bob'], teams: [], apps: ['promoter'] },
    });
    expect(put.status).toBe(200);
    const got = (await call('GET', path)).body;
    expect(got.restrictions.users.map((u: { login: string }) => u.login)).toEqual(['bob']);
    expect(got.restrictions.apps.map((a: { slug: string }) => a.slug)).toEqual(['promoter']);
    expect(got.required_pull_request_reviews.dismissal_restrictions.teams[0].slug).toBe('leads');
    expect(got.required_pull_request_reviews.bypass_pull_request_allowances.teams[0].slug).toBe('release');
    expect(gh.violations).toEqual([]);
  });

  it('answers like GitHub for a missing branch, restrictions on a personal repository and 7 approvals', async () => {
    await start({ ownerType: 'User' });
    expect((await call('PUT', `${R}/branches/nope/protection`, PROTECTION)).body.message).toBe(
      'Branch not found',
    );
    const restricted = await call('PUT', `${R}/branches/main/protection`, {
      ...PROTECTION,
      restrictions: { users: ['bob'], teams: [] },
    });
    expect(restricted.status).toBe(422);
    expect(restricted.body.errors[0]).toContain('Only organization repositories');
    const seven = await call('PUT', `${R}/branches/main/protection`, {
      ...PROTECTION,
      required_pull_request_reviews: { required_approving_review_count: 7 },
    });
    expect(seven.status).toBe(422);
    expect(gh.settings.protections.size).toBe(0);
  });

  it('refuses a body without the four required keys', async () => {
    await start();
    const answer = await call('PUT', `${R}/branches/main/protection`, { enforce_admins: true });
    expect(answer.status).toBe(422);
    expect(gh.violations.join('\n')).toContain("must have required property 'required_status_checks'");
  });
});

describe('environments', () => {
  it('creates environments, lists them page by page and counts those deployments made', async () => {
    await start();
    expect((await call('GET', `${R}/environments`)).body).toEqual({ total_count: 0, environments: [] });
    const created = await call('PUT', `${R}/environments/uat`);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      name: 'uat',
      url: `${gh.url}${R}/environments/uat`,
      protection_rules: [],
    });
    const again = await call('PUT', `${R}/environments/uat`, { wait_timer: 5 });
    expect(again.body.id).toBe(created.body.id);
    expect(again.body.protection_rules).toMatchObject([{ type: 'wait_timer', wait_timer: 5 }]);
    await call('PUT', `${R}/environments/prod`, {
      deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
    });
    const sha = (await fixture.bareGit('rev-parse', 'main')).trim();
    await gh.recordEnvironmentDeployment('dev', { ref: sha, creator: { login: 'dev', type: 'User' } });

    const first = await call('GET', `${R}/environments?per_page=2`);
    expect(first.body.total_count).toBe(3);
    expect(first.body.environments.map((e: { name: string }) => e.name)).toEqual(['uat', 'prod']);
    expect(first.headers.get('link')).toContain('rel="next"');
    const second = await call('GET', `${R}/environments?per_page=2&page=2`);
    expect(second.body.environments.map((e: { name: string }) => e.name)).toEqual(['dev']);
    expect((await call('GET', `${R}/environments/DEV`)).body.name).toBe('dev');
    expect(gh.violations).toEqual([]);
  });

  it('refuses a branch policy with both or neither kind, like GitHub', async () => {
    await start();
    const answer = await call('PUT', `${R}/environments/prod`, {
      deployment_branch_policy: { protected_branches: true, custom_branch_policies: true },
    });
    expect(answer.status).toBe(422);
    expect(gh.settings.environments).toEqual([]);
  });
});

describe('administration rights', () => {
  it('answers 403 to a user and to an app without them, and changes nothing', async () => {
    await start({ allowAutoMerge: false });
    const user = await call('PATCH', R, { allow_auto_merge: true }, 'dev');
    expect(user.status).toBe(403);
    expect(user.body.message).toBe('Must have admin rights to Repository.');
    const app = await call('PUT', `${R}/branches/main/protection`, PROTECTION, 'app');
    expect(app.status).toBe(403);
    expect(app.body.message).toBe('Resource not accessible by integration');
    expect((await call('GET', `${R}/actions/permissions/workflow`, undefined, 'dev')).status).toBe(403);
    expect((await call('PUT', `${R}/environments/dev`, undefined, 'dev')).status).toBe(403);
    // Reading the repository and its environments needs no administration.
    expect((await call('GET', R, undefined, 'dev')).body.allow_auto_merge).toBe(false);
    expect((await call('GET', `${R}/environments`, undefined, 'dev')).status).toBe(200);
    expect(gh.settings.protections.size).toBe(0);
    expect(gh.violations).toEqual([]);
  });
});
