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

describe('shapes found in public kustomizations', () => {
  it('reads a newTag YAML would take for a number as written', () => {
    // Short commit hashes like 6e60951 are floats to YAML (Infinity); kustomize reads them as text.
    for (const tag of ['1.0', '0123', '6e60951', '20230101']) {
      expect(readImageVersion(`images:\n- name: app\n  newTag: ${tag}\n`, 'app')).toEqual({ tag });
    }
  });

  it('writes a version into a numeric newTag so that it reads back as a string', () => {
    const before = 'images:\n- name: app\n  newTag: 1.0\n';
    expect(setImageVersion(before, { image: 'app', tag: '1.1' })).toBe(
      'images:\n- name: app\n  newTag: "1.1"\n',
    );
    expect(setImageVersion(before, { image: 'app', tag: '1.2.0' })).toBe(
      'images:\n- name: app\n  newTag: 1.2.0\n',
    );
  });

  it('quotes tags that YAML 1.1, which kustomize reads, takes for a bool or a number', () => {
    const before = 'images:\n- name: app\n  newTag: v1\n';
    for (const tag of ['yes', 'off', '1_000', '0b101', '6e60951']) {
      expect(setImageVersion(before, { image: 'app', tag })).toBe(
        `images:\n- name: app\n  newTag: "${tag}"\n`,
      );
    }
  });

  it('finds an entry whose name YAML reads as a number', () => {
    expect(setImageVersion('images:\n- name: 1.0\n  newTag: a\n', { image: '1.0', tag: 'b' })).toBe(
      'images:\n- name: 1.0\n  newTag: b\n',
    );
  });

  it('puts newTag where the dropped digest of a digest-only entry was', () => {
    const before = `images:\n- name: app\n  newName: r/app\n  digest: ${DIGEST}\n- name: other\n  newTag: x\n`;
    expect(setImageVersion(before, { image: 'app', tag: '1.1.0' })).toBe(
      'images:\n- name: app\n  newName: r/app\n  newTag: 1.1.0\n- name: other\n  newTag: x\n',
    );
    expect(setImageVersion(`images:\n- name: app\n  digest: ${DIGEST}`, { image: 'app', tag: '1.1.0' })).toBe(
      'images:\n- name: app\n  newTag: 1.1.0\n',
    );
    expect(
      setImageVersion(`images:\n  - {name: app, digest: ${DIGEST}}\n`, { image: 'app', tag: '1.1.0' }),
    ).toBe('images:\n  - {name: app, newTag: 1.1.0}\n');
  });

  it('adds newTag and digest as one block to an entry without either, also at the end of a file', () => {
    expect(
      setImageVersion('images:\n- name: app\n  newName: r/app', {
        image: 'app',
        tag: '1.0.0',
        digest: DIGEST,
      }),
    ).toBe(`images:\n- name: app\n  newName: r/app\n  newTag: 1.0.0\n  digest: ${DIGEST}\n`);
  });

  it('appends to lists of flow entries in their own style', () => {
    expect(setImageVersion('images:\n  - { name: a, newTag: 1.0.0 }\n', { image: 'b', tag: '2.0.0' })).toBe(
      'images:\n  - { name: a, newTag: 1.0.0 }\n  - { name: b, newTag: 2.0.0 }\n',
    );
    const multiline = 'images: [\n  {name: a, newTag: 1.0.0},\n]\n';
    expect(setImageVersion(multiline, { image: 'b', tag: '2.0.0' })).toBe(
      'images: [\n  {name: a, newTag: 1.0.0},\n  {name: b, newTag: 2.0.0},\n]\n',
    );
  });

  it('appends after entries with a wide dash or a dash on its own line', () => {
    expect(
      setImageVersion('images:\n    -   name: a\n        newTag: 1\n', { image: 'b', tag: '2.0.0' }),
    ).toBe('images:\n    -   name: a\n        newTag: 1\n    -   name: b\n        newTag: 2.0.0\n');
    expect(setImageVersion('images:\n-\n  name: a\n  newTag: x\n', { image: 'b', tag: '2.0.0' })).toBe(
      'images:\n-\n  name: a\n  newTag: x\n- name: b\n  newTag: 2.0.0\n',
    );
  });

  it('leaves a comment indented under the last entry with that entry', () => {
    const before =
      'images:\n- name: a\n  newTag: x\n  # digest: sha256:old\n# the bases\nresources:\n- ../base\n';
    expect(setImageVersion(before, { image: 'b', tag: '2.0.0' })).toBe(
      'images:\n- name: a\n  newTag: x\n  # digest: sha256:old\n- name: b\n  newTag: 2.0.0\n# the bases\nresources:\n- ../base\n',
    );
  });

  it('reads through an alias and replaces it in that entry only', () => {
    const before = 'images:\n- name: a\n  newTag: &v 1.0.0\n- name: b\n  newTag: *v\n';
    expect(readImageVersion(before, 'b')).toEqual({ tag: '1.0.0' });
    expect(setImageVersion(before, { image: 'b', tag: '2.0.0' })).toBe(before.replace('*v', '2.0.0'));
  });

  it('refuses to change an anchored value that other entries reuse', () => {
    const before = 'images:\n- name: a\n  newTag: &v 1.0.0\n- name: b\n  newTag: *v\n';
    const run = () => setImageVersion(before, { image: 'a', tag: '2.0.0' }, 'k.yaml');
    expect(run).toThrowError(UserError);
    expect(run).toThrowError(
      'k.yaml:3:14: this value has anchor &v, which other nodes reuse; edit it by hand',
    );
  });

  it('replaces a block scalar or a null newTag', () => {
    expect(
      setImageVersion('images:\n- name: a\n  newTag: |-\n    1.0.0\nnamespace: x\n', {
        image: 'a',
        tag: '2.0.0',
      }),
    ).toBe('images:\n- name: a\n  newTag: 2.0.0\nnamespace: x\n');
    expect(setImageVersion('images:\n- name: a\n  newTag: ~\n', { image: 'a', tag: '2.0.0' })).toBe(
      'images:\n- name: a\n  newTag: 2.0.0\n',
    );
  });

  it('edits the first document only, as kustomize reads it, and keeps document markers', () => {
    const trailing = '---\nimages:\n- name: a\n  newTag: 1.0.0\n---\n';
    expect(setImageVersion(trailing, { image: 'a', tag: '2.0.0' })).toBe(trailing.replace('1.0.0', '2.0.0'));
    expect(setImageVersion('resources:\n- x\n...\n', { image: 'a', tag: '2.0.0' })).toBe(
      'resources:\n- x\nimages:\n- name: a\n  newTag: 2.0.0\n...\n',
    );
    expect(setImageVersion('resources:\n- x\n---\nimages: []\n', { image: 'a', tag: '2.0.0' })).toBe(
      'resources:\n- x\nimages:\n- name: a\n  newTag: 2.0.0\n---\nimages: []\n',
    );
  });

  it('creates the list in a file with a byte order mark, CRLF and no final newline', () => {
    expect(setImageVersion('\uFEFFresources:\r\n- a', { image: 'app', tag: '1.0.0' })).toBe(
      '\uFEFFresources:\r\n- a\r\nimages:\r\n- name: app\r\n  newTag: 1.0.0\r\n',
    );
  });

  it('gives an inserted line the line ending of the line above it', () => {
    const before = 'resources:\r\n- a\r\nimages:\n- name: app\n  newTag: 1\n';
    expect(setImageVersion(before, { image: 'app', tag: '2.0.0', digest: DIGEST })).toBe(
      `resources:\r\n- a\r\nimages:\n- name: app\n  newTag: 2.0.0\n  digest: ${DIGEST}\n`,
    );
  });

  it('keeps a kustomization written as JSON valid JSON', () => {
    expect(
      setImageVersion('{"images": [{"name": "a", "newName": "r/a"}]}', {
        image: 'a',
        tag: '1.0',
        digest: DIGEST,
      }),
    ).toBe(`{"images": [{"name": "a", "newName": "r/a", "newTag": "1.0", "digest": "${DIGEST}"}]}`);
    expect(setImageVersion('{\n  "resources": ["a"]\n}\n', { image: 'a', tag: '1.0' })).toBe(
      '{\n  "resources": ["a"],\n  "images": [{"name": "a", "newTag": "1.0"}]\n}\n',
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
    expect(() => setImageVersion('# nothing yet\n', update, 'k.yaml')).toThrowError(
      'k.yaml:1:1: a kustomization must be a YAML mapping',
    );
    expect(() => setImageVersion('images:\n- name: app\n- name: app\n', update, 'k.yaml')).toThrowError(
      "k.yaml:3:3: image 'app' appears twice in 'images'",
    );
  });

  it('refuses to edit a file with an alias before its anchor, at the alias', () => {
    // kustomize refuses such a file too; reading one image needs no other value.
    const text = 'namespace: *ns\nx: &ns dev\nimages:\n- name: app\n  newTag: 1.0.0\n';
    const run = () => setImageVersion(text, update, 'k.yaml');
    expect(run).toThrowError(UserError);
    expect(run).toThrowError('k.yaml:1:12: alias *ns has no anchor &ns before it');
    expect(readImageVersion(text, 'app')).toEqual({ tag: '1.0.0' });
  });
});

describe('a Flux Kustomization resource', () => {
  it('is refused: its images live under spec, and a top-level list would do nothing', () => {
    const text = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  images: []\n';
    expect(() => setImageVersion(text, { image: 'app', tag: '1.0.0' }, 'k.yaml')).toThrowError(
      'k.yaml:1:1: this is a Flux Kustomization resource (kustomize.toolkit.fluxcd.io/v1), not a kustomization file',
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
