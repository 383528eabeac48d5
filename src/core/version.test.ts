import valid from 'semver/functions/valid.js';
import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { checkVersion, isDigest, isVersion } from './version.js';

describe('checkVersion', () => {
  it.each(['1.2.3', '0.0.1', '10.20.30', '2.0.0-rc.1', '1.0.0-alpha-1'])('accepts %s', (version) => {
    expect(checkVersion('version', version)).toBe(version);
  });

  it.each([
    ['latest', /Input 'version': 'latest' is not a SemVer version/],
    ['1.2', /'1.2' is not a SemVer version/],
    ['v1..2', /'v1..2' is not a SemVer version/],
    ['1.2.3; rm -rf /', /'1.2.3; rm -rf \/' is not a SemVer version/],
    ['1.2.3 && id', /is not a SemVer version/],
    ['01.2.3', /is not a SemVer version/],
    ['', /Input 'version': is required/],
    ['v1.2.3', /Input 'version': 'v1.2.3' has a leading 'v'; write 1.2.3/],
    ['1.2.3+build.7', /has build metadata/],
  ])('refuses %j', (version, message) => {
    expect(() => checkVersion('version', version)).toThrowError(InputError);
    expect(() => checkVersion('version', version)).toThrowError(message);
  });
});

describe('isVersion', () => {
  /** semver's own answer, which the hand-written check must give for every value. */
  const semverAccepts = (value: string): boolean => valid(value) === value;

  it('agrees with semver on the edge cases: leading zeros, prerelease identifiers, 256 characters, 2^53', () => {
    const values = [
      '0.0.0',
      '1.2.3-0',
      '1.2.3-00',
      '1.2.3-01',
      '1.2.3-0a',
      '1.2.3--',
      '1.2.3-a.',
      '1.2.3-.a',
      '1.2.3-a..b',
      '1.2.3-x.7.z.92',
      '1.2.3-',
      '1.2.3-a_b',
      '1.2.3-ä',
      '=1.2.3',
      'v1.2.3',
      ' 1.2.3',
      '1.2.3 ',
      '1.2.3\n',
      '1.2.3+b',
      '1.2.3-rc.1+b.2',
      '1.02.3',
      '1.2.03',
      '1.2.3.4',
      '9007199254740991.9007199254740991.9007199254740991',
      '9007199254740992.0.0',
      '0.9007199254740992.0',
      '0.0.99999999999999999999',
      '1.2.3-99999999999999999999',
      `1.2.3-${'a'.repeat(250)}`,
      `1.2.3-${'a'.repeat(251)}`,
      `1.2.3-${'9'.repeat(251)}`,
      `1.2.3-${'1.'.repeat(125)}1`,
      `1.2.3-${'1.'.repeat(125)}12`,
    ];
    expect(values.filter((value) => isVersion(value) !== semverAccepts(value))).toEqual([]);
  });

  it('agrees with semver on thousands of generated values', () => {
    // A fixed-seed generator: the same values on every run, built from the pieces versions are made of.
    let seed = 20_261_126;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    const pieces = [
      '0',
      '1',
      '9',
      '01',
      '10',
      '.',
      '-',
      '+',
      'a',
      'Z',
      'rc',
      'v',
      ' ',
      '_',
      '9007199254740993',
    ];
    const disagreements: string[] = [];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = `${random(3)}.${random(12)}.${random(3)}`;
      let tail = '';
      for (let n = random(8); n > 0; n--) tail += pieces[random(pieces.length)];
      const value = random(4) === 0 ? tail + base : base + tail;
      if (isVersion(value) !== semverAccepts(value)) disagreements.push(value);
      if (semverAccepts(value)) accepted++;
    }
    expect(disagreements).toEqual([]);
    // Both answers occur often, so the comparison covers each side.
    expect(accepted).toBeGreaterThan(1_000);
    expect(accepted).toBeLessThan(19_000);
  });
});

describe('isDigest', () => {
  it.each([`sha256:${'0f'.repeat(32)}`, `sha512:${'ab'.repeat(64)}`, `a.b+c_d-e:${'0'.repeat(32)}`])(
    'accepts %s',
    (digest) => {
      expect(isDigest(digest)).toBe(true);
    },
  );

  it.each(['sha256:xyz', `sha256:${'0F'.repeat(32)}`, `sha256:${'0'.repeat(31)}`, `:${'0'.repeat(64)}`, ''])(
    'refuses %j',
    (digest) => {
      expect(isDigest(digest)).toBe(false);
    },
  );
});
