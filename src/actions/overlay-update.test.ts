// The overlay-update bundle built from the source (test/global-setup.ts), run as a runner runs it,
// in a real clone whose origin is a real bare repository, against the GitHub stand-in that holds
// every request to GitHub's OpenAPI description.
import { chmod, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findOnPath } from '../adapters/path.js';
import {
  isChange,
  startGitHubStandIn,
  type GitHubStandIn,
  type StandInOptions,
} from '../sandbox/github/index.js';
import { git } from '../sandbox/process.js';
import { runAction, suiteActionsDir, type ActionRun } from '../sandbox/run-action.js';
import { createSandboxRepository, type SandboxRepository } from '../sandbox/workspace.js';
import { recordDeploy } from '../sandbox/record-deploy.js';
import { diffBlock } from '../../test/support/rendered.js';

const TOKEN = 'ghs_promotionAppToken0123456789';
const DIGEST = `sha256:${'7e'.repeat(32)}`;

let repo: SandboxRepository;
let github: GitHubStandIn;

async function start(options: Partial<StandInOptions> = {}): Promise<void> {
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: { [TOKEN]: { login: 'promotion-app[bot]', type: 'Bot' } },
    requireApproval: (files) => files.some((file) => /^overlays\/(uat|prod)\//.test(file)),
    ...options,
  });
}

beforeEach(async () => {
  repo = await createSandboxRepository();
});

afterEach(async () => {
  expect(github.violations, 'every request and response must satisfy the OpenAPI description').toEqual([]);
  await github.close();
  await repo.dispose();
});

async function overlayUpdate(inputs: Record<string, string>): Promise<ActionRun> {
  const workspace = await repo.checkout();
  return runAction({
    action: join(suiteActionsDir(), 'overlay-update'),
    inputs,
    workspace,
    repository: `${repo.owner}/${repo.repo}`,
    token: TOKEN,
    apiUrl: github.url,
    event: { repository: { default_branch: 'main' } },
    // As the chain runs it (called by the overlay-deploy that overlay-update dispatched): promoters
    // are checked only for a promotion by hand, which overlay-update-access.test.ts covers.
    env: {
      GITHUB_ACTOR: 'github-actions[bot]',
      GITHUB_WORKFLOW_REF: `${repo.owner}/${repo.repo}/.github/workflows/overlay-deploy.yaml@refs/heads/main`,
    },
  });
}

async function mainFile(path: string): Promise<string> {
  return git(repo.origin, 'show', `main:${path}`);
}

interface ImageEntry {
  name: string;
  newTag?: string;
  digest?: string;
}

async function imageOf(env: string, service: string): Promise<ImageEntry | Record<string, never>> {
  const kustomization = parse(await mainFile(`overlays/${env}/kustomization.yaml`)) as {
    images: ImageEntry[];
  };
  return kustomization.images.find((image) => image.name === `ghcr.io/acme/${service}`) ?? {};
}

async function releaseBranches(): Promise<string[]> {
  const refs = await git(repo.origin, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/release/');
  return refs.split('\n').filter(Boolean);
}

/** A successful (or failed) deploy of a service in an environment, recorded as overlay-deploy records it. */
async function deployed(
  environment: string,
  tag: string,
  options: { digest?: string; service?: string; state?: 'success' | 'failure' } = {},
): Promise<void> {
  await recordDeploy({
    apiUrl: github.url,
    token: TOKEN,
    repository: repo,
    environment,
    service: options.service ?? 'orders',
    version: { tag, ...(options.digest ? { digest: options.digest } : {}) },
    ...(options.state ? { state: options.state } : {}),
  });
}

/** Requests that change something: not a GET, and not a GraphQL query (sent as a POST too). */
function writes(): string[] {
  return github.requests.filter(isChange).map((r) => `${r.method} ${r.path}`);
}

describe('overlay-update: the first environment', () => {
  beforeEach(() => start());

  it('sets the version and digest in dev with a one-commit branch, opens the PR and merges it', async () => {
    const before = await git(repo.origin, 'rev-parse', 'main');
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0', digest: DIGEST });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      branch: 'release/orders/dev',
      version: '1.6.0',
      digest: DIGEST,
      changed: 'true',
      merged: 'true',
      'pull-request-number': '1',
    });
    expect(run.outputs['pull-request-url']).toMatch(/\/acme\/platform\/pull\/1$/);

    // The promotion is a one- or two-line diff of the one overlay file.
    const diff = await git(repo.origin, 'diff', '--unified=0', before, 'main');
    expect(diff.split('\n').filter((line) => /^[-+][^-+]/.test(line))).toEqual([
      '-    newTag: 1.5.0',
      '+    newTag: 1.6.0',
      `+    digest: ${DIGEST}`,
    ]);
    expect(await git(repo.origin, 'diff', '--name-only', before, 'main')).toBe(
      'overlays/dev/kustomization.yaml',
    );

    // One commit on the branch, on top of the main it started from, with a message that says it all.
    const branchLog = await git(repo.origin, 'log', '--format=%s', `${before}..release/orders/dev`);
    expect(branchLog).toBe('Promote orders to 1.6.0 in dev (from 1.5.0)');
    expect(await git(repo.origin, 'log', '-1', '--format=%s%n%b', 'main')).toContain('Service: orders');

    const pull = github.pulls[0]!;
    expect(pull).toMatchObject({
      state: 'closed',
      merged: true,
      title: 'Promote orders to 1.6.0 in dev (from 1.5.0)',
    });
    expect(pull.body).toContain('| Version | `1.5.0` → `1.6.0` |');
    expect(writes()).toEqual(['POST /repos/acme/platform/pulls', 'PUT /repos/acme/platform/pulls/1/merge']);
    // A branch that did not exist cannot have an open PR: no lookup before creating it.
    expect(github.requests).toHaveLength(2);
    expect(run.summary).toContain('| State | merged |');
  });

  it('never prints the token outside the mask command', async () => {
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(run.exitCode).toBe(0);
    const leaks = `${run.stdout}\n${run.stderr}`
      .split('\n')
      .filter((line) => line.includes(TOKEN) && line !== `::add-mask::${TOKEN}`);
    expect(leaks).toEqual([]);
  });

  it('is a no-op when rerun: nothing pushed, no request, changed=false', async () => {
    expect(
      (await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' })).outputs.merged,
    ).toBe('true');
    const main = await git(repo.origin, 'rev-parse', 'main');
    const requests = github.requests.length;
    const rerun = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(rerun.exitCode).toBe(0);
    expect(rerun.outputs).toMatchObject({
      changed: 'false',
      merged: 'false',
      version: '1.6.0',
      'pull-request-number': '',
    });
    expect(await git(repo.origin, 'rev-parse', 'main')).toBe(main);
    expect(github.requests.length).toBe(requests);
    expect(github.pulls).toHaveLength(1);
  });

  it('skips, with a notice, a version of the chain that a newer one overtook: nothing changes', async () => {
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.4.0' });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.annotations).toEqual([
      expect.objectContaining({
        level: 'notice',
        message:
          'dev already runs orders 1.5.0 on main, newer than 1.4.0: 1.4.0 was overtaken on its way, nothing to promote (a rollback needs allow-downgrade)',
      }),
    ]);
    expect(run.outputs).toMatchObject({ changed: 'false', merged: 'false', 'pull-request-number': '' });
    expect(await releaseBranches()).toEqual([]);
    expect(github.requests).toEqual([]);
  });

  it('rolls back with allow-downgrade and says so in the PR', async () => {
    const run = await overlayUpdate({
      overlay: 'dev',
      service: 'orders',
      version: '1.4.0',
      'allow-downgrade': 'true',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.merged).toBe('true');
    expect(await imageOf('dev', 'orders')).toMatchObject({ newTag: '1.4.0' });
    expect(github.pulls[0]!.title).toBe('Roll back orders to 1.4.0 in dev (from 1.5.0)');
    expect(github.pulls[0]!.body).toContain('This is a **rollback**');
  });

  it.each([
    [
      'overlay',
      { overlay: 'staging', service: 'orders', version: '1.6.0' },
      "Input 'overlay': 'staging' is not an environment",
    ],
    [
      'service',
      { overlay: 'dev', service: '../x', version: '1.6.0' },
      "Input 'service': '../x' is not a valid name",
    ],
    [
      'service',
      { overlay: 'dev', service: 'a/b', version: '1.6.0' },
      "Input 'service': 'a/b' is not a valid name",
    ],
    [
      'service',
      { overlay: 'dev', service: 'billing', version: '1.6.0' },
      "Input 'service': 'billing' is not a service",
    ],
    [
      'version',
      { overlay: 'dev', service: 'orders', version: '1.2.3; rm -rf /' },
      "Input 'version': '1.2.3; rm -rf /' is not a SemVer version",
    ],
    [
      'version',
      { overlay: 'dev', service: 'orders', version: 'latest' },
      "Input 'version': 'latest' is not a SemVer version",
    ],
    [
      'version',
      { overlay: 'dev', service: 'orders', version: '1.2' },
      "Input 'version': '1.2' is not a SemVer version",
    ],
    ['version', { overlay: 'dev', service: 'orders', version: '' }, "Input 'version': required for 'dev'"],
    [
      'config',
      { overlay: 'dev', service: 'orders', version: '1.6.0', config: '.github/nope.yaml' },
      "Input 'config': '.github/nope.yaml' does not exist",
    ],
    [
      'digest',
      { overlay: 'dev', service: 'orders', version: '1.6.0', digest: 'sha256:xyz' },
      "Input 'digest': 'sha256:xyz' is not an OCI image digest",
    ],
  ])('refuses a bad %s (%j): exit 1, no branch, no PR', async (_input, inputs, message) => {
    const run = await overlayUpdate(inputs);
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toEqual([
      expect.stringContaining(message),
    ]);
    expect(await releaseBranches()).toEqual([]);
    expect(github.requests).toEqual([]);
  });

  it('says to check out first when the workspace is not a git checkout', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'not-a-checkout-'));
    await cp('.github', join(folder, '.github'), { recursive: true });
    const run = await runAction({
      action: join(suiteActionsDir(), 'overlay-update'),
      inputs: { overlay: 'dev', service: 'orders', version: '1.6.0' },
      workspace: folder,
      repository: `${repo.owner}/${repo.repo}`,
      token: TOKEN,
      apiUrl: github.url,
    });
    await rm(folder, { recursive: true, force: true });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toMatch(
      /is not a git checkout with an 'origin' remote: run actions\/checkout before this action/,
    );
    expect(github.requests).toEqual([]);
  });

  it('points a config error at its file and line', async () => {
    await repo.pushToMain(
      { '.github/promotion.yaml': 'environments:\n  - name: Dev\nservices: []\n' },
      'Break the config',
    );
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]).toMatchObject({
      level: 'error',
      properties: { file: '.github/promotion.yaml', line: '2', col: '11' },
    });
  });
});

describe('overlay-update: environments that take what the previous one deployed', () => {
  beforeEach(() => start());

  it('opens the uat PR with the version dev deployed, asks its reviewers, links the dev PR, and leaves it for review', async () => {
    await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0', digest: DIGEST });
    await deployed('dev', '1.6.0', { digest: DIGEST });
    const before = github.requests.length;
    const run = await overlayUpdate({ overlay: 'uat', service: 'orders' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      branch: 'release/orders/uat',
      version: '1.6.0',
      digest: DIGEST,
      changed: 'true',
      merged: 'false',
      'pull-request-number': '2',
    });
    const pull = github.pulls[1]!;
    expect(pull).toMatchObject({
      state: 'open',
      requestedTeams: ['uat-approvers'],
      labels: ['promotion', 'uat'],
    });
    expect(pull.body).toContain('| Comes from | `dev`, promoted in #1 |');
    expect(pull.body).toContain('needs a review');
    // The overlay on main is untouched until a reviewer merges.
    expect(await imageOf('uat', 'orders')).toEqual({ name: 'ghcr.io/acme/orders', newTag: '1.4.2' });
    expect(await git(repo.origin, 'show', 'release/orders/uat:overlays/uat/kustomization.yaml')).toContain(
      `digest: ${DIGEST}`,
    );
    // dev's deployments (one GraphQL query), then: the dev PR is found in main's history, the new
    // branch needs no lookup, and GitHub asks the uat team itself (CODEOWNERS names it for
    // overlays/uat/): create, labels.
    expect(github.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /graphql',
      'POST /repos/acme/platform/pulls',
      'POST /repos/acme/platform/issues/2/labels',
    ]);
    expect(run.summary).toContain('waiting for review');
  });

  it('asks for the reviewers the config names beyond CODEOWNERS, and for all of them without CODEOWNERS', async () => {
    const config = (await mainFile('.github/promotion.yaml')).replace(
      '      teams: [uat-approvers]\n    # labels',
      '      teams: [uat-approvers, sre]\n      users: [qa-lead]\n    # labels',
    );
    expect(config).toContain('[uat-approvers, sre]');
    await repo.pushToMain({ '.github/promotion.yaml': config }, 'uat also needs sre and qa-lead');
    await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    await deployed('dev', '1.6.0');
    await overlayUpdate({ overlay: 'uat', service: 'orders' });
    const asked = github.requests.filter((r) => r.path.endsWith('/requested_reviewers'));
    expect(asked.map((r) => r.body)).toEqual([{ reviewers: ['qa-lead'], team_reviewers: ['sre'] }]);
    expect(github.pulls[1]).toMatchObject({
      requestedReviewers: ['qa-lead'],
      requestedTeams: ['uat-approvers', 'sre'],
    });

    await repo.pushToMain({ '.github/CODEOWNERS': '/.github/ @acme/platform\n' }, 'No owners for overlays');
    await github.approve(2, 'uat-lead');
    await github.mergePull(2, { login: 'uat-lead' });
    await deployed('uat', '1.6.0');
    const prod = await overlayUpdate({ overlay: 'prod', service: 'orders' });
    expect(prod.exitCode).toBe(0);
    expect(github.requests.filter((r) => r.path.endsWith('/requested_reviewers')).at(-1)?.body).toEqual({
      reviewers: [],
      team_reviewers: ['prod-approvers'],
    });
  });

  it('refreshes the open PR instead of opening a second one, and a rerun writes nothing', async () => {
    await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    await deployed('dev', '1.6.0');
    await overlayUpdate({ overlay: 'uat', service: 'orders' });
    const afterFirst = writes().length;
    const rerun = await overlayUpdate({ overlay: 'uat', service: 'orders' });
    expect(rerun.outputs).toMatchObject({ changed: 'true', merged: 'false', 'pull-request-number': '2' });
    expect(writes().length).toBe(afterFirst);

    await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.7.0' });
    await deployed('dev', '1.7.0');
    const head = await git(repo.origin, 'rev-parse', 'release/orders/uat');
    const refreshed = await overlayUpdate({ overlay: 'uat', service: 'orders' });
    expect(refreshed.outputs).toMatchObject({ version: '1.7.0', 'pull-request-number': '2' });
    expect(github.pulls.filter((p) => p.head.ref === 'release/orders/uat')).toHaveLength(1);
    expect(github.pulls.find((p) => p.number === 2)!.title).toBe(
      'Promote orders to 1.7.0 in uat (from 1.4.2)',
    );
    expect(await git(repo.origin, 'rev-parse', 'release/orders/uat')).not.toBe(head);
    expect(writes().slice(-2)).toEqual([
      'PATCH /repos/acme/platform/pulls/2',
      'POST /repos/acme/platform/issues/2/comments',
    ]);
    // The refreshed body renders the new version and says which one it replaced, and why.
    const pr = github.pulls.find((p) => p.number === 2)!;
    expect(pr.body).toContain('+        image: ghcr.io/acme/orders:1.7.0\n');
    expect(pr.body).not.toContain('orders:1.6.0');
    expect(pr.body).toContain('- `1.6.0`: superseded by 1.7.0 before review\n');
    expect(pr.comments?.map((c) => c.body)).toEqual([
      'Refreshed: `orders` `1.7.0` replaces `1.6.0` in `uat`, because `dev` deployed `1.7.0` successfully.\n\nNobody had approved `1.6.0`.',
    ]);
  });

  it('refreshes an approved PR to a newer deployed version, listing each version it replaced', async () => {
    await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    await deployed('dev', '1.6.0');
    await overlayUpdate({ overlay: 'uat', service: 'orders' });
    await github.approve(2, 'uat-lead');
    for (const version of ['1.6.1', '1.7.0']) {
      await overlayUpdate({ overlay: 'dev', service: 'orders', version });
      await deployed('dev', version);
      const run = await overlayUpdate({ overlay: 'uat', service: 'orders', version });
      expect(run.outputs, version).toMatchObject({ version, changed: 'true', 'pull-request-number': '2' });
    }
    const pr = github.pulls.find((p) => p.number === 2)!;
    expect(pr.title).toBe('Promote orders to 1.7.0 in uat (from 1.4.2)');
    expect(pr.body).toContain(
      '- `1.6.0`: superseded by 1.6.1 after approval, which was dismissed\n' +
        '- `1.6.1`: superseded by 1.7.0 before review\n',
    );
    expect(pr.comments?.map((c) => c.body.split('\n\n')[1])).toEqual([
      'The approvals given for `1.6.0` (@uat-lead) were dismissed: review `1.6.1`.',
      'Nobody had approved `1.6.1`.',
    ]);
    // The approval given for 1.6.0 no longer counts: GitHub shows it dismissed.
    expect(pr.reviews.map((r) => [r.user.login, r.state])).toEqual([['uat-lead', 'DISMISSED']]);
    expect(github.pulls.filter((p) => p.head.ref === 'release/orders/uat')).toHaveLength(1);

    // 1.6.1 again (an older deploy finishing late) never writes over the open PR's 1.7.0.
    const before = writes().length;
    const late = await overlayUpdate({ overlay: 'uat', service: 'orders', version: '1.6.1' });
    expect(late.exitCode).toBe(0);
    expect(late.outputs).toMatchObject({ changed: 'false', 'pull-request-number': '2' });
    expect(late.annotations).toContainEqual(
      expect.objectContaining({
        level: 'notice',
        message:
          '#2 proposes orders 1.7.0, newer than 1.6.1: it stays as it is (a rollback needs allow-downgrade)',
      }),
    );
    expect(writes().length).toBe(before);
    expect(github.pulls.find((p) => p.number === 2)!.title).toContain('1.7.0');
  });

  it('refuses a uat version that dev merged but did not deploy, and a digest dev did not deploy', async () => {
    await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0', digest: DIGEST });
    await deployed('dev', '1.6.0', { digest: DIGEST });
    await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.1' });
    await deployed('dev', '1.6.1', { state: 'failure' });
    await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.2' });
    const before = writes().length;
    for (const version of ['1.6.1', '1.6.2']) {
      const run = await overlayUpdate({ overlay: 'uat', service: 'orders', version });
      expect(run.exitCode, version).toBe(1);
      expect(run.annotations[0]?.message).toBe(
        `Input 'version': orders ${version} has no successful deployment in 'dev' (its deploy failed, was cancelled or has not run): 'uat' takes only a version deployed in 'dev'; the newest deployed there is 1.6.0`,
      );
    }
    const other = `sha256:${'1b'.repeat(32)}`;
    const digest = await overlayUpdate({
      overlay: 'uat',
      service: 'orders',
      version: '1.6.0',
      digest: other,
    });
    expect(digest.annotations[0]?.message).toBe(
      `Input 'digest': 'dev' deployed orders 1.6.0 as ${DIGEST}, not as ${other}: only the deployed image moves on`,
    );
    expect(writes().length, 'nothing written').toBe(before);
    expect(await releaseBranches()).toEqual(['release/orders/dev']);

    // Without a version, uat takes the newest version dev deployed: 1.6.0, not main's 1.6.2.
    const run = await overlayUpdate({ overlay: 'uat', service: 'orders' });
    expect(run.outputs).toMatchObject({ version: '1.6.0', digest: DIGEST, changed: 'true' });
    expect(await imageOf('dev', 'orders')).toMatchObject({ newTag: '1.6.2' });
  });

  it('refuses a later environment when the one before never deployed the service', async () => {
    const run = await overlayUpdate({ overlay: 'uat', service: 'orders' });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toBe(
      "'orders' has no successful deployment in 'dev' to promote to 'uat': promote it to 'dev' and let its deploy succeed first",
    );
    expect(await releaseBranches()).toEqual([]);
  });
});

/** A post-receive hook in origin that commits to main once, right after the promotion branch arrives. */
async function moveMainWhenBranchArrives(file: string, edit: (text: string) => string): Promise<void> {
  const content = edit(await mainFile(file));
  const contentPath = join(repo.root, 'concurrent-content');
  await writeFile(contentPath, content);
  const hook = join(repo.origin, 'hooks', 'post-receive');
  await writeFile(
    hook,
    `#!/bin/sh
set -e
[ -f "${repo.root}/moved" ] && exit 0
grep -q 'refs/heads/release/' || exit 0
touch "${repo.root}/moved"
blob=$(git hash-object -w "${contentPath}")
export GIT_INDEX_FILE="${repo.root}/concurrent-index"
git read-tree refs/heads/main
git update-index --cacheinfo "100644,$blob,${file}"
tree=$(git write-tree)
commit=$(GIT_AUTHOR_NAME=Other GIT_AUTHOR_EMAIL=o@example.invalid GIT_COMMITTER_NAME=Other GIT_COMMITTER_EMAIL=o@example.invalid git commit-tree "$tree" -p refs/heads/main -m "Another change lands first")
git update-ref refs/heads/main "$commit"
`,
  );
  await chmod(hook, 0o755);
}

describe('overlay-update: main moves under the promotion', () => {
  beforeEach(() => start());

  it('merges cleanly when another service landed on main first, keeping both changes', async () => {
    await moveMainWhenBranchArrives('overlays/dev/kustomization.yaml', (text) =>
      text.replace('newTag: 2.3.1', 'newTag: 2.4.0'),
    );
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.merged).toBe('true');
    expect(await imageOf('dev', 'orders')).toMatchObject({ newTag: '1.6.0' });
    expect(await imageOf('dev', 'payments')).toMatchObject({ newTag: '2.4.0' });
  });

  it('rebuilds the branch on the new main when the merge is refused (405), never dropping the other change', async () => {
    await moveMainWhenBranchArrives('overlays/dev/kustomization.yaml', (text) =>
      text
        .replace('newTag: 1.5.0', 'newTag: 1.5.1')
        .replace('# orders: set by', '# orders (hotfix 1.5.1): set by'),
    );
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('rebuilding release/orders/dev');
    expect(run.outputs.merged).toBe('true');
    const overlay = await mainFile('overlays/dev/kustomization.yaml');
    expect(overlay).toContain('newTag: 1.6.0');
    expect(overlay).toContain('# orders (hotfix 1.5.1): set by');
    expect(github.pulls[0]!.title).toBe('Promote orders to 1.6.0 in dev (from 1.5.1)');
    expect(github.requests.filter((r) => r.operationId === 'pulls/merge').map((r) => r.status)).toEqual([
      405, 200,
    ]);
  });
});

describe('overlay-update: required checks pending', () => {
  it('enables auto-merge when GitHub cannot merge yet', async () => {
    await start({ requiredStatusChecks: ['ci'], allowAutoMerge: true });
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(run.stdout).not.toContain('::error');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ changed: 'true', merged: 'false' });
    expect(github.pulls[0]!.autoMerge).not.toBeNull();
    expect(run.summary).toContain('auto-merge enabled');
  });

  it('fails with what to change when neither merging nor auto-merge is possible', async () => {
    await start({ requiredStatusChecks: ['ci'], allowAutoMerge: false });
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /Could not merge #1 .*Allow auto-merge/s,
    );
  });
});

describe('overlay-update: the rendered manifests in the pull request', () => {
  beforeEach(() => start());

  it('puts the rendered diff of the sample overlay in the uat PR body, byte for byte', async () => {
    await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0', digest: DIGEST });
    await deployed('dev', '1.6.0', { digest: DIGEST });
    const run = await overlayUpdate({ overlay: 'uat', service: 'orders' });
    expect(run.exitCode).toBe(0);
    expect(run.annotations).toEqual([]);
    expect(github.pulls[1]!.body).toBe(UAT_BODY);
    // The job summary shows the same diff.
    expect(run.summary).toContain(UAT_BODY.slice(UAT_BODY.indexOf('### Rendered manifests')));
  });

  it('cuts a diff too long for a PR body, keeps its fences closed, and puts the whole diff in the job summary', async () => {
    const count = 400;
    const deployment = (i: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders-shard-${i}
spec:
  selector:
    matchLabels: {app: orders-shard-${i}}
  template:
    metadata:
      labels: {app: orders-shard-${i}}
    spec:
      containers:
        - name: orders
          image: ghcr.io/acme/orders
          env:
            - name: BANNER
              value: "\`\`\`\` not a fence \`\`\`\`"
`;
    const overlay = await mainFile('overlays/dev/kustomization.yaml');
    await repo.pushToMain(
      {
        'overlays/dev/shards.yaml': Array.from({ length: count }, (_, i) => deployment(i)).join('---\n'),
        'overlays/dev/kustomization.yaml': overlay.replace(
          '  - namespace.yaml\n',
          '  - namespace.yaml\n  - shards.yaml\n',
        ),
      },
      'Shard orders',
    );
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.merged).toBe('true');
    const body = github.pulls[0]!.body!;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.length).toBeGreaterThan(60_000);
    expect(body).toContain('| Version | `1.5.0` → `1.6.0` |');
    const shown = diffBlock(body);
    expect(shown.fence).toBe('`````');
    const note = body.trimEnd().split('\n').slice(-2);
    expect(note[0]).toBe('> [!NOTE]');
    expect(note[1]).toMatch(
      /^> The diff is cut after line [\d,]+: [\d,]+ of [\d,]+ lines are not shown \((the end of `Deployment\/shop-dev\/orders-shard-\d+` and )?\d+ more resources\)\. GitHub takes at most 65,536 characters in a pull request body: the whole diff is in the job summary of the overlay-update run\.$/,
    );

    const whole = diffBlock(run.summary);
    expect(Buffer.byteLength(run.summary)).toBeLessThanOrEqual(1024 * 1024);
    expect(whole.lines.slice(0, shown.lines.length)).toEqual(shown.lines);
    expect(
      whole.lines.filter((line) => line.startsWith('+        image: ghcr.io/acme/orders:1.6.0')),
    ).toHaveLength(count + 1);
    const [, omitted, total] = /: ([\d,]+) of ([\d,]+) lines are not shown/
      .exec(note[1]!)!
      .map((n) => Number(n.replaceAll(',', '')));
    expect(total).toBe(whole.lines.length);
    expect(omitted).toBe(whole.lines.length - shown.lines.length);
    expect(run.summary).not.toContain('[!NOTE]');
  });

  it('opens the PR with a warning when the overlay does not render, and a no-op rerun renders nothing', async () => {
    const overlay = await mainFile('overlays/dev/kustomization.yaml');
    await repo.pushToMain(
      {
        'overlays/dev/kustomization.yaml': overlay.replace(
          '  - namespace.yaml\n',
          '  - namespace.yaml\n  - missing.yaml\n',
        ),
      },
      'Reference a file that does not exist',
    );
    const run = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ changed: 'true', merged: 'true' });
    expect(await imageOf('dev', 'orders')).toMatchObject({ newTag: '1.6.0' });
    const warnings = run.annotations.filter((a) => a.level === 'warning');
    expect(warnings.map((a) => a.message)).toEqual([
      expect.stringMatching(
        // kustomize's own message, without kubectl's log header or the command line.
        /^The rendered diff of overlays\/dev could not be produced: kustomize fails with this change: (Error: )?accumulating resources: .*'overlays\/dev\/missing\.yaml'/,
      ),
    ]);
    const body = github.pulls[0]!.body!;
    expect(body).toContain(
      '> [!WARNING]\n> The rendered diff could not be produced: kustomize fails to render `overlays/dev` with this change. The deploy renders the same overlay and will fail on the same error until the overlay is fixed.\n>\n> ```text\n',
    );
    expect(body).toContain('overlays/dev/missing.yaml');
    expect(body).not.toMatch(/\/tmp\/|overlay-update-/);

    // Nothing to promote: no render, so no warning, and no request.
    const requests = github.requests.length;
    const rerun = await overlayUpdate({ overlay: 'dev', service: 'orders', version: '1.6.0' });
    expect(rerun.exitCode).toBe(0);
    expect(rerun.outputs.changed).toBe('false');
    expect(rerun.annotations).toEqual([]);
    expect(github.requests.length).toBe(requests);
  });
});

// The action prefers a standalone kustomize (GitHub's hosted runners have one) to kubectl's.
const RENDERER = (await findOnPath(['kustomize'])) ? 'kustomize build' : 'kubectl kustomize';

/** The uat promotion of orders 1.6.0 on the sample repository, as a reviewer sees it. */
const UAT_BODY = [
  '<!-- gitops-promotion {"service":"orders","environment":"uat","version":"1.6.0","digest":"' +
    DIGEST +
    '","from":"1.4.2"} -->',
  '## Promotion: `orders` 1.6.0 to `uat`',
  '',
  '| | |',
  '|---|---|',
  '| Service | `orders` |',
  '| Environment | `uat` (`overlays/uat`) |',
  '| Version | `1.4.2` → `1.6.0` |',
  '| Image | `ghcr.io/acme/orders:1.6.0@' + DIGEST + '` |',
  '| Comes from | `dev`, promoted in #1 |',
  '',
  '`uat` needs a review: approve and merge this pull request to deploy.',
  'Merging deploys `orders` 1.6.0 to `uat` and then opens the promotion to `prod`.',
  '',
  '### Rendered manifests',
  '',
  '`' +
    RENDERER +
    ' overlays/uat`, before and after this change: 1 of 7 resources differs (`Deployment/shop-uat/orders`).',
  '',
  '```diff',
  '--- a/Deployment/shop-uat/orders',
  '+++ b/Deployment/shop-uat/orders',
  '@@ -30,7 +30,7 @@',
  '           value: http://payments',
  '         - name: LOG_LEVEL',
  '           value: info',
  '-        image: ghcr.io/acme/orders:1.4.2',
  '+        image: ghcr.io/acme/orders:1.6.0@' + DIGEST,
  '         livenessProbe:',
  '           failureThreshold: 3',
  '           httpGet:',
  '```',
  '',
].join('\n');
