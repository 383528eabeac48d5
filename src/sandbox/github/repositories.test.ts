// Several repositories in one stand-in: each its own pulls, settings and events, requests routed by
// /repos/{owner}/{repo}, and tokens that reach only the repositories they were made for.
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from './fixture.js';
import { startGitHubStandIn, type GitHubStandIn } from './server.js';

let gitops: GitFixture;
let orders: GitFixture;
let gh: GitHubStandIn;

beforeEach(async () => {
  gitops = await createGitFixture({ 'overlays/dev/kustomization.yaml': 'resources: []\n' });
  orders = await createGitFixture({ Dockerfile: 'FROM scratch\n' });
  await gitops.commit('release/orders/dev', { 'overlays/dev/kustomization.yaml': 'resources: [a]\n' }, 'dev');
  await orders.commit('feature', { Dockerfile: 'FROM busybox\n' }, 'change');
  gh = await startGitHubStandIn({
    bareRepo: gitops.bare,
    owner: 'acme',
    repo: 'gitops',
    allowAutoMerge: true,
    tokens: {
      person: { login: 'mona', type: 'User' },
      'gitops-only': { login: 'promotion-app[bot]', type: 'Bot', repositories: ['acme/gitops'] },
      'orders-run': {
        login: 'github-actions[bot]',
        type: 'Bot',
        isGithubToken: true,
        repositories: ['acme/orders'],
      },
    },
    repositories: [{ bareRepo: orders.bare, owner: 'acme', repo: 'orders' }],
  });
});

afterEach(async () => {
  await gh.close();
  await gitops.cleanup();
  await orders.cleanup();
});

const client = (token: string) => getOctokit(token, { baseUrl: gh.url });

describe('a stand-in hosting several repositories', () => {
  it('keeps pull requests, numbers, settings and events apart per repository', async () => {
    const mona = client('person');
    const a = await mona.rest.pulls.create({
      owner: 'acme',
      repo: 'gitops',
      head: 'release/orders/dev',
      base: 'main',
      title: 'dev',
    });
    const b = await mona.rest.pulls.create({
      owner: 'acme',
      repo: 'orders',
      head: 'feature',
      base: 'main',
      title: 'f',
    });
    expect([a.data.number, b.data.number]).toEqual([1, 1]);
    expect(a.data.id).not.toBe(b.data.id);
    expect(a.data.node_id).not.toBe(b.data.node_id);
    expect(b.data.base.repo.full_name).toBe('acme/orders');
    expect(b.data.html_url).toBe(`${gh.url}/acme/orders/pull/1`);

    const ordersView = gh.repository('ACME/Orders');
    expect(gh.pulls.map((p) => p.title)).toEqual(['dev']);
    expect(ordersView.pulls.map((p) => p.title)).toEqual(['f']);
    expect(gh.events.map((e) => e.payload['repository'])).toMatchObject([{ full_name: 'acme/gitops' }]);
    expect(ordersView.events.map((e) => e.payload['repository'])).toMatchObject([
      { full_name: 'acme/orders' },
    ]);

    const repo = await mona.rest.repos.get({ owner: 'acme', repo: 'orders' });
    expect(repo.data.allow_auto_merge).toBe(false);
    expect((await mona.rest.repos.get({ owner: 'acme', repo: 'gitops' })).data.allow_auto_merge).toBe(true);
    expect(gh.violations).toEqual([]);
  });

  it('answers 404 Not Found for a repository it does not host', async () => {
    await expect(client('person').rest.repos.get({ owner: 'acme', repo: 'payments' })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('Not Found'),
    });
    expect(() => gh.repository('acme/payments')).toThrow('does not host acme/payments');
  });

  it('answers 404 for a repository the token cannot reach, REST and GraphQL alike', async () => {
    const app = client('gitops-only');
    await expect(app.rest.repos.get({ owner: 'acme', repo: 'gitops' })).resolves.toMatchObject({
      status: 200,
    });
    await expect(app.rest.repos.get({ owner: 'acme', repo: 'orders' })).rejects.toMatchObject({
      status: 404,
    });
    // The run's GITHUB_TOKEN of acme/orders cannot open a pull request in acme/gitops.
    await expect(
      client('orders-run').rest.pulls.create({
        owner: 'acme',
        repo: 'gitops',
        head: 'release/orders/dev',
        base: 'main',
        title: 'dev',
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(gh.pulls).toEqual([]);

    const query = 'query($o: String!, $n: String!) { repository(owner: $o, name: $n) { nameWithOwner } }';
    const answer = async (token: string, name: string) =>
      (await (
        await fetch(`${gh.url}/graphql`, {
          method: 'POST',
          headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables: { o: 'acme', n: name } }),
        })
      ).json()) as { data: { repository: { nameWithOwner: string } | null }; errors?: { type: string }[] };
    expect((await answer('person', 'orders')).data.repository).toEqual({ nameWithOwner: 'acme/orders' });
    const refused = await answer('gitops-only', 'orders');
    expect(refused.data.repository).toBeNull();
    expect(refused.errors?.[0]?.type).toBe('NOT_FOUND');
  });

  it('enables auto-merge on the repository that holds the pull request, if the token reaches it', async () => {
    const pr = await client('person').rest.pulls.create({
      owner: 'acme',
      repo: 'orders',
      head: 'feature',
      base: 'main',
      title: 'f',
    });
    const mutation = `mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id }) { clientMutationId } }`;
    const answer = (await (
      await fetch(`${gh.url}/graphql`, {
        method: 'POST',
        headers: { authorization: 'bearer gitops-only', 'content-type': 'application/json' },
        body: JSON.stringify({ query: mutation, variables: { id: pr.data.node_id } }),
      })
    ).json()) as { errors?: { type: string; message: string }[] };
    expect(answer.errors?.[0]).toMatchObject({ type: 'NOT_FOUND' });
    const other = (await (
      await fetch(`${gh.url}/graphql`, {
        method: 'POST',
        headers: { authorization: 'bearer person', 'content-type': 'application/json' },
        body: JSON.stringify({ query: mutation, variables: { id: pr.data.node_id } }),
      })
    ).json()) as { errors?: { message: string }[] };
    // acme/orders does not allow auto-merge (acme/gitops does): the answer is about acme/orders.
    expect(other.errors?.[0]?.message).toBe('Auto merge is not allowed for this repository');
  });

  it('hosts a repository added later, and delivers its events to its own hook only', async () => {
    const service = await createGitFixture({ 'README.md': 'payments\n' });
    try {
      await service.commit('fix', { 'README.md': 'payments!\n' }, 'fix');
      const payments = await gh.addRepository({ bareRepo: service.bare, owner: 'acme', repo: 'payments' });
      const seen: string[] = [];
      gh.hooks.onEvent = (name) => void seen.push(`gitops:${name}`);
      payments.hooks.onEvent = (name) => void seen.push(`payments:${name}`);
      await client('person').rest.pulls.create({
        owner: 'acme',
        repo: 'payments',
        head: 'fix',
        base: 'main',
        title: 'x',
      });
      expect(seen).toEqual(['payments:pull_request']);
      await expect(
        gh.addRepository({ bareRepo: service.bare, owner: 'acme', repo: 'payments' }),
      ).rejects.toThrow('already hosts acme/payments');
    } finally {
      await service.cleanup();
    }
  });
});
