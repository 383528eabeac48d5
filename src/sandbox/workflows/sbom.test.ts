// The SBOM attestation of a released image in the sandbox, with real git, the real docker-registry
// and buildah: services/orders is built and pushed, then acme/orders calls the suite's reusable
// workflow at a tag, whose job runs the stand-ins for anchore/sbom-action and actions/attest with
// `sbom-path`. The SPDX document is valid against SPDX 2.3's own JSON schema and describes the pushed
// digest and the file the image ships; the attestation lands in acme/orders with the SPDX predicate
// type, signed as the suite's workflow; and `gh attestation verify` still counts only build
// provenance unless asked for the SBOM's predicate type. Each way the real actions fail, fails.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateIdentity, SLSA_PROVENANCE_V1, type StoredAttestation } from '../github/attestations.js';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { createRepositoryHost, type RepositoryHost } from '../hosted-repositories.js';
import { seedFolder } from '../layout.js';
import { git } from '../process.js';
import {
  buildah,
  createBuildahSandbox,
  startRegistry,
  type BuildahSandbox,
  type LocalRegistry,
} from '../registry.js';
import type { SandboxRepository } from '../workspace.js';
import { runDispatched } from './dispatch-file.js';
import { formatProblem } from './parser.js';
import { SBOM_STAND_IN_TOOL } from './sbom.js';
import type { JobResult, WorkflowRunResult } from './types.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SBOM_ACTION = 'anchore/sbom-action@e22c389904149dbc22b58101806040fa8d37a610 # v0.24.0';
const ATTEST = 'actions/attest@1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2';
const SPDX_2_3 = 'https://spdx.dev/Document/v2.3';
const SIGNER = 'https://github.com/acme/gitops-promotion/.github/workflows/sbom.yaml@refs/tags/v1';

/** The suite's reusable workflow: SBOM of the image, its attestation, and what gh then verifies. */
const SUITE_SBOM = `name: sbom
on:
  workflow_call:
    inputs:
      image: { type: string, required: true }
      digest: { type: string, required: true }
jobs:
  attest:
    runs-on: ubuntu-latest
    permissions: { id-token: write, attestations: write, contents: read }
    outputs:
      id: \${{ steps.attest.outputs.attestation-id }}
      provenance: \${{ steps.provenance.outputs.verified }}
      sbom: \${{ steps.sbom.outputs.verified }}
    steps:
      - name: Generate the SBOM of the image
        uses: ${SBOM_ACTION}
        with:
          image: \${{ inputs.image }}@\${{ inputs.digest }}
          format: spdx-json
          output-file: sbom.spdx.json
          upload-artifact: false
      - name: Attest the SBOM
        id: attest
        uses: ${ATTEST}
        with:
          subject-name: \${{ inputs.image }}
          subject-digest: \${{ inputs.digest }}
          sbom-path: sbom.spdx.json
          push-to-registry: true
      - id: provenance
        env:
          GH_TOKEN: \${{ github.token }}
          IMAGE: oci://\${{ inputs.image }}@\${{ inputs.digest }}
        run: |
          if gh attestation verify "$IMAGE" --repo acme/orders; then verified=yes; else verified=no; fi
          echo "verified=$verified" >> "$GITHUB_OUTPUT"
      - id: sbom
        env:
          GH_TOKEN: \${{ github.token }}
          IMAGE: oci://\${{ inputs.image }}@\${{ inputs.digest }}
        run: |
          if gh attestation verify "$IMAGE" --repo acme/orders --predicate-type ${SPDX_2_3} \\
            --signer-workflow acme/gitops-promotion/.github/workflows/sbom.yaml; then verified=yes; else verified=no; fi
          echo "verified=$verified" >> "$GITHUB_OUTPUT"
`;

const SPDX_MINIMAL = '{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"minimal"}';
const CYCLONEDX =
  '{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1}';

const USER = { username: 'release-bot', password: 'registry-s3cret-Pa55' };

let registry: LocalRegistry;
/** A registry behind token authentication, as GHCR is for a private package. */
let privateRegistry: LocalRegistry;
let buildahSandbox: BuildahSandbox;
let host: RepositoryHost;
let orders: SandboxRepository;
let github: GitHubStandIn;
let image: string;
let digest: string;
let privateImage: string;
let workspace: string;
let result: WorkflowRunResult;

/** A job of the caller: an optional setup script, then one attest step with these inputs. */
const attestJob = (
  id: string,
  options: { permissions?: string; setup?: string; with: string },
): string => `  ${id}:
    runs-on: ubuntu-latest
    permissions: ${options.permissions ?? '{ id-token: write, attestations: write }'}
    outputs:
      id: \${{ steps.attest.outputs.attestation-id }}
    steps:
${options.setup ? `      - run: |\n          ${options.setup}\n` : ''}      - id: attest
        uses: ${ATTEST}
        with:
          subject-name: \${{ inputs.image }}
${options.with
  .trim()
  .split('\n')
  .map((line) => `          ${line.trim()}`)
  .join('\n')}
`;

const caller = (): string =>
  `name: release
on:
  workflow_dispatch:
jobs:
  release:
    permissions: { id-token: write, attestations: write, contents: read }
    uses: acme/gitops-promotion/.github/workflows/sbom.yaml@v1
    with:
      image: ${image}
      digest: ${digest}
  unknown-image:
    runs-on: ubuntu-latest
    steps:
      - uses: ${SBOM_ACTION}
        with:
          image: ${image}@sha256:${'e'.repeat(64)}
          output-file: sbom.spdx.json
          upload-artifact: false
  private-anonymous:
    runs-on: ubuntu-latest
    steps:
      - uses: ${SBOM_ACTION}
        with:
          image: ${privateImage}@${digest}
          output-file: sbom.spdx.json
          upload-artifact: false
  private-login:
    runs-on: ubuntu-latest
    steps:
      - uses: ${SBOM_ACTION}
        with:
          image: ${privateImage}@${digest}
          registry-username: ${USER.username}
          registry-password: ${USER.password}
          output-file: sbom.spdx.json
  folder:
    runs-on: ubuntu-latest
    steps:
      - uses: ${SBOM_ACTION}
        with:
          path: .
          upload-artifact: false
${[
  attestJob('missing', { with: `subject-digest: ${digest}\nsbom-path: missing.spdx.json` }),
  attestJob('not-json', {
    setup: `echo 'not json' > sbom.json`,
    with: `subject-digest: ${digest}\nsbom-path: sbom.json`,
  }),
  attestJob('not-sbom', {
    setup: `echo '{"name": "x"}' > sbom.json`,
    with: `subject-digest: ${digest}\nsbom-path: sbom.json`,
  }),
  attestJob('too-big', {
    setup: 'truncate -s 16777217 sbom.json',
    with: `subject-digest: ${digest}\nsbom-path: sbom.json`,
  }),
  attestJob('with-predicate', {
    setup: `echo '${SPDX_MINIMAL}' > sbom.json`,
    with: `subject-digest: ${digest}\nsbom-path: sbom.json\npredicate-type: ${SPDX_2_3}`,
  }),
  attestJob('no-id-token', {
    permissions: '{ attestations: write }',
    setup: `echo '${SPDX_MINIMAL}' > sbom.json`,
    with: `subject-digest: ${digest}\nsbom-path: sbom.json`,
  }),
  attestJob('no-attestations', {
    permissions: '{ id-token: write, contents: read }',
    setup: `echo '${SPDX_MINIMAL}' > sbom.json`,
    with: `subject-digest: ${digest}\nsbom-path: sbom.json`,
  }),
  attestJob('cyclonedx', {
    setup: `echo '${CYCLONEDX}' > bom.json`,
    with: `subject-digest: ${digest}\nsbom-path: bom.json`,
  }),
  attestJob('provenance', { with: `subject-digest: sha256:${'cd'.repeat(32)}` }),
].join('')}`.replaceAll('${{ inputs.image }}', image);

const job = (run: WorkflowRunResult, path: string): JobResult => {
  const [first, ...rest] = path.split('/');
  let found = run.jobs.find((j) => j.id === first)!;
  for (const id of rest) found = found.call!.jobs.find((j) => j.id === id)!;
  return found;
};
const stored = (): readonly StoredAttestation[] => github.repository('acme/orders').attestations;
const attestationOf = (id: string) => stored().find((a) => String(a.id) === id)!;
const statementOf = (attestation: StoredAttestation) => {
  const envelope = attestation.bundle['dsseEnvelope'] as { payload: string };
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
    subject: { name: string; digest: { sha256: string } }[];
    predicateType: string;
    predicate: Record<string, unknown>;
  };
};
const errorOf = (path: string): string | undefined => job(result, path).steps.at(-1)!.error;

beforeAll(async () => {
  registry = await startRegistry();
  privateRegistry = await startRegistry({ auth: USER });
  buildahSandbox = await createBuildahSandbox([registry, privateRegistry]);
  image = `${registry.host}/acme/orders`;
  privateImage = `${privateRegistry.host}/acme/orders`;
  const context = join(ROOT, 'services/orders');
  const built = await buildah(buildahSandbox, 'build', '--quiet', `--tag=${image}:1.0.0`, context);
  expect(built.exitCode, built.stderr).toBe(0);
  for (const to of [image, privateImage]) {
    const pushed = await buildah(buildahSandbox, 'push', '--quiet', `${image}:1.0.0`, `docker://${to}:1.0.0`);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
  }
  digest = (await registry.digest('acme/orders', '1.0.0'))!;
  expect(await privateRegistry.digest('acme/orders', '1.0.0')).toBe(digest);

  host = createRepositoryHost();
  const suiteSeed = await seedFolder([['.github/workflows/sbom.yaml', SUITE_SBOM]]);
  const suite = await host.create({
    owner: 'acme',
    repo: 'gitops-promotion',
    source: suiteSeed,
    paths: ['.github'],
  });
  await git(suite.root, '--git-dir', suite.origin, 'tag', 'v1', 'main');
  const ordersSeed = await seedFolder([['Dockerfile', 'FROM scratch\n']]);
  orders = await host.create({ owner: 'acme', repo: 'orders', source: ordersSeed, paths: ['Dockerfile'] });
  await rm(suiteSeed, { recursive: true, force: true });
  await rm(ordersSeed, { recursive: true, force: true });
  workspace = await orders.checkout('caller');
  await mkdir(join(workspace, '.github/workflows'), { recursive: true });
  github = await startGitHubStandIn({ bareRepo: orders.origin, owner: 'acme', repo: 'orders', tokens: {} });
  result = await runDispatched({
    workspace,
    name: 'release.yaml',
    content: caller(),
    repository: orders,
    repositories: host,
    github,
  });
}, 240_000);

afterAll(async () => {
  await github?.close();
  await host?.dispose();
  await buildahSandbox?.dispose();
  await registry?.dispose();
  await privateRegistry?.dispose();
});

describe('an SBOM attestation in the sandbox', () => {
  it('writes an SPDX 2.3 document of the pushed digest and the files the image ships', async () => {
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(job(result, 'release/attest').status).toBe('success');
    const sbom = statementOf(attestationOf(job(result, 'release/attest').outputs['id']!)).predicate;

    const schema = JSON.parse(await readFile(join(ROOT, 'test/fixtures/spdx/spdx-schema-2.3.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(sbom) ? [] : validate.errors).toEqual([]);
    // What the schema leaves to the specification's text: unique SPDX ids of the allowed characters,
    // a document namespace that is an absolute URI without '#', a SHA-1 for every file.
    const ids = [sbom, ...(sbom['packages'] as object[]), ...(sbom['files'] as object[])].map(
      (element) => (element as { SPDXID: string }).SPDXID,
    );
    expect(ids.every((id) => /^SPDXRef-[A-Za-z0-9.-]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new URL(String(sbom['documentNamespace'])).hash).toBe('');

    const hex = digest.slice('sha256:'.length);
    expect(sbom).toMatchObject({
      spdxVersion: 'SPDX-2.3',
      name: `${image}@${digest}`,
      creationInfo: { creators: [`Tool: ${SBOM_STAND_IN_TOOL}`] },
      packages: [
        {
          name: image,
          versionInfo: digest,
          checksums: [{ algorithm: 'SHA256', checksumValue: hex }],
          primaryPackagePurpose: 'CONTAINER',
        },
      ],
    });
    const [root] = sbom['packages'] as { SPDXID: string }[];
    expect(sbom['relationships']).toContainEqual({
      spdxElementId: 'SPDXRef-DOCUMENT',
      relatedSpdxElement: root!.SPDXID,
      relationshipType: 'DESCRIBES',
    });
    // services/orders ships app/service.json as /srv/orders/service.json, and nothing else.
    const payload = await readFile(join(ROOT, 'services/orders/app/service.json'));
    const hash = (algorithm: string) => createHash(algorithm).update(payload).digest('hex');
    expect(sbom['files']).toEqual([
      expect.objectContaining({
        fileName: './srv/orders/service.json',
        checksums: [
          { algorithm: 'SHA1', checksumValue: hash('sha1') },
          { algorithm: 'SHA256', checksumValue: hash('sha256') },
        ],
      }),
    ]);
    const standIn = result.standIns.find((s) => s.uses.startsWith('anchore/sbom-action'))!;
    expect(standIn.reason).toContain(
      `SPDX 2.3 document of ${image}@${digest} (1 file of its layers, no packages cataloged)`,
    );
  });

  it('stores the attestation in the caller’s repository with the SPDX predicate type, signed as the suite', () => {
    const attestation = attestationOf(job(result, 'release/attest').outputs['id']!);
    expect(attestation.predicateType).toBe(SPDX_2_3);
    expect(attestation.subjects).toEqual([{ name: image, digest }]);
    const material = attestation.bundle['verificationMaterial'] as { certificate: { rawBytes: string } };
    expect(certificateIdentity(material.certificate.rawBytes)).toMatchObject({
      subjectAlternativeName: SIGNER,
      sourceRepositoryUri: 'https://github.com/acme/orders',
    });
    expect(github.violations).toEqual([]);
  });

  it('leaves gh attestation verify to build provenance unless asked for the SBOM’s predicate type', () => {
    const verify = job(result, 'release/attest');
    expect(verify.outputs).toMatchObject({ provenance: 'no', sbom: 'yes' });
    expect(verify.steps.find((s) => s.id === 'provenance')!.log).toContain('HTTP 404: Not Found');
    // An attestation made by actions/attest without sbom-path is build provenance, and verifies so.
    expect(job(result, 'provenance').status).toBe('success');
    expect(attestationOf(job(result, 'provenance').outputs['id']!).predicateType).toBe(SLSA_PROVENANCE_V1);
  });

  it('takes a CycloneDX SBOM too, with CycloneDX’s predicate type', () => {
    const attestation = attestationOf(job(result, 'cyclonedx').outputs['id']!);
    expect(attestation.predicateType).toBe('https://cyclonedx.org/bom');
    expect(statementOf(attestation).predicate['bomFormat']).toBe('CycloneDX');
  });

  it('fails as syft does for an image the registry does not serve, and refuses a folder scan', () => {
    expect(job(result, 'unknown-image').status).toBe('failure');
    expect(errorOf('unknown-image')).toMatch(
      /^An error occurred running Syft: could not determine source: .*@sha256:e{64}: GET manifest sha256:e{64} of .* answered HTTP 404: MANIFEST_UNKNOWN/,
    );
    expect(errorOf('folder')).toBe(
      'the sandbox stands in for anchore/sbom-action with an image only; it cannot scan the folder .',
    );
  });

  it('reads a private image only with the registry login the step gives', () => {
    expect(errorOf('private-anonymous')).toMatch(
      /^An error occurred running Syft: could not determine source: .*: 127\.0\.0\.1:\d+ refused reading the manifest sha256:[0-9a-f]{64} without credentials \(HTTP 401/,
    );
    expect(job(result, 'private-login').status).toBe('success');
    const reason = result.standIns.find((s) => s.job === 'private-login')!.reason;
    expect(reason).toContain(`SPDX 2.3 document of ${privateImage}@${digest} (1 file of its layers`);
    // upload-artifact defaults to true: the sandbox says it keeps no artifact (named as the action names it).
    expect(reason).toContain(
      `not uploaded as the workflow artifact acme-orders_sha256_${digest.slice(7)}.spdx.json (the sandbox keeps no artifacts)`,
    );
  });

  it('reads a private image with the runner’s own registry login too (docker login, buildah login)', async () => {
    const run = await runDispatched({
      workspace,
      name: 'private.yaml',
      content: `name: private
on:
  workflow_dispatch:
jobs:
  private:
    runs-on: ubuntu-latest
    steps:
      - uses: ${SBOM_ACTION}
        with:
          image: ${privateImage}@${digest}
          output-file: sbom.spdx.json
          upload-artifact: false
`,
      repository: orders,
      repositories: host,
      github,
      env: buildahSandbox.env,
    });
    expect(job(run, 'private').status).toBe('success');
    expect(run.standIns[0]!.reason).toContain(`SPDX 2.3 document of ${privateImage}@${digest}`);
  });

  it('refuses a missing, non-JSON, non-SBOM or oversized SBOM, as actions/attest does', () => {
    expect(errorOf('missing')).toBe('SBOM file not found');
    // JSON.parse's own words, as the action reports them.
    expect(errorOf('not-json')).toBe(`SyntaxError: Unexpected token 'o', "not json\n" is not valid JSON`);
    expect(errorOf('not-sbom')).toBe('Unsupported SBOM format. Must be valid SPDX or CycloneDX JSON.');
    expect(errorOf('too-big')).toBe('SBOM file exceeds maximum allowed size: 16777216 bytes');
    expect(errorOf('with-predicate')).toBe(
      'Cannot specify sbom-path together with predicate-type, predicate, or predicate-path',
    );
  });

  it('fails without id-token: write or attestations: write, and stores only what succeeded', () => {
    expect(errorOf('no-id-token')).toBe(
      'missing "id-token" permission. Please add "permissions: id-token: write" to your workflow.',
    );
    expect(errorOf('no-attestations')).toBe(
      'Failed to persist attestation: Resource not accessible by integration',
    );
    expect(
      stored()
        .map((a) => a.predicateType)
        .sort(),
    ).toEqual([SPDX_2_3, 'https://cyclonedx.org/bom', SLSA_PROVENANCE_V1].sort());
  });
});
