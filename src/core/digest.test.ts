import { describe, expect, it } from 'vitest';
import { checkDigest, isDigest } from './digest.js';

describe('isDigest: OCI image-spec digests of the registered algorithms', () => {
  it.each([`sha256:${'0f'.repeat(32)}`, `sha512:${'ab'.repeat(64)}`])('accepts %s', (digest) => {
    expect(isDigest(digest)).toBe(true);
  });

  it.each([
    'sha256:xyz',
    `sha256:${'0F'.repeat(32)}`,
    `sha256:${'0'.repeat(63)}`,
    `sha256:${'0'.repeat(65)}`,
    `sha512:${'0'.repeat(64)}`,
    `md5:${'0'.repeat(32)}`,
    `a.b+c_d-e:${'0'.repeat(32)}`,
    `:${'0'.repeat(64)}`,
    `SHA256:${'0'.repeat(64)}`,
    `sha256:${'0'.repeat(64)}\n`,
    '',
  ])('refuses %j', (digest) => {
    expect(isDigest(digest)).toBe(false);
  });

  it('names the input and the rule, and quotes at most 100 characters', () => {
    expect(() => checkDigest('digest', `sha256:${'0'.repeat(5000)}`)).toThrow(
      `Input 'digest': 'sha256:${'0'.repeat(93)}…' (5007 characters) is not an OCI image digest: 'sha256:' and 64 lowercase hex digits, or 'sha512:' and 128`,
    );
  });
});
