import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { checkVersion, compareVersions, isTag, isVersion } from './version.js';

describe('checkVersion', () => {
  it.each(['1.2.3', '0.0.1', '10.20.30', '2.0.0-rc.1', '1.0.0-alpha-1', '1.2.3-x.7.z.92'])(
    'accepts %s',
    (version) => {
      expect(checkVersion('version', version)).toBe(version);
    },
  );

  it.each([
    ['latest', /Input 'version': 'latest' is not a SemVer version/],
    ['1.2', /'1.2' is not a SemVer version/],
    ['v1..2', /'v1..2' is not a SemVer version/],
    ['1.2.3; rm -rf /', /'1.2.3; rm -rf \/' is not a SemVer version/],
    ['1.2.3 && id', /is not a SemVer version/],
    ['01.2.3', /is not a SemVer version/],
    ['1.2.3-01', /is not a SemVer version/],
    ['=1.2.3', /is not a SemVer version/],
    [' 1.2.3', /is not a SemVer version/],
    ['1.2.3\n', /is not a SemVer version/],
    ['', /Input 'version': is required: a SemVer version MAJOR.MINOR.PATCH/],
    ['v1.2.3', /Input 'version': 'v1.2.3' has a leading 'v'; write 1.2.3/],
    ['V2.0.0-rc.1', /'V2.0.0-rc.1' has a leading 'v'; write 2.0.0-rc.1/],
    ['1.2.3+build.7', /has build metadata \('\+\.\.\.'\), which an image tag cannot carry/],
    ['v1.2.3+build.7', /has build metadata/],
  ])('refuses %j', (version, message) => {
    expect(() => checkVersion('version', version)).toThrowError(InputError);
    expect(() => checkVersion('version', version)).toThrowError(message);
  });
});

describe('isVersion', () => {
  it('is what semver reads as a version and writes back unchanged', () => {
    expect(['1.2.3', '1.2.3-0', '1.2.3--', '0.0.0-rc.1'].filter(isVersion)).toHaveLength(4);
    expect(['v1.2.3', '1.2.3+b', '1.2.3 ', '1.02.3', `1.2.3-${'a'.repeat(251)}`].filter(isVersion)).toEqual(
      [],
    );
  });
});

describe('compareVersions', () => {
  it('orders by SemVer precedence, not by text', () => {
    expect(compareVersions('1.10.0', '1.9.0').kind).toBe('downgrade');
    expect(compareVersions('1.9.0', '1.10.0').kind).toBe('upgrade');
    expect(compareVersions('2.0.0', '2.0.0-rc.1').kind).toBe('downgrade');
    expect(compareVersions('2.0.0-rc.2', '2.0.0-rc.10').kind).toBe('upgrade');
    expect(compareVersions('1.0.0', '1.0.0').kind).toBe('unchanged');
    expect(compareVersions(undefined, '1.0.0').kind).toBe('first');
  });

  it('leaves a running tag the suite would not write unordered', () => {
    expect(compareVersions('latest', '1.0.0').kind).toBe('unordered');
    expect(compareVersions('v1.0.0', '1.0.0').kind).toBe('unordered');
    expect(compareVersions('1.0.0+b.1', '1.0.0').kind).toBe('unordered');
  });
});

describe('versions and tags are at most 128 characters', () => {
  const long = (length: number) => `1.0.0-${'a'.repeat(length - 6)}`;

  it('accepts a version of 128 characters and refuses 129 to 256, which semver accepts', () => {
    expect(checkVersion('version', long(128))).toBe(long(128));
    for (const length of [129, 200, 256]) {
      expect(isVersion(long(length))).toBe(true);
      expect(() => checkVersion('version', long(length))).toThrow(
        /Input 'version': '1\.0\.0-a+…' \(\d+ characters\) is longer than 128 characters/,
      );
    }
  });

  it.each(['latest', '_x', 'A.b-c_d', 'x'.repeat(128)])('takes %s as an OCI tag', (tag) => {
    expect(isTag(tag)).toBe(true);
  });

  it.each(['', '.x', '-x', 'a b', 'a/b', 'a+b', 'a:b', 'x'.repeat(129), '1.0\n', '[a](b)'])(
    'refuses %j as an OCI tag',
    (tag) => {
      expect(isTag(tag)).toBe(false);
    },
  );
});
