import { describe, expect, it } from 'vitest';
import { attestationCheck, attestationRefusal } from './attestation.js';
import { parseConfig } from './config.js';
import { UserError } from './errors.js';

const config = parseConfig(`environments:
  - name: dev
  - name: prod
services:
  - name: orders
    image: ghcr.io/acme/orders
    repository: acme/orders
  - name: api
    image: ghcr.io/acme/api
`);
const [dev, prod] = config.environments as [(typeof config.environments)[0], (typeof config.environments)[0]];
const orders = config.services[0]!;
const api = config.services[1]!;
const DIGEST = `sha256:${'1'.repeat(64)}`;

describe('attestationCheck: what a deploy verifies before it applies', () => {
  it('asks nothing where the environment does not require attestation', () => {
    expect(attestationCheck(dev, orders, { tag: '1.0.0' }, 'acme/gitops', '')).toBeUndefined();
  });

  it('verifies the digest against the service repository and the suite’s release workflow', () => {
    expect(
      attestationCheck(
        prod,
        orders,
        { tag: '1.0.0', digest: DIGEST },
        'acme/gitops',
        'acme/gitops-promotion',
      ),
    ).toEqual({
      subject: `oci://ghcr.io/acme/orders@${DIGEST}`,
      repository: 'acme/orders',
      signerWorkflow: 'acme/gitops-promotion/.github/workflows/service-release.yaml',
      args: [
        'attestation',
        'verify',
        `oci://ghcr.io/acme/orders@${DIGEST}`,
        '--repo',
        'acme/orders',
        '--signer-workflow',
        'acme/gitops-promotion/.github/workflows/service-release.yaml',
      ],
    });
  });

  it('expects a service without repository to be released by the GitOps repository', () => {
    expect(attestationCheck(prod, api, { digest: DIGEST }, 'acme/gitops', 'acme/gitops')?.repository).toBe(
      'acme/gitops',
    );
  });

  it('refuses an image without a digest: a tag alone cannot be verified', () => {
    expect(() => attestationCheck(prod, orders, { tag: '1.0.0' }, 'acme/gitops', 'acme/suite')).toThrow(
      new UserError(
        'prod admits only attested images (require-attestation), but its overlay names orders 1.0.0 without a digest: only a digest can be verified. Promote a release made by service-release, which pins the digest it attested.',
      ),
    );
  });

  it.each(['', 'gitops-promotion', 'https://github.com/acme/gitops-promotion', 'acme/x y'])(
    'refuses %j as the suite repository, naming the input',
    (suite) => {
      expect(() => attestationCheck(prod, orders, { digest: DIGEST }, 'acme/gitops', suite)).toThrow(
        /^Input 'suite-repository': .* is not owner\/name of a repository .*service-release\.yaml attests releases/,
      );
    },
  );
});

describe('attestationRefusal', () => {
  const check = attestationCheck(
    prod,
    orders,
    { tag: '1.0.0', digest: DIGEST },
    'acme/gitops',
    'acme/suite',
  )!;

  it('names the image, the environment, the signer and the repository, and gh’s reason, on one line', () => {
    const message = attestationRefusal(
      check,
      prod,
      orders,
      { tag: '1.0.0', digest: DIGEST },
      `Loaded digest ${DIGEST} for oci://ghcr.io/acme/orders@${DIGEST}\n✗ Loading attestations from GitHub API failed\n\nError: HTTP 404: Not Found (https://api.github.com/repos/acme/orders/attestations/${DIGEST}?per_page=30)\n`,
    );
    expect(message).not.toContain('\n');
    expect(message).toBe(
      `orders 1.0.0 (${DIGEST}) is not admitted to prod: it requires a build provenance attestation of oci://ghcr.io/acme/orders@${DIGEST} made by acme/suite/.github/workflows/service-release.yaml for acme/orders, and gh attestation verify found none (✗ Loading attestations from GitHub API failed: Error: HTTP 404: Not Found (https://api.github.com/repos/acme/orders/attestations/${DIGEST}?per_page=30)). An image pushed by hand or built elsewhere is refused: release it with service-release, or set require-attestation: false for prod in .github/promotion.yaml.`,
    );
  });

  it('takes gh’s policy failure as the reason when the signer is another workflow', () => {
    expect(
      attestationRefusal(
        check,
        prod,
        orders,
        { digest: DIGEST },
        '✗ Sigstore verification failed\n\nError: verifying with issuer "GitHub, Inc."\n',
      ),
    ).toContain('(✗ Sigstore verification failed: Error: verifying with issuer "GitHub, Inc.")');
  });
});
