// Issue 19, item 4: bad input is refused up front. Each row is a bad action input or a bad value
// committed to a file the actions read (the config, an overlay's kustomization), run through the
// action bundles built from the source, as a runner runs them, against a real bare repository and
// the GitHub stand-in. Every row must end the run with one error annotation that names the input,
// or the file and line, states the allowed form and quotes at most the first 100 characters of the
// value, without a stack trace; and must change nothing: main where it was, no branch pushed, no
// request to GitHub but a read (so no pull request), and nothing applied.
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoted } from '../core/errors.js';
import { recordDeploy } from '../sandbox/record-deploy.js';
import { startGitHubStandIn, type GitHubStandIn } from '../sandbox/github/index.js';
import { kubectlGet, startKubeCluster, type KubeCluster } from '../sandbox/kube/index.js';
import { git } from '../sandbox/process.js';
import { runAction, suiteActionsDir } from '../sandbox/run-action.js';
import { createSandboxRepository, SEED_PATHS, type SandboxRepository } from '../sandbox/workspace.js';

const TOKEN = 'ghs_promotionAppToken0123456789';
const CONFIG = '.github/promotion.yaml';
const DEV = 'overlays/dev/kustomization.yaml';
const HEX = '0123456789abcdef';
const hex = (length: number) => HEX.repeat(Math.ceil(length / 16)).slice(0, length);
/** A SemVer version of `length` characters: semver takes up to 256, an OCI tag up to 128. */
const longVersion = (length: number) => `1.0.0-${'a'.repeat(length - 6)}`;

const VERSION_RULE = 'SemVer version';
const TAG_RULE = 'an image tag';
const DIGEST_RULE = "an OCI image digest: 'sha256:' and 64 lowercase hex digits, or 'sha512:' and 128";
const NAME_RULE = "lowercase letters, digits and '-'";
const PATH_RULE = 'a clean relative path inside the repository';

type Action = 'overlay-update' | 'release' | 'overlay-deploy';

interface Row {
  /** What is bad, as the table's row name. */
  what: string;
  action: Action;
  inputs: Record<string, string>;
  /** Files changed on main before the run: the new content from the committed one. */
  edit?: Record<string, (text: string) => string>;
  /** A symbolic link committed on main (replacing whatever was at its path). */
  link?: { path: string; target: string };
  /** What the error must name: the input, or the file and the text of the line it points at. */
  input?: string;
  at?: { file: string; line: string };
  /** A deploy of orders in dev, recorded before the run as overlay-deploy records it; uat takes it. */
  recorded?: { tag: string; digest?: string };
  /** The allowed form, as the message states it. */
  rule: string;
  /** The bad value, which the message quotes (cut to 100 characters). */
  value: string;
}

/** Replaces the first `from` in a file; the row's error points at the line of `to`. */
const replace = (from: string, to: string) => (text: string) => {
  expect(text, `the seed file holds ${JSON.stringify(from)}`).toContain(from);
  return text.replace(from, to);
};
/** The `newTag` of orders in an overlay, and a digest line under it. */
const ordersTag = (tag: string) => replace('newTag: 1.5.0', `newTag: ${tag}`);
const ordersDigest = (digest: string) => replace('newTag: 1.5.0', `newTag: 1.5.0\n    digest: ${digest}`);

const update = (inputs: Record<string, string> = {}) => ({
  action: 'overlay-update' as const,
  inputs: { overlay: 'dev', service: 'orders', version: '1.6.0', ...inputs },
});
/** uat copies what dev runs: dev's tag and digest are read with the version and digest rules. */
const promoteUat = { action: 'overlay-update' as const, inputs: { overlay: 'uat', service: 'orders' } };
const release = (inputs: Record<string, string> = {}) => ({
  action: 'release' as const,
  inputs: { service: 'orders', version: '1.6.0', ...inputs },
});
const deploy = {
  action: 'overlay-deploy' as const,
  inputs: { overlay: 'dev', service: 'orders', 'dry-run': 'true' },
};

const LONG = 'x'.repeat(5000);

const ROWS: Row[] = [
  // Action inputs.
  {
    what: 'a sha256 digest of 63 hex digits',
    ...update({ digest: `sha256:${hex(63)}` }),
    input: 'digest',
    rule: DIGEST_RULE,
    value: `sha256:${hex(63)}`,
  },
  {
    what: 'a sha256 digest of 65 hex digits',
    ...update({ digest: `sha256:${hex(65)}` }),
    input: 'digest',
    rule: DIGEST_RULE,
    value: `sha256:${hex(65)}`,
  },
  {
    what: 'an md5 digest',
    ...update({ digest: `md5:${hex(32)}` }),
    input: 'digest',
    rule: DIGEST_RULE,
    value: `md5:${hex(32)}`,
  },
  {
    what: 'a sha512 digest of 64 hex digits',
    ...update({ digest: `sha512:${hex(64)}` }),
    input: 'digest',
    rule: DIGEST_RULE,
    value: `sha512:${hex(64)}`,
  },
  {
    what: 'a digest in uppercase hex',
    ...update({ digest: `sha256:${hex(64).toUpperCase()}` }),
    input: 'digest',
    rule: DIGEST_RULE,
    value: `sha256:${hex(64).toUpperCase()}`,
  },
  {
    what: 'a digest of 5,000 characters',
    ...update({ digest: `sha256:${hex(4993)}` }),
    input: 'digest',
    rule: DIGEST_RULE,
    value: `sha256:${hex(4993)}`,
  },
  {
    what: 'a version of 129 characters',
    ...update({ version: longVersion(129) }),
    input: 'version',
    rule: 'longer than 128 characters',
    value: longVersion(129),
  },
  {
    what: 'a version of 256 characters',
    ...update({ version: longVersion(256) }),
    input: 'version',
    rule: 'longer than 128 characters',
    value: longVersion(256),
  },
  {
    what: 'a version of 5,000 characters',
    ...update({ version: `1.0.0-${LONG}` }),
    input: 'version',
    rule: 'longer than 128 characters',
    value: `1.0.0-${LONG}`,
  },
  {
    what: 'a version with a leading v',
    ...update({ version: 'v1.6.0' }),
    input: 'version',
    rule: 'leading',
    value: 'v1.6.0',
  },
  {
    what: 'a version with build metadata',
    ...update({ version: '1.6.0+sha.1' }),
    input: 'version',
    rule: VERSION_RULE,
    value: '1.6.0+sha.1',
  },
  {
    what: 'a version that is not SemVer',
    ...update({ version: 'latest' }),
    input: 'version',
    rule: VERSION_RULE,
    value: 'latest',
  },
  {
    what: 'a version with a line break and a link',
    ...update({ version: '1.6.0\n[x](https://e.invalid)' }),
    input: 'version',
    rule: VERSION_RULE,
    value: '1.6.0\n[x](https://e.invalid)',
  },
  {
    what: 'an overlay that is a path',
    ...update({ overlay: '../prod' }),
    input: 'overlay',
    rule: NAME_RULE,
    value: '../prod',
  },
  {
    what: 'an overlay of 5,000 characters',
    ...update({ overlay: LONG }),
    input: 'overlay',
    rule: NAME_RULE,
    value: LONG,
  },
  {
    what: 'a service with a line break',
    ...update({ service: 'orders\nx' }),
    input: 'service',
    rule: NAME_RULE,
    value: 'orders\nx',
  },
  {
    what: 'a config path with ..',
    ...update({ config: '../promotion.yaml' }),
    input: 'config',
    rule: PATH_RULE,
    value: '../promotion.yaml',
  },
  {
    what: 'an absolute config path',
    ...update({ config: '/etc/hostname' }),
    input: 'config',
    rule: PATH_RULE,
    value: '/etc/hostname',
  },
  {
    what: 'a config path with .',
    ...update({ config: `./${CONFIG}` }),
    input: 'config',
    rule: PATH_RULE,
    value: `./${CONFIG}`,
  },
  {
    what: 'a config path with //',
    ...update({ config: '.github//promotion.yaml' }),
    input: 'config',
    rule: PATH_RULE,
    value: '.github//promotion.yaml',
  },
  {
    what: 'a config that is a symbolic link out of the checkout',
    ...update({ config: '.github/link.yaml' }),
    link: { path: '.github/link.yaml', target: '/etc/passwd' },
    input: 'config',
    rule: 'outside the checkout',
    value: '.github/link.yaml',
  },
  {
    what: 'release: a version of 129 characters',
    ...release({ version: longVersion(129) }),
    input: 'version',
    rule: 'longer than 128 characters',
    value: longVersion(129),
  },
  {
    what: 'release: a version with a leading zero',
    ...release({ version: '01.6.0' }),
    input: 'version',
    rule: VERSION_RULE,
    value: '01.6.0',
  },
  {
    what: 'release: an unknown stage',
    ...release({ stage: 'build' }),
    input: 'stage',
    rule: 'plan or confirm',
    value: 'build',
  },
  {
    what: 'release: a config that is a symbolic link out of the checkout',
    ...release({ config: '.github/link.yaml' }),
    link: { path: '.github/link.yaml', target: '/etc/passwd' },
    input: 'config',
    rule: 'outside the checkout',
    value: '.github/link.yaml',
  },

  // Values in the config.
  {
    what: 'an overlay ./overlays/dev',
    ...update(),
    edit: { [CONFIG]: replace('overlay: overlays/dev', 'overlay: ./overlays/dev') },
    at: { file: CONFIG, line: 'overlay: ./overlays/dev' },
    rule: PATH_RULE,
    value: './overlays/dev',
  },
  {
    what: 'an overlay with ..',
    ...update(),
    edit: { [CONFIG]: replace('overlay: overlays/dev', 'overlay: overlays/../overlays/dev') },
    at: { file: CONFIG, line: 'overlay: overlays/../' },
    rule: PATH_RULE,
    value: 'overlays/../overlays/dev',
  },
  {
    what: 'an overlay with //',
    ...update(),
    edit: { [CONFIG]: replace('overlay: overlays/dev', 'overlay: overlays//dev') },
    at: { file: CONFIG, line: 'overlay: overlays//dev' },
    rule: PATH_RULE,
    value: 'overlays//dev',
  },
  {
    what: 'an absolute overlay',
    ...update(),
    edit: { [CONFIG]: replace('overlay: overlays/dev', 'overlay: /srv/overlays/dev') },
    at: { file: CONFIG, line: 'overlay: /srv' },
    rule: PATH_RULE,
    value: '/srv/overlays/dev',
  },
  {
    what: 'the overlay .',
    ...update(),
    edit: { [CONFIG]: replace('overlay: overlays/dev', "overlay: '.'") },
    at: { file: CONFIG, line: "overlay: '.'" },
    rule: PATH_RULE,
    value: '.',
  },
  {
    what: 'two environments with one overlay folder',
    ...update(),
    edit: { [CONFIG]: replace('  - name: uat\n', '  - name: uat\n    overlay: overlays/dev\n') },
    at: { file: CONFIG, line: '    overlay: overlays/dev\n    # reviewers' },
    rule: 'each environment needs its own folder',
    value: 'overlays/dev',
  },
  {
    what: 'an overlay that is a symbolic link out of the repository',
    ...promoteUat,
    recorded: { tag: '1.5.0' },
    link: { path: 'overlays/uat', target: '/etc' },
    at: { file: CONFIG, line: '  - name: uat' },
    rule: "make 'overlays/uat' a real folder of the repository",
    value: 'overlays/uat',
  },
  {
    what: 'a context with ..',
    ...update(),
    edit: { [CONFIG]: replace('context: services/orders', 'context: ../services/orders') },
    at: { file: CONFIG, line: 'context: ../services' },
    rule: PATH_RULE,
    value: '../services/orders',
  },
  {
    what: 'a label with a line break',
    ...update(),
    edit: { [CONFIG]: replace('labels: [promotion, uat]', 'labels: [promotion, "uat\\nextra"]') },
    at: { file: CONFIG, line: 'labels: [promotion, "uat' },
    rule: 'no line break',
    value: 'uat\nextra',
  },
  {
    what: 'a label of 51 characters',
    ...update(),
    edit: { [CONFIG]: replace('labels: [promotion, uat]', `labels: [promotion, ${'l'.repeat(51)}]`) },
    at: { file: CONFIG, line: `labels: [promotion, ${'l'.repeat(51)}]` },
    rule: '1 to 50 characters',
    value: 'l'.repeat(51),
  },
  {
    what: 'a pull-requests label of 5,000 characters',
    ...update(),
    edit: { [CONFIG]: (text) => `${text}  labels: [${LONG}]\n` },
    at: { file: CONFIG, line: `  labels: [${LONG}]` },
    rule: '1 to 50 characters',
    value: LONG,
  },
  {
    what: 'a reviewer that is not a login',
    ...update(),
    edit: {
      [CONFIG]: replace(
        '      teams: [uat-approvers]\n    # labels',
        "      users: ['not a login!']\n      teams: [uat-approvers]\n    # labels",
      ),
    },
    at: { file: CONFIG, line: "users: ['not a login!']" },
    rule: 'is not a GitHub login',
    value: 'not a login!',
  },
  {
    what: 'a reviewer team with its organization',
    ...update(),
    edit: {
      [CONFIG]: replace(
        '      teams: [prod-approvers]\n    labels',
        "      teams: ['@acme/prod-approvers']\n    labels",
      ),
    },
    at: { file: CONFIG, line: "teams: ['@acme/prod-approvers']" },
    rule: 'is not a team slug',
    value: '@acme/prod-approvers',
  },
  {
    what: 'a kustomize-image with HTML',
    ...update(),
    edit: {
      [CONFIG]: replace(
        '    image: ghcr.io/acme/orders\n',
        "    image: ghcr.io/acme/orders\n    kustomize-image: 'ghcr.io/acme/orders | <b>'\n",
      ),
    },
    at: { file: CONFIG, line: 'kustomize-image:' },
    rule: 'without tag or digest',
    value: 'ghcr.io/acme/orders | <b>',
  },
  {
    what: 'an image with a tag',
    ...update(),
    edit: { [CONFIG]: replace('image: ghcr.io/acme/orders', 'image: ghcr.io/acme/orders:1.0') },
    at: { file: CONFIG, line: 'image: ghcr.io/acme/orders:1.0' },
    rule: 'without tag or digest',
    value: 'ghcr.io/acme/orders:1.0',
  },
  {
    what: 'release: an overlay ./overlays/dev',
    ...release(),
    edit: { [CONFIG]: replace('overlay: overlays/dev', 'overlay: ./overlays/dev') },
    at: { file: CONFIG, line: 'overlay: ./overlays/dev' },
    rule: PATH_RULE,
    value: './overlays/dev',
  },

  // Values in the deployment record of the previous environment, which uat takes (version and digest rules).
  {
    what: "the previous environment's deployed tag latest",
    ...promoteUat,
    recorded: { tag: 'latest' },
    rule: VERSION_RULE,
    value: 'latest',
  },
  {
    what: "the previous environment's deployed tag of 129 characters",
    ...promoteUat,
    recorded: { tag: longVersion(129) },
    rule: 'longer than 128 characters',
    value: longVersion(129),
  },
  {
    what: "the previous environment's deployed tag of 5,000 characters",
    ...promoteUat,
    recorded: { tag: `1.0.0-${LONG}` },
    rule: 'longer than 128 characters',
    value: `1.0.0-${LONG}`,
  },
  {
    what: "the previous environment's deployed tag with a line break",
    ...promoteUat,
    recorded: { tag: '1.5.0\nInjected: yes' },
    rule: VERSION_RULE,
    value: '1.5.0\nInjected: yes',
  },
  {
    what: "the previous environment's deployed tag with a Markdown link",
    ...promoteUat,
    recorded: { tag: '[1.5.0](https://e.invalid)' },
    rule: VERSION_RULE,
    value: '[1.5.0](https://e.invalid)',
  },
  {
    what: "the previous environment's deployed tag with an HTML comment",
    ...promoteUat,
    recorded: { tag: '1.5.0<!-- x -->' },
    rule: VERSION_RULE,
    value: '1.5.0<!-- x -->',
  },
  {
    what: "the previous environment's deployed md5 digest",
    ...promoteUat,
    recorded: { tag: '1.5.0', digest: `md5:${hex(32)}` },
    rule: DIGEST_RULE,
    value: `md5:${hex(32)}`,
  },
  {
    what: "the previous environment's deployed sha256 digest of 63 hex digits",
    ...promoteUat,
    recorded: { tag: '1.5.0', digest: `sha256:${hex(63)}` },
    rule: DIGEST_RULE,
    value: `sha256:${hex(63)}`,
  },
  // What the environment itself runs, which the title and body quote (OCI tag and digest rules).
  {
    what: 'the running tag with a line break',
    ...update(),
    edit: { [DEV]: ordersTag('"1.5.0\\nInjected: yes"') },
    at: { file: DEV, line: 'newTag: "1.5.0\\n' },
    rule: TAG_RULE,
    value: '1.5.0\nInjected: yes',
  },
  {
    what: 'the running tag with a Markdown link',
    ...update(),
    edit: { [DEV]: ordersTag("'[x](https://e.invalid)'") },
    at: { file: DEV, line: "newTag: '[x]" },
    rule: TAG_RULE,
    value: '[x](https://e.invalid)',
  },
  {
    what: 'the running tag of 129 characters',
    ...update(),
    edit: { [DEV]: ordersTag('t'.repeat(129)) },
    at: { file: DEV, line: `newTag: ${'t'.repeat(129)}` },
    rule: TAG_RULE,
    value: 't'.repeat(129),
  },
  {
    what: 'the running digest in uppercase',
    ...update(),
    edit: { [DEV]: ordersDigest(`sha256:${hex(64).toUpperCase()}`) },
    at: { file: DEV, line: 'digest: sha256:' },
    rule: DIGEST_RULE,
    value: `sha256:${hex(64).toUpperCase()}`,
  },
  // What overlay-deploy would apply.
  {
    what: 'deploy: a tag with a line break',
    ...deploy,
    edit: { [DEV]: ordersTag('"1.5.0\\nInjected: yes"') },
    at: { file: DEV, line: 'newTag: "1.5.0\\n' },
    rule: TAG_RULE,
    value: '1.5.0\nInjected: yes',
  },
  {
    what: 'deploy: a tag with HTML',
    ...deploy,
    edit: { [DEV]: ordersTag("'1.5.0 | <b>'") },
    at: { file: DEV, line: "newTag: '1.5.0 | <b>'" },
    rule: TAG_RULE,
    value: '1.5.0 | <b>',
  },
  // Issue 17: the repositories of a cross-repository release, refused before anything is built or pushed.
  {
    what: 'a gitops-repository that is not owner/name',
    ...release({ 'gitops-repository': 'acme/gitops/extra' }),
    input: 'gitops-repository',
    rule: 'is not owner/name of a repository',
    value: 'acme/gitops/extra',
  },
  {
    what: 'a release from a repository the config does not name for the service',
    ...release(),
    edit: {
      [CONFIG]: replace(
        '    context: services/orders\n',
        '    context: services/orders\n    repository: acme/orders\n',
      ),
    },
    rule: 'names acme/orders as the repository that releases it (services[].repository)',
    value: 'orders',
  },
  {
    what: 'a repository to promote in that is not owner/name',
    ...update({ repository: 'https://github.com/acme/gitops' }),
    input: 'repository',
    rule: 'is not owner/name of a repository',
    value: 'https://github.com/acme/gitops',
  },
  {
    what: 'a deploy workflow that the repository does not have',
    ...update({ 'deploy-workflow': 'deploy.yaml' }),
    input: 'deploy-workflow',
    rule: 'name the caller of overlay-deploy.yaml in acme/platform',
    value: 'deploy.yaml',
  },
  {
    what: 'a deploy workflow without a workflow_dispatch trigger',
    ...update({ 'deploy-workflow': 'ci.yaml' }),
    edit: { '.github/workflows/ci.yaml': () => 'on: [push]\njobs: {}\n' },
    input: 'deploy-workflow',
    rule: 'has no workflow_dispatch trigger',
    value: 'ci.yaml',
  },
  {
    what: 'deploy: an md5 digest',
    ...deploy,
    edit: { [DEV]: ordersDigest(`md5:${hex(32)}`) },
    at: { file: DEV, line: 'digest: md5:' },
    rule: DIGEST_RULE,
    value: `md5:${hex(32)}`,
  },
];

let repo: SandboxRepository;
let github: GitHubStandIn;
let cluster: KubeCluster;
let seed: string;

beforeAll(async () => {
  repo = await createSandboxRepository({ paths: [...SEED_PATHS, 'services'] });
  seed = await git(repo.origin, 'rev-parse', 'main');
  github = await startGitHubStandIn({
    bareRepo: repo.origin,
    owner: repo.owner,
    repo: repo.repo,
    tokens: { [TOKEN]: { login: 'promotion-app[bot]', type: 'Bot' } },
  });
  cluster = await startKubeCluster({ name: 'dev' });
});

afterAll(async () => {
  expect(github.violations, 'every request and response must satisfy the OpenAPI description').toEqual([]);
  await github?.close();
  await cluster?.close();
  await repo?.dispose();
});

/** Main as the row needs it: the seed commit plus the row's files and link. */
async function prepareMain(row: Row): Promise<{ head: string; files: Record<string, string> }> {
  await git(repo.origin, 'update-ref', 'refs/heads/main', seed);
  const files: Record<string, string> = {};
  if (!row.edit && !row.link) return { head: seed, files };
  const work = await repo.checkout('edit');
  for (const [path, edit] of Object.entries(row.edit ?? {})) {
    files[path] = edit(await readFile(join(work, path), 'utf8'));
    await writeFile(join(work, path), files[path]);
  }
  if (row.link) {
    await rm(join(work, row.link.path), { recursive: true, force: true });
    await mkdir(dirname(join(work, row.link.path)), { recursive: true });
    await symlink(row.link.target, join(work, row.link.path));
  }
  await git(work, 'add', '--all');
  await git(
    work,
    '-c',
    'user.name=Sandbox',
    '-c',
    'user.email=sandbox@example.invalid',
    'commit',
    '--quiet',
    '-m',
    row.what,
  );
  await git(work, 'push', '--quiet', 'origin', 'HEAD:main');
  return { head: await git(repo.origin, 'rev-parse', 'main'), files };
}

async function runRow(row: Row) {
  const env: Record<string, string> = {
    // As the chain runs overlay-update: promoters are checked only for a promotion by hand.
    GITHUB_ACTOR: row.action === 'release' ? 'release-manager' : 'github-actions[bot]',
    GITHUB_WORKFLOW_REF: `${repo.owner}/${repo.repo}/.github/workflows/overlay-deploy.yaml@refs/heads/main`,
    ...cluster.env,
  };
  const workspace = await repo.checkout();
  return runAction({
    action: join(suiteActionsDir(), row.action),
    inputs: row.inputs,
    workspace,
    repository: `${repo.owner}/${repo.repo}`,
    token: TOKEN,
    apiUrl: github.url,
    eventName: 'workflow_dispatch',
    event: { repository: { default_branch: 'main' } },
    env: { ...env, GITHUB_SHA: await git(workspace, 'rev-parse', 'HEAD') },
  });
}

/** The 1-based line of a file's content that holds `text` (which may span lines: its first). */
function lineOf(content: string, text: string): number {
  const index = content.indexOf(text);
  expect(index, `the file holds ${JSON.stringify(text.slice(0, 60))}`).toBeGreaterThanOrEqual(0);
  return content.slice(0, index).split('\n').length;
}

describe('bad input is refused up front, and nothing changes', () => {
  it('the table holds at least 40 rows, inputs and file values', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(40);
    expect(ROWS.filter((row) => row.input).length).toBeGreaterThanOrEqual(15);
    expect(ROWS.filter((row) => row.at).length).toBeGreaterThanOrEqual(15);
    expect(new Set(ROWS.map((row) => row.what)).size).toBe(ROWS.length);
  });

  it.each(ROWS.map((row) => [row.what, row] as const))('%s', async (_what, row) => {
    const { head, files } = await prepareMain(row);
    if (row.recorded) {
      await recordDeploy({
        apiUrl: github.url,
        token: TOKEN,
        repository: repo,
        environment: 'dev',
        service: 'orders',
        version: row.recorded,
      });
    }
    const requests = github.requests.length;
    const run = await runRow(row);

    expect(run.exitCode, run.stdout + run.stderr).toBe(1);
    const errors = run.annotations.filter((annotation) => annotation.level === 'error');
    expect(errors, run.stdout).toHaveLength(1);
    const { message, properties } = errors[0]!;
    // Names what is wrong: the input, or the file and the line.
    if (row.input) expect(message).toContain(`Input '${row.input}': `);
    if (row.recorded && !row.at) expect(message).toContain("the deployment of orders recorded in 'dev'");
    if (row.at) {
      const file =
        row.at.file === CONFIG && !files[CONFIG] ? await readFile(CONFIG, 'utf8') : files[row.at.file]!;
      expect(properties).toMatchObject({ file: row.at.file, line: String(lineOf(file, row.at.line)) });
    }
    // States what is allowed, quotes the value cut to its first 100 characters, on one line.
    expect(message).toContain(row.rule);
    expect(message).toContain(quoted(row.value));
    expect(message).not.toContain('\n');
    if ([...row.value].length > 100) {
      expect(message).not.toContain(row.value);
      expect(message).toContain(`…' (${[...row.value].length} characters)`);
    }
    expect(message.length).toBeLessThan(800);
    expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m);
    // Changed nothing: main where it was, no branch pushed, no request to GitHub, nothing built or applied.
    expect(await git(repo.origin, 'rev-parse', 'main')).toBe(head);
    expect(await git(repo.origin, 'for-each-ref', '--format=%(refname)', 'refs/heads/')).toBe(
      'refs/heads/main',
    );
    // At most the read of dev's deployments (a GraphQL query) that a uat promotion starts with.
    expect(
      github.requests
        .slice(requests)
        .filter(
          (r) =>
            !(r.path === '/graphql' && /^\s*query\b/.test(String((r.body as { query?: unknown })?.query))),
        )
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual([]);
    expect(github.pulls).toEqual([]);
    const applied = await kubectlGet<{ items: unknown[] }>(cluster, [
      'namespaces,services,deployments',
      '--all-namespaces',
    ]);
    expect(applied.items).toEqual([]);
  });
});
