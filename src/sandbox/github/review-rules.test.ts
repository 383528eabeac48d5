// Who can merge a promotion under the protection setup-repo applies (planRepoSettings and
// RepoSettingsClient, the code `npm run setup-repo` runs) and the repository's own CODEOWNERS:
// dev merges with no approval, a uat PR needs an approval from a uat-approvers member whoever opens
// or merges it (the promotion App included), and an approval stops counting once the branch moves.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config.js';
import { desiredRepoSettings, planRepoSettings } from '../../core/repo-settings.js';
import { createOctokit } from '../../adapters/github.js';
import { RepoSettingsClient } from '../../adapters/repo-settings.js';
import { createGitFixture, type GitFixture } from './fixture.js';
import { startGitHubStandIn, type GitHubStandIn } from './server.js';
import type { StandInOptions } from './types.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const R = '/repos/acme/platform';
const TOKENS = {
  'app-token': { login: 'promotion-app[bot]', type: 'Bot' as const },
  'admin-token': { login: 'platform-admin', type: 'User' as const },
  'uat-lead-token': { login: 'uat-lead', type: 'User' as const },
  'mallory-token': { login: 'mallory', type: 'User' as const },
  // The App's token minted with permission-pull-requests: write only.
  'pr-only-token': {
    login: 'promotion-app[bot]',
    type: 'Bot' as const,
    permissions: { metadata: 'read' as const, pull_requests: 'write' as const },
  },
};

let fixture: GitFixture;
let gh: GitHubStandIn;

beforeEach(async () => {
  fixture = await createGitFixture({
    '.github/CODEOWNERS': await readFile(`${ROOT}.github/CODEOWNERS`, 'utf8'),
    'overlays/dev/kustomization.yaml': 'images: []\n',
    'overlays/uat/kustomization.yaml': 'images: []\n',
  });
});

afterEach(async () => {
  expect(gh.violations, 'every request satisfies GitHub’s description').toEqual([]);
  await gh.close();
  await fixture.cleanup();
});

/** The stand-in with main protected exactly as setup-repo protects it. */
async function start(extra: Partial<StandInOptions> = {}): Promise<void> {
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    owner: 'acme',
    repo: 'platform',
    tokens: TOKENS,
    teams: { 'uat-approvers': ['uat-lead'], 'prod-approvers': ['prod-lead'], platform: ['platform-admin'] },
    administrators: ['platform-admin'],
    ...extra,
  });
  const config = parseConfig(await readFile(`${ROOT}.github/promotion.yaml`, 'utf8'));
  const client = new RepoSettingsClient(createOctokit('admin-token', { warning: () => undefined }, gh.url), {
    owner: 'acme',
    repo: 'platform',
  });
  const desired = desiredRepoSettings(config);
  await client.apply('main', planRepoSettings(await client.read('main'), desired).changes);
}

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${gh.url}${path}`, {
    method,
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> };
}

/** The promotion App pushes `release/orders/<env>` and opens its pull request. */
async function promotion(env: string): Promise<number> {
  await fixture.commit(
    `release/orders/${env}`,
    { [`overlays/${env}/kustomization.yaml`]: 'images: [1.6.0]\n' },
    'promote',
  );
  const created = await call('POST', `${R}/pulls`, 'app-token', {
    title: `Promote orders to ${env}`,
    head: `acme:release/orders/${env}`,
    base: 'main',
  });
  expect(created.status).toBe(201);
  return created.body['number'] as number;
}

const approve = (n: number, token: string) =>
  call('POST', `${R}/pulls/${n}/reviews`, token, { event: 'APPROVE' });
const merge = (n: number, token = 'app-token') => call('PUT', `${R}/pulls/${n}/merge`, token, {});

describe('the protection setup-repo applies, with the repository’s CODEOWNERS', () => {
  it('dev: the promotion App merges its own PR with no approval', async () => {
    await start();
    const n = await promotion('dev');
    expect((await merge(n)).status).toBe(200);
  });

  it('uat approved by someone outside uat-approvers cannot merge, by the App or anyone', async () => {
    await start();
    const n = await promotion('uat');
    expect((await approve(n, 'mallory-token')).status).toBe(200);
    for (const token of ['app-token', 'mallory-token', 'platform-admin']) {
      const refused = await merge(n, token === 'platform-admin' ? 'admin-token' : token);
      expect(refused).toEqual({
        status: 405,
        body: expect.objectContaining({ message: 'Waiting on code owner review from @acme/uat-approvers.' }),
      });
    }
    expect(await fixture.bareGit('log', '-1', '--format=%s', 'main')).toBe('initial commit');
  });

  it('a token minted without contents write cannot merge even an approved PR', async () => {
    await start();
    const n = await promotion('uat');
    expect((await approve(n, 'uat-lead-token')).status).toBe(200);
    expect(await merge(n, 'pr-only-token')).toEqual({
      status: 403,
      body: expect.objectContaining({ message: 'Resource not accessible by integration' }),
    });
    expect((await merge(n)).status).toBe(200);
  });

  it('uat approved by a uat-approvers member merges, whoever presses the button', async () => {
    await start();
    const n = await promotion('uat');
    expect((await approve(n, 'uat-lead-token')).status).toBe(200);
    expect((await merge(n)).status).toBe(200);
  });

  it('an approval stops counting when the branch moves after it (stale approvals dismissed)', async () => {
    await start();
    const n = await promotion('uat');
    await approve(n, 'uat-lead-token');
    await fixture.commit(
      'release/orders/uat',
      { 'overlays/uat/kustomization.yaml': 'images: [6.6.6]\n' },
      'more',
    );
    expect((await merge(n)).body['message']).toBe('Waiting on code owner review from @acme/uat-approvers.');
    const reviews = await call('GET', `${R}/pulls/${n}/reviews`, 'app-token');
    expect((reviews.body as unknown as { state: string }[]).map((r) => r.state)).toEqual(['DISMISSED']);
  });

  it('a team without write access owns nothing: its paths need no approval (why setup.md insists on write)', async () => {
    await start({ teamPermissions: { 'uat-approvers': 'read' } });
    const n = await promotion('uat');
    expect((await merge(n)).status).toBe(200);
  });

  it('require approval of the most recent reviewable push: an approval of an older head does not count', async () => {
    await start();
    // Not part of setup-repo's protection: an administrator turns it on, and stale dismissal off.
    const protection = gh.settings.protections.get('main')!;
    protection.requiredPullRequestReviews = {
      ...protection.requiredPullRequestReviews!,
      dismissStaleReviews: false,
      requireLastPushApproval: true,
    };
    const n = await promotion('uat');
    await approve(n, 'uat-lead-token');
    await fixture.commit(
      'release/orders/uat',
      { 'overlays/uat/kustomization.yaml': 'images: [6.6.6]\n' },
      'more',
    );
    const refused = await merge(n);
    expect(refused.body['message']).toBe('Waiting on code owner review from @acme/uat-approvers.');
    const reviews = await call('GET', `${R}/pulls/${n}/reviews`, 'app-token');
    expect((reviews.body as unknown as { state: string }[]).map((r) => r.state)).toEqual(['APPROVED']);
    await approve(n, 'uat-lead-token');
    expect((await merge(n)).status).toBe(200);
  });
});
