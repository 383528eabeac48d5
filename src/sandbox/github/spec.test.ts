// The validator itself: it must catch what GitHub would reject and accept what GitHub sends.
import { describe, expect, it } from 'vitest';
import {
  matchRoute,
  unknownBodyProperties,
  validateComponent,
  validateRequest,
  validateResponse,
} from './spec.js';

function route(method: string, path: string) {
  const match = matchRoute(method, path);
  if (!match) throw new Error(`no route for ${method} ${path}`);
  return match;
}

describe('route lookup', () => {
  it('prefers literal segments over parameters and decodes parameters', () => {
    expect(route('GET', '/repos/acme/platform/pulls/comments').operation.operationId).toBe(
      'pulls/list-review-comments-for-repo',
    );
    expect(route('GET', '/repos/acme/platform/pulls/7').pathParams).toEqual({
      owner: 'acme',
      repo: 'platform',
      pull_number: '7',
    });
    expect(route('GET', '/repos/acme/platform/git/ref/heads%2Fmain').pathParams['ref']).toBe('heads/main');
  });

  it('lets only ref-like trailing parameters take slashes', () => {
    expect(route('GET', '/repos/acme/platform/git/ref/heads/release/api/dev').pathParams['ref']).toBe(
      'heads/release/api/dev',
    );
    expect(matchRoute('POST', '/repos/acme/platform/pulls/1/approve')).toBeUndefined();
    expect(matchRoute('GET', '/repos/acme/platform/pulls/1/nope')).toBeUndefined();
  });
});

describe('request validation', () => {
  it('types query values before checking them', () => {
    const list = route('GET', '/repos/acme/platform/pulls');
    expect(
      validateRequest(
        list.operation,
        list.pathParams,
        new URLSearchParams('per_page=50&state=all'),
        undefined,
        false,
      ),
    ).toEqual([]);
    const bad = validateRequest(
      list.operation,
      list.pathParams,
      new URLSearchParams('per_page=many'),
      undefined,
      false,
    );
    expect(bad.map((p) => p.error)).toEqual([{ resource: 'pulls', field: 'per_page', code: 'invalid' }]);
  });

  it('checks path parameters and the body', () => {
    const merge = route('PUT', '/repos/acme/platform/pulls/x/merge');
    const problems = validateRequest(
      merge.operation,
      merge.pathParams,
      new URLSearchParams(),
      { merge_method: 'fast-forward' },
      true,
    );
    expect(problems.map((p) => p.error.field)).toEqual(['pull_number', 'merge_method']);
  });

  it('names body properties the operation does not know', () => {
    const deploy = route('POST', '/repos/acme/platform/deployments');
    expect(unknownBodyProperties(deploy.operation, { ref: 'main', automerge: false })).toEqual(['automerge']);
  });
});

describe('response validation', () => {
  it('honours OpenAPI nullable, also next to $ref/allOf', () => {
    const merge = route('PUT', '/repos/acme/platform/pulls/1/merge');
    expect(validateResponse(merge.operation, 200, { sha: 'abc', merged: true, message: 'ok' })).toEqual([]);
    expect(validateResponse(merge.operation, 200, { sha: 'abc', merged: 'yes', message: 'ok' })).toHaveLength(
      1,
    );
    // auto-merge is a nullable object schema: null passes, a half-built object does not.
    expect(validateComponent('auto-merge', null)).toEqual([]);
    expect(validateComponent('auto-merge', { merge_method: 'squash' }).join('\n')).toMatch(/enabled_by/);
    // nullable-simple-user is referenced by $ref; null is fine for merged_by.
    expect(validateComponent('nullable-simple-user', null)).toEqual([]);
  });

  it('flags an incomplete pull request and an undocumented success status', () => {
    const get = route('GET', '/repos/acme/platform/pulls/1');
    expect(validateResponse(get.operation, 200, { number: 1 }).join('\n')).toMatch(
      /must have required property '_links'/,
    );
    expect(validateResponse(get.operation, 201, {})).toEqual([
      'pulls/get: response status 201 is not documented',
    ]);
  });
});
