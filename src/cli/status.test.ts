// `npm run status` against the GitHub stand-in: promotion PRs opened and reviewed and deployments
// recorded through the REST API as overlay-update and overlay-deploy do, then read back by the
// status command (GraphQL), every request checked against GitHub's description (gh.violations).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getOctokit } from '@actions/github';
import { Deployments, type Octokit } from '../adapters/github.js';
import { deploymentPayload } from '../core/deployment-record.js';
import { createGitFixture, type GitFixture } from '../sandbox/github/fixture.js';
import { startGitHubStandIn, type GitHubStandIn } from '../sandbox/github/index.js';
import { status } from './status.js';

const REPO = { owner: 'acme', repo: 'platform' };
const TOKENS = {
  'app-token': { login: 'promoter[bot]', type: 'Bot' as const },
  'reviewer-token': { login: 'reviewer', type: 'User' as const },
  'reader-token': { login: 'status-reader', type: 'User' as const },
};
const HOUR = 3_600_000;

let fixture: GitFixture | undefined;
let gh: GitHubStandIn | undefined;

afterEach(async () => {
  await gh?.close();
  await fixture?.cleanup();
  gh = undefined;
  fixture = undefined;
});

/** A repository on the stand-in whose main holds `files`; uat and prod overlays need approval. */
async function repository(
  files: Record<string, string>,
): Promise<{ fixture: GitFixture; gh: GitHubStandIn }> {
  fixture = await createGitFixture(files);
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    ...REPO,
    tokens: TOKENS,
    requireApproval: (changed) => changed.some((f) => !f.startsWith('overlays/dev/')),
  });
  return { fixture, gh };
}

/** For seeding: the suite's client waits 1 s between writes (GitHub's advice), too slow for hundreds. */
function octokit(token: string): Octokit {
  return getOctokit(token, { baseUrl: gh!.url });
}

/** Records a deployment the way overlay-deploy does: create, then the outcome. */
async function deploy(
  environment: string,
  service: string,
  tag: string,
  outcome: 'success' | 'failure' = 'success',
): Promise<void> {
  const deployments = new Deployments(octokit('app-token'), REPO);
  const id = await deployments.create({
    ref: 'main',
    environment,
    description: `${service} ${tag}`,
    payload: deploymentPayload(service, { tag }, `ghcr.io/acme/${service}:${tag}`),
    production: environment === 'prod',
  });
  await deployments.setStatus(
    id,
    outcome,
    `${service} ${tag} ${outcome === 'success' ? 'is live' : 'failed'}`,
  );
}

/** Pushes release/<service>/<env> branches (one commit each), then opens their PRs into main. */
async function openPromotions(
  promotions: { service: string; environment: string; file: string; text: string }[],
): Promise<number[]> {
  const f = fixture!;
  await f.git('fetch', '--quiet', 'origin');
  const branches: string[] = [];
  for (const p of promotions) {
    const branch = `release/${p.service}/${p.environment}`;
    await f.git('checkout', '--quiet', '-B', branch, 'origin/main');
    await writeFile(join(f.work, p.file), p.text);
    await f.git('commit', '--quiet', '-am', `Promote ${p.service} to ${p.environment}`);
    branches.push(branch);
  }
  await f.git('push', '--quiet', 'origin', ...branches.map((b) => `${b}:refs/heads/${b}`));
  await f.git('checkout', '--quiet', '-B', 'main', 'origin/main');
  const app = octokit('app-token');
  const numbers: number[] = [];
  for (const p of promotions) {
    const { data } = await app.rest.pulls.create({
      ...REPO,
      head: `release/${p.service}/${p.environment}`,
      base: 'main',
      title: `Promote ${p.service} to ${p.environment}`,
    });
    numbers.push(data.number);
  }
  return numbers;
}

async function run(
  argv: string[],
  now = Date.now(),
  token = 'reader-token',
): Promise<{ code: number; out: string; err: string; graphql: number }> {
  const before = gh!.requests.length;
  const out: string[] = [];
  const err: string[] = [];
  const code = await status({
    argv: ['--root', fixture!.work, '--repo', 'acme/platform', ...argv],
    env: { GITHUB_TOKEN: token, GITHUB_API_URL: gh!.url },
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    now: () => now,
  });
  const graphql = gh!.requests.slice(before).filter((r) => r.operationId === 'graphql').length;
  return { code, out: out.join('\n'), err: err.join('\n'), graphql };
}

describe('npm run status -- --repo, on the sample overlays', () => {
  async function sampleRepository(): Promise<void> {
    const files: Record<string, string> = {};
    for (const path of [
      '.github/promotion.yaml',
      'overlays/dev/kustomization.yaml',
      'overlays/uat/kustomization.yaml',
      'overlays/prod/kustomization.yaml',
    ])
      files[path] = await readFile(path, 'utf8');
    await repository(files);
    // dev: catalog's overlay says 0.9.4 but 0.9.3 was the last deploy (merged, never deployed).
    await deploy('dev', 'orders', '1.5.0');
    await deploy('dev', 'payments', '2.3.1');
    await deploy('dev', 'catalog', '0.9.3');
    // uat: payments 2.3.1 failed to deploy; 2.3.0 is what runs.
    await deploy('uat', 'orders', '1.4.2');
    await deploy('uat', 'payments', '2.3.0');
    await deploy('uat', 'payments', '2.3.1', 'failure');
    await deploy('uat', 'catalog', '0.9.3');
    // prod: catalog was never deployed.
    await deploy('prod', 'orders', '1.4.2');
    await deploy('prod', 'payments', '2.2.0');
    const uat = files['overlays/uat/kustomization.yaml']!;
    const prod = files['overlays/prod/kustomization.yaml']!;
    const [orders, catalog] = await openPromotions([
      {
        service: 'orders',
        environment: 'uat',
        file: 'overlays/uat/kustomization.yaml',
        text: uat.replace('newTag: 1.4.2', 'newTag: 1.5.0'),
      },
      {
        service: 'catalog',
        environment: 'uat',
        file: 'overlays/uat/kustomization.yaml',
        text: uat.replace('newTag: 0.9.3', 'newTag: 0.9.4'),
      },
      {
        service: 'payments',
        environment: 'prod',
        file: 'overlays/prod/kustomization.yaml',
        text: prod.replace('newTag: 2.2.0', 'newTag: 2.3.1'),
      },
    ]);
    const reviewer = octokit('reviewer-token');
    await reviewer.rest.pulls.createReview({ ...REPO, pull_number: orders!, event: 'APPROVE' });
    await reviewer.rest.pulls.createReview({
      ...REPO,
      pull_number: catalog!,
      event: 'REQUEST_CHANGES',
      body: 'catalog 0.9.4 is not signed off yet',
    });
  }

  it('adds PRs, deployments and drift to the table in one request, and --check fails on drift', async () => {
    await sampleRepository();
    const result = await run(['--check'], Date.now() + 5 * HOUR);
    expect(result.err).toBe('');
    expect(result.code).toBe(1);
    const lines = result.out.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      expect.stringMatching(/^service +dev +uat +prod$/),
      expect.stringMatching(/^-+ +-+ +-+ +-+$/),
      expect.stringMatching(/^orders +1\.5\.0 ✓ +1\.4\.2 ↓ ✓ · PR #1 approved, 5h +1\.4\.2 ✓$/),
      expect.stringMatching(
        /^payments +2\.3\.1 ✓ +2\.3\.1 ⚠ drift ✗ 2\.3\.1 failure +2\.2\.0 ↓ ✓ · PR #3 review required, 5h$/,
      ),
      expect.stringMatching(
        /^catalog +0\.9\.4 ⚠ drift +0\.9\.3 ↓ ✓ · PR #2 changes requested, 5h +0\.9\.1 ↓ ⚠ drift$/,
      ),
    ]);
    expect(lines.filter((l) => l.startsWith('problem: '))).toEqual([
      'problem: drift: payments in uat: the overlay names 2.3.1, but the last successful deployment recorded 2.3.0; the newest deployment (2.3.1) ended failure',
      'problem: drift: catalog in dev: the overlay names 0.9.4, but the last successful deployment recorded 0.9.3 (merged but not deployed, or edited by hand)',
      'problem: drift: catalog in prod: the overlay names 0.9.1, but no successful deployment of catalog to prod is recorded',
    ]);
    expect(lines.at(-1)).toBe(
      `GitHub: acme/platform at ${gh!.url}: 1 request (3 open promotion PRs, 9 deployments read)`,
    );
    expect(result.graphql).toBe(1);
    expect(gh!.violations).toEqual([]);
  });

  it('--json carries the same facts; --markdown links the PRs; PRs past --max-age are problems too', async () => {
    await sampleRepository();
    const later = Date.now() + 100 * HOUR;
    const json = await run(['--json', '--max-age', '200'], later);
    expect(json.code).toBe(0);
    const data = JSON.parse(json.out) as {
      services: {
        service: string;
        cells: {
          environment: string;
          pull?: { number: number; review: string; stale: boolean };
          deployment?: { state: string };
        }[];
      }[];
      problems: string[];
      requests: number;
      maxAgeHours: number;
    };
    const orders = data.services.find((s) => s.service === 'orders')!;
    expect(orders.cells[1]).toMatchObject({
      environment: 'uat',
      version: '1.4.2',
      relation: 'behind',
      pull: { number: 1, review: 'approved', stale: false },
      deployment: { state: 'in-sync', deployed: { version: { tag: '1.4.2' } } },
    });
    expect(data.problems).toHaveLength(3);
    expect(data).toMatchObject({ requests: 1, maxAgeHours: 200 });

    const stale = await run(['--check', '--markdown'], later);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain(
      `| \`orders\` | 1.5.0 ✓ | 1.4.2 ↓ ✓ · PR [#1](${gh!.url}/acme/platform/pull/1) approved, 4d ⏰ | 1.4.2 ✓ |`,
    );
    expect(stale.out).toContain('**6 problem(s):**');
    expect(stale.out).toContain(
      `- waiting: catalog in uat: promotion PR #2 has been open 4d (changes requested) ${gh!.url}/acme/platform/pull/2`,
    );
    expect(gh!.violations).toEqual([]);
  });

  it('says when the token is missing or the repository cannot be read, and exits 2', async () => {
    await sampleRepository();
    const out: string[] = [];
    const err: string[] = [];
    const code = await status({
      argv: ['--root', fixture!.work, '--repo', 'acme/platform'],
      env: {},
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
    });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--repo needs a token: set GITHUB_TOKEN (or GH_TOKEN)');
    expect(out).toEqual([]);

    const before = gh!.requests.length;
    const elsewhere = await status({
      argv: ['--root', fixture!.work, '--repo', 'acme/other'],
      env: { GITHUB_TOKEN: 'reader-token', GITHUB_API_URL: gh!.url },
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
    });
    expect(elsewhere).toBe(2);
    expect(err.join('\n')).toContain("Could not resolve to a Repository with the name 'acme/other'.");
    expect(gh!.requests.slice(before).map((r) => r.method)).toEqual(['POST']);
  });
});

/** A config and overlays for `count` services, every environment at 1.0.0. */
function manyServices(count: number): { files: Record<string, string>; services: string[] } {
  const services = Array.from({ length: count }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
  const config = [
    'version: 1',
    'environments:',
    '  - name: dev',
    '    merge-without-review: true',
    '  - name: uat',
    '  - name: prod',
    'services:',
    ...services.flatMap((s) => [`  - name: ${s}`, `    image: ghcr.io/acme/${s}`]),
    '',
  ].join('\n');
  const files: Record<string, string> = { '.github/promotion.yaml': config };
  for (const env of ['dev', 'uat', 'prod'])
    files[`overlays/${env}/kustomization.yaml`] = overlayText(services, () => '1.0.0');
  return { files, services };
}

function overlayText(services: string[], tag: (service: string) => string): string {
  return [
    'resources: []',
    'images:',
    ...services.flatMap((s) => [`  - name: ghcr.io/acme/${s}`, `    newTag: ${tag(s)}`]),
    '',
  ].join('\n');
}

describe('npm run status -- --repo --check, as the repository grows', () => {
  async function measure(
    count: number,
  ): Promise<{ requests: number; pulls: number; code: number; staleCode: number; stale: number }> {
    const { files, services } = manyServices(count);
    await repository(files);
    for (const env of ['dev', 'uat', 'prod'])
      for (const s of services) await deploy(env, s, '1.0.0', 'success');
    await openPromotions(
      services.map((s) => ({
        service: s,
        environment: 'uat',
        file: 'overlays/uat/kustomization.yaml',
        text: overlayText(services, (x) => (x === s ? '1.1.0' : '1.0.0')),
      })),
    );
    const fresh = await run(['--check', '--json']);
    expect(fresh.err).toBe('');
    const data = JSON.parse(fresh.out) as {
      requests: number;
      problems: string[];
      services: { cells: { pull?: unknown }[] }[];
    };
    const late = await run(['--check'], Date.now() + 73 * HOUR);
    expect(gh!.violations).toEqual([]);
    expect(data.problems).toEqual([]);
    expect(data.requests).toBe(fresh.graphql);
    const result = {
      requests: fresh.graphql,
      pulls: data.services.filter((s) => s.cells[1]!.pull).length,
      code: fresh.code,
      staleCode: late.code,
      stale: late.out.split('\n').filter((l) => l.startsWith('problem: waiting: ')).length,
    };
    await gh!.close();
    await fixture!.cleanup();
    gh = undefined;
    fixture = undefined;
    return result;
  }

  it('makes as many requests for 50 services as for 5, and --check exits 0, then 1 once PRs wait past 72h', async () => {
    const five = await measure(5);
    const fifty = await measure(50);
    expect(five).toEqual({ requests: 1, pulls: 5, code: 0, staleCode: 1, stale: 5 });
    expect(fifty).toEqual({ requests: 1, pulls: 50, code: 0, staleCode: 1, stale: 50 });
  }, 240_000);

  it('pages back through an environment only until each service’s last success is found', async () => {
    const { files, services } = manyServices(2);
    await repository(files);
    for (const env of ['dev', 'uat', 'prod'])
      for (const s of services) await deploy(env, s, '1.0.0', 'success');
    // 120 newer deployments of svc-02 to dev push svc-01's only one past the first page.
    for (let i = 0; i < 120; i++) await deploy('dev', 'svc-02', '1.0.0', 'success');
    const result = await run(['--check', '--json']);
    const data = JSON.parse(result.out) as { problems: string[]; requests: number };
    expect(data.problems).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.graphql).toBe(2);
    expect(data.requests).toBe(2);
    expect(gh!.violations).toEqual([]);
  }, 240_000);
});
