// The promotion-status action's bundle (built from the source by test/global-setup.ts), run as a
// runner runs it against the GitHub stand-in: deployments recorded as overlay-deploy records them,
// the status read back in one GraphQL request, every request checked against GitHub's description.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getOctokit } from '@actions/github';
import { afterEach, describe, expect, it } from 'vitest';
import { Deployments } from '../adapters/github.js';
import { deploymentPayload } from '../core/deployment-record.js';
import { createGitFixture, type GitFixture } from '../sandbox/github/fixture.js';
import { startGitHubStandIn, type GitHubStandIn } from '../sandbox/github/index.js';
import { runAction, suiteActionsDir, type ActionRun } from '../sandbox/run-action.js';

const REPO = { owner: 'acme', repo: 'platform' };
const TOKENS = {
  'app-token': { login: 'promoter[bot]', type: 'Bot' as const },
  'reader-token': { login: 'status-reader', type: 'User' as const },
};
/** What the sample overlays of this checkout name, by environment and service. */
const SAMPLE: Record<string, Record<string, string>> = {
  dev: { orders: '1.5.0', payments: '2.3.1', catalog: '0.9.4' },
  uat: { orders: '1.4.2', payments: '2.3.1', catalog: '0.9.3' },
  prod: { orders: '1.4.2', payments: '2.2.0', catalog: '0.9.1' },
};

let fixture: GitFixture | undefined;
let gh: GitHubStandIn | undefined;

afterEach(async () => {
  await gh?.close();
  await fixture?.cleanup();
  gh = undefined;
  fixture = undefined;
});

/** The sample config and overlays on main, with a successful deployment of each but `except`. */
async function sampleRepository(except?: { environment: string; service: string; deployed: string }) {
  const files: Record<string, string> = {};
  for (const path of [
    '.github/promotion.yaml',
    ...Object.keys(SAMPLE).map((e) => `overlays/${e}/kustomization.yaml`),
  ])
    files[path] = await readFile(path, 'utf8');
  fixture = await createGitFixture(files);
  gh = await startGitHubStandIn({ bareRepo: fixture.bare, ...REPO, tokens: TOKENS });
  const deployments = new Deployments(getOctokit('app-token', { baseUrl: gh.url }), REPO);
  for (const [environment, services] of Object.entries(SAMPLE)) {
    for (const [service, named] of Object.entries(services)) {
      const tag = except?.environment === environment && except.service === service ? except.deployed : named;
      const id = await deployments.create({
        ref: 'main',
        environment,
        description: `${service} ${tag}`,
        payload: deploymentPayload(service, { tag }, `ghcr.io/acme/${service}:${tag}`),
        production: environment === 'prod',
      });
      await deployments.setStatus(id, 'success', `${service} ${tag} is live`);
    }
  }
}

async function status(inputs: Record<string, string> = {}): Promise<ActionRun & { requests: number }> {
  const before = gh!.requests.length;
  const result = await runAction({
    action: join(suiteActionsDir(), 'promotion-status'),
    inputs,
    workspace: fixture!.work,
    repository: 'acme/platform',
    token: 'reader-token',
    apiUrl: gh!.url,
    eventName: 'schedule',
    // A scheduled run's event holds the cron line and nothing about the repository.
    event: { schedule: '17 6 * * 1-5' },
  });
  return { ...result, requests: gh!.requests.length - before };
}

describe('the promotion-status action', () => {
  it('writes the table to the job summary and passes when every overlay was deployed', async () => {
    await sampleRepository();
    const result = await status();
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.annotations).toEqual([]);
    expect(result.outputs).toEqual({ drift: '0', waiting: '0', problems: '[]' });
    expect(result.summary).toContain('### Promotion status of `acme/platform`');
    expect(result.summary).toContain('| `orders` | 1.5.0 ✓ | 1.4.2 ↓ ✓ | 1.4.2 ✓ |');
    expect(result.summary).toContain(
      `<sub>Read from acme/platform at ${gh!.url}: 1 request (0 open promotion PRs, 9 deployments read); PRs older than 72h are flagged.</sub>`,
    );
    expect(result.requests).toBe(1);
    expect(gh!.violations).toEqual([]);
  });

  it('annotates a drift on its overlay and fails the step', async () => {
    // catalog 0.9.4 was merged into dev but never deployed: 0.9.3 is what the last deploy delivered.
    await sampleRepository({ environment: 'dev', service: 'catalog', deployed: '0.9.3' });
    const result = await status({ 'max-age-hours': '0.5' });
    expect(result.exitCode).toBe(1);
    const message =
      'drift: catalog in dev: the overlay names 0.9.4, but the last successful deployment recorded 0.9.3 (merged but not deployed, or edited by hand)';
    expect(result.annotations).toEqual([
      {
        level: 'error',
        message,
        properties: { title: 'Drift: catalog in dev', file: 'overlays/dev/kustomization.yaml' },
      },
    ]);
    expect(result.outputs).toEqual({ drift: '1', waiting: '0', problems: JSON.stringify([message]) });
    expect(result.summary).toContain('| `catalog` | 0.9.4 ⚠ drift |');
    expect(result.summary).toContain(`**1 problem(s):**\n\n- ${message}`);
    expect(result.summary).toContain('PRs older than 0.5h are flagged.');
    expect(gh!.violations).toEqual([]);
  });

  it.each(['3d', '0', '-1', '1e3', 'soon'])(
    'refuses max-age-hours %j by name before any request',
    async (value) => {
      fixture ??= await createGitFixture({ 'README.md': 'no config needed to refuse\n' });
      gh ??= await startGitHubStandIn({ bareRepo: fixture.bare, ...REPO, tokens: TOKENS });
      const result = await status({ 'max-age-hours': value });
      expect(result.exitCode).toBe(1);
      expect(result.annotations.map((a) => a.message)).toEqual([
        `Input 'max-age-hours': '${value}' is not a positive number of hours: use e.g. 72, or 0.5 for half an hour`,
      ]);
      expect(result.requests).toBe(0);
      expect(result.summary).toBe('');
      expect(result.stdout).not.toMatch(/\n\s+at /);
    },
  );

  it('refuses a repository that is not owner/repo by name', async () => {
    fixture = await createGitFixture({ 'README.md': 'no config needed to refuse\n' });
    gh = await startGitHubStandIn({ bareRepo: fixture.bare, ...REPO, tokens: TOKENS });
    const result = await status({ repository: 'acme' });
    expect(result.exitCode).toBe(1);
    expect(result.annotations[0]?.message).toMatch(/^Input 'repository': /);
    expect(result.requests).toBe(0);
  });
});
