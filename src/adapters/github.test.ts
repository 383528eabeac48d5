// The Octokit the actions use, against a local HTTP server that fails the way GitHub sometimes does.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOctokit, PullRequests } from './github.js';

let server: Server | undefined;

/** Answers each request with the next scripted status; records what arrived. */
async function scriptedApi(statuses: number[], body: unknown = []): Promise<{ seen: string[] }> {
  const seen: string[] = [];
  server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    const status = statuses.shift() ?? 200;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(
        status < 400 ? body : { message: `scripted ${status}`, documentation_url: 'https://docs.github.com' },
      ),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  process.env.GITHUB_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen };
}

afterEach(async () => {
  delete process.env.GITHUB_API_URL;
  await new Promise((resolve) => server?.close(resolve));
});

const quiet = { warning: () => undefined };
const repo = { owner: 'acme', repo: 'platform' };

describe('createOctokit', () => {
  it('retries a transient 502 and then succeeds', async () => {
    const api = await scriptedApi([502]);
    const pulls = new PullRequests(createOctokit('t0ken', quiet), repo);
    await expect(pulls.findOpen('release/orders/dev', 'main')).resolves.toBeUndefined();
    expect(api.seen).toHaveLength(2);
    expect(api.seen[0]).toBe(
      'GET /repos/acme/platform/pulls?state=open&head=acme%3Arelease%2Forders%2Fdev&base=main&per_page=10',
    );
  });

  it('does not retry a 405 or 409 merge answer: they are answers about the PR', async () => {
    const api = await scriptedApi([405, 409]);
    const pulls = new PullRequests(createOctokit('t0ken', quiet), repo);
    await expect(pulls.merge(1, 'a'.repeat(40), 'squash', 'T', 'M')).resolves.toEqual({
      status: 'not-mergeable',
      message: expect.stringContaining('scripted 405'),
    });
    await expect(pulls.merge(1, 'a'.repeat(40), 'squash', 'T', 'M')).resolves.toEqual({
      status: 'head-modified',
      message: expect.stringContaining('scripted 409'),
    });
    expect(api.seen).toEqual([
      'PUT /repos/acme/platform/pulls/1/merge',
      'PUT /repos/acme/platform/pulls/1/merge',
    ]);
  });

  it('gives up on a client error without retrying', async () => {
    const api = await scriptedApi([422]);
    const pulls = new PullRequests(createOctokit('t0ken', quiet), repo);
    await expect(pulls.create('release/orders/dev', 'main', 'T', 'B')).rejects.toMatchObject({ status: 422 });
    expect(api.seen).toHaveLength(1);
  });
});
