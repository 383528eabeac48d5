// The stand-ins for docker/setup-buildx-action and docker/build-push-action, run by the sandbox runner
// with real git, real buildah and a real registry: a service repository's workflow checks out its
// code and builds the sample service (services/orders) and a Dockerfile with a RUN step (on a
// busybox base image built here), pushes them, and a second run reuses the layer cache that the
// GitHub Actions cache stands in for. What the real action refuses, or the stand-in cannot do,
// fails the step with a clear message.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { createRepositoryHost, type RepositoryHost } from '../hosted-repositories.js';
import { seedFolder } from '../layout.js';
import {
  buildah,
  createBuildahSandbox,
  MANIFEST_ACCEPT,
  startRegistry,
  type BuildahSandbox,
  type LocalRegistry,
} from '../registry.js';
import type { SandboxRepository } from '../workspace.js';
import { runDispatched } from './dispatch-file.js';
import { formatProblem } from './parser.js';
import type { JobResult, WorkflowRunResult } from './types.js';

const BUILD_PUSH = 'docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a';
const SECRET = 's3cret-build-token-4711';

let registry: LocalRegistry;
let sandbox: BuildahSandbox;
let host: RepositoryHost;
let orders: SandboxRepository;
let github: GitHubStandIn;
let workspace: string;
let first: WorkflowRunResult;

const dispatch = (name: string, content: string): Promise<WorkflowRunResult> =>
  runDispatched({
    workspace,
    name,
    content,
    repository: orders,
    repositories: host,
    github,
    env: sandbox.env,
  });

/**
 * A job that checks out, sets up buildx (none, the default builder, or one used by name only), then
 * builds with `with`.
 */
const buildJob = (id: string, withLines: string[], options: { buildx?: false | 'named' } = {}): string =>
  [
    `  ${id}:`,
    '    runs-on: ubuntu-latest',
    '    outputs:',
    '      digest: ${{ steps.build.outputs.digest }}',
    '      imageid: ${{ steps.build.outputs.imageid }}',
    '      metadata: ${{ steps.build.outputs.metadata }}',
    '    steps:',
    '      - uses: actions/checkout@v5',
    ...(options.buildx === false
      ? []
      : ['      - id: buildx', '        uses: docker/setup-buildx-action@v3']),
    ...(options.buildx === 'named' ? ['        with:', '          use: false'] : []),
    '      - id: build',
    `        uses: ${BUILD_PUSH}`,
    '        with:',
    ...withLines.map((line) => `          ${line}`),
    '',
  ].join('\n');

const workflow = (jobs: string[]): string =>
  `name: build\non:\n  workflow_dispatch:\njobs:\n${jobs.join('')}`;

const job = (run: WorkflowRunResult, id: string): JobResult => run.jobs.find((j) => j.id === id)!;
const buildStep = (run: WorkflowRunResult, id: string) => job(run, id).steps.find((s) => s.id === 'build')!;
const ordersJob = (tag: string): string =>
  buildJob(tag.replaceAll('.', '-').replace(/^/, 'orders-'), [
    'context: orders',
    'push: true',
    `tags: ${registry.host}/acme/orders:${tag}`,
    'labels: org.opencontainers.image.source=https://github.com/acme/orders',
    'provenance: false',
    'cache-from: type=gha,scope=orders',
    'cache-to: type=gha,scope=orders,mode=max',
  ]);

beforeAll(async () => {
  registry = await startRegistry();
  sandbox = await createBuildahSandbox([registry]);
  // A base image with a shell: busybox-static on scratch, in the registry (BUILDAH_ISOLATION=chroot).
  const toolbox = await mkdtemp(join(tmpdir(), 'toolbox-'));
  await copyFile('/bin/busybox', join(toolbox, 'busybox'));
  await writeFile(
    join(toolbox, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n',
  );
  const base = `${registry.host}/toolbox:1`;
  const built = await buildah(sandbox, 'build', '--quiet', '--tag', base, toolbox);
  expect(built.exitCode, built.stderr).toBe(0);
  const pushed = await buildah(sandbox, 'push', '--quiet', base, `docker://${base}`);
  expect(pushed.exitCode, pushed.stderr).toBe(0);
  await rm(toolbox, { recursive: true, force: true });
  // The runs build in storage of their own: nothing the machine's storage holds may help them.
  await buildah(sandbox, 'rmi', '--all', '--force');

  host = createRepositoryHost();
  const seed = await seedFolder([
    ['orders/Dockerfile', await readFile('services/orders/Dockerfile', 'utf8')],
    ['orders/app/service.json', await readFile('services/orders/app/service.json', 'utf8')],
    [
      'tools/Dockerfile',
      [
        `FROM ${base}`,
        'ARG GREETING=unset',
        'LABEL greeting=$GREETING',
        'RUN --mount=type=secret,id=TOKEN echo "token: $(cat /run/secrets/TOKEN)"',
        '',
      ].join('\n'),
    ],
  ]);
  orders = await host.create({ owner: 'acme', repo: 'orders', source: seed, paths: ['orders', 'tools'] });
  await rm(seed, { recursive: true, force: true });
  workspace = await orders.checkout('caller');
  await mkdir(join(workspace, '.github/workflows'), { recursive: true });
  github = await startGitHubStandIn({ bareRepo: orders.origin, owner: 'acme', repo: 'orders', tokens: {} });
  first = await dispatch(
    'build.yaml',
    workflow([
      ordersJob('1.0.0'),
      buildJob(
        'tools',
        [
          'context: tools',
          'push: true',
          `tags: ${registry.host}/acme/tools:1`,
          'build-args: GREETING=hello, world',
          'labels: |',
          '  org.opencontainers.image.version=1.0.0',
          'secrets: |',
          `  TOKEN=${SECRET}`,
          'provenance: false',
          'builder: ${{ steps.buildx.outputs.name }}',
        ],
        { buildx: 'named' },
      ),
      buildJob('index', ['context: orders', 'push: true', `tags: ${registry.host}/acme/orders:index`]),
      buildJob('platforms', [
        'context: orders',
        'push: true',
        'platforms: linux/amd64,linux/arm64',
        `tags: ${registry.host}/acme/orders:multi`,
        'provenance: false',
      ]),
    ]),
  );
}, 240_000);

afterAll(async () => {
  await github?.close();
  await host?.dispose();
  await registry?.dispose();
  await sandbox?.dispose();
});

describe('docker/build-push-action in the sandbox', () => {
  it('builds and pushes: the digest output is what the registry serves for the tag', async () => {
    expect(first.problems.map(formatProblem)).toEqual([]);
    expect(first.jobs.map((j) => [j.id, j.status, j.steps.map((s) => s.error ?? '')])).toEqual(
      first.jobs.map((j) => [j.id, 'success', j.steps.map(() => '')]),
    );
    const outputs = job(first, 'orders-1-0-0').outputs;
    expect(outputs['digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await registry.digest('acme/orders', '1.0.0')).toBe(outputs['digest']);
    expect(outputs['imageid']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.parse(outputs['metadata']!)).toEqual({
      'containerimage.config.digest': outputs['imageid'],
      'containerimage.digest': outputs['digest'],
      'image.name': `${registry.host}/acme/orders:1.0.0`,
    });
    expect(await registry.labels('acme/orders', '1.0.0')).toMatchObject({
      'org.opencontainers.image.title': 'orders',
      'org.opencontainers.image.source': 'https://github.com/acme/orders',
    });
    expect(buildStep(first, 'orders-1-0-0').standIn?.reason).toMatch(
      /stood in by buildah from PATH \(builder builder-[0-9a-f-]+, driver docker-container\) in fresh vfs storage/,
    );
    // Fresh storage each build: the machine's own storage was never used.
    expect((await buildah(sandbox, 'images', '--quiet')).stdout).toBe('');
  });

  it('passes build arguments, labels and a secret the RUN step reads, never showing its value', async () => {
    expect(await registry.labels('acme/tools', '1')).toMatchObject({
      greeting: 'hello, world',
      'org.opencontainers.image.version': '1.0.0',
    });
    const step = buildStep(first, 'tools');
    expect(step.log).toContain('token: ***');
    // Built with the builder setup-buildx made (use: false), named by its output.
    const builder = job(first, 'tools').steps.find((s) => s.id === 'buildx')!.outputs['name'];
    expect(step.standIn?.reason).toContain(`(builder ${builder}, driver docker-container)`);
    const everything = JSON.stringify(first.jobs.map((j) => j.steps.map((s) => [s.log, s.error, s.outputs])));
    expect(everything).not.toContain(SECRET);
    expect(await registry.digest('acme/tools', '1')).toBe(job(first, 'tools').outputs['digest']);
  });

  it('pushes an image index where buildx would: default provenance, several platforms', async () => {
    const manifestOf = async (tag: string) =>
      (await (
        await registry.request(`/v2/acme/orders/manifests/${tag}`, { accept: MANIFEST_ACCEPT })
      ).json()) as {
        mediaType: string;
        manifests?: { platform: { architecture: string } }[];
      };
    const index = await manifestOf('index');
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests!.map((m) => m.platform.architecture)).toEqual(['amd64']);
    expect(buildStep(first, 'index').standIn?.reason).toMatch(
      /image index without the provenance attestation/,
    );
    const multi = await manifestOf('multi');
    expect(multi.manifests!.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    const platforms = job(first, 'platforms').outputs;
    expect(await registry.digest('acme/orders', 'multi')).toBe(platforms['digest']);
    // Several platforms have no one image config: the image id is the index's digest, as buildx's.
    expect(platforms['imageid']).toBe(platforms['digest']);
    expect(JSON.parse(platforms['metadata']!)).not.toHaveProperty(['containerimage.config.digest']);
    // One platform in an index keeps its config digest as the image id.
    const single = job(first, 'index').outputs;
    expect(single['imageid']).not.toBe(single['digest']);
    expect(JSON.parse(single['metadata']!)['containerimage.config.digest']).toBe(single['imageid']);
    expect((await manifestOf('1.0.0')).mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('reuses the GitHub Actions cache (a registry repository) in a new run, in fresh storage', async () => {
    expect(buildStep(first, 'orders-1-0-0').log).toContain(
      `Pushing cache ${registry.host}/actions-cache/acme/orders/orders/linux-amd64:`,
    );
    const second = await dispatch('again.yaml', workflow([ordersJob('1.0.1')]));
    const step = buildStep(second, 'orders-1-0-1');
    expect(step.status, step.error).toBe('success');
    expect(step.log).toContain(
      `Cache pulled from remote ${registry.host}/actions-cache/acme/orders/orders/linux-amd64:`,
    );
    expect(step.log).toMatch(/Using cache/);
    expect(step.log).not.toMatch(/Pushing cache/);
    // Every layer came from the cache: the very same image, not a rebuild.
    expect(step.outputs['imageid']).toBe(job(first, 'orders-1-0-0').outputs['imageid']);
    expect(await registry.digest('acme/orders', '1.0.1')).toBe(step.outputs['digest']);
  });

  it('fails clearly where the real action fails, or the stand-in cannot follow', async () => {
    const failing = await dispatch(
      'failing.yaml',
      workflow([
        buildJob('local-cache', ['context: orders', 'cache-from: type=local,src=/tmp/cache']),
        buildJob('git-context', ['push: false']),
        buildJob('provenance', ['context: orders', 'provenance: true']),
        buildJob('no-dockerfile', ['context: orders', 'file: nowhere/Dockerfile']),
        buildJob(
          'docker-driver',
          [
            'context: orders',
            'push: true',
            `tags: ${registry.host}/acme/orders:x`,
            'cache-to: type=gha,mode=max',
          ],
          { buildx: false },
        ),
        buildJob('min-mode', [
          'context: orders',
          'push: true',
          `tags: ${registry.host}/acme/orders:y`,
          'cache-to: type=gha',
        ]),
        buildJob('load', ['context: orders', 'load: true']),
        buildJob('unknown-builder', ['context: orders', 'builder: nope']),
      ]),
    );
    const errors = Object.fromEntries(failing.jobs.map((j) => [j.id, buildStep(failing, j.id).error]));
    expect(errors).toEqual({
      'local-cache':
        'cache-from: type=local is not stood in by the sandbox; only type=gha (the GitHub Actions cache) is',
      'git-context': expect.stringMatching(
        /^context: empty means the Git context of the commit; .*set context/,
      ),
      provenance: expect.stringMatching(
        /^provenance: true: buildah makes no BuildKit attestation; set provenance: false/,
      ),
      'no-dockerfile': expect.stringMatching(
        /^buildah build failed with exit code \d+: .*nowhere\/Dockerfile/s,
      ),
      'docker-driver': expect.stringMatching(
        /^ERROR: failed to build: Cache export is not supported for the docker driver/,
      ),
      'min-mode': expect.stringMatching(
        /^cache-to: mode=min caches the final stage only.*has 2: set mode=max$/,
      ),
      load: 'load: there is no Docker engine in the sandbox to load the image into; use push',
      'unknown-builder': 'ERROR: no builder "nope" found',
    });
    expect(await registry.tags('acme/orders')).not.toContain('x');
  });
});
