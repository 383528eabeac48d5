// POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches, held to GitHub's description:
// GitHub's checks, the recorded dispatch, and the workflow_dispatch event it starts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitFixture, type GitFixture } from './fixture.js';
import { workflowIdFor } from './objects.js';
import { startGitHubStandIn, type GitHubStandIn } from './server.js';
import type { EventMeta } from './types.js';

const WORKFLOW = `name: deploy
on:
  workflow_dispatch:
    inputs:
      overlay: { type: string, required: true }
      dry-run: { type: boolean, default: false }
      level: { type: choice, options: [low, high], default: low }
  workflow_call: {}
jobs:
  noop: { runs-on: ubuntu-latest, steps: [ { run: 'true' } ] }
`;

let fixture: GitFixture;
let gh: GitHubStandIn;
let delivered: { name: string; payload: Record<string, unknown>; meta: EventMeta }[];

beforeEach(async () => {
  fixture = await createGitFixture({
    '.github/workflows/deploy.yaml': WORKFLOW,
    '.github/workflows/ci.yml': 'on: [push]\njobs: {}\n',
  });
  gh = await startGitHubStandIn({
    bareRepo: fixture.bare,
    owner: 'acme',
    repo: 'platform',
    tokens: {
      'actions-token': { login: 'github-actions[bot]', type: 'Bot', isGithubToken: true },
      'user-token': { login: 'mona', type: 'User' },
    },
  });
  delivered = [];
  gh.hooks.onEvent = (name, payload, meta) => void delivered.push({ name, payload, meta });
});

afterEach(async () => {
  await gh.close();
  await fixture.cleanup();
});

async function dispatch(workflow: string, body: unknown, token = 'actions-token') {
  const response = await fetch(`${gh.url}/repos/acme/platform/actions/workflows/${workflow}/dispatches`, {
    method: 'POST',
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('workflow dispatches', () => {
  it('accepts a dispatch made with GITHUB_TOKEN and emits a workflow_dispatch event that starts workflows', async () => {
    const answer = await dispatch('deploy.yaml', { ref: 'main', inputs: { overlay: 'dev' } });
    expect(answer.status).toBe(204);
    const sha = await fixture.bareGit('rev-parse', 'main');
    expect(gh.dispatches).toEqual([
      expect.objectContaining({
        workflowId: 'deploy.yaml',
        path: '.github/workflows/deploy.yaml',
        ref: 'refs/heads/main',
        sha,
        inputs: { overlay: 'dev', 'dry-run': 'false', level: 'low' },
        actor: expect.objectContaining({ login: 'github-actions[bot]' }),
      }),
    ]);
    expect(delivered).toHaveLength(1);
    const [event] = delivered;
    expect(event!.name).toBe('workflow_dispatch');
    // The documented exception: events made with GITHUB_TOKEN start no workflow, dispatches do.
    expect(event!.meta).toMatchObject({ triggersWorkflows: true, workflowRunId: gh.dispatches[0]!.runId });
    expect(event!.payload).toMatchObject({
      ref: 'refs/heads/main',
      workflow: '.github/workflows/deploy.yaml',
      inputs: { overlay: 'dev', 'dry-run': 'false', level: 'low' },
      repository: { full_name: 'acme/platform', default_branch: 'main' },
      sender: { login: 'github-actions[bot]', type: 'Bot' },
    });
    expect(event!.payload).not.toHaveProperty('installation');
    expect(gh.violations).toEqual([]);
  });

  it('answers with the run when return_run_details is true, and takes the numeric workflow id', async () => {
    const id = workflowIdFor('.github/workflows/deploy.yaml');
    const answer = await dispatch(
      String(id),
      {
        ref: 'refs/heads/main',
        inputs: { overlay: 'uat', level: 'high' },
        return_run_details: true,
      },
      'user-token',
    );
    expect(answer.status).toBe(200);
    const runId = gh.dispatches[0]!.runId;
    expect(answer.body).toEqual({
      workflow_run_id: runId,
      run_url: `${gh.url}/repos/acme/platform/actions/runs/${runId}`,
      html_url: `${gh.htmlUrl}/acme/platform/actions/runs/${runId}`,
    });
    expect(gh.violations).toEqual([]);
  });

  it('refuses what GitHub refuses', async () => {
    expect(await dispatch('missing.yaml', { ref: 'main' })).toMatchObject({ status: 404 });
    expect(await dispatch('deploy.yaml', { ref: 'nope', inputs: { overlay: 'dev' } })).toMatchObject({
      status: 422,
      body: { message: 'No ref found for: nope' },
    });
    expect(await dispatch('ci.yml', { ref: 'main' })).toMatchObject({
      status: 422,
      body: { message: "Workflow does not have 'workflow_dispatch' trigger" },
    });
    expect(
      await dispatch('deploy.yaml', { ref: 'main', inputs: { overlay: 'dev', colour: 'red' } }),
    ).toMatchObject({
      status: 422,
      body: { message: 'Unexpected inputs provided: ["colour"]' },
    });
    expect(await dispatch('deploy.yaml', { ref: 'main', inputs: {} })).toMatchObject({
      status: 422,
      body: { message: "Required input 'overlay' not provided" },
    });
    expect(
      await dispatch('deploy.yaml', { ref: 'main', inputs: { overlay: 'dev', level: 'max' } }),
    ).toMatchObject({
      status: 422,
      body: { message: "Provided value 'max' for input 'level' not in the list of allowed values" },
    });
    // A body without ref is invalid against the description.
    expect((await dispatch('deploy.yaml', { inputs: { overlay: 'dev' } })).status).toBe(422);
    expect(gh.dispatches).toEqual([]);
    expect(delivered).toEqual([]);
  });

  it('plays a person pressing "Run workflow"', async () => {
    await gh.dispatchWorkflow('deploy.yaml', { inputs: { overlay: 'prod' }, login: 'mona' });
    expect(delivered[0]).toMatchObject({
      name: 'workflow_dispatch',
      meta: { actor: { login: 'mona', type: 'User' }, triggersWorkflows: true },
      payload: { inputs: { overlay: 'prod' } },
    });
    await expect(gh.dispatchWorkflow('ci.yml')).rejects.toThrow(/workflow_dispatch/);
  });

  it('knows tokens registered after start', async () => {
    expect(gh.identify('late-token')).toBeUndefined();
    gh.registerToken('late-token', { login: 'promotion-app[bot]', type: 'Bot' });
    expect(gh.identify('late-token')).toEqual({ login: 'promotion-app[bot]', type: 'Bot' });
    expect(
      (await dispatch('deploy.yaml', { ref: 'main', inputs: { overlay: 'dev' } }, 'late-token')).status,
    ).toBe(204);
    expect(delivered[0]!.payload).toHaveProperty('installation');
  });
});
