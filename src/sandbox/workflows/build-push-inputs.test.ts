// docker/build-push-action's list inputs, read as @docker/actions-toolkit's Util.getInputList reads
// them (its own tests' cases: newline or comma lists, quoted fields, ignoreComma for key=value lines).
import { describe, expect, it } from 'vitest';
import {
  booleanInput,
  csvAttributes,
  inputList,
  registryHost,
  scopeComponent,
  secretPair,
} from './build-push-inputs.js';

describe('list inputs', () => {
  it('splits lines and commas, trimming items and dropping empty ones', () => {
    expect(inputList('linux/amd64,linux/arm64')).toEqual(['linux/amd64', 'linux/arm64']);
    expect(inputList('a:1\n\n b:2 , c:3\n')).toEqual(['a:1', 'b:2', 'c:3']);
    expect(inputList('')).toEqual([]);
    expect(inputList(undefined)).toEqual([]);
  });

  it('keeps a line whole with ignoreComma, and reads quoted fields', () => {
    expect(inputList('GREETING=hello, world\nB=2', { ignoreComma: true })).toEqual([
      'GREETING=hello, world',
      'B=2',
    ]);
    expect(inputList('"type=gha,scope=a",type=gha', { ignoreComma: true })).toEqual([
      'type=gha,scope=a,type=gha',
    ]);
    expect(inputList('"a,b",c')).toEqual(['a,b', 'c']);
    expect(inputList('say="hi ""you"""', { ignoreComma: true })).toEqual(['say="hi ""you"""']);
  });

  it('keeps blanks of secrets', () => {
    expect(inputList('A= padded \nB=x', { ignoreComma: true, trimWhitespace: false })).toEqual([
      'A= padded ',
      'B=x',
    ]);
  });
});

describe('values', () => {
  it('reads booleans as core.getBooleanInput does', () => {
    expect(booleanInput('push', 'True')).toBe(true);
    expect(booleanInput('push', 'FALSE')).toBe(false);
    expect(() => booleanInput('push', 'yes')).toThrow(
      'Input does not meet YAML 1.2 "Core Schema" specification: push',
    );
  });

  it('reads cache entries, secrets and registry hosts', () => {
    expect(csvAttributes('type=gha, scope=orders ,mode=max')).toEqual({
      type: 'gha',
      scope: 'orders',
      mode: 'max',
    });
    expect(secretPair('TOKEN=a=b')).toEqual({ id: 'TOKEN', value: 'a=b' });
    expect(secretPair('=x')).toBeUndefined();
    expect(secretPair('TOKEN=')).toBeUndefined();
    expect(registryHost('127.0.0.1:5000/acme/orders:1')).toBe('127.0.0.1:5000');
    expect(registryHost('ghcr.io/acme/orders')).toBe('ghcr.io');
    expect(registryHost('acme/orders:1')).toBeUndefined();
  });

  it('makes a cache scope a repository path component, keeping distinct scopes apart', () => {
    expect(scopeComponent('buildkit')).toBe('buildkit');
    expect(scopeComponent('Orders/main')).toMatch(/^orders-main-[0-9a-f]{12}$/);
    expect(scopeComponent('orders/main')).not.toBe(scopeComponent('Orders/main'));
    expect(scopeComponent('//')).toMatch(/^s-[0-9a-f]{12}$/);
  });
});
