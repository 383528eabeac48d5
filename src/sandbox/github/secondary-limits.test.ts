// GitHub's secondary limit on content creation: the sliding windows, who shares a budget, GitHub's
// 403 with retry-after over real HTTP, and the suite's own Octokit waiting it out.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOctokit, SECONDARY_LIMIT_WAIT_SECONDS } from '../../adapters/github.js';
import { peakInWindow } from '../../core/bench.js';
import { createGitFixture, type GitFixture } from './fixture.js';
import {
  GITHUB_CONTENT_LIMITS,
  bucketOf,
  createContentLimiter,
  SECONDARY_LIMIT_DOCS,
} from './secondary-limits.js';
import { isContentCreating } from './requests.js';
import { startGitHubStandIn, type GitHubStandIn } from './server.js';
import type { ContentLimit } from './types.js';

const exec = promisify(execFile);

describe('createContentLimiter', () => {
  it('admits as many as a window allows and answers the seconds until the oldest leaves it', () => {
    let now = 10_000;
    const limiter = createContentLimiter([{ requests: 2, seconds: 2 }], () => now);
    expect(limiter.admit('app')).toBeUndefined();
    now += 500;
    expect(limiter.admit('app')).toBeUndefined();
    now += 500; // the first leaves the window at 12_000: one second from now
    expect(limiter.admit('app')).toBe(1);
    now = 11_999;
    expect(limiter.admit('app')).toBe(1); // 1 ms to go still says a whole second
    now = 12_000;
    expect(limiter.admit('app')).toBeUndefined();
    // Refusals took no place in the window: the next one waits for the second request only.
    expect(limiter.admit('app')).toBe(1);
    expect(limiter.accepted.map((r) => r.at)).toEqual([10_000, 10_500, 12_000]);
    expect(limiter.refused.map((r) => r.at)).toEqual([11_000, 11_999, 12_000]);
  });

  it('holds every window at once: the longer one refuses after the short one admits again', () => {
    let now = 0;
    const limiter = createContentLimiter(
      [
        { requests: 2, seconds: 1 },
        { requests: 3, seconds: 10 },
      ],
      () => now,
    );
    expect([limiter.admit('a'), limiter.admit('a')]).toEqual([undefined, undefined]);
    now = 1000;
    expect(limiter.admit('a')).toBeUndefined();
    now = 2000; // the 1-second window is empty again, the 10-second one full until 10 s
    expect(limiter.admit('a')).toBe(8);
    now = 10_000;
    expect(limiter.admit('a')).toBeUndefined();
  });

  it('keeps a budget per bucket and, without limits, counts but never refuses', () => {
    const limiter = createContentLimiter([{ requests: 1, seconds: 60 }], () => 0);
    expect([limiter.admit('a'), limiter.admit('b'), limiter.admit('a')]).toEqual([undefined, undefined, 60]);
    const off = createContentLimiter(undefined, () => 0);
    for (let i = 0; i < 200; i++) expect(off.admit('a')).toBeUndefined();
    expect(off.accepted).toHaveLength(200);
  });

  it('refuses a limit that is not whole requests per positive seconds', () => {
    expect(() => createContentLimiter([{ requests: 0, seconds: 60 }])).toThrow(
      'secondary rate limit: {"requests":0,"seconds":60} is not a positive whole number',
    );
    expect(() => createContentLimiter([{ requests: 80, seconds: -1 }])).toThrow('positive seconds');
  });

  it('has GitHub’s figures at hand: 80 a minute and 500 an hour', () => {
    expect(GITHUB_CONTENT_LIMITS).toEqual([
      { requests: 80, seconds: 60 },
      { requests: 500, seconds: 3600 },
    ]);
  });
});

describe('what counts, and on whose budget', () => {
  it('counts POST, PATCH, PUT and DELETE and GraphQL mutations, not reads or queries', () => {
    expect(
      ['POST', 'PATCH', 'PUT', 'DELETE'].map((m) => isContentCreating(m, '/repos/a/b/pulls', {})),
    ).toEqual([true, true, true, true]);
    expect(isContentCreating('GET', '/repos/a/b/pulls', undefined)).toBe(false);
    expect(isContentCreating('POST', '/graphql', { query: 'query { viewer { login } }' })).toBe(false);
    expect(isContentCreating('POST', '/graphql', { query: 'mutation { a }' })).toBe(true);
    // The operation operationName picks is the one that runs.
    const both = 'query Q { viewer { login } } mutation M { a }';
    expect(isContentCreating('POST', '/graphql', { query: both, operationName: 'Q' })).toBe(false);
    expect(isContentCreating('POST', '/graphql', { query: both, operationName: 'M' })).toBe(true);
    expect(isContentCreating('POST', '/graphql', { query: 'mutation {' })).toBe(false);
  });

  it('shares one budget between an App’s tokens and keeps GITHUB_TOKEN’s per repository', () => {
    const app = { login: 'promoter[bot]', type: 'Bot' as const };
    expect(bucketOf({ ...app, repositories: ['acme/a'] })).toBe(
      bucketOf({ ...app, repositories: ['acme/b'] }),
    );
    expect(bucketOf(app)).not.toBe(bucketOf({ login: 'octocat', type: 'User' }));
    const actions = { login: 'github-actions[bot]', type: 'Bot' as const, isGithubToken: true };
    expect(bucketOf({ ...actions, repositories: ['acme/a'] })).not.toBe(
      bucketOf({ ...actions, repositories: ['acme/b'] }),
    );
  });
});

let fixture: GitFixture;
let gh: GitHubStandIn;

async function start(limits: ContentLimit[]): Promise<void> {
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    owner: 'acme',
    repo: 'platform',
    tokens: {
      // Two tokens of one App installation, as two runs mint them, and a person's.
      'app-1': { login: 'promoter[bot]', type: 'Bot' },
      'app-2': { login: 'promoter[bot]', type: 'Bot' },
      person: { login: 'octocat', type: 'User' },
    },
    secondaryRateLimit: limits,
  });
}

const R = '/repos/acme/platform';

async function call(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${gh.url}${path}`, {
    method,
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as Record<string, unknown>,
  };
}

const deployment = { ref: 'main', environment: 'dev', auto_merge: false, required_contexts: [] };

describe('the stand-in over its limit', () => {
  beforeEach(async () => {
    fixture = await createGitFixture({ 'README.md': 'hello\n' });
  });

  afterEach(async () => {
    await gh.close();
    await fixture.cleanup();
  });

  it('answers 403 with retry-after and GitHub’s message, changes nothing, and admits once the window does', async () => {
    // A window long enough for the checks below to finish inside it on a busy machine.
    await start([{ requests: 2, seconds: 4 }]);
    expect((await call('POST', `${R}/deployments`, 'app-1', deployment)).status).toBe(201);
    expect((await call('POST', `${R}/deployments`, 'app-2', deployment)).status).toBe(201);

    const refused = await call('POST', `${R}/deployments`, 'app-1', deployment);
    expect(refused.status).toBe(403);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(4);
    expect(refused.body).toMatchObject({
      message: expect.stringMatching(/^You have exceeded a secondary rate limit\. Please wait a few minutes/),
      documentation_url: SECONDARY_LIMIT_DOCS,
    });
    expect(refused.body['message']).toContain(refused.headers.get('x-github-request-id'));
    expect(gh.deployments).toHaveLength(2);
    expect(gh.requests.at(-1)).toMatchObject({ status: 403, secondaryRateLimited: true });

    // A GraphQL mutation counts on the same budget; reads and queries do not count at all.
    const mutation = await call('POST', '/graphql', 'app-2', {
      query: 'mutation { addComment(input: {subjectId: "x", body: "y"}) { clientMutationId } }',
    });
    expect(mutation.status).toBe(403);
    expect((await call('GET', `${R}/deployments`, 'app-1')).status).toBe(200);
    const query = await call('POST', '/graphql', 'app-1', {
      query: 'query { repository(owner: "acme", name: "platform") { name } }',
    });
    expect(query.status).toBe(200);
    // A person's budget is their own.
    expect((await call('POST', `${R}/deployments`, 'person', deployment)).status).toBe(201);

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    expect((await call('POST', `${R}/deployments`, 'app-1', deployment)).status).toBe(201);
    expect(gh.deployments).toHaveLength(4);
    expect(gh.contentCreation.accepted.map((r) => r.bucket)).toEqual([
      'Bot promoter[bot]',
      'Bot promoter[bot]',
      'User octocat',
      'Bot promoter[bot]',
    ]);
    expect(gh.contentCreation.refused).toHaveLength(2);
    expect(gh.violations).toEqual([]);
  });

  it('is waited out by the suite’s Octokit: the throttling plugin honours retry-after', async () => {
    await start([{ requests: 1, seconds: 2 }]);
    const warnings: string[] = [];
    const octokit = createOctokit('app-1', { warning: (line) => warnings.push(line) }, gh.url);
    const created = await Promise.all(
      [1, 2, 3].map(() =>
        octokit.rest.repos.createDeployment({ owner: 'acme', repo: 'platform', ...deployment }),
      ),
    );
    expect(created.map((answer) => answer.status)).toEqual([201, 201, 201]);
    // The third is admitted 4 s after the first at the earliest, each wait at most 2 s: it retried
    // at least twice, and its waits add up (what bounds them, SECONDARY_LIMIT_WAIT_SECONDS).
    const later = warnings
      .map((line) => /retrying in (\d+)s \(retry (\d+), (\d+)s waited in all\)/.exec(line))
      .filter((match) => match !== null && Number(match[2]) >= 2);
    expect(later.length).toBeGreaterThan(0);
    for (const match of later) expect(Number(match![3])).toBeGreaterThan(Number(match![1]));
    expect(gh.contentCreation.refused.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatch(
      /^Secondary rate limit for POST \/repos\/\{owner\}\/\{repo\}\/deployments; retrying in [12]s/,
    );
    const times = gh.contentCreation.accepted.map((r) => r.at);
    expect(peakInWindow(times, 2000)).toBe(1);
    expect(gh.violations).toEqual([]);
  });

  it('gives up, and says why, when retry-after asks for more than its budget of waiting', async () => {
    await start([{ requests: 1, seconds: 3600 }]);
    const warnings: string[] = [];
    const octokit = createOctokit('app-1', { warning: (line) => warnings.push(line) }, gh.url);
    const create = () =>
      octokit.rest.repos.createDeployment({ owner: 'acme', repo: 'platform', ...deployment });
    await create();
    const started = Date.now();
    await expect(create()).rejects.toMatchObject({ status: 403 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `giving up after 0 retries \\(0s waited, 3[56]\\d\\ds more asked, at most ${SECONDARY_LIMIT_WAIT_SECONDS}s\\)`,
        ),
      ),
    ]);
    expect(gh.deployments).toHaveLength(1);
  });
});

describe('many runs sharing one App installation', () => {
  beforeEach(async () => {
    fixture = await createGitFixture({ 'README.md': 'hello\n' });
  });

  afterEach(async () => {
    await gh.close();
    await fixture.cleanup();
  });

  it('all get their requests through, and together stay under the limit as GitHub counts it', async () => {
    await start([{ requests: 3, seconds: 2 }]);
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const script = join(process.cwd(), 'test', 'support', 'octokit-run.ts');
    // Each run a process of its own, as on runners: the plugin's queue paces only its own process.
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        exec(tsx, [script], {
          env: { ...process.env, GITHUB_API_URL: gh.url, TOKEN: `app-${1 + (i % 2)}`, REQUESTS: '2' },
        }).then(({ stdout }) => JSON.parse(stdout) as { statuses: number[]; warnings: string[] }),
      ),
    );
    expect(runs.map((run) => run.statuses)).toEqual(Array.from({ length: 6 }, () => [201, 201]));
    expect(gh.deployments).toHaveLength(12);
    expect(gh.contentCreation.refused.length).toBeGreaterThan(0);
    // Runs take turns: here some request is typically refused 3 to 5 times in a row, which a policy
    // of a few retries (2, formerly) turns into a failed run.
    expect(runs.flatMap((run) => run.warnings).filter((w) => w.includes('giving up'))).toEqual([]);
    expect(
      peakInWindow(
        gh.contentCreation.accepted.map((r) => r.at),
        2000,
      ),
    ).toBeLessThanOrEqual(3);
    expect(gh.violations).toEqual([]);
  }, 60_000);
});
