// The stand-in's GraphQL `repository` query: the rules GitHub applies to it (pagination boundaries,
// unknown fields and arguments, cursors), the answers `npm run status` relies on (reviewDecision,
// deployments newest first with their statuses, payload as JSON text), and documents read as GitHub
// reads them (fragments, aliases, variables with defaults, __typename, introspection).
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

async function post(
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
): Promise<Json> {
  const response = await fetch(`${gh.url}/graphql`, {
    method: 'POST',
    headers: { authorization: 'token app', 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables, operationName }),
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

  it('answers the default branch head as a Commit oid, moving when the branch moves', async () => {
    const query =
      'query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { defaultBranchRef { name target { __typename oid } } } }';
    const head = async () =>
      (await post(query, { owner: 'acme', name: 'platform' })).data.repository.defaultBranchRef;
    const before = await head();
    const moved = await fixture.commit('main', { 'b.txt': '2\n' }, 'move main');
    expect(await head()).toEqual({ name: 'main', target: { __typename: 'Commit', oid: moved } });
    expect(before.target.oid).not.toBe(moved);
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

describe('documents as GitHub reads them', () => {
  it('serves fragments, inline fragments, aliases, __typename and variables with defaults', async () => {
    const app = getOctokit('app', { baseUrl: gh.url });
    await fixture.commit('release/api/dev', { 'a.txt': '1\n' }, 'dev');
    const { data: pr } = await app.rest.pulls.create({
      ...REPO,
      head: 'release/api/dev',
      base: 'main',
      title: 'dev',
    });
    const { data: deployment } = await app.rest.repos.createDeployment({
      ...REPO,
      ref: 'main',
      environment: 'dev',
      auto_merge: false,
      required_contexts: [],
    });
    if (!('id' in deployment)) throw new Error('no deployment');
    await app.rest.repos.createDeploymentStatus({ ...REPO, deployment_id: deployment.id, state: 'success' });
    const query = `query Status($owner: String! = "acme", $first: Int = 5) {
      repo: repository(owner: $owner, name: "platform") {
        __typename
        ...Pulls
        deployments(first: $first) {
          nodes { ... on Deployment { environment creator { __typename ... on Bot { login } ... on User { url } } } }
        }
      }
    }
    fragment Pulls on Repository { open: pullRequests(states: OPEN, first: $first) { nodes { ...Pull } } }
    fragment Pull on PullRequest { number title headRefName }
    query Other { repository(owner: "acme", name: "platform") { id } }`;
    expect(await post(query, {}, 'Status')).toEqual({
      data: {
        repo: {
          __typename: 'Repository',
          open: { nodes: [{ number: pr.number, title: 'dev', headRefName: 'release/api/dev' }] },
          deployments: {
            nodes: [{ environment: 'dev', creator: { __typename: 'Bot', login: 'promoter[bot]' } }],
          },
        },
      },
    });
    expect(gh.violations).toEqual([]);
  });

  it("answers introspection from GitHub's schema", async () => {
    const answer = await post('{ __type(name: "PullRequestMergeMethod") { kind enumValues { name } } }');
    expect(answer.data.__type).toEqual({
      kind: 'ENUM',
      enumValues: [{ name: 'MERGE' }, { name: 'SQUASH' }, { name: 'REBASE' }],
    });
  });

  it('counts the lines of a block string: a later error is reported where it is', async () => {
    const mutation = [
      'mutation {',
      '  enablePullRequestAutoMerge(input: {pullRequestId: "PR_x", commitBody: """',
      '    line one',
      '    line two',
      '  """}) {',
      '    clientMutationId',
      '    nope',
      '  }',
      '}',
    ].join('\n');
    expect(await post(mutation)).toEqual({
      errors: [
        {
          message: "Field 'nope' doesn't exist on type 'EnablePullRequestAutoMergePayload'",
          locations: [{ line: 7, column: 5 }],
          path: ['mutation', 'enablePullRequestAutoMerge', 'nope'],
          extensions: {
            code: 'undefinedField',
            typeName: 'EnablePullRequestAutoMergePayload',
            fieldName: 'nope',
          },
        },
      ],
    });
    const syntax = await post('{\n  repository(owner: """\nacme\n""", name: "platform") { id } }\n}');
    expect(syntax).toEqual({
      errors: [{ message: 'Parse error on "}" (RCURLY) at [5, 1]', locations: [{ line: 5, column: 1 }] }],
    });
  });

  it("refuses what GitHub's schema does not have, in GitHub's words", async () => {
    expect(await post('{ repository(owner: "acme", name: "platform") { id stars } }')).toEqual({
      errors: [
        {
          message: "Field 'stars' doesn't exist on type 'Repository'",
          locations: [{ line: 1, column: 52 }],
          path: ['query', 'repository', 'stars'],
          extensions: { code: 'undefinedField', typeName: 'Repository', fieldName: 'stars' },
        },
      ],
    });
    expect(gh.violations).toEqual(["graphql: Field 'stars' doesn't exist on type 'Repository'"]);
  });

  it('answers what GitHub has but the stand-in does not model with an error that says so', async () => {
    const answer = await post(
      '{ repository(owner: "acme", name: "platform") { id issues(first: 1) { totalCount } } }',
    );
    expect(answer).toEqual({
      errors: [
        {
          message:
            "The GitHub stand-in does not model Repository.issues (GitHub's schema has it; the stand-in answers only what the suite uses)",
          locations: [{ line: 1, column: 52 }],
        },
      ],
    });
    expect(gh.violations).toEqual(['graphql: not implemented in stand-in: Repository.issues']);
  });
});
