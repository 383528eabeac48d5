import { describe, expect, it } from 'vitest';
import { compareVersions } from './version-order.js';

describe('compareVersions', () => {
  it('orders by SemVer precedence, not by text', () => {
    expect(compareVersions('1.10.0', '1.9.0').kind).toBe('downgrade');
    expect(compareVersions('1.9.0', '1.10.0').kind).toBe('upgrade');
    expect(compareVersions('2.0.0', '2.0.0-rc.1').kind).toBe('downgrade');
    expect(compareVersions('1.0.0', '1.0.0').kind).toBe('unchanged');
    expect(compareVersions(undefined, '1.0.0').kind).toBe('first');
    expect(compareVersions('latest', '1.0.0').kind).toBe('unordered');
    expect(compareVersions('v1.0.0', '1.0.0').kind).toBe('unordered');
  });
});
