import { describe, expect, it } from 'vitest';
import { permissionsBeyond } from './job-identity.js';

describe('permissionsBeyond: a called workflow can only downgrade its caller’s permissions', () => {
  it('names each scope asked above what the caller has, in GitHub’s words', () => {
    expect(
      permissionsBeyond(
        'build',
        { packages: 'write', contents: 'read', 'id-token': 'write' },
        { packages: 'read', contents: 'write' },
      ),
    ).toEqual([
      "The nested job 'build' is requesting 'packages: write', but is only allowed 'packages: read'.",
      "The nested job 'build' is requesting 'id-token: write', but is only allowed 'id-token: none'.",
    ]);
  });

  it('spells out read-all and write-all, and lets the same or less through', () => {
    expect(permissionsBeyond('a', 'read-all', { contents: 'read' })).toContain(
      "The nested job 'a' is requesting 'packages: read', but is only allowed 'packages: none'.",
    );
    expect(permissionsBeyond('a', { contents: 'write' }, 'read-all')).toEqual([
      "The nested job 'a' is requesting 'contents: write', but is only allowed 'contents: read'.",
    ]);
    expect(permissionsBeyond('a', { contents: 'read', issues: 'none' }, { contents: 'write' })).toEqual([]);
    expect(permissionsBeyond('a', 'write-all', 'write-all')).toEqual([]);
  });

  it('has nothing to say when either side declares nothing (the repository’s default)', () => {
    expect(permissionsBeyond('a', undefined, { contents: 'read' })).toEqual([]);
    expect(permissionsBeyond('a', { contents: 'write' }, undefined)).toEqual([]);
  });
});
