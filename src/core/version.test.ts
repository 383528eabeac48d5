import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { checkVersion, compareVersions } from './version.js';

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

describe('compareVersions', () => {
  it('orders by SemVer precedence, not by text', () => {
    expect(compareVersions('1.10.0', '1.9.0').kind).toBe('downgrade');
    expect(compareVersions('1.9.0', '1.10.0').kind).toBe('upgrade');
    expect(compareVersions('2.0.0', '2.0.0-rc.1').kind).toBe('downgrade');
    expect(compareVersions('1.0.0', '1.0.0').kind).toBe('unchanged');
    expect(compareVersions(undefined, '1.0.0').kind).toBe('first');
    expect(compareVersions('latest', '1.0.0').kind).toBe('unordered');
  });
});
