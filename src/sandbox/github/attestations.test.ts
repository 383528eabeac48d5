// The artifact attestations API of the stand-in over HTTP, held to GitHub's OpenAPI description:
// stored per repository, listed by subject digest and predicate type, 404 when none match, and
// refused to a token without the attestations permission or a bundle the sandbox did not certify.
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GITHUB_OIDC_ISSUER,
  SLSA_PROVENANCE_V1,
  issueSigningCertificate,
  sandboxBundle,
  type InTotoStatement,
  type SigningIdentity,
} from './attestations.js';
import { createGitFixture, type GitFixture } from './fixture.js';
import { startGitHubStandIn, type GitHubStandIn } from './server.js';

let gitops: GitFixture;
let orders: GitFixture;
let gh: GitHubStandIn;

beforeEach(async () => {
  gitops = await createGitFixture({ 'README.md': 'gitops\n' });
  orders = await createGitFixture({ Dockerfile: 'FROM scratch\n' });
  gh = await startGitHubStandIn({
    bareRepo: gitops.bare,
    owner: 'acme',
    repo: 'gitops',
    tokens: {
      'orders-run': {
        login: 'github-actions[bot]',
        type: 'Bot',
        isGithubToken: true,
        repositories: ['acme/orders'],
      },
      'gitops-only': { login: 'promotion-app[bot]', type: 'Bot', repositories: ['acme/gitops'] },
      'app-no-attestations': {
        login: 'promotion-app[bot]',
        type: 'Bot',
        permissions: { contents: 'write', metadata: 'read' },
      },
      'app-read-attestations': {
        login: 'promotion-app[bot]',
        type: 'Bot',
        permissions: { attestations: 'read', metadata: 'read' },
      },
    },
    repositories: [{ bareRepo: orders.bare, owner: 'acme', repo: 'orders' }],
  });
});

afterEach(async () => {
  expect(gh.violations, 'every request and answer satisfies GitHub’s description').toEqual([]);
  await gh.close();
  await gitops.cleanup();
  await orders.cleanup();
});

const client = (token: string) => getOctokit(token, { baseUrl: gh.url });
const DIGEST = 'a'.repeat(64);
const IDENTITY: SigningIdentity = {
  subjectAlternativeName:
    'https://github.com/acme/gitops-promotion/.github/workflows/service-release.yaml@refs/tags/v1',
  issuer: GITHUB_OIDC_ISSUER,
  sourceRepositoryUri: 'https://github.com/acme/orders',
  sourceRepositoryOwnerUri: 'https://github.com/acme',
  sourceRepositoryDigest: 'b'.repeat(40),
  sourceRepositoryRef: 'refs/heads/main',
  buildSignerUri:
    'https://github.com/acme/gitops-promotion/.github/workflows/service-release.yaml@refs/tags/v1',
  runInvocationUri: 'https://github.com/acme/orders/actions/runs/1/attempts/1',
  runnerEnvironment: 'github-hosted',
};
const statement = (digest = DIGEST, predicateType = SLSA_PROVENANCE_V1): InTotoStatement => ({
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'ghcr.io/acme/orders', digest: { sha256: digest } }],
  predicateType,
  predicate: {},
});
const create = (token: string, bundle: Record<string, unknown>, repo = 'orders') =>
  client(token).request('POST /repos/{owner}/{repo}/attestations', { owner: 'acme', repo, bundle });
const list = (token: string, digest: string, query: Record<string, string> = {}, repo = 'orders') =>
  client(token).request('GET /repos/{owner}/{repo}/attestations/{subject_digest}', {
    owner: 'acme',
    repo,
    subject_digest: digest,
    ...query,
  });

describe('the attestations API of the stand-in', () => {
  it('stores a bundle in the repository it was posted to and lists it by subject digest', async () => {
    const bundle = sandboxBundle(statement(), IDENTITY);
    const created = await create('orders-run', bundle);
    expect(created.status).toBe(201);
    expect(created.data.id).toEqual(expect.any(Number));

    const listed = await list('orders-run', `sha256:${DIGEST}`);
    expect(listed.data.attestations).toEqual([{ bundle, repository_id: expect.any(Number) }]);
    expect(gh.repository('acme/orders').attestations.map((a) => [a.id, a.predicateType, a.subjects])).toEqual(
      [[created.data.id, SLSA_PROVENANCE_V1, [{ name: 'ghcr.io/acme/orders', digest: `sha256:${DIGEST}` }]]],
    );
    expect(gh.repository('acme/gitops').attestations).toEqual([]);
  });

  it('filters by predicate type, by short name or URI, and answers 404 when nothing matches', async () => {
    await create('orders-run', sandboxBundle(statement(), IDENTITY));
    await expect(
      list('orders-run', `sha256:${DIGEST}`, { predicate_type: 'provenance' }),
    ).resolves.toMatchObject({
      status: 200,
    });
    await expect(
      list('orders-run', `sha256:${DIGEST}`, { predicate_type: SLSA_PROVENANCE_V1 }),
    ).resolves.toMatchObject({ status: 200 });
    await expect(list('orders-run', `sha256:${DIGEST}`, { predicate_type: 'sbom' })).rejects.toMatchObject({
      status: 404,
    });
    await expect(list('orders-run', `sha256:${'c'.repeat(64)}`)).rejects.toMatchObject({ status: 404 });
  });

  it('keeps repositories apart: another repository has none, and a token must reach the repository', async () => {
    await create('orders-run', sandboxBundle(statement(), IDENTITY));
    await expect(list('gitops-only', `sha256:${DIGEST}`, {}, 'gitops')).rejects.toMatchObject({
      status: 404,
    });
    await expect(list('gitops-only', `sha256:${DIGEST}`)).rejects.toMatchObject({ status: 404 });
    await expect(create('orders-run', sandboxBundle(statement(), IDENTITY), 'gitops')).rejects.toMatchObject({
      status: 404,
    });
  });

  it('needs attestations write to create and read to list, for a token with permissions', async () => {
    await expect(create('app-no-attestations', sandboxBundle(statement(), IDENTITY))).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    });
    await expect(create('app-read-attestations', sandboxBundle(statement(), IDENTITY))).rejects.toMatchObject(
      {
        status: 403,
      },
    );
    await create('orders-run', sandboxBundle(statement(), IDENTITY));
    await expect(list('app-read-attestations', `sha256:${DIGEST}`)).resolves.toMatchObject({ status: 200 });
    await expect(list('app-no-attestations', `sha256:${DIGEST}`)).rejects.toMatchObject({ status: 403 });
  });

  it('refuses a bundle it cannot read or whose certificate the sandbox did not issue (422)', async () => {
    const good = sandboxBundle(statement(), IDENTITY);
    const forged = Buffer.from(
      JSON.stringify({ ...IDENTITY, sourceRepositoryUri: 'https://github.com/acme/evil' }),
    ).toString('base64');
    const cases: Record<string, unknown>[] = [
      { ...good, verificationMaterial: { certificate: { rawBytes: forged } } },
      { ...good, mediaType: 'application/json' },
      { ...good, dsseEnvelope: { payloadType: 'text/plain', payload: 'eA==' } },
      sandboxBundle({ ...statement(), subject: [{ name: 'x', digest: { sha256: 'short' } }] }, IDENTITY),
    ];
    for (const bundle of cases) {
      await expect(create('orders-run', bundle)).rejects.toMatchObject({ status: 422 });
    }
    expect(gh.repository('acme/orders').attestations).toEqual([]);
    // Issued once, a certificate is recognised wherever it is used.
    const certified = {
      ...good,
      verificationMaterial: { certificate: { rawBytes: issueSigningCertificate(IDENTITY) } },
    };
    await expect(create('orders-run', certified)).resolves.toMatchObject({ status: 201 });
  });
});
