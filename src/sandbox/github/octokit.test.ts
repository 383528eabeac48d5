// The stand-in driven by the client the actions use (@actions/github's Octokit), so request
// shapes Octokit produces (empty PUT bodies, pagination, GraphQL errors) are covered too.
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createOctokit, PullRequests } from '../../adapters/github.js';
import { createGitFixture } from './fixture.js';
import type { GitFixture } from './fixture.js';
import { startGitHubStandIn } from './server.js';
import type { GitHubStandIn } from './server.js';

let fixture: GitFixture;
let gh: GitHubStandIn;

beforeEach(async () => {
  fixture = await createGitFixture({ 'overlays/dev/kustomization.yaml': 'images: []\n' });
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    owner: 'acme',
    repo: 'platform',
    allowAutoMerge: true,
    requiredStatusChecks: ['build'],
    tokens: { app: { login: 'promoter[bot]', type: 'Bot' } },
  });
});

afterEach(async () => {
  await gh.close();
  await fixture.cleanup();
});

it('serves the calls overlay-update makes, through Octokit, without a single violation', async () => {
  const octokit = getOctokit('app', { baseUrl: gh.url });
  const repo = { owner: 'acme', repo: 'platform' };
  const { data: repository } = await octokit.rest.repos.get(repo);
  expect(repository.allow_auto_merge).toBe(true);

  await fixture.commit(
    'release/api/dev',
    { 'overlays/dev/kustomization.yaml': 'images:\n- name: api\n  newTag: 2.0.0\n' },
    'api 2.0.0 to dev',
  );
  const existing = await octokit.rest.pulls.list({ ...repo, head: 'acme:release/api/dev', state: 'open' });
  expect(existing.data).toEqual([]);
  const { data: pr } = await octokit.rest.pulls.create({
    ...repo,
    head: 'release/api/dev',
    base: 'main',
    title: 'api 2.0.0 to dev',
    body: 'body',
  });
  await octokit.rest.issues.addLabels({ ...repo, issue_number: pr.number, labels: ['promotion'] });

  // An empty PUT body (Octokit sends none) is a plain merge, refused while the check is missing.
  await expect(octokit.rest.pulls.merge({ ...repo, pull_number: pr.number })).rejects.toMatchObject({
    status: 405,
    message: expect.stringContaining('Required status check "build" is expected.'),
  });

  const result = await octokit.graphql<{
    enablePullRequestAutoMerge: { pullRequest: { autoMergeRequest: { mergeMethod: string } | null } };
  }>(
    `mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {
      enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod }) {
        pullRequest { autoMergeRequest { mergeMethod } }
      }
    }`,
    { pullRequestId: pr.node_id, mergeMethod: 'SQUASH' },
  );
  expect(result.enablePullRequestAutoMerge.pullRequest.autoMergeRequest?.mergeMethod).toBe('SQUASH');

  await octokit.rest.repos.createCommitStatus({
    ...repo,
    sha: pr.head.sha,
    state: 'success',
    context: 'build',
  });
  const { data: merged } = await octokit.rest.pulls.get({ ...repo, pull_number: pr.number });
  expect(merged.merged).toBe(true);
  expect(await fixture.bareGit('show', 'main:overlays/dev/kustomization.yaml')).toContain('newTag: 2.0.0');

  const { data: deployment } = await octokit.rest.repos.createDeployment({
    ...repo,
    ref: merged.merge_commit_sha ?? 'main',
    environment: 'dev',
    auto_merge: false,
    required_contexts: [],
    payload: { service: 'api' },
  });
  expect('id' in deployment).toBe(true);
  if (!('id' in deployment)) return;
  await octokit.rest.repos.createDeploymentStatus({
    ...repo,
    deployment_id: deployment.id,
    state: 'success',
    log_url: 'https://ci.example.com/run/1',
  });
  const all = await octokit.paginate(octokit.rest.repos.listDeployments, {
    ...repo,
    environment: 'dev',
    per_page: 1,
  });
  expect(all.map((d) => d.id)).toEqual([deployment.id]);

  // A GraphQL error reaches Octokit as GitHub's would: the PR is merged now.
  await expect(
    octokit.graphql(
      'mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { clientMutationId } }',
      { id: pr.node_id },
    ),
  ).rejects.toThrow(/already merged/);

  expect(gh.violations).toEqual([]);
  const event = gh.events.find((e) => e.action === 'closed');
  expect(event?.payload).toMatchObject({
    action: 'closed',
    number: pr.number,
    pull_request: { merged: true, head: { ref: 'release/api/dev' } },
    sender: { login: 'promoter[bot]' },
    installation: {},
  });
});

it('paginates every pull request with octokit.paginate following Link headers', async () => {
  const octokit = getOctokit('app', { baseUrl: gh.url });
  for (const name of ['a', 'b', 'c', 'd', 'e']) {
    await fixture.commit(`release/${name}/dev`, { [`${name}.txt`]: name }, name);
    await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'platform',
      head: `release/${name}/dev`,
      base: 'main',
      title: name,
    });
  }
  const all = await octokit.paginate(octokit.rest.pulls.list, {
    owner: 'acme',
    repo: 'platform',
    per_page: 2,
  });
  expect(all.map((p) => p.number)).toEqual([5, 4, 3, 2, 1]);
  expect(gh.requests.filter((r) => r.operationId === 'pulls/list')).toHaveLength(3);
  expect(gh.violations).toEqual([]);
});

it('opens a PR once: a second createOrFindOpen for the same branch gets GitHub 422 and finds the open one', async () => {
  const quiet = { warning: () => undefined };
  const pulls = new PullRequests(createOctokit('app', quiet, gh.url), { owner: 'acme', repo: 'platform' });
  await fixture.commit('release/api/dev', { 'overlays/dev/kustomization.yaml': 'images: []\n# 2\n' }, 'x');

  const first = await pulls.createOrFindOpen('release/api/dev', 'main', 'api to dev', 'body');
  const second = await pulls.createOrFindOpen('release/api/dev', 'main', 'api to dev', 'body');
  expect(first.created).toBe(true);
  expect(second).toMatchObject({ created: false, pull: { number: first.pull.number } });
  expect(gh.pulls).toHaveLength(1);
  expect(gh.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201', 'POST 422', 'GET 200']);
  expect(gh.violations).toEqual([]);
});
