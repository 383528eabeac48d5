// A run of one repository reaching another, as on GitHub: the run's GITHUB_TOKEN reaches only its
// own repository, an App installation token the repositories create-github-app-token minted it for
// (`owner` + `repositories`), and actions/checkout's `repository:` + `token:` clones another
// repository only with a token that reaches it.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { createRepositoryHost, type RepositoryHost } from '../hosted-repositories.js';
import type { SandboxRepository } from '../workspace.js';
import { SANDBOX_APP } from './stand-ins.js';
import type { JobResult, WorkflowRunResult } from './types.js';
import { runWorkflow } from './workflow-run.js';
import { seedFolder } from '../layout.js';

const seedFiles = (files: Record<string, string>) => seedFolder(Object.entries(files));

const APP_TOKEN = 'actions/create-github-app-token@1b10c78c7865c340bc4f6099eb2f838309f1e8c3';

const WORKFLOW = `name: reach
on:
  workflow_dispatch:
permissions:
  contents: read
jobs:
  github-token:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
        with:
          repository: acme/gitops
  app-for-gitops:
    runs-on: ubuntu-latest
    steps:
      - id: app
        uses: ${APP_TOKEN}
        with:
          client-id: \${{ secrets.PROMOTION_APP_CLIENT_ID }}
          private-key: \${{ secrets.PROMOTION_APP_PRIVATE_KEY }}
          owner: acme
          repositories: gitops
          permission-contents: read
      - uses: actions/checkout@v5
        with:
          repository: acme/gitops
          token: \${{ steps.app.outputs.token }}
          path: gitops
      - run: test "$(cat gitops/base/README.md)" = "the GitOps repository"
      - uses: actions/checkout@v5
        with:
          repository: acme/orders
          token: \${{ steps.app.outputs.token }}
          path: orders
  app-for-current:
    runs-on: ubuntu-latest
    steps:
      - id: app
        uses: ${APP_TOKEN}
        with:
          client-id: \${{ secrets.PROMOTION_APP_CLIENT_ID }}
          private-key: \${{ secrets.PROMOTION_APP_PRIVATE_KEY }}
      - uses: actions/checkout@v5
        with:
          token: \${{ steps.app.outputs.token }}
      - uses: actions/checkout@v5
        with:
          repository: acme/gitops
          token: \${{ steps.app.outputs.token }}
          path: gitops
  app-not-installed:
    runs-on: ubuntu-latest
    steps:
      - uses: ${APP_TOKEN}
        with:
          client-id: \${{ secrets.PROMOTION_APP_CLIENT_ID }}
          private-key: \${{ secrets.PROMOTION_APP_PRIVATE_KEY }}
          repositories: payments
`;

let host: RepositoryHost;
let github: GitHubStandIn;
let orders: SandboxRepository;
let result: WorkflowRunResult;

const job = (id: string): JobResult => result.jobs.find((j) => j.id === id)!;

beforeAll(async () => {
  host = createRepositoryHost();
  const gitopsSeed = await seedFiles({ 'base/README.md': 'the GitOps repository' });
  const gitops = await host.create({ owner: 'acme', repo: 'gitops', source: gitopsSeed, paths: ['base'] });
  const ordersSeed = await seedFiles({
    '.github/workflows/reach.yaml': WORKFLOW,
    Dockerfile: 'FROM scratch\n',
  });
  orders = await host.create({
    owner: 'acme',
    repo: 'orders',
    source: ordersSeed,
    paths: ['.github', 'Dockerfile'],
  });
  await rm(gitopsSeed, { recursive: true, force: true });
  await rm(ordersSeed, { recursive: true, force: true });
  github = await startGitHubStandIn({
    bareRepo: orders.origin,
    owner: 'acme',
    repo: 'orders',
    tokens: {},
    repositories: [{ bareRepo: gitops.origin, owner: 'acme', repo: 'gitops' }],
  });
  const workspace = await orders.checkout('caller');
  result = await runWorkflow({
    file: join(workspace, '.github/workflows/reach.yaml'),
    event: {
      name: 'workflow_dispatch',
      payload: {
        ref: 'refs/heads/main',
        repository: { default_branch: 'main', full_name: 'acme/orders' },
        sender: { login: 'mona', id: 1 },
        workflow: '.github/workflows/reach.yaml',
      },
    },
    repository: orders,
    repositories: host,
    github,
    tokenMode: 'app',
    app: {
      ...SANDBOX_APP,
      installedOn: ['acme/orders', 'acme/gitops'],
    },
  });
}, 120_000);

afterAll(async () => {
  await github?.close();
  await host?.dispose();
});

describe('a run reaching another repository', () => {
  it('is refused another repository with its GITHUB_TOKEN, as git answers for a hidden repository', () => {
    expect(result.problems).toEqual([]);
    expect(job('github-token').status).toBe('failure');
    expect(job('github-token').steps[0]!.error).toBe(
      `remote: Repository not found.\nfatal: repository '${github.htmlUrl}/acme/gitops/' not found`,
    );
  });

  it('checks out the GitOps repository with an App token minted for it, and only for it', () => {
    const steps = job('app-for-gitops').steps;
    expect(steps.map((s) => s.status)).toEqual(['success', 'success', 'success', 'failure']);
    expect(steps[1]!.outputs['ref']).toBe('refs/heads/main');
    expect(steps[0]!.standIn?.reason).toContain('for acme/gitops');
    // The token was minted for acme/gitops: not even the run's own repository is in it.
    expect(steps[3]!.error).toContain('Repository not found');
  });

  it('mints a token for the current repository only when neither owner nor repositories is given', () => {
    const steps = job('app-for-current').steps;
    expect(steps.map((s) => s.status)).toEqual(['success', 'success', 'failure']);
    expect(steps[0]!.standIn?.reason).toContain('for acme/orders');
  });

  it('fails to mint a token for a repository the App is not installed on', () => {
    expect(job('app-not-installed').steps[0]!.error).toMatch(
      /^There is at least one repository that does not exist or is not accessible to the parent installation \(acme\/payments\)/,
    );
  });
});
