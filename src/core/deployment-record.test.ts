import { describe, expect, it } from 'vitest';
import { deploymentPayload, readDeploymentPayload, sameVersion } from './deployment-record.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('deployment payload', () => {
  it('reads back what overlay-deploy writes, as an object (REST) or JSON text (GraphQL)', () => {
    const payload = deploymentPayload(
      'orders',
      { tag: '1.5.0', digest: DIGEST },
      `ghcr.io/acme/orders:1.5.0@${DIGEST}`,
    );
    const expected = { service: 'orders', version: { tag: '1.5.0', digest: DIGEST } };
    expect(readDeploymentPayload(payload)).toEqual(expected);
    expect(readDeploymentPayload(JSON.stringify(payload))).toEqual(expected);
  });

  it('ignores deployments some other tool recorded', () => {
    for (const other of [null, '', 'not json', '{}', { service: 'orders' }, { version: '1.0.0' }, 42])
      expect(readDeploymentPayload(other)).toBeUndefined();
  });
});

describe('sameVersion', () => {
  it('compares digests when both sides have one, tags otherwise', () => {
    expect(sameVersion({ tag: '1.0.0' }, { tag: '1.0.0', digest: DIGEST })).toBe(true);
    expect(
      sameVersion({ tag: '1.0.0', digest: DIGEST }, { tag: '1.0.0', digest: `sha256:${'cd'.repeat(32)}` }),
    ).toBe(false);
    expect(sameVersion({ digest: DIGEST }, { tag: '1.0.0', digest: DIGEST })).toBe(true);
    expect(sameVersion({ tag: '1.0.1' }, { tag: '1.0.0' })).toBe(false);
    expect(sameVersion({}, {})).toBe(false);
  });
});
