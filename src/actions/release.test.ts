// The release bundle built from the source (test/global-setup.ts), run as a runner runs it, in a
// real clone, against a real docker-registry on 127.0.0.1 behind token authentication. Between its
// two stages the image is built and pushed with buildah from the plan's outputs, as
// docker/build-push-action would from the same inputs. The action gets no test-only flag: it reads
// the login from the environment, as on a runner.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../sandbox/github/index.js';
import { git } from '../sandbox/process.js';
import {
  buildah,
  createBuildahSandbox,
  MANIFEST_ACCEPT,
  startRegistry,
  type BuildahSandbox,
  type LocalRegistry,
} from '../sandbox/registry.js';
import { runAction, suiteActionsDir, type ActionRun } from '../sandbox/run-action.js';
import { createSandboxRepository, SEED_PATHS, type SandboxRepository } from '../sandbox/workspace.js';

const USER = { username: 'release-bot', password: 'registry-s3cret-Pa55' };

interface Setup {
  registry: LocalRegistry;
  sandbox: BuildahSandbox;
  repo: SandboxRepository;
  workspace: string;
  dispose(): Promise<void>;
}

/** A checkout whose config points the services at the local registry, and buildah's configuration for it. */
async function setUp(): Promise<Setup> {
  const registry = await startRegistry({ auth: USER });
  const sandbox = await createBuildahSandbox([registry]);
  const repo = await createSandboxRepository({ paths: [...SEED_PATHS, 'services'] });
  const workspace = await repo.checkout();
  const configPath = join(workspace, '.github', 'promotion.yaml');
  const config = await readFile(configPath, 'utf8');
  await writeFile(configPath, config.replaceAll('ghcr.io/acme/', `${registry.host}/acme/`));
  return {
    registry,
    sandbox,
    repo,
    workspace,
    async dispose() {
      await registry.dispose();
      await sandbox.dispose();
      await repo.dispose();
    },
  };
}

/**
 * The sample config lets `release-manager` release by login, so by default no API is needed: the
 * API URL leads nowhere, and a team lookup would fail the run.
 */
async function release(
  setup: Setup,
  inputs: Record<string, string>,
  run: { actor?: string; triggeringActor?: string; apiUrl?: string } = {},
): Promise<ActionRun> {
  return runAction({
    action: join(suiteActionsDir(), 'release'),
    inputs,
    workspace: setup.workspace,
    repository: `${setup.repo.owner}/${setup.repo.repo}`,
    token: 'unused',
    apiUrl: run.apiUrl ?? 'http://127.0.0.1:9/unused',
    env: {
      ...setup.sandbox.env,
      GITHUB_SHA: await git(setup.workspace, 'rev-parse', 'HEAD'),
      GITHUB_ACTOR: run.actor ?? 'release-manager',
      ...(run.triggeringActor !== undefined ? { GITHUB_TRIGGERING_ACTOR: run.triggeringActor } : {}),
    },
  });
}

/** What build-push-action does with the plan's outputs, done with buildah; answers the pushed digest. */
async function buildAndPush(setup: Setup, plan: Record<string, string>): Promise<string> {
  const labels = plan['labels']!.split('\n').map((label) => `--label=${label}`);
  const built = await buildah(
    setup.sandbox,
    'build',
    `--file=${join(setup.workspace, plan['file']!)}`,
    `--tag=${plan['tags']!}`,
    ...labels,
    join(setup.workspace, plan['context']!),
  );
  expect(built.exitCode, built.stderr).toBe(0);
  const digestFile = join(setup.sandbox.root, 'pushed-digest');
  const pushed = await buildah(setup.sandbox, 'push', `--digestfile=${digestFile}`, plan['tags']!);
  expect(pushed.exitCode, pushed.stderr).toBe(0);
  return (await readFile(digestFile, 'utf8')).trim();
}

async function manifestBytes(
  registry: LocalRegistry,
  repository: string,
  reference: string,
): Promise<string> {
  const answer = await registry.request(`/v2/${repository}/manifests/${reference}`, {
    accept: MANIFEST_ACCEPT,
  });
  expect(answer.status).toBe(200);
  return answer.text();
}

const errorOf = (run: ActionRun): string | undefined =>
  run.annotations.find((a) => a.level === 'error')?.message;

describe('release: plan the build, then confirm the pushed digest', () => {
  let setup: Setup;
  let plan: ActionRun;
  let pushedDigest: string;
  let confirm: ActionRun;
  beforeAll(async () => {
    setup = await setUp();
    plan = await release(setup, { service: 'orders', version: '1.4.0' });
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
    pushedDigest = await buildAndPush(setup, plan.outputs);
    confirm = await release(setup, {
      stage: 'confirm',
      service: 'orders',
      version: '1.4.0',
      digest: pushedDigest,
    });
  });
  afterAll(() => setup?.dispose());

  it('plans a tag the registry does not have: the inputs of docker/build-push-action, no digest yet', async () => {
    expect(plan.outputs).toEqual({
      image: `${setup.registry.host}/acme/orders:1.4.0`,
      version: '1.4.0',
      'first-overlay': 'dev',
      'image-name': `${setup.registry.host}/acme/orders`,
      // prod, the last environment, requires attestation by default.
      attest: 'true',
      sbom: 'false',
      build: 'true',
      digest: '',
      context: 'services/orders',
      file: 'services/orders/Dockerfile',
      platforms: 'linux/amd64',
      'build-args': '',
      labels: expect.stringMatching(
        new RegExp(
          '^org\\.opencontainers\\.image\\.source=https://github\\.com/acme/platform\n' +
            `org\\.opencontainers\\.image\\.revision=${await git(setup.workspace, 'rev-parse', 'HEAD')}\n` +
            'org\\.opencontainers\\.image\\.version=1\\.4\\.0\n' +
            'org\\.opencontainers\\.image\\.created=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$',
        ),
      ) as string,
      tags: `${setup.registry.host}/acme/orders:1.4.0`,
      'cache-scope': 'orders',
      emulate: '',
    });
    expect(plan.summary).toContain('| Layer cache | `type=gha,scope=orders` |');
    expect(plan.summary).toContain('docker/build-push-action builds and pushes it next');
  });

  it('confirms the digest build-push-action pushed against the registry, and outputs it', async () => {
    expect(confirm.exitCode, confirm.stdout + confirm.stderr).toBe(0);
    const served = await setup.registry.digest('acme/orders', '1.4.0');
    expect(served).toBe(pushedDigest);
    expect(confirm.outputs).toMatchObject({ digest: served, build: 'false', version: '1.4.0' });
    expect(confirm.summary).toContain(`| Digest | \`${pushedDigest}\` |`);
    expect(confirm.summary).toMatch(/\| Size \| \d+(\.\d+)? (B|KiB) \(compressed layers\) \|/);
    expect(confirm.summary).toContain('the registry serves this digest for the tag');
  });

  it('reads the registry with the runner’s login and never prints the password', () => {
    expect(plan.stdout).toContain(
      `Registry credentials for ${setup.registry.host}: from ${setup.sandbox.env.REGISTRY_AUTH_FILE}`,
    );
    for (const run of [plan, confirm]) {
      const printed = run.stdout + run.stderr;
      // On a runner the password is masked (::add-mask::); it is never printed in the clear.
      expect(printed.replace(/^::add-mask::.*$/gm, '')).not.toContain(USER.password);
      expect(printed).not.toContain(Buffer.from(`${USER.username}:${USER.password}`).toString('base64'));
    }
  });

  it('a rerun finds the tag: nothing to build, the digest that is there, the manifest untouched', async () => {
    const manifestBefore = await manifestBytes(setup.registry, 'acme/orders', '1.4.0');
    const rerun = await release(setup, { service: 'orders', version: '1.4.0' });
    expect(rerun.exitCode, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.outputs).toMatchObject({ build: 'false', digest: pushedDigest, version: '1.4.0' });
    expect(rerun.outputs).not.toHaveProperty('context');
    expect(rerun.annotations).toContainEqual(
      expect.objectContaining({
        level: 'notice',
        message: expect.stringContaining(
          `${setup.registry.host}/acme/orders:1.4.0 is already in the registry (${pushedDigest}); tags are immutable`,
        ) as string,
      }),
    );
    expect(await manifestBytes(setup.registry, 'acme/orders', '1.4.0')).toBe(manifestBefore);
    expect(rerun.summary).toContain(
      '| Result | already in the registry: tags are immutable, nothing was built or pushed |',
    );
  });

  it('refuses a digest the registry does not serve for the tag: the tag moved under the build', async () => {
    const other = `sha256:${'0'.repeat(64)}`;
    const run = await release(setup, {
      stage: 'confirm',
      service: 'orders',
      version: '1.4.0',
      digest: other,
    });
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toBe(
      `docker/build-push-action pushed ${setup.registry.host}/acme/orders:1.4.0 as ${other}, but the registry ` +
        `serves ${pushedDigest} for the tag: something else pushed the tag meanwhile; nothing is promoted. Release a new version`,
    );
    expect(run.outputs).toEqual({});
  });

  it('refuses a push the registry does not know', async () => {
    const run = await release(setup, {
      stage: 'confirm',
      service: 'catalog',
      version: '0.9.0',
      digest: pushedDigest,
    });
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toContain('but the registry does not know the tag 0.9.0');
    expect(run.outputs).toEqual({});
  });
});

describe('release: bad inputs change nothing', () => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp();
  });
  afterAll(() => setup?.dispose());
  it.each([
    [{ service: '../x', version: '1.0.0' }, "Input 'service': '../x' is not a valid name"],
    [{ service: '', version: '1.0.0' }, "Input 'service': is required"],
    [
      { service: 'shipping', version: '1.0.0' },
      "Input 'service': 'shipping' is not a service of .github/promotion.yaml; allowed: orders, payments, catalog",
    ],
    [{ service: 'orders', version: 'v1..2' }, "Input 'version': 'v1..2' is not a SemVer version"],
    [{ service: 'orders', version: '1.2.3 && id' }, "Input 'version': '1.2.3 && id' is not a SemVer version"],
    [{ service: 'orders', version: '' }, "Input 'version': is required"],
    [{ service: 'orders', version: 'v1.2.3' }, "Input 'version': 'v1.2.3' has a leading 'v'"],
    [{ service: 'orders', version: '1.2.3+build.5' }, "Input 'version': '1.2.3+build.5' has build metadata"],
    [{ service: 'orders', version: '1.0.0', stage: 'build' }, "Input 'stage': 'build' is not a stage"],
    [
      { service: 'orders', version: '1.0.0', stage: 'confirm' },
      "Input 'digest': required with stage: confirm",
    ],
  ])('%j exits 1 naming the input; no registry request', async (inputs, message) => {
    const run = await release(setup, inputs);
    expect(run.exitCode).toBe(1);
    const errors = run.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message.startsWith(message), errors[0]!.message).toBe(true);
    expect(run.outputs).toEqual({});
    expect(setup.registry.tokenRequests).toEqual([]);
    expect(await setup.registry.catalog()).toEqual([]);
  });

  it('a service whose context has no Dockerfile is refused before anything runs', async () => {
    await mkdir(join(setup.workspace, 'services', 'empty'), { recursive: true });
    const configPath = join(setup.workspace, '.github', 'promotion.yaml');
    const config = await readFile(configPath, 'utf8');
    await writeFile(
      configPath,
      config.replace(
        'services:\n',
        `services:\n  - name: empty\n    image: ${setup.registry.host}/acme/empty\n`,
      ),
    );
    try {
      const run = await release(setup, { service: 'empty', version: '1.0.0' });
      expect(run.exitCode).toBe(1);
      expect(run.annotations.find((a) => a.level === 'error')?.message).toContain(
        "'services/empty' has no Dockerfile (or Containerfile)",
      );
      expect(setup.registry.tokenRequests).toEqual([]);
    } finally {
      await writeFile(configPath, config);
    }
  });
});

describe('release: who may release (release.allowed), checked before anything is built', () => {
  const APP_TOKEN = 'ghs_appWithMembersRead000000000000';
  const GITHUB_TOKEN = 'ghs_workflowGithubToken0000000000';
  let setup: Setup;
  let github: GitHubStandIn;
  beforeAll(async () => {
    setup = await setUp();
    github = await startGitHubStandIn({
      bareRepo: setup.repo.origin,
      owner: setup.repo.owner,
      repo: setup.repo.repo,
      tokens: {
        [APP_TOKEN]: { login: 'promotion-app[bot]', type: 'Bot' },
        [GITHUB_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', isGithubToken: true },
      },
      // The sample config allows user release-manager and team release-managers.
      teams: { 'release-managers': ['mona'], 'uat-approvers': ['mallory'] },
    });
  });
  afterAll(async () => {
    expect(github.violations, 'every request satisfies GitHub’s description').toEqual([]);
    await github.close();
    await setup?.dispose();
  });
  beforeEach(() => {
    github.requests.length = 0;
  });

  /** Refused before the registry is even asked about the tag. */
  function expectRefusedBeforeTheRegistry(run: ActionRun): void {
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({});
    expect(setup.registry.tokenRequests).toEqual([]);
  }

  it('refuses someone in no allowed team, naming who may release, before the registry is asked', async () => {
    const run = await release(
      setup,
      { service: 'orders', version: '3.0.0', token: APP_TOKEN },
      { actor: 'mallory', apiUrl: github.url },
    );
    expect(errorOf(run)).toBe(
      'Refused: mallory may not run a release of orders. Allowed by release.allowed in .github/promotion.yaml ' +
        `on main (${(await git(setup.repo.origin, 'rev-parse', 'main')).slice(0, 12)}): ` +
        `users release-manager and teams ${setup.repo.owner}/release-managers; mallory is not listed and not an ` +
        'active member of that team.',
    );
    expectRefusedBeforeTheRegistry(run);
    expect(github.requests.map((r) => [r.operationId, r.status, r.login])).toEqual([
      // release.allowed is read from main at the head GitHub reports for it.
      ['graphql', 200, 'promotion-app[bot]'],
      ['teams/get-membership-for-user-in-org', 404, 'promotion-app[bot]'],
      ['teams/get-by-name', 200, 'promotion-app[bot]'],
    ]);
    expect(run.summary).toContain('| `mallory` | refused |');
  });

  it('with GITHUB_TOKEN it cannot tell, so it refuses and says which token can read teams', async () => {
    const run = await release(
      setup,
      { service: 'orders', version: '3.0.0', token: GITHUB_TOKEN },
      { actor: 'mona', apiUrl: github.url },
    );
    expect(errorOf(run)).toMatch(
      /^Refused: cannot tell whether mona may run a release of orders\..*404 for the team itself.*'Members: read'.*read:org.*GITHUB_TOKEN can never read it\.$/,
    );
    expectRefusedBeforeTheRegistry(run);
    expect(github.requests.map((r) => r.status)).toEqual([200, 404, 404]);
  });

  it('without a token a team cannot be read: refused, naming the input', async () => {
    const run = await release(setup, { service: 'orders', version: '3.0.0' }, { actor: 'mona' });
    expect(errorOf(run)).toContain("no token was given (input 'token')");
    expectRefusedBeforeTheRegistry(run);
  });

  it('a run that names no actor is refused without asking GitHub about teams', async () => {
    const run = await release(
      setup,
      { service: 'orders', version: '3.0.0', token: APP_TOKEN },
      { actor: '', apiUrl: github.url },
    );
    expect(errorOf(run)).toMatch(
      /^Cannot run a release of orders: the run names no actor \(GITHUB_ACTOR is empty\)/,
    );
    expectRefusedBeforeTheRegistry(run);
    expect(github.requests.map((r) => r.operationId)).toEqual(['graphql']);
  });

  it('a member of an allowed team releases: one membership request, then the plan', async () => {
    const run = await release(
      setup,
      { service: 'orders', version: '3.0.0', token: APP_TOKEN },
      { actor: 'mona', apiUrl: github.url },
    );
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(github.requests.map((r) => [r.operationId, r.status])).toEqual([
      ['graphql', 200],
      ['teams/get-membership-for-user-in-org', 200],
    ]);
    expect(run.outputs).toMatchObject({ build: 'true', tags: `${setup.registry.host}/acme/orders:3.0.0` });
    expect(run.summary).toContain(
      `| \`mona\` | allowed: mona is a member of team ${setup.repo.owner}/release-managers |`,
    );
  });

  it('a re-run by someone not allowed is refused even though the original actor is allowed', async () => {
    const tokensBefore = setup.registry.tokenRequests.length;
    const run = await release(
      setup,
      { service: 'orders', version: '3.0.1' },
      { actor: 'release-manager', triggeringActor: 'mallory', apiUrl: github.url },
    );
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toContain('cannot tell whether mallory may run a release of orders');
    expect(run.summary).toContain('| `release-manager` | allowed: release-manager is listed in');
    expect(run.outputs).toEqual({});
    expect(setup.registry.tokenRequests).toHaveLength(tokensBefore);
  });
});
