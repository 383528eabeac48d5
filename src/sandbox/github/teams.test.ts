// Team membership through the adapter the actions use (TeamMemberships, Octokit with retries),
// against the stand-in answering each kind of token the way GitHub does; every request and answer
// is held to GitHub's OpenAPI description.
import { afterEach, describe, expect, it } from 'vitest';
import { createOctokit, TeamMemberships } from '../../adapters/github.js';
import { createGitFixture, type GitFixture } from './fixture.js';
import { startGitHubStandIn, type GitHubStandIn } from './server.js';
import type { StandInOptions } from './types.js';

let fixture: GitFixture | undefined;
let gh: GitHubStandIn | undefined;

const TOKENS: StandInOptions['tokens'] = {
  app: { login: 'promotion-app[bot]', type: 'Bot' },
  'app-without-members': { login: 'other-app[bot]', type: 'Bot', orgMembers: 'none' },
  'github-token': { login: 'github-actions[bot]', type: 'Bot', isGithubToken: true },
  'pat-read-org': { login: 'platform-admin', type: 'User' },
};

async function start(options: Partial<StandInOptions> = {}): Promise<GitHubStandIn> {
  fixture = await createGitFixture({ 'README.md': 'x\n' });
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    owner: 'acme',
    repo: 'platform',
    tokens: TOKENS,
    teams: { 'release-managers': ['mona', 'Hubot'], sre: [] },
    ...options,
  });
  return gh;
}

afterEach(async () => {
  expect(gh?.violations ?? [], 'every request and answer satisfies GitHub’s description').toEqual([]);
  await gh?.close();
  await fixture?.cleanup();
  gh = fixture = undefined;
});

const quiet = { warning: () => undefined };
const teams = (github: GitHubStandIn, token: string, org = 'acme') =>
  new TeamMemberships(createOctokit(token, quiet, github.url), org);

describe('TeamMemberships against the stand-in', () => {
  it('an active member: one request, GitHub’s membership object', async () => {
    const github = await start();
    await expect(teams(github, 'app').membership('release-managers', 'hubot')).resolves.toEqual({
      state: 'active',
    });
    expect(github.requests.map((r) => [r.operationId, r.status])).toEqual([
      ['teams/get-membership-for-user-in-org', 200],
    ]);
    expect(github.requests[0]!.response).toEqual({
      url: expect.stringMatching(/\/organizations\/\d+\/team\/\d+\/memberships\/hubot$/),
      role: 'member',
      state: 'active',
    });
  });

  it('not a member: the 404 is confirmed by reading the team, which the token can see', async () => {
    const github = await start();
    await expect(teams(github, 'pat-read-org').membership('release-managers', 'mallory')).resolves.toEqual({
      state: 'none',
    });
    expect(github.requests.map((r) => [r.operationId, r.status])).toEqual([
      ['teams/get-membership-for-user-in-org', 404],
      ['teams/get-by-name', 200],
    ]);
    expect(github.requests[1]!.response).toMatchObject({ slug: 'release-managers', members_count: 2 });
  });

  it('GITHUB_TOKEN: GitHub hides the organization’s teams (404 for the team too), so it cannot tell', async () => {
    const github = await start();
    const answer = await teams(github, 'github-token').membership('release-managers', 'mona');
    expect(answer).toEqual({
      state: 'unknown',
      reason: expect.stringMatching(
        /404 for the team itself: it does not exist in acme, or this token may not read/,
      ),
    });
    expect(github.requests.map((r) => r.status)).toEqual([404, 404]);
  });

  it('an App without the Members permission: 403, cannot tell', async () => {
    const github = await start();
    await expect(
      teams(github, 'app-without-members').membership('release-managers', 'mona'),
    ).resolves.toEqual({
      state: 'unknown',
      reason: expect.stringContaining(
        'GitHub answered 403 to the membership request: Resource not accessible by integration',
      ),
    });
    expect(github.requests).toHaveLength(1);
  });

  it('a team that does not exist, another organization, a user-owned repository: cannot tell', async () => {
    const github = await start();
    expect((await teams(github, 'app').membership('nobody-team', 'mona')).state).toBe('unknown');
    expect((await teams(github, 'app', 'other-org').membership('release-managers', 'mona')).state).toBe(
      'unknown',
    );
    await github.close();
    await fixture?.cleanup();
    const personal = await start({ ownerType: 'User' });
    expect((await teams(personal, 'app').membership('release-managers', 'mona')).state).toBe('unknown');
  });

  it('a token GitHub does not know (401): cannot tell, with GitHub’s words', async () => {
    const github = await start();
    await expect(teams(github, 'no-such-token').membership('release-managers', 'mona')).resolves.toEqual({
      state: 'unknown',
      reason: expect.stringContaining('GitHub answered 401 to the membership request: Bad credentials'),
    });
    expect(github.violations).toEqual(['teams/get-membership-for-user-in-org: unknown token']);
    github.violations.length = 0; // recorded because the token is unknown: that was the point
  });
});
