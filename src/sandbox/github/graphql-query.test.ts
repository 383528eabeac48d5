// The stand-in's GraphQL `repository` query: the rules GitHub applies to it (pagination boundaries,
// unknown fields and arguments, cursors) and the answers `npm run status` relies on
// (reviewDecision, deployments newest first with their statuses, payload as JSON text).
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from './fixture.js';
import { startGitHubStandIn, type GitHubStandIn } from './index.js';

const REPO = { owner: 'acme', repo: 'platform' };
let fixture: GitFixture;
let gh: GitHubStandIn;

beforeEach(async () => {
  fixture = await createGitFixture({ 'overlays/uat/kustomization.yaml': 'images: []\n' });
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    ...REPO,
    tokens: {
      app: { login: 'promoter[bot]', type: 'Bot' },
      reviewer: { login: 'reviewer', type: 'User' },
    },
    requireApproval: (files) => files.some((f) => f.startsWith('overlays/uat/')),
  });
});

afterEach(async () => {
  await gh.close();
  await fixture.cleanup();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the wire
type Json = any;

async function post(query: string, variables: Record<string, unknown> = {}): Promise<Json> {
  const response = await fetch(`${gh.url}/graphql`, {
    method: 'POST',
    headers: { authorization: 'token app', 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

describe('query { repository }', () => {
  it('answers reviewDecision: null without a review rule, then REVIEW_REQUIRED, CHANGES_REQUESTED, APPROVED', async () => {
    const app = getOctokit('app', { baseUrl: gh.url });
    const reviewer = getOctokit('reviewer', { baseUrl: gh.url });
    await fixture.commit('release/api/dev', { 'a.txt': '1\n' }, 'dev');
    await fixture.commit('release/api/uat', { 'overlays/uat/kustomization.yaml': 'images: [x]\n' }, 'uat');
    await app.rest.pulls.create({ ...REPO, head: 'release/api/dev', base: 'main', title: 'dev' });
    const { data: uat } = await app.rest.pulls.create({
      ...REPO,
      head: 'release/api/uat',
      base: 'main',
      title: 'uat',
    });
    const query = `query($owner: String!, $name: String!) {
      repository(owner: $owner, name: $name) {
        defaultBranchRef { name }
        pullRequests(states: [OPEN], first: 10) { totalCount nodes { number headRefName baseRefName reviewDecision } }
      }
    }`;
    const decisions = async () =>
      (
        (await post(query, { owner: 'acme', name: 'platform' })).data.repository.pullRequests.nodes as {
          reviewDecision: string | null;
        }[]
      ).map((n) => n.reviewDecision);
    expect(await decisions()).toEqual([null, 'REVIEW_REQUIRED']);
    await reviewer.rest.pulls.createReview({
      ...REPO,
      pull_number: uat.number,
      event: 'REQUEST_CHANGES',
      body: 'no',
    });
    expect(await decisions()).toEqual([null, 'CHANGES_REQUESTED']);
    await reviewer.rest.pulls.createReview({ ...REPO, pull_number: uat.number, event: 'APPROVE' });
    expect(await decisions()).toEqual([null, 'APPROVED']);
    const answer = await post(query, { owner: 'acme', name: 'platform' });
    expect(answer.data.repository.defaultBranchRef).toEqual({ name: 'main' });
    expect(answer.data.repository.pullRequests.totalCount).toBe(2);
    expect(gh.violations).toEqual([]);
  });

  it('lists deployments newest first with statuses and payload text, page by page with cursors', async () => {
    const app = getOctokit('app', { baseUrl: gh.url });
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
      const { data } = await app.rest.repos.createDeployment({
        ...REPO,
        ref: 'main',
        environment: 'dev',
        payload: { service: 'api', version },
        auto_merge: false,
        required_contexts: [],
      });
      if (!('id' in data)) throw new Error('no deployment');
      await app.rest.repos.createDeploymentStatus({ ...REPO, deployment_id: data.id, state: 'success' });
    }
    const query = `query($after: String) {
      repository(owner: "acme", name: "platform") {
        deployments(environments: ["dev"], first: 2, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
          pageInfo { hasNextPage endCursor }
          nodes { environment payload state latestStatus { state } statuses(first: 5) { nodes { state } } }
        }
      }
    }`;
    const first = (await post(query)).data.repository.deployments;
    expect(first.nodes.map((n: { payload: string }) => JSON.parse(n.payload).version)).toEqual([
      '1.2.0',
      '1.1.0',
    ]);
    // A later success retires the earlier ones in a non-production environment.
    expect(first.nodes[0]).toMatchObject({ state: 'ACTIVE', latestStatus: { state: 'SUCCESS' } });
    expect(first.nodes[1]).toMatchObject({
      state: 'INACTIVE',
      latestStatus: { state: 'INACTIVE' },
      statuses: { nodes: [{ state: 'INACTIVE' }, { state: 'SUCCESS' }] },
    });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await post(query, { after: first.pageInfo.endCursor })).data.repository.deployments;
    expect(second.nodes.map((n: { payload: string }) => JSON.parse(n.payload).version)).toEqual(['1.0.0']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect(gh.violations).toEqual([]);
  });

  it('refuses what GitHub refuses: no first/last, more than 100, unknown fields and arguments, bad cursors', async () => {
    const refusals = [
      [
        '{ repository(owner: "acme", name: "platform") { deployments { totalCount } } }',
        'You must provide a `first` or `last` value to properly paginate the `deployments` connection.',
      ],
      [
        '{ repository(owner: "acme", name: "platform") { pullRequests(first: 101) { totalCount } } }',
        'Requesting 101 records on the `pullRequests` connection exceeds the `first` limit of 100 records.',
      ],
      [
        '{ repository(owner: "acme", name: "platform") { deployments(first: 1) { nodes { status } } } }',
        "Field 'status' doesn't exist on type 'Deployment'",
      ],
      [
        '{ repository(owner: "acme", name: "platform") { deployments(first: 1, environment: "dev") { totalCount } } }',
        "Field 'deployments' doesn't accept argument 'environment'",
      ],
      ['{ repository(owner: "acme") { id } }', "Field 'repository' is missing required arguments: name"],
      [
        '{ repository(owner: "acme", name: "platform") { deployments(first: 1, after: "bm9wZQ==") { totalCount } } }',
        '`bm9wZQ==` does not appear to be a valid cursor.',
      ],
    ];
    for (const [query, message] of refusals) {
      const answer = await post(query!);
      expect(answer.data).toBeUndefined();
      expect(answer.errors.map((e: { message: string }) => e.message)).toContain(message);
    }
    expect(gh.violations).toHaveLength(refusals.length);
  });

  it('answers NOT_FOUND for another repository, as GitHub does for one the token cannot see', async () => {
    const answer = await post('{ repository(owner: "acme", name: "other") { id } }');
    expect(answer).toMatchObject({
      data: { repository: null },
      errors: [
        { type: 'NOT_FOUND', message: "Could not resolve to a Repository with the name 'acme/other'." },
      ],
    });
  });
});
