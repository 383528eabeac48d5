// What GitHub's GraphQL endpoint refuses (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql),
// refused by the stand-in in GitHub's (graphql-ruby's) words: graphql-js finds the error,
// graphql-errors.ts and graphql-validation.ts word it. Every refusal is HTTP 200 with `errors` and
// no `data`, and a violation (the suite should send none of these).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from './fixture.js';
import { startGitHubStandIn, type GitHubStandIn } from './index.js';

let fixture: GitFixture;
let gh: GitHubStandIn;

// Refusals change nothing, so one stand-in serves the whole file.
beforeAll(async () => {
  fixture = await createGitFixture({ 'a.txt': 'a\n' });
  const tokens = { app: { login: 'promoter[bot]', type: 'Bot' as const } };
  gh = await startGitHubStandIn({ bareRepo: fixture.bare, owner: 'acme', repo: 'platform', tokens });
});

afterAll(async () => {
  await gh.close();
  await fixture.cleanup();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the wire
type Json = any;

async function refusal(body: Record<string, unknown>): Promise<Json[]> {
  const before = gh.violations.length;
  const response = await fetch(`${gh.url}/graphql`, {
    method: 'POST',
    headers: { authorization: 'token app', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  const answer = (await response.json()) as Json;
  expect(answer.data).toBeUndefined();
  expect(gh.violations.length).toBe(before + 1);
  return answer.errors as Json[];
}

const messages = async (query: string, variables: Record<string, unknown> = {}): Promise<string[]> =>
  (await refusal({ query, variables })).map((e: { message: string }) => e.message);

const REPO = 'repository(owner: "acme", name: "platform")';

describe('syntax', () => {
  it('names the token graphql-ruby stops at, or the end of the document', async () => {
    expect(await refusal({ query: `{ ${REPO} { id } } }` })).toEqual([
      { message: 'Parse error on "}" (RCURLY) at [1, 56]', locations: [{ line: 1, column: 56 }] },
    ]);
    expect(await messages(`query Q($x: Int = -) { ${REPO} { id } }`)).toEqual([
      'Parse error on "-" (error) at [1, 19]',
    ]);
    expect(await messages(`{ ${REPO} { id fragment } `)).toEqual(['Unexpected end of document']);
    expect(await messages('query { ... on }')).toEqual(['Parse error on "}" (RCURLY) at [1, 16]']);
    expect(await messages('{ repository(owner: "acme) { id } }')).toEqual([
      'Parse error on "\\"" (error) at [1, 21]',
    ]);
  });
});

describe('fields and arguments', () => {
  it('lists every missing argument in one error, as graphql-ruby does', async () => {
    expect(await refusal({ query: '{ repository { id } }' })).toEqual([
      {
        message: "Field 'repository' is missing required arguments: owner, name",
        locations: [{ line: 1, column: 3 }],
        path: ['query', 'repository'],
        extensions: {
          code: 'missingRequiredArguments',
          className: 'Field',
          name: 'repository',
          arguments: 'owner, name',
        },
      },
    ]);
  });

  it('names an unknown argument by the alias of its field', async () => {
    expect(await refusal({ query: `{ repo: ${REPO.replace(')', ', stars: 1)')} { id } }` })).toEqual([
      {
        message: "Field 'repo' doesn't accept argument 'stars'",
        locations: [{ line: 1, column: 53 }],
        path: ['query', 'repo', 'stars'],
        extensions: { code: 'argumentNotAccepted', name: 'repo', typeName: 'Field', argumentName: 'stars' },
      },
    ]);
  });

  it('refuses a literal of the wrong type, naming the argument that holds it', async () => {
    expect(
      await messages(`{ ${REPO} { pullRequests(states: [OPEN, DRAFT], first: "ten") { totalCount } } }`),
    ).toEqual([
      "Argument 'states' on Field 'pullRequests' has an invalid value ([OPEN, DRAFT]). Expected type '[PullRequestState!]'.",
      "Argument 'first' on Field 'pullRequests' has an invalid value (\"ten\"). Expected type 'Int'.",
    ]);
  });

  it('checks input objects field by field', async () => {
    expect(
      await messages(
        'mutation { enablePullRequestAutoMerge(input: {mergeMethod: squash, force: true}) { clientMutationId } }',
      ),
    ).toEqual([
      "Argument 'pullRequestId' on InputObject 'EnablePullRequestAutoMergeInput' is required. Expected type ID!",
      "Argument 'mergeMethod' on InputObject 'EnablePullRequestAutoMergeInput' has an invalid value (squash). Expected type 'PullRequestMergeMethod'.",
      "InputObject 'EnablePullRequestAutoMergeInput' doesn't accept argument 'force'",
    ]);
  });

  it('wants selections on objects and none on scalars', async () => {
    expect(await messages(`{ ${REPO} { defaultBranchRef name { size } } }`)).toEqual([
      "Field must have selections (field 'defaultBranchRef' returns Ref but has no selections. Did you mean 'defaultBranchRef { ... }'?)",
      "Selections can't be made on scalars (field 'name' returns String but has selections [\"size\"])",
    ]);
  });
});

describe('fragments', () => {
  it('refuses unknown, unused and impossible fragments', async () => {
    expect(await messages(`{ ${REPO} { ...Missing } } fragment Unused on Repository { id }`)).toEqual([
      'Fragment Missing was used, but not defined',
      'Fragment Unused was defined, but not used',
    ]);
    expect(await messages(`{ ${REPO} { ... on Repo { id } ... on User { login } } }`)).toEqual([
      "No such type Repo, so it can't be a fragment condition",
      "Fragment on User can't be spread inside Repository",
    ]);
  });
});

describe('variables', () => {
  it('refuses undeclared, unused and mistyped variables', async () => {
    expect(await messages(`query($n: Int) { repository(owner: $owner, name: "platform") { id } }`)).toEqual([
      'Variable $owner is used by anonymous query but not declared',
      'Variable $n is declared by anonymous query but not used',
    ]);
    expect(
      await messages(`query Q($n: String, $id: ID) {
        ${REPO} { pullRequests(first: $n) { totalCount } deployments(environments: [$id], first: 1) { totalCount } }
      }`),
    ).toEqual([
      'Type mismatch on variable $n and argument first (String / Int)',
      'Type mismatch on variable $id and argument environments ([ID]! / [String!])',
    ]);
  });

  it('refuses a missing or ill-typed value of a declared variable, listing its problems', async () => {
    const mutation =
      'mutation($input: EnablePullRequestAutoMergeInput!) { enablePullRequestAutoMerge(input: $input) { clientMutationId } }';
    expect(await refusal({ query: mutation, variables: {} })).toEqual([
      {
        message: 'Variable $input of type EnablePullRequestAutoMergeInput! was provided invalid value',
        locations: [{ line: 1, column: 10 }],
        extensions: { value: null, problems: [{ path: [], explanation: 'Expected value to not be null' }] },
      },
    ]);
    const input = { mergeMethod: 'squash', force: true };
    expect(await refusal({ query: mutation, variables: { input } })).toEqual([
      {
        message:
          'Variable $input of type EnablePullRequestAutoMergeInput! was provided invalid value for pullRequestId (Expected value to not be null), mergeMethod (Expected "squash" to be one of: MERGE, SQUASH, REBASE), force (Field is not defined on EnablePullRequestAutoMergeInput)',
        locations: [{ line: 1, column: 10 }],
        extensions: {
          value: input,
          problems: [
            { path: ['pullRequestId'], explanation: 'Expected value to not be null' },
            { path: ['mergeMethod'], explanation: 'Expected "squash" to be one of: MERGE, SQUASH, REBASE' },
            { path: ['force'], explanation: 'Field is not defined on EnablePullRequestAutoMergeInput' },
          ],
        },
      },
    ]);
    expect(
      await messages(`query($first: Int) { ${REPO} { deployments(first: $first) { totalCount } } }`, {
        first: 'ten',
      }),
    ).toEqual(['Variable $first of type Int was provided invalid value']);
  });
});

describe('operations', () => {
  it('runs the operation named, or the only one', async () => {
    const two = `query A { ${REPO} { id } } query B { ${REPO} { name } }`;
    expect(await messages(two)).toEqual(['An operation name is required']);
    expect(await refusal({ query: two, operationName: 'C' })).toEqual([
      { message: 'No operation named "C"' },
    ]);
    expect(await messages(`subscription { ${REPO} { id } }`)).toEqual([
      'Schema is not configured for subscriptions',
    ]);
    expect(await messages(`{ ${REPO} { id @cached } }`)).toEqual(['Directive @cached is not defined']);
  });
});
