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

async function start(extra: Partial<StandInOptions> = {}): Promise<void> {
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    owner: 'acme',
    repo: 'platform',
    defaultBranch: 'main',
    ...extra,
  });
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = 'user-token',
): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' };
  if (token !== null) headers['authorization'] = `token ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${gh.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

const R = '/repos/acme/platform';

async function openPull(
  branch: string,
  files: Record<string, string>,
  extra: Record<string, unknown> = {},
): Promise<Answer> {
  await fixture.commit(branch, files, `change on ${branch}`);
  return call('POST', `${R}/pulls`, {
    title: `Promote ${branch}`,
    head: `acme:${branch}`,
    base: 'main',
    body: 'why',
    ...extra,
  });
}

beforeEach(async () => {
  fixture = await createGitFixture({
    'overlays/dev/kustomization.yaml': 'images: []\n',
    'overlays/uat/kustomization.yaml': 'images: []\n',
  });
});

afterEach(async () => {
  await gh?.close();
  await fixture.cleanup();
});

describe('pull requests', () => {
  it('creates, finds, edits and squash-merges a pull request into the bare repository', async () => {
    await start();
    const created = await openPull('release/api/dev', {
      'overlays/dev/kustomization.yaml': 'images:\n- name: api\n  newTag: 1.2.3\n',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${gh.url}${R}/pulls/1`);
    const headSha = await fixture.bareGit('rev-parse', 'refs/heads/release/api/dev');
    expect(created.body).toMatchObject({
      number: 1,
      state: 'open',
      head: { ref: 'release/api/dev', sha: headSha, label: 'acme:release/api/dev' },
      base: { ref: 'main' },
      mergeable: true,
      mergeable_state: 'clean',
      changed_files: 1,
      commits: 1,
      auto_merge: null,
    });

    const listed = await call('GET', `${R}/pulls?head=acme:release/api/dev&state=open`);
    expect(listed.status).toBe(200);
    expect(listed.body.map((p: { number: number }) => p.number)).toEqual([1]);
    const other = await call('GET', `${R}/pulls?head=acme:release/api/uat`);
    expect(other.body).toEqual([]);

    const patched = await call('PATCH', `${R}/pulls/1`, { body: 'new body' });
    expect(patched.status).toBe(200);
    expect(patched.body.body).toBe('new body');

    const merged = await call('PUT', `${R}/pulls/1/merge`, { merge_method: 'squash', sha: headSha });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
    const main = await fixture.bareGit('rev-parse', 'refs/heads/main');
    expect(merged.body.sha).toBe(main);
    expect(await fixture.bareGit('show', 'main:overlays/dev/kustomization.yaml')).toContain('newTag: 1.2.3');
    expect(await fixture.bareGit('log', '-1', '--format=%s', 'main')).toBe('Promote release/api/dev (#1)');
    // Squash: one parent, the previous main.
    expect((await fixture.bareGit('log', '-1', '--format=%P', 'main')).split(' ')).toHaveLength(1);

    const after = await call('GET', `${R}/pulls/1`);
    expect(after.body).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: main,
      merged_by: { login: 'octocat' },
    });
    const again = await call('PUT', `${R}/pulls/1/merge`, {});
    expect(again.status).toBe(405);

    expect(
      gh.events.map((e) => [e.action, (e.payload['pull_request'] as { merged: boolean }).merged]),
    ).toEqual([
      ['opened', false],
      ['closed', true],
    ]);
    expect(gh.violations).toEqual([]);
    expect(gh.requests.every((r) => r.operationId !== undefined)).toBe(true);
  });

  it('answers 422 like GitHub for a duplicate, a missing head and a branch without commits', async () => {
    await start();
    expect((await openPull('release/api/dev', { 'a.txt': '1\n' })).status).toBe(201);
    const duplicate = await call('POST', `${R}/pulls`, {
      title: 'again',
      head: 'acme:release/api/dev',
      base: 'main',
    });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.message).toBe('Validation Failed');
    expect(duplicate.body.errors[0].message).toBe('A pull request already exists for acme:release/api/dev.');

    const missing = await call('POST', `${R}/pulls`, {
      title: 'x',
      head: 'acme:no-such-branch',
      base: 'main',
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0]).toMatchObject({ resource: 'PullRequest', field: 'head', code: 'invalid' });

    await fixture.bareGit('branch', 'empty', 'main');
    const empty = await call('POST', `${R}/pulls`, { title: 'x', head: 'empty', base: 'main' });
    expect(empty.status).toBe(422);
    expect(empty.body.errors[0].message).toBe('No commits between main and empty');
    expect(gh.violations).toEqual([]);
  });

  it('refuses a merge with 409 when the head moved since the sha the caller saw', async () => {
    await start();
    const created = await openPull('release/api/dev', { 'a.txt': '1\n' });
    const seen = created.body.head.sha as string;
    await fixture.commit('release/api/dev', { 'a.txt': '2\n' }, 'second');
    const stale = await call('PUT', `${R}/pulls/1/merge`, { sha: seen, merge_method: 'squash' });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toBe('Head branch was modified. Review and try the merge again.');
    const fresh = await call('GET', `${R}/pulls/1`);
    expect(fresh.body.head.sha).not.toBe(seen);
    expect(fresh.body.commits).toBe(2);
    expect((await call('PUT', `${R}/pulls/1/merge`, { sha: fresh.body.head.sha })).status).toBe(200);
    // merge method "merge": a merge commit with both parents.
    expect(await fixture.bareGit('log', '-1', '--format=%s', 'main')).toBe(
      'Merge pull request #1 from acme/release/api/dev',
    );
    expect((await fixture.bareGit('log', '-1', '--format=%P', 'main')).split(' ')).toHaveLength(2);
    expect(gh.violations).toEqual([]);
  });

  it('refuses with 405 a pull request that conflicts with its base, and says it is dirty', async () => {
    await start();
    await openPull('release/api/dev', { 'overlays/dev/kustomization.yaml': 'images: [a]\n' });
    await fixture.commit(
      'main',
      { 'overlays/dev/kustomization.yaml': 'images: [b]\n' },
      'someone else first',
    );
    const pull = await call('GET', `${R}/pulls/1`);
    expect(pull.body).toMatchObject({ mergeable: false, mergeable_state: 'dirty' });
    const before = await fixture.bareGit('rev-parse', 'main');
    const refused = await call('PUT', `${R}/pulls/1/merge`, { merge_method: 'squash' });
    expect(refused.status).toBe(405);
    expect(refused.body.message).toBe('Pull Request is not mergeable');
    expect(await fixture.bareGit('rev-parse', 'main')).toBe(before);
    expect(gh.violations).toEqual([]);
  });

  it('merges two promotions that touch different files one after the other (rebase keeps both)', async () => {
    await start();
    await openPull('release/api/dev', { 'overlays/dev/kustomization.yaml': 'images: [api]\n' });
    await openPull('release/web/uat', { 'overlays/uat/kustomization.yaml': 'images: [web]\n' });
    expect((await call('PUT', `${R}/pulls/1/merge`, { merge_method: 'squash' })).status).toBe(200);
    const second = await call('PUT', `${R}/pulls/2/merge`, { merge_method: 'rebase' });
    expect(second.status).toBe(200);
    expect(await fixture.bareGit('show', 'main:overlays/dev/kustomization.yaml')).toBe('images: [api]');
    expect(await fixture.bareGit('show', 'main:overlays/uat/kustomization.yaml')).toBe('images: [web]');
    // Rebase: the commit keeps its author and message, GitHub is the committer.
    expect(await fixture.bareGit('log', '-1', '--format=%s|%an|%cn', 'main')).toBe(
      'change on release/web/uat|Dev|GitHub',
    );
    expect(gh.violations).toEqual([]);
  });

  it('needs an approval when requireApproval matches, and merges after one', async () => {
    await start({
      requireApproval: (files) => files.some((f) => f.startsWith('overlays/uat/')),
      tokens: {
        'author-token': { login: 'promoter[bot]', type: 'Bot' },
        'reviewer-token': { login: 'alice', type: 'User' },
      },
    });
    await fixture.commit(
      'release/api/uat',
      { 'overlays/uat/kustomization.yaml': 'images: [x]\n' },
      'promote',
    );
    const created = await call(
      'POST',
      `${R}/pulls`,
      { title: 'uat', head: 'acme:release/api/uat', base: 'main' },
      'author-token',
    );
    expect(created.body).toMatchObject({
      mergeable: true,
      mergeable_state: 'blocked',
      user: { login: 'promoter[bot]', type: 'Bot' },
    });

    const blocked = await call('PUT', `${R}/pulls/1/merge`, {}, 'author-token');
    expect(blocked.status).toBe(405);
    expect(blocked.body.message).toBe(
      'At least 1 approving review is required by reviewers with write access.',
    );

    const own = await call('POST', `${R}/pulls/1/reviews`, { event: 'APPROVE' }, 'author-token');
    expect(own.status).toBe(422);
    expect(own.body.errors).toEqual(['Review Can not approve your own pull request']);

    const review = await call(
      'POST',
      `${R}/pulls/1/reviews`,
      { event: 'APPROVE', body: 'lgtm' },
      'reviewer-token',
    );
    expect(review.status).toBe(200);
    expect(review.body).toMatchObject({
      state: 'APPROVED',
      user: { login: 'alice' },
      commit_id: created.body.head.sha,
    });
    expect((await call('GET', `${R}/pulls/1`, undefined, 'reviewer-token')).body.mergeable_state).toBe(
      'clean',
    );
    const reviews = await call('GET', `${R}/pulls/1/reviews`, undefined, 'reviewer-token');
    expect(reviews.body.map((r: { state: string }) => r.state)).toEqual(['APPROVED']);

    const merged = await call('PUT', `${R}/pulls/1/merge`, { merge_method: 'squash' }, 'author-token');
    expect(merged.status).toBe(200);
    const closed = gh.events.find((e) => e.action === 'closed');
    expect(closed?.actor.login).toBe('promoter[bot]');
    expect(closed?.triggersWorkflows).toBe(true);
    expect(gh.violations).toEqual([]);
  });

  it('lets the test play a reviewer with approve()', async () => {
    await start({ requireApproval: () => true });
    await openPull('release/api/uat', { 'a.txt': '1\n' });
    expect(gh.pulls[0]?.mergeableState).toBe('blocked');
    await expect(gh.approve(1, 'octocat')).rejects.toThrow(/own pull request/);
    await gh.approve(1, 'bob');
    expect(gh.pulls[0]?.mergeableState).toBe('clean');
    expect((await call('PUT', `${R}/pulls/1/merge`, {})).status).toBe(200);
  });

  it('adds labels and requests reviewers', async () => {
    await start();
    await openPull('release/api/uat', { 'a.txt': '1\n' });
    const labels = await call('POST', `${R}/issues/1/labels`, { labels: ['promotion', 'env:uat'] });
    expect(labels.status).toBe(200);
    expect(labels.body.map((l: { name: string }) => l.name)).toEqual(['promotion', 'env:uat']);
    const reviewers = await call('POST', `${R}/pulls/1/requested_reviewers`, {
      reviewers: ['alice'],
      team_reviewers: ['platform-approvers'],
    });
    expect(reviewers.status).toBe(201);
    expect(reviewers.body.requested_reviewers.map((u: { login: string }) => u.login)).toEqual(['alice']);
    expect(reviewers.body.requested_teams.map((t: { slug: string }) => t.slug)).toEqual([
      'platform-approvers',
    ]);
    const self = await call('POST', `${R}/pulls/1/requested_reviewers`, { reviewers: ['octocat'] });
    expect(self.status).toBe(422);
    const full = await call('GET', `${R}/pulls/1`);
    expect(full.body.labels.map((l: { name: string }) => l.name)).toEqual(['promotion', 'env:uat']);
    expect(gh.violations).toEqual([]);
  });

  it('paginates lists with a Link header like GitHub', async () => {
    await start();
    for (const name of ['a', 'b', 'c'])
      await openPull(`release/${name}/dev`, { [`${name}.txt`]: `${name}\n` });
    const first = await call('GET', `${R}/pulls?per_page=2`);
    expect(first.body.map((p: { number: number }) => p.number)).toEqual([3, 2]);
    expect(first.headers.get('link')).toBe(
      `<${gh.url}${R}/pulls?per_page=2&page=2>; rel="next", <${gh.url}${R}/pulls?per_page=2&page=2>; rel="last"`,
    );
    const second = await call('GET', `${R}/pulls?per_page=2&page=2`);
    expect(second.body.map((p: { number: number }) => p.number)).toEqual([1]);
    expect(second.headers.get('link')).toContain('rel="prev"');
    expect(second.headers.get('link')).not.toContain('rel="next"');
    const ascending = await call('GET', `${R}/pulls?direction=asc&state=all`);
    expect(ascending.body.map((p: { number: number }) => p.number)).toEqual([1, 2, 3]);
    expect(gh.violations).toEqual([]);
  });

  it('closing without merging emits closed with merged false, caused by the closer', async () => {
    await start({ tokens: { gt: { login: 'github-actions[bot]', type: 'Bot', isGithubToken: true } } });
    await fixture.commit('release/api/dev', { 'a.txt': '1\n' }, 'x');
    await call('POST', `${R}/pulls`, { title: 't', head: 'release/api/dev', base: 'main' }, 'gt');
    const seen: { action: unknown; merged: unknown; sender: unknown; triggers: boolean }[] = [];
    gh.hooks.onEvent = (name, payload, meta) => {
      const pr = payload['pull_request'] as { merged: boolean };
      seen.push({
        action: payload['action'],
        merged: pr.merged,
        sender: (payload['sender'] as { login: string }).login,
        triggers: meta.triggersWorkflows,
      });
      expect(name).toBe('pull_request');
    };
    const closed = await call('PATCH', `${R}/pulls/1`, { state: 'closed' }, 'gt');
    expect(closed.body.state).toBe('closed');
    expect(seen).toEqual([
      { action: 'closed', merged: false, sender: 'github-actions[bot]', triggers: false },
    ]);
    expect(gh.violations).toEqual([]);
  });
});

describe('holding callers to the OpenAPI description', () => {
  it('refuses an invalid body with 422 and records a violation', async () => {
    await start();
    const answer = await call('POST', `${R}/pulls`, { title: 'no head', base: 'main' });
    expect(answer.status).toBe(422);
    expect(answer.body.message).toBe('Validation Failed');
    expect(answer.body.errors).toContainEqual({ resource: 'pulls', field: 'head', code: 'missing_field' });
    expect(gh.violations.join('\n')).toMatch(/pulls\/create: body must have required property 'head'/);
  });

  it('refuses a query value outside the enum', async () => {
    await start();
    const answer = await call('GET', `${R}/pulls?state=merged`);
    expect(answer.status).toBe(422);
    expect(gh.violations.join('\n')).toMatch(
      /query parameter "state" must be equal to one of the allowed values/,
    );
  });

  it('records an unknown route and answers 404', async () => {
    await start();
    const answer = await call('POST', `${R}/pulls/1/approve`, {});
    expect(answer.status).toBe(404);
    expect(answer.body.message).toBe('Not Found');
    expect(gh.violations).toEqual([
      `unknown route: POST ${R}/pulls/1/approve is not in GitHub's OpenAPI description`,
    ]);
  });

  it('answers 501 for operations GitHub has but the stand-in does not', async () => {
    await start();
    const answer = await call('GET', `${R}/branches`);
    expect(answer.status).toBe(501);
    expect(gh.violations).toEqual([
      'not implemented in stand-in: repos/list-branches (GET /repos/{owner}/{repo}/branches)',
    ]);
  });

  it('requires a token', async () => {
    await start({ tokens: { good: { login: 'alice', type: 'User' } } });
    expect((await call('GET', R, undefined, null)).status).toBe(401);
    expect((await call('GET', R, undefined, 'bad')).body.message).toBe('Bad credentials');
    const ok = await call('GET', R, undefined, 'good');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      full_name: 'acme/platform',
      default_branch: 'main',
      allow_auto_merge: false,
    });
    expect(gh.violations).toHaveLength(2);
  });

  it('notes a head filter without the owner prefix, which GitHub ignores', async () => {
    await start();
    await openPull('release/a/dev', { 'a.txt': 'a\n' });
    await openPull('release/b/dev', { 'b.txt': 'b\n' });
    const answer = await call('GET', `${R}/pulls?head=release/a/dev`);
    expect(answer.body).toHaveLength(2);
    expect(gh.violations).toHaveLength(1);
  });
});

describe('deployments', () => {
  it('creates and lists deployments and statuses, and insists on auto_merge:false and required_contexts:[]', async () => {
    await start();
    const sha = await fixture.bareGit('rev-parse', 'main');
    const good = await call('POST', `${R}/deployments`, {
      ref: 'main',
      environment: 'dev',
      auto_merge: false,
      required_contexts: [],
      payload: { service: 'api', version: '1.2.3' },
      description: 'api 1.2.3 to dev',
    });
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({
      sha,
      ref: 'main',
      environment: 'dev',
      task: 'deploy',
      production_environment: false,
      payload: { service: 'api' },
    });
    expect(gh.violations).toEqual([]);

    const status = await call('POST', `${R}/deployments/${good.body.id}/statuses`, {
      state: 'success',
      environment_url: 'https://dev.example.com',
    });
    expect(status.status).toBe(201);
    expect(status.body).toMatchObject({ state: 'success', environment: 'dev', target_url: '' });

    const second = await call('POST', `${R}/deployments`, {
      ref: 'main',
      environment: 'dev',
      auto_merge: false,
      required_contexts: [],
    });
    await call('POST', `${R}/deployments/${second.body.id}/statuses`, { state: 'success' });
    // auto_inactive: the earlier success in the same environment becomes inactive.
    const statuses = await call('GET', `${R}/deployments/${good.body.id}/statuses`);
    expect(statuses.body.map((s: { state: string }) => s.state)).toEqual(['inactive', 'success']);

    const listed = await call('GET', `${R}/deployments?environment=dev&sha=${sha}`);
    expect(listed.body.map((d: { id: number }) => d.id)).toEqual([second.body.id, good.body.id]);
    expect((await call('GET', `${R}/deployments?environment=prod`)).body).toEqual([]);
    expect(gh.violations).toEqual([]);

    const careless = await call('POST', `${R}/deployments`, { ref: 'main', environment: 'uat' });
    expect(careless.status).toBe(201);
    expect(gh.violations).toHaveLength(1);
    expect(gh.violations[0]).toMatch(/deployment created without auto_merge:false \/ required_contexts:\[\]/);
  });

  it('answers 422 for an unknown ref and 409 when default contexts fail', async () => {
    await start();
    const unknown = await call('POST', `${R}/deployments`, {
      ref: 'nope',
      auto_merge: false,
      required_contexts: [],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toBe('No ref found for: nope');
    const sha = await fixture.bareGit('rev-parse', 'main');
    await gh.reportStatus(sha, 'ci', 'failure');
    const conflict = await call('POST', `${R}/deployments`, { ref: 'main' });
    expect(conflict.status).toBe(409);
    const ok = await call('POST', `${R}/deployments`, {
      ref: 'main',
      auto_merge: false,
      required_contexts: [],
    });
    expect(ok.status).toBe(201);
  });
});

describe('auto-merge through GraphQL', () => {
  const mutation = `mutation($id: ID!, $method: PullRequestMergeMethod) {
    enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $method }) {
      pullRequest { number autoMergeRequest { mergeMethod enabledBy { login } } }
    }
  }`;

  async function graphql(
    query: string,
    variables: Record<string, unknown>,
    token = 'user-token',
  ): Promise<Answer> {
    return call('POST', '/graphql', { query, variables }, token);
  }

  it('fails when the repository does not allow auto-merge', async () => {
    await start({ allowAutoMerge: false, requiredStatusChecks: ['ci'] });
    const pr = await openPull('release/api/dev', { 'a.txt': '1\n' });
    const answer = await graphql(mutation, { id: pr.body.node_id, method: 'SQUASH' });
    expect(answer.status).toBe(200);
    expect(answer.body.errors[0].message).toBe('Auto merge is not allowed for this repository');
    expect(answer.body.data.enablePullRequestAutoMerge).toBeNull();
  });

  it('fails on a pull request that is already clean: merge it directly then', async () => {
    await start({ allowAutoMerge: true });
    const pr = await openPull('release/api/dev', { 'a.txt': '1\n' });
    const answer = await graphql(mutation, { id: pr.body.node_id, method: 'SQUASH' });
    expect(answer.body.errors[0].message).toBe('Pull request Pull request is in clean status');
    expect(gh.pulls[0]?.autoMerge).toBeNull();
  });

  it('waits for the required check, then merges as the identity that enabled it', async () => {
    await start({
      allowAutoMerge: true,
      requiredStatusChecks: ['ci'],
      tokens: { gt: { login: 'github-actions[bot]', type: 'Bot', isGithubToken: true } },
    });
    await fixture.commit('release/api/dev', { 'a.txt': '1\n' }, 'x');
    const pr = await call(
      'POST',
      `${R}/pulls`,
      { title: 'dev', head: 'acme:release/api/dev', base: 'main' },
      'gt',
    );
    expect(pr.body.mergeable_state).toBe('blocked');
    const direct = await call('PUT', `${R}/pulls/1/merge`, { merge_method: 'squash' }, 'gt');
    expect(direct.status).toBe(405);
    expect(direct.body.message).toBe('Required status check "ci" is expected.');

    const answer = await graphql(mutation, { id: pr.body.node_id, method: 'SQUASH' }, 'gt');
    expect(answer.body).toEqual({
      data: {
        enablePullRequestAutoMerge: {
          pullRequest: {
            number: 1,
            autoMergeRequest: { mergeMethod: 'SQUASH', enabledBy: { login: 'github-actions[bot]' } },
          },
        },
      },
    });
    const waiting = await call('GET', `${R}/pulls/1`, undefined, 'gt');
    expect(waiting.body.auto_merge).toMatchObject({
      merge_method: 'squash',
      enabled_by: { login: 'github-actions[bot]' },
    });
    expect(waiting.body.merged).toBe(false);

    const status = await call(
      'POST',
      `${R}/statuses/${pr.body.head.sha}`,
      { state: 'success', context: 'ci' },
      'gt',
    );
    expect(status.status).toBe(201);
    const merged = await call('GET', `${R}/pulls/1`, undefined, 'gt');
    expect(merged.body).toMatchObject({ merged: true, merged_by: { login: 'github-actions[bot]' } });
    expect(await fixture.bareGit('log', '-1', '--format=%s', 'main')).toBe('dev (#1)');
    const closed = gh.events.find((e) => e.action === 'closed');
    // Merged with GITHUB_TOKEN: GitHub would start no workflow for this event.
    expect(closed?.triggersWorkflows).toBe(false);
    expect(gh.violations).toEqual([]);
  });

  it('records anything but that mutation as a violation', async () => {
    await start({ allowAutoMerge: true });
    const query = await graphql('query { viewer { login } }', {});
    expect(query.body.errors).toHaveLength(1);
    const typo = await graphql(
      'mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { pullRequest { nmber } } }',
      { id: 'x' },
    );
    expect(typo.body.errors[0].message).toBe("Field 'nmber' doesn't exist on type 'PullRequest'");
    expect(gh.violations).toHaveLength(2);
  });
});
