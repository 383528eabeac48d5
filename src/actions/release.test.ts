// The release bundle built from the source (test/global-setup.ts), run as a runner runs it, in a
// real clone, building a sample service with buildah (vfs storage, chroot isolation) and pushing it
// to a real docker-registry on 127.0.0.1 behind token authentication. The action gets no test-only
// flag: buildah and the action read the containers configuration and the login from the
// environment, as on a runner.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../sandbox/github/index.js';
import { git } from '../sandbox/process.js';
import {
  createBuildahSandbox,
  findOnPath,
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
  /** Every buildah call the action made, one line of arguments each (a wrapper in front of the real one). */
  calls: string;
  bin: string;
  dispose(): Promise<void>;
}

/**
 * A checkout whose config points the services at the local registry, buildah's configuration for
 * it, and a `buildah` on PATH that logs its arguments and runs the real one.
 */
async function setUp(): Promise<Setup> {
  const real = await findOnPath(['buildah']);
  if (!real) throw new Error('buildah is not installed: apt-get install buildah (.ci/run does it)');
  const registry = await startRegistry({ auth: USER });
  const sandbox = await createBuildahSandbox([registry]);
  const repo = await createSandboxRepository({ paths: [...SEED_PATHS, 'services'] });
  const workspace = await repo.checkout();
  const configPath = join(workspace, '.github', 'promotion.yaml');
  const config = await readFile(configPath, 'utf8');
  await writeFile(configPath, config.replaceAll('ghcr.io/acme/', `${registry.host}/acme/`));
  const bin = await mkdtemp(join(tmpdir(), 'release-bin-'));
  const calls = join(bin, 'calls.log');
  await writeFile(calls, '');
  await writeFile(
    join(bin, 'buildah'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> ${JSON.stringify(calls)}\nexec ${JSON.stringify(real)} "$@"\n`,
  );
  await chmod(join(bin, 'buildah'), 0o755);
  return {
    registry,
    sandbox,
    repo,
    workspace,
    calls,
    bin,
    async dispose() {
      await registry.dispose();
      await sandbox.dispose();
      await repo.dispose();
      await rm(bin, { recursive: true, force: true });
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
  run: { actor?: string; apiUrl?: string } = {},
): Promise<ActionRun> {
  return runAction({
    action: join(suiteActionsDir(), 'release'),
    inputs: { builder: 'buildah', ...inputs },
    workspace: setup.workspace,
    repository: `${setup.repo.owner}/${setup.repo.repo}`,
    token: 'unused',
    apiUrl: run.apiUrl ?? 'http://127.0.0.1:9/unused',
    env: {
      ...setup.sandbox.env,
      PATH: `${setup.bin}:${process.env.PATH}`,
      GITHUB_SHA: await git(setup.workspace, 'rev-parse', 'HEAD'),
      GITHUB_ACTOR: run.actor ?? 'release-manager',
    },
  });
}

async function buildahCalls(setup: Setup): Promise<string[]> {
  return (await readFile(setup.calls, 'utf8')).split('\n').filter(Boolean);
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

describe('release: build, push, resolve the digest', () => {
  let setup: Setup;
  let first: ActionRun;
  let firstDigest: string;
  beforeAll(async () => {
    setup = await setUp();
    first = await release(setup, { service: 'orders', version: '1.4.0' });
  });
  afterAll(() => setup?.dispose());

  it('builds the service with buildah, pushes it, and outputs the digest the registry serves', async () => {
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const served = await setup.registry.digest('acme/orders', '1.4.0');
    expect(served).toMatch(/^sha256:[0-9a-f]{64}$/);
    firstDigest = served!;
    expect(first.outputs).toEqual({
      image: `${setup.registry.host}/acme/orders:1.4.0`,
      digest: served,
      version: '1.4.0',
      'first-overlay': 'dev',
      'image-name': `${setup.registry.host}/acme/orders`,
      // prod, the last environment, requires attestation by default.
      attest: 'true',
    });
    expect(await setup.registry.catalog()).toEqual(['acme/orders']);
    expect(await setup.registry.tags('acme/orders')).toEqual(['1.4.0']);
  });

  it('runs buildah with argument arrays: build from the service context, then push the tag', async () => {
    const context = join(setup.workspace, 'services', 'orders');
    const reference = `${setup.registry.host}/acme/orders:1.4.0`;
    const calls = await buildahCalls(setup);
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatch(
      new RegExp(`^build --file=${context}/Dockerfile --tag=${reference.replace(/\./g, '\\.')} --label=`),
    );
    expect(calls[0]!.endsWith(` ${context}`)).toBe(true);
    expect(calls[1]).toBe(`push ${reference} docker://${reference}`);
  });

  it('labels the pushed image config with the OCI source, revision, version and created', async () => {
    const labels = await setup.registry.labels('acme/orders', '1.4.0');
    expect(labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/acme/platform',
      'org.opencontainers.image.revision': await git(setup.workspace, 'rev-parse', 'HEAD'),
      'org.opencontainers.image.version': '1.4.0',
      // The Dockerfile's own labels stay.
      'org.opencontainers.image.title': 'orders',
    });
    expect(labels['org.opencontainers.image.created']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('writes image, digest, size and build time to the job summary, and never prints the password', async () => {
    expect(first.summary).toContain(`| Image | \`${setup.registry.host}/acme/orders:1.4.0\` |`);
    expect(first.summary).toContain(`| Digest | \`${firstDigest}\` |`);
    expect(first.summary).toMatch(/\| Size \| \d+(\.\d+)? (B|KiB) \(compressed layers\) \|/);
    expect(first.summary).toMatch(/\| Build time \| \d+\.\d s \|/);
    expect(first.summary).toContain('| Result | built and pushed |');
    expect(first.stdout).toContain(
      `Registry credentials for ${setup.registry.host}: from ${setup.sandbox.env.REGISTRY_AUTH_FILE}`,
    );
    const printed = first.stdout + first.stderr;
    // On a runner the password is masked (::add-mask::); it is never printed in the clear.
    expect(printed.replace(/^::add-mask::.*$/gm, '')).not.toContain(USER.password);
    expect(printed).not.toContain(Buffer.from(`${USER.username}:${USER.password}`).toString('base64'));
  });

  it('a rerun finds the tag, rebuilds nothing, overwrites nothing, and outputs the same digest', async () => {
    const manifestBefore = await manifestBytes(setup.registry, 'acme/orders', '1.4.0');
    const createdBefore = (await setup.registry.labels('acme/orders', '1.4.0'))[
      'org.opencontainers.image.created'
    ];
    const callsBefore = (await buildahCalls(setup)).length;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a rebuild would get another `created`

    const rerun = await release(setup, { service: 'orders', version: '1.4.0' });
    expect(rerun.exitCode, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.outputs).toMatchObject({ digest: firstDigest, version: '1.4.0' });
    expect(rerun.annotations).toContainEqual(
      expect.objectContaining({
        level: 'notice',
        message: expect.stringContaining(
          `${setup.registry.host}/acme/orders:1.4.0 is already in the registry (${firstDigest}); tags are immutable`,
        ) as string,
      }),
    );
    // The build step did not run, and the registry's manifest is byte for byte the one pushed first.
    expect(await buildahCalls(setup)).toHaveLength(callsBefore);
    expect(await manifestBytes(setup.registry, 'acme/orders', '1.4.0')).toBe(manifestBefore);
    expect(await setup.registry.digest('acme/orders', '1.4.0')).toBe(firstDigest);
    expect((await setup.registry.labels('acme/orders', '1.4.0'))['org.opencontainers.image.created']).toBe(
      createdBefore,
    );
    expect(rerun.summary).toContain(
      '| Result | already in the registry: tags are immutable, nothing was built or pushed |',
    );
    expect(rerun.summary).toContain('| Build time | — |');
  });

  it('push: false builds only: no push, no registry request, an empty digest', async () => {
    const callsBefore = (await buildahCalls(setup)).length;
    const tokensBefore = setup.registry.tokenRequests.length;
    const run = await release(setup, { service: 'catalog', version: '0.9.0', push: 'false' });
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);
    expect(run.outputs).toEqual({
      image: `${setup.registry.host}/acme/catalog:0.9.0`,
      digest: '',
      version: '0.9.0',
      'first-overlay': 'dev',
      'image-name': `${setup.registry.host}/acme/catalog`,
      attest: 'true',
    });
    const calls = (await buildahCalls(setup)).slice(callsBefore);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^build /);
    expect(setup.registry.tokenRequests).toHaveLength(tokensBefore);
    expect(await setup.registry.catalog()).toEqual(['acme/orders']);
    expect(run.summary).toContain('| Result | built only (push: false) |');
  });

  it('a failing build fails the release and pushes nothing', async () => {
    const context = join(setup.workspace, 'services', 'payments');
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY missing-file /x\n');
    const run = await release(setup, { service: 'payments', version: '2.0.0' });
    expect(run.exitCode).toBe(1);
    const errors = run.annotations.filter((a) => a.level === 'error');
    expect(errors.map((a) => a.message)).toEqual([
      expect.stringMatching(/^buildah build failed with exit code \d+: see its output above$/),
    ]);
    expect(run.outputs).toEqual({});
    expect(await setup.registry.tags('acme/payments')).toEqual([]);
    await git(setup.workspace, 'checkout', '--', 'services/payments/Dockerfile');
  });
});

describe('release: bad inputs change nothing', () => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp();
  });
  afterAll(() => setup?.dispose());
  beforeEach(async () => {
    await writeFile(setup.calls, '');
  });

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
    [
      { service: 'orders', version: '1.0.0', builder: 'kaniko' },
      "Input 'builder': 'kaniko' is not a supported builder",
    ],
    [{ service: 'orders', version: '1.0.0', push: 'maybe' }, "Input 'push': 'maybe' is not a boolean"],
  ])('%j exits 1 naming the input; nothing built, nothing pushed', async (inputs, message) => {
    const run = await release(setup, inputs);
    expect(run.exitCode).toBe(1);
    const errors = run.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message.startsWith(message), errors[0]!.message).toBe(true);
    expect(run.outputs).toEqual({});
    expect(await buildahCalls(setup)).toEqual([]);
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
      expect(await buildahCalls(setup)).toEqual([]);
      expect(await setup.registry.catalog()).toEqual([]);
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
  beforeEach(async () => {
    await writeFile(setup.calls, '');
    github.requests.length = 0;
  });

  const errorOf = (run: ActionRun): string | undefined =>
    run.annotations.find((a) => a.level === 'error')?.message;

  async function expectNothingBuiltOrPushed(run: ActionRun): Promise<void> {
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toEqual({});
    expect(await buildahCalls(setup)).toEqual([]);
    expect(setup.registry.tokenRequests).toEqual([]);
    expect(await setup.registry.catalog()).toEqual([]);
  }

  it('refuses someone in no allowed team, naming who may release; nothing built, nothing pushed', async () => {
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
    await expectNothingBuiltOrPushed(run);
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
    await expectNothingBuiltOrPushed(run);
    expect(github.requests.map((r) => r.status)).toEqual([200, 404, 404]);
  });

  it('without a token a team cannot be read: refused, naming the input', async () => {
    const run = await release(setup, { service: 'orders', version: '3.0.0' }, { actor: 'mona' });
    expect(errorOf(run)).toContain("no token was given (input 'token')");
    await expectNothingBuiltOrPushed(run);
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
    await expectNothingBuiltOrPushed(run);
    expect(github.requests.map((r) => r.operationId)).toEqual(['graphql']);
  });

  it('a member of an allowed team releases: one membership request, then the build and push', async () => {
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
    expect(await setup.registry.tags('acme/orders')).toEqual(['3.0.0']);
    expect(run.outputs.digest).toBe(await setup.registry.digest('acme/orders', '3.0.0'));
    expect(run.summary).toContain(
      `| \`mona\` | allowed: mona is a member of team ${setup.repo.owner}/release-managers |`,
    );
  });

  it('a re-run by someone not allowed is refused even though the original actor is allowed', async () => {
    const run = await runAction({
      action: join(suiteActionsDir(), 'release'),
      inputs: { builder: 'buildah', service: 'orders', version: '3.0.1' },
      workspace: setup.workspace,
      repository: `${setup.repo.owner}/${setup.repo.repo}`,
      token: 'unused',
      apiUrl: github.url,
      env: {
        ...setup.sandbox.env,
        PATH: `${setup.bin}:${process.env.PATH}`,
        GITHUB_ACTOR: 'release-manager',
        GITHUB_TRIGGERING_ACTOR: 'mallory',
      },
    });
    expect(run.exitCode).toBe(1);
    expect(errorOf(run)).toContain('cannot tell whether mallory may run a release of orders');
    expect(run.summary).toContain('| `release-manager` | allowed: release-manager is listed in');
    expect(await buildahCalls(setup)).toEqual([]);
    expect(await setup.registry.tags('acme/orders')).toEqual(['3.0.0']);
  });
});
