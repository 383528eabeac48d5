// The stand-in for actions/attest-build-provenance, run by the sandbox runner with real git: a
// service repository (acme/orders) calls the suite's reusable workflow at a tag, and the attestation
// lands in acme/orders through the attestations API with the identity GitHub's OIDC token would
// give: the suite's workflow file at that tag as the signer, acme/orders as the source. Without
// `id-token: write` or `attestations: write` the step fails as the real action does.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateIdentity, SLSA_PROVENANCE_V1 } from '../github/attestations.js';
import { startGitHubStandIn, type GitHubStandIn } from '../github/index.js';
import { createRepositoryHost, type RepositoryHost } from '../hosted-repositories.js';
import { git } from '../process.js';
import type { SandboxRepository } from '../workspace.js';
import { formatProblem } from './parser.js';
import type { JobResult, WorkflowRunResult } from './types.js';
import { runDispatched } from './dispatch-file.js';
import { seedFolder } from '../layout.js';

const seedFiles = (files: Record<string, string>) => seedFolder(Object.entries(files));

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const ATTEST = 'actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32';
const attestJob = (id: string, permissions: string): string => `  ${id}:
    runs-on: ubuntu-latest
    permissions: ${permissions}
    outputs:
      id: \${{ steps.attest.outputs.attestation-id }}
    steps:
      - id: attest
        uses: ${ATTEST}
        with:
          subject-name: registry.example:5000/acme/orders
          subject-digest: ${DIGEST}
          push-to-registry: true
`;

const BUILD = `name: build
on:
  workflow_call:
jobs:
${attestJob('attest', '{ id-token: write, attestations: write }')}  nested:
    permissions: { id-token: write, attestations: write }
    uses: $/.github/workflows/inner.yaml
${attestJob('no-id-token', '{ attestations: write }')}${attestJob('no-attestations', '{ id-token: write, contents: read }')}`;

const INNER = `name: inner
on:
  workflow_call:
jobs:
${attestJob('inner', '{ id-token: write, attestations: write }')}`;

let host: RepositoryHost;
let orders: SandboxRepository;
let github: GitHubStandIn;
let workspace: string;
let result: WorkflowRunResult;

const dispatch = (name: string, content: string): Promise<WorkflowRunResult> =>
  runDispatched({ workspace, name, content, repository: orders, repositories: host, github });

const job = (run: WorkflowRunResult, path: string): JobResult => {
  const [first, ...rest] = path.split('/');
  let found = run.jobs.find((j) => j.id === first)!;
  for (const id of rest) found = found.call!.jobs.find((j) => j.id === id)!;
  return found;
};

beforeAll(async () => {
  host = createRepositoryHost();
  const suiteSeed = await seedFiles({
    '.github/workflows/build.yaml': BUILD,
    '.github/workflows/inner.yaml': INNER,
  });
  const suite = await host.create({
    owner: 'acme',
    repo: 'gitops-promotion',
    source: suiteSeed,
    paths: ['.github'],
  });
  await git(suite.root, '--git-dir', suite.origin, 'tag', 'v1', 'main');
  const ordersSeed = await seedFiles({ Dockerfile: 'FROM scratch\n' });
  orders = await host.create({ owner: 'acme', repo: 'orders', source: ordersSeed, paths: ['Dockerfile'] });
  await rm(suiteSeed, { recursive: true, force: true });
  await rm(ordersSeed, { recursive: true, force: true });
  workspace = await orders.checkout('caller');
  await mkdir(join(workspace, '.github/workflows'), { recursive: true });
  github = await startGitHubStandIn({ bareRepo: orders.origin, owner: 'acme', repo: 'orders', tokens: {} });
  result = await dispatch(
    'release.yaml',
    `name: release
on:
  workflow_dispatch:
jobs:
  release:
    permissions: { id-token: write, attestations: write, contents: read }
    uses: acme/gitops-promotion/.github/workflows/build.yaml@v1
${attestJob('own', '{ id-token: write, attestations: write }')}`,
  );
});

afterAll(async () => {
  await github?.close();
  await host?.dispose();
});

const stored = () => github.repository('acme/orders').attestations;
const identityOf = (id: string) => {
  const attestation = stored().find((a) => String(a.id) === id)!;
  const material = attestation.bundle['verificationMaterial'] as { certificate: { rawBytes: string } };
  return certificateIdentity(material.certificate.rawBytes)!;
};

describe('actions/attest-build-provenance in the sandbox', () => {
  it('records the attestation in the run’s repository, with the subject and SLSA provenance', () => {
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(job(result, 'release/attest').status).toBe('success');
    const id = job(result, 'release/attest').outputs['id']!;
    const attestation = stored().find((a) => String(a.id) === id)!;
    expect(attestation.subjects).toEqual([{ name: 'registry.example:5000/acme/orders', digest: DIGEST }]);
    expect(attestation.predicateType).toBe(SLSA_PROVENANCE_V1);
    const envelope = attestation.bundle['dsseEnvelope'] as { payload: string; payloadType: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    expect(statement.predicate.runDetails.builder.id).toBe(
      'https://github.com/acme/gitops-promotion/.github/workflows/build.yaml@refs/tags/v1',
    );
    expect(statement.predicate.buildDefinition.externalParameters.workflow).toEqual({
      ref: 'refs/heads/main',
      repository: 'https://github.com/acme/orders',
      path: '.github/workflows/release.yaml',
    });
    expect(job(result, 'release/attest').steps[0]).toMatchObject({ kind: 'stand-in', status: 'success' });
  });

  it('signs as the called workflow file at its ref, for the caller’s repository', () => {
    expect(identityOf(job(result, 'release/attest').outputs['id']!)).toMatchObject({
      subjectAlternativeName:
        'https://github.com/acme/gitops-promotion/.github/workflows/build.yaml@refs/tags/v1',
      sourceRepositoryUri: 'https://github.com/acme/orders',
      sourceRepositoryOwnerUri: 'https://github.com/acme',
      sourceRepositoryRef: 'refs/heads/main',
      issuer: 'https://token.actions.githubusercontent.com',
    });
    // A workflow the called one calls with $/ signs as itself, at the same ref.
    expect(identityOf(job(result, 'release/nested/inner').outputs['id']!).subjectAlternativeName).toBe(
      'https://github.com/acme/gitops-promotion/.github/workflows/inner.yaml@refs/tags/v1',
    );
    // The run's own workflow signs as itself.
    expect(identityOf(job(result, 'own').outputs['id']!).subjectAlternativeName).toBe(
      'https://github.com/acme/orders/.github/workflows/release.yaml@refs/heads/main',
    );
    expect(stored()).toHaveLength(3);
  });

  it('fails without id-token: write (no OIDC token) and without attestations: write (403)', () => {
    expect(job(result, 'release/no-id-token')).toMatchObject({ status: 'failure' });
    expect(job(result, 'release/no-id-token').steps[0]!.error).toMatch(
      /missing "id-token" permission. Please add "permissions: id-token: write" to your workflow./,
    );
    expect(job(result, 'release/no-attestations').steps[0]!.error).toBe(
      'Failed to persist attestation: Resource not accessible by integration',
    );
    expect(github.violations).toEqual([]);
  });

  it('refuses a call whose nested job asks more than the calling job has, as GitHub does', async () => {
    const refused = await dispatch(
      'short.yaml',
      `name: short
on:
  workflow_dispatch:
jobs:
  release:
    permissions: { attestations: write, contents: read }
    uses: acme/gitops-promotion/.github/workflows/inner.yaml@v1
`,
    );
    expect(refused.conclusion).toBe('failure');
    expect(job(refused, 'release')).toMatchObject({
      status: 'failure',
      errors: [
        "Error calling workflow 'acme/gitops-promotion/.github/workflows/inner.yaml@v1'. The nested job 'inner' is requesting 'id-token: write', but is only allowed 'id-token: none'.",
      ],
    });
    expect(job(refused, 'release').call).toBeUndefined();
  });
});
