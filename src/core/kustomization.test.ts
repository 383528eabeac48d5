import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserError } from './errors.js';
import { readImageVersion, setImageVersion } from './kustomization.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const OTHER_DIGEST = `sha256:${'cd'.repeat(32)}`;

/** Lines that differ between two texts, as `-old`/`+new`, for byte-exact expectations. */
function changedLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  return [...a.slice(start, endA).map((l) => `-${l}`), ...b.slice(start, endB).map((l) => `+${l}`)];
}

describe('setImageVersion on the sample overlays', () => {
  it('changes exactly the one newTag line of uat orders', () => {
    const before = readFileSync('overlays/uat/kustomization.yaml', 'utf8');
    const after = setImageVersion(before, { image: 'ghcr.io/acme/orders', tag: '1.5.0' });
    expect(changedLines(before, after)).toEqual(['-    newTag: 1.4.2', '+    newTag: 1.5.0']);
    expect(readImageVersion(after, 'ghcr.io/acme/orders')).toEqual({ tag: '1.5.0' });
    expect(readImageVersion(after, 'ghcr.io/acme/payments')).toEqual(
      readImageVersion(before, 'ghcr.io/acme/payments'),
    );
  });

  it('adds a digest line right under newTag when the image is pinned', () => {
    const before = readFileSync('overlays/dev/kustomization.yaml', 'utf8');
    const after = setImageVersion(before, { image: 'ghcr.io/acme/catalog', tag: '1.0.0', digest: DIGEST });
    expect(changedLines(before, after)).toEqual([
      '-    newTag: 0.9.4',
      '+    newTag: 1.0.0',
      `+    digest: ${DIGEST}`,
    ]);
  });
});

describe('setImageVersion keeps every other byte', () => {
  it('keeps double and single quotes, comments and trailing comments', () => {
    const before = [
      '# top comment',
      'images:',
      '- name: "ghcr.io/acme/api"   # the api',
      '  newTag: "1.0.0" # pinned by the suite',
      "- name: 'ghcr.io/acme/web'",
      "  newTag: '2.0.0'",
      '',
    ].join('\n');
    const api = setImageVersion(before, { image: 'ghcr.io/acme/api', tag: '1.1.0' });
    expect(api).toBe(before.replace('"1.0.0"', '"1.1.0"'));
    const web = setImageVersion(before, { image: 'ghcr.io/acme/web', tag: '2.1.0-rc.1' });
    expect(web).toBe(before.replace("'2.0.0'", "'2.1.0-rc.1'"));
  });

  it('keeps CRLF line endings, also on an inserted line', () => {
    const before = 'resources:\r\n- base\r\nimages:\r\n- name: app\r\n  newTag: 1.0.0\r\n';
    const after = setImageVersion(before, { image: 'app', tag: '1.2.0', digest: DIGEST });
    expect(after).toBe(
      `resources:\r\n- base\r\nimages:\r\n- name: app\r\n  newTag: 1.2.0\r\n  digest: ${DIGEST}\r\n`,
    );
  });

  it('replaces an existing digest and removes it when the new version has none', () => {
    const before = `images:\n  - name: app\n    newName: registry.example/app\n    newTag: 1.0.0\n    digest: ${DIGEST}\n  - name: other\n    newTag: 3.0.0\n`;
    expect(setImageVersion(before, { image: 'app', tag: '1.1.0', digest: OTHER_DIGEST })).toBe(
      before.replace('1.0.0', '1.1.0').replace(DIGEST, OTHER_DIGEST),
    );
    // kustomize prefers a digest over newTag, so a stale digest would keep the old image running.
    expect(setImageVersion(before, { image: 'app', tag: '1.1.0' })).toBe(
      `images:\n  - name: app\n    newName: registry.example/app\n    newTag: 1.1.0\n  - name: other\n    newTag: 3.0.0\n`,
    );
  });

  it('removes a digest that opens its entry', () => {
    const before = `images:\n- digest: ${DIGEST}\n  name: app\n  newTag: 1.0.0\n`;
    expect(setImageVersion(before, { image: 'app', tag: '1.1.0' })).toBe(
      'images:\n- name: app\n  newTag: 1.1.0\n',
    );
  });

  it('inserts newTag after newName when the entry has none', () => {
    const before = 'images:\n  - name: app # base name\n    newName: ghcr.io/acme/app\n# end\n';
    expect(setImageVersion(before, { image: 'app', tag: '0.1.0' })).toBe(
      'images:\n  - name: app # base name\n    newName: ghcr.io/acme/app\n    newTag: 0.1.0\n# end\n',
    );
  });

  it('appends a missing entry in the style of the existing ones', () => {
    const before = 'images:\n  - name: a\n    newTag: "1.0.0"\n\n# trailing comment\n';
    expect(setImageVersion(before, { image: 'b', tag: '2.0.0' })).toBe(
      'images:\n  - name: a\n    newTag: "1.0.0"\n  - name: b\n    newTag: "2.0.0"\n\n# trailing comment\n',
    );
  });

  it('creates the images list when the file has none, following the file indentation', () => {
    const before = 'resources:\n- ../../base\nnamespace: dev';
    expect(setImageVersion(before, { image: 'app', tag: '1.0.0' })).toBe(
      'resources:\n- ../../base\nnamespace: dev\nimages:\n- name: app\n  newTag: 1.0.0\n',
    );
  });

  it('fills an empty or null images key', () => {
    expect(setImageVersion('images:\nnamespace: x\n', { image: 'app', tag: '1.0.0' })).toBe(
      'images:\n  - name: app\n    newTag: 1.0.0\nnamespace: x\n',
    );
    expect(setImageVersion('images: ~ # none yet\n', { image: 'app', tag: '1.0.0' })).toBe(
      'images: # none yet\n  - name: app\n    newTag: 1.0.0\n',
    );
  });

  it('edits flow-style entries in place', () => {
    const before = 'images: [{name: a, newTag: 1.0.0}, {name: b, newTag: 2.0.0}]\n';
    expect(setImageVersion(before, { image: 'b', tag: '2.0.1' })).toBe(
      'images: [{name: a, newTag: 1.0.0}, {name: b, newTag: 2.0.1}]\n',
    );
    expect(setImageVersion(before, { image: 'c', tag: '3.0.0' })).toBe(
      'images: [{name: a, newTag: 1.0.0}, {name: b, newTag: 2.0.0}, {name: c, newTag: 3.0.0}]\n',
    );
    expect(setImageVersion('images: [{name: a}]\n', { image: 'a', tag: '1.0.0', digest: DIGEST })).toBe(
      `images: [{name: a, newTag: 1.0.0, digest: ${DIGEST}}]\n`,
    );
  });

  it('writes an empty newTag value after its colon', () => {
    expect(setImageVersion('images:\n- name: app\n  newTag:\n', { image: 'app', tag: '1.0.0' })).toBe(
      'images:\n- name: app\n  newTag: 1.0.0\n',
    );
  });

  it('quotes a plain value that would not read back as a string', () => {
    // An unusual but valid tag: plain `1e3` would be read back as a number.
    expect(setImageVersion('images:\n- name: app\n  newTag: a\n', { image: 'app', tag: '1e3' })).toBe(
      'images:\n- name: app\n  newTag: "1e3"\n',
    );
  });
});

describe('malformed kustomizations', () => {
  const update = { image: 'app', tag: '1.0.0' };

  it('reports invalid YAML with file and line', () => {
    const text = 'images:\n  - name: app\n    newTag: [1.0\n';
    expect(() => setImageVersion(text, update, 'overlays/dev/kustomization.yaml')).toThrowError(
      /^overlays\/dev\/kustomization.yaml:\d+:\d+: not valid YAML/,
    );
  });

  it('reports an images key that is not a list, at its line', () => {
    const run = () => setImageVersion('namespace: x\nimages:\n  app: 1.0.0\n', update, 'k.yaml');
    expect(run).toThrowError(UserError);
    expect(run).toThrowError("k.yaml:3:3: 'images' must be a list");
  });

  it('refuses a document that is not a mapping and an image listed twice', () => {
    expect(() => setImageVersion('- a\n- b\n', update, 'k.yaml')).toThrowError(
      'k.yaml:1:1: a kustomization must be a YAML mapping',
    );
    expect(() => setImageVersion('images:\n- name: app\n- name: app\n', update, 'k.yaml')).toThrowError(
      "k.yaml:3:3: image 'app' appears twice in 'images'",
    );
  });
});

describe('readImageVersion', () => {
  it('reads tag and digest, and nothing for an absent image', () => {
    const text = `images:\n- name: app\n  newTag: "1.2.3"\n  digest: ${DIGEST}\n`;
    expect(readImageVersion(text, 'app')).toEqual({ tag: '1.2.3', digest: DIGEST });
    expect(readImageVersion(text, 'other')).toEqual({});
    expect(readImageVersion('resources: [a]\n', 'app')).toEqual({});
  });
});
