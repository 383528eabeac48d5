import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { UserError } from './errors.js';
import { readImageVersion, setImageVersion, type ImageUpdate, type ImageVersion } from './kustomization.js';
import { seededRandom } from '../../test/support/random.js';

/**
 * setImageVersion and readImageVersion on many files: public kustomizations,
 * generated overlays of the common shape, odd shapes, and damaged copies of
 * all of these. Each answer is held to what it must be whatever the file:
 * an edit reads back with the new version, changes only that image's entry
 * (or adds one), and keeps the rest of the document as data and as bytes; a
 * refusal is a UserError that points into the file.
 */

const FILE = 'overlays/dev/kustomization.yaml';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const NEW_DIGEST = `sha256:${'cd'.repeat(32)}`;
const FIXTURES = 'src/core/testdata/kustomizations';

/** Every image name the text mentions, and one it does not. */
function imagesIn(text: string): string[] {
  const names = [...text.matchAll(/\bname["']?\s*:\s*["']?([^"',}\s#]+)/g)].map((m) => m[1]!);
  return [...new Set([...names, 'ghcr.io/acme/absent'])];
}

const UPDATES = (image: string): ImageUpdate[] => [
  { image, tag: '2.0.0' },
  { image, tag: '2.0.0', digest: NEW_DIGEST },
  // Plain `1.10` would read back as a number, `yes` as a bool in YAML 1.1: both get quotes.
  { image, tag: '1.10', digest: DIGEST },
  { image, tag: 'yes' },
  // Only a double-quoted scalar with an escape can hold this one.
  { image, tag: 'a"b' },
];

type Outcome<T> = { value: T } | { error: unknown };

/** A call's result or the error it throws. */
function outcome<T>(run: () => T): Outcome<T> {
  try {
    return { value: run() };
  } catch (error) {
    return { error };
  }
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

/** A refusal must be a UserError at a line and column of the file, never a TypeError or the like. */
function expectUserErrorInFile(error: unknown, text: string, what: string): void {
  expect(error, what).toBeInstanceOf(UserError);
  const { location, message } = error as UserError;
  expect(location?.file, what).toBe(FILE);
  expect(location!.line, what).toBeGreaterThanOrEqual(1);
  expect(location!.line, what).toBeLessThanOrEqual(text.split('\n').length);
  expect(location!.column, what).toBeGreaterThanOrEqual(1);
  expect(message, what).toMatch(new RegExp(`^${FILE}:${location!.line}:${location!.column}: \\S`));
}

/** The first document, as kustomize reads it, and the ones after it. */
function documents(text: string): Document.Parsed[] {
  const docs = parseAllDocuments(text);
  return Array.isArray(docs) ? docs : [];
}

/** The image entries of the first document and the index of the image's, found by the yaml library alone. */
function imageEntries(text: string, image: string): { entries: Node[]; index: number } {
  const root = (documents(text)[0]?.contents as Node | null | undefined) ?? null;
  const seq = isMap(root) ? root.get('images', true) : undefined;
  const entries = isSeq(seq) ? (seq.items as Node[]) : [];
  const index = entries.findIndex((item) => {
    const name = isMap(item) ? item.get('name', true) : undefined;
    return isScalar(name) && (name.source ?? String(name.value)) === image;
  });
  return { entries, index };
}

/** Every document as data, the image's entry left out of the first; no entries and no list alike. */
function dataWithout(text: string, image: string): unknown[] {
  const { index } = imageEntries(text, image);
  return documents(text).map((doc, n) => {
    const value = doc.toJS() as Record<string, unknown> | null;
    if (n > 0 || value === null || typeof value !== 'object') return value;
    const { images, ...rest } = value;
    const others = Array.isArray(images) ? images.filter((_, i) => i !== index) : images;
    return others === null || (Array.isArray(others) && others.length === 0)
      ? rest
      : { ...rest, images: others };
  });
}

/** The part of `before` an edit replaced: all but what the two texts start and end with alike. */
function changedRegion(before: string, after: string): { start: number; removed: string } {
  let start = 0;
  while (start < before.length && before[start] === after[start]) start++;
  let end = 0;
  const most = Math.min(before.length, after.length) - start;
  while (end < most && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return { start, removed: before.slice(start, before.length - end) };
}

/** Whether all characters of `part` stand in `whole` in the same order. */
function isSubsequence(part: string, whole: string): boolean {
  let at = 0;
  for (const char of part) {
    at = whole.indexOf(char, at) + 1;
    if (at === 0) return false;
  }
  return true;
}

const VERSION = (update: ImageUpdate): ImageVersion =>
  update.digest === undefined ? { tag: update.tag } : { tag: update.tag, digest: update.digest };

/** What a successful edit must be, checked with the yaml library and string compares only. */
function expectSoundEdit(before: string, after: string, update: ImageUpdate): void {
  const what = `${JSON.stringify(before)} with ${JSON.stringify(update)}`;
  expect(readImageVersion(after, update.image, FILE), what).toEqual(VERSION(update));
  expect(dataWithout(after, update.image), what).toEqual(dataWithout(before, update.image));

  // An existing entry changes within its own lines; anything else is only added to: every character
  // of the file, but for a null `images` value, is still there and in order.
  const { entries, index } = imageEntries(before, update.image);
  const entry = entries[index];
  if (entry?.range) {
    const region = changedRegion(before, after);
    expect(region.start, what).toBeGreaterThanOrEqual(lineStart(before, entry.range[0]));
    expect(region.start + region.removed.length, what).toBeLessThanOrEqual(lineEnd(before, entry.range[1]));
  } else {
    const kept = before.replace(/(["']?images["']?[ \t]*:)[ \t]*(?:~|null|Null|NULL)(?=[\s,}#]|$)/, '$1');
    expect(isSubsequence(kept, after), what).toBe(true);
  }

  // Line endings and a byte order mark stay as they were.
  if (!before.includes('\r')) expect(after, what).not.toContain('\r');
  if (!/(?<!\r)\n/.test(before)) expect(after, what).not.toMatch(/(?<!\r)\n/);
  expect(after.startsWith('\uFEFF'), what).toBe(before.startsWith('\uFEFF'));

  // Setting the version it now has changes nothing.
  expect(setImageVersion(after, update, FILE), what).toBe(after);
}

interface Tally {
  edits: number;
  /** UserErrors. */
  refusals: number;
  /** Edits verifyEdit stopped because they did not read back: safe, but a gap of the editor. */
  unreadable: number;
}

/**
 * Reads every image the text names, and one it does not, and makes each
 * update: a sound edit, or a UserError in the file. verifyEdit may also stop
 * an edit of its own that does not read back (an `internal error`): the
 * tests count those. With `rerun`, each answer must come again the same.
 */
function expectSoundAnswers(text: string, updates: ImageUpdate[], tally: Tally, rerun = false): void {
  for (const image of imagesIn(text)) {
    const read = outcome(() => readImageVersion(text, image, FILE));
    if ('error' in read)
      expectUserErrorInFile(read.error, text, `reading ${image} in ${JSON.stringify(text)}`);
    if (rerun) expect(outcome(() => readImageVersion(text, image, FILE))).toEqual(read);
  }
  for (const update of updates) {
    const edit = outcome(() => setImageVersion(text, update, FILE));
    if (rerun) expect(outcome(() => setImageVersion(text, update, FILE))).toEqual(edit);
    if ('value' in edit) {
      tally.edits++;
      expectSoundEdit(text, edit.value, update);
    } else if (edit.error instanceof UserError) {
      tally.refusals++;
      expectUserErrorInFile(edit.error, text, `${JSON.stringify(text)} with ${JSON.stringify(update)}`);
    } else {
      tally.unreadable++;
      expect((edit.error as Error).message).toMatch(
        new RegExp(`^internal error: editing ${FILE} for image '.*' produced a file that does not read back`),
      );
    }
  }
}

function expectSoundAnswersForAll(texts: string[], updates = UPDATES): Tally {
  const tally = { edits: 0, refusals: 0, unreadable: 0 };
  for (const text of texts) expectSoundAnswers(text, imagesIn(text).flatMap(updates), tally);
  return tally;
}

interface Shape {
  /** Column of the dashes: kustomize itself writes them under the key, at 0. */
  indent: number;
  quote: '' | '"' | "'";
  newName: boolean;
  digest: boolean;
  comments: boolean;
  /** What follows the list. */
  after: string;
}

/** An overlay of `count` services in the given shape, with a few odd entries among them. */
function overlay(shape: Shape, count = 5): string {
  const pad = ' '.repeat(shape.indent);
  const q = shape.quote;
  const lines = [
    '# An overlay',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `${pad}- ../../base`,
    `images:${shape.comments ? ' # set by the suite' : ''}`,
  ];
  for (let i = 0; i < count; i++) {
    const name = `${pad}- name: ${q}ghcr.io/acme/svc-${i}${q}`;
    if (shape.comments) lines.push(`${pad}# svc-${i}: set by the promotion suite`);
    lines.push(shape.comments && i % 2 === 1 ? `${name}   # the service` : name);
    if (shape.newName) lines.push(`${pad}  newName: ${q}registry.example/svc-${i}${q}`);
    // Entry 3 has an empty newTag, entry 4 a null one; the others a version.
    const tag = i === 3 ? '' : i === 4 ? ' ~' : ` ${q}1.${i}.0${q}`;
    lines.push(`${pad}  newTag:${tag}${shape.comments && i === 2 ? ' # pinned' : ''}`);
    if (shape.digest && i !== 1) lines.push(`${pad}  digest: ${q}${DIGEST}${q}`);
    if (shape.comments && i === 0) lines.push('', `${pad}  # digest: sha256:old`);
  }
  return `${lines.join('\n')}${shape.after}`;
}

const SHAPES: Shape[] = [];
for (const indent of [0, 2])
  for (const quote of ['', '"', "'"] as const)
    for (const newName of [false, true])
      for (const digest of [false, true])
        for (const comments of [false, true])
          for (const after of ['\n', '', '\nnamespace: shop\n', '\n# the end\n---\nkind: Other\n'])
            SHAPES.push({ indent, quote, newName, digest, comments, after });

/** Small hand-made shapes the generator does not make: valid and not, plain and odd. */
const ODD_SHAPES = [
  `images:\n- digest: ${DIGEST}\n  name: app\n- name: b\n  newTag: 1\n`,
  'images:\n-   name: app\n    newTag: 1.0.0\n-  name: b\n   newTag: 2\n',
  'images:\n\n  - name: app\n\n    newTag: 1.0.0\n# between\n  - name: b\n      # deep comment\n    newTag: 2\n',
  'images:   \n  - name: app   \n    newTag: 1.0.0   \n',
  "images:\n- name: 'app'\n  newTag: 'v1#2'\n- name: \"b\"\n  newTag: \"it's\"\n",
  'images:\n- name: app\n  newTag: 1.0 # a float to YAML\n- name: 42\n  newTag: 0x1F\n- name: true\n  newTag: .inf\n',
  'images:\n- name: app # ünïcödé comment ✓\n  newTag: 1.0.0\n',
  'images:\n- name: app\n  newTag: ""\n- name: b\n  newTag: \'\'\n',
  'images:\n- name: app\n  newTag: null\n  digest: Null\n',
  'images:\n- name: app\n  newTag:   # no tag yet\n  digest:\n',
  'images:\n- name: app\n  newTag: 1.0.0\n  tagSuffix: -x\n',
  'images:\n- name: app\n  newTag: 1.0.0\nimages:\n- name: b\n',
  'images:\n- name: app\n  newTag: 1.0.0\n"images": []\n',
  'images:\n- name: app\n  newTag: 1.0.0\nresources:\n  - a\n  bad: [\n',
  'images:\n- name: app\n  newTag: 1.0.0\n---\nbad: [\n',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1\nimages:\n- name: app\n  newTag: 1.0.0\n',
  'kind: Kustomization\n---\nimages:\n- name: app\n  newTag: 1.0.0\n',
  '%YAML 1.1\n---\nimages:\n- name: app\n  newTag: 1.0.0\n',
  'images:\n- name: app\n  newTag: 1.0.0\n\tnewName: x\n',
  'images:\n- name: app\n  newTag: >-\n    1.0.0\n',
  'images:\n- name: app\n  newTag: 1.0.0\n    .1\n',
  'images:\n- name: app\n  newTag: !!str 1.0.0\n',
  'images:\n- name: app\n  newTag: "1.\\u0030"\n',
  'images:\n- name: app\n  newTag: 1.0.0\n- name: app\n  newTag: 2.0.0\n',
  'images:\n  - name: app\n    newTag: 1.0.0\n- name: b\n',
  'images:\n- name: app\n  newTag: 1.0.0\n? complex\n: key\n',
  'a: "x\nimages:\n- name: app\n  newTag: 1.0.0\n"\n',
  'a: |\n  text\nimages:\n- name: app\n  newTag: 1.0.0\nb: >\n  more\n',
  'images: [{name: app, newTag: 1.0.0}]\n',
  'images:\n- {name: app, newTag: 1.0.0}\n',
  'images:\n- name: app\n  newTag: &v 1.0.0\n',
  'x: &v 1\nimages:\n- name: app\n  newTag: *v\n',
  'images:\n- "name": app\n  newTag: 1.0.0\n',
  'images:\n- name: app\n  newTag: 1.0.0\t# tab\n',
  'images:\r\n- name: app\r\n  newTag: 1.0.0\r\n',
  '\uFEFFimages:\n- name: app\n  newTag: 1.0.0\n',
  'resources: [a\nimages:\n- name: app\n  newTag: 1\n',
  '- images:\n  - name: app\n',
];

/** The kustomization.test.ts inputs, which pin each of these shapes down byte for byte. */
const TEST_INPUTS = [
  '# top comment\nimages:\n- name: "ghcr.io/acme/api"   # the api\n  newTag: "1.0.0" # pinned by the suite\n' +
    "- name: 'ghcr.io/acme/web'\n  newTag: '2.0.0'\n",
  'resources:\r\n- base\r\nimages:\r\n- name: app\r\n  newTag: 1.0.0\r\n',
  `images:\n  - name: app\n    newName: registry.example/app\n    newTag: 1.0.0\n    digest: ${DIGEST}\n  - name: other\n    newTag: 3.0.0\n`,
  `images:\n- digest: ${DIGEST}\n  name: app\n  newTag: 1.0.0\n`,
  'images:\n  - name: app # base name\n    newName: ghcr.io/acme/app\n# end\n',
  'images:\n  - name: a\n    newTag: "1.0.0"\n\n# trailing comment\n',
  'resources:\n- ../../base\nnamespace: dev',
  'images:\nnamespace: x\n',
  'images: ~ # none yet\n',
  'images: [{name: a, newTag: 1.0.0}, {name: b, newTag: 2.0.0}]\n',
  'images: [{name: a}]\n',
  'images:\n- name: app\n  newTag:\n',
  'images:\n- name: app\n  newTag: a\n',
  ...['1.0', '0123', '6e60951', '20230101'].map((tag) => `images:\n- name: app\n  newTag: ${tag}\n`),
  'images:\n- name: app\n  newTag: v1\n',
  'images:\n- name: 1.0\n  newTag: a\n',
  `images:\n- name: app\n  newName: r/app\n  digest: ${DIGEST}\n- name: other\n  newTag: x\n`,
  `images:\n- name: app\n  digest: ${DIGEST}`,
  `images:\n  - {name: app, digest: ${DIGEST}}\n`,
  'images:\n- name: app\n  newName: r/app',
  'images:\n  - { name: a, newTag: 1.0.0 }\n',
  'images: [\n  {name: a, newTag: 1.0.0},\n]\n',
  'images:\n    -   name: a\n        newTag: 1\n',
  'images:\n-\n  name: a\n  newTag: x\n',
  'images:\n- name: a\n  newTag: x\n  # digest: sha256:old\n# the bases\nresources:\n- ../base\n',
  'images:\n- name: a\n  newTag: &v 1.0.0\n- name: b\n  newTag: *v\n',
  'images:\n- name: a\n  newTag: |-\n    1.0.0\nnamespace: x\n',
  'images:\n- name: a\n  newTag: ~\n',
  '---\nimages:\n- name: a\n  newTag: 1.0.0\n---\n',
  'resources:\n- x\n...\n',
  'resources:\n- x\n---\nimages: []\n',
  '\uFEFFresources:\r\n- a',
  'resources:\r\n- a\r\nimages:\n- name: app\n  newTag: 1\n',
  '{"images": [{"name": "a", "newName": "r/a"}]}',
  '{\n  "resources": ["a"]\n}\n',
  'images:\n  - name: app\n    newTag: [1.0\n',
  'namespace: x\nimages:\n  app: 1.0.0\n',
  '- a\n- b\n',
  '# nothing yet\n',
  'images:\n- name: app\n- name: app\n',
  'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nspec:\n  images: []\n',
  `images:\n- name: app\n  newTag: "1.2.3"\n  digest: ${DIGEST}\n`,
  'resources: [a]\n',
];

function fixtureTexts(): string[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => readFileSync(`${FIXTURES}/${file}`, 'utf8'));
}

function sampleOverlays(): string[] {
  return readdirSync('overlays').map((env) => readFileSync(`overlays/${env}/kustomization.yaml`, 'utf8'));
}

describe('setImageVersion and readImageVersion answer soundly', () => {
  // Odd and damaged YAML can make toJS warn about odd keys: not what this is about.
  afterEach(() => vi.restoreAllMocks());

  it('on the shapes the kustomization tests pin down, and on odd ones', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const tally = expectSoundAnswersForAll([...TEST_INPUTS, ...ODD_SHAPES]);
    expect(tally.edits).toBeGreaterThan(600);
    expect(tally.refusals).toBeGreaterThan(100);
    // A known gap: a `newTag: |-` block scalar's range runs into the next line, so a digest
    // inserted after it, or an entry appended after its entry, lands too late.
    expect(tally.unreadable).toBeLessThanOrEqual(7);
  });

  it('on the sample overlays, editing each of their images', () => {
    const texts = sampleOverlays();
    expect(expectSoundAnswersForAll(texts)).toEqual({
      edits: texts.flatMap(imagesIn).length * UPDATES('').length,
      refusals: 0,
      unreadable: 0,
    });
  });

  it('on generated overlays of every common shape, editing every entry', () => {
    // The tags that need quotes and escapes are the other corpora's business: these are many.
    const updates = (image: string) => UPDATES(image).slice(0, 3);
    const tally = expectSoundAnswersForAll(
      SHAPES.map((shape) => overlay(shape)),
      updates,
    );
    // Five entries and one absent image in each shape, with each update.
    expect(tally).toEqual({ edits: SHAPES.length * 6 * updates('').length, refusals: 0, unreadable: 0 });
  });

  it('on public kustomizations', () => {
    const texts = fixtureTexts();
    expect(texts.length).toBeGreaterThanOrEqual(20);
    const tally = expectSoundAnswersForAll(texts);
    expect(tally.edits).toBeGreaterThan(200);
    // Two are templates that are not valid YAML; three of renovate's list an image twice.
    expect(tally.refusals).toBeGreaterThan(100);
    expect(tally.unreadable).toBe(0);
  });

  it('on a thousand damaged copies of all of these', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    // Random edits, from a fixed seed, of the characters YAML cares about.
    const random = seededRandom(20240611);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const characters = ['#', ' ', '  ', '\n', '\t', '"', "'", '\\', '-', ':', '~', '?', '@', '`', '%', ','];
    const indicators = ['&a ', '*a', '!!str ', '- ', ': ', '{', '}', '[', ']', '|\n', '>-\n'];
    const oddities = ['\r', '\uFEFF', '\u2028', '---\n', '...\n', '%YAML 1.1\n'];
    const lines = ['images:\n', 'name: app\n', '  newTag: 1\n', '- name: app\n', '  digest: x\n'];
    const pieces = [
      ...characters,
      ...indicators,
      ...oddities,
      ...lines,
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\n',
    ];
    const bases = [
      ...sampleOverlays(),
      ...SHAPES.filter((_, i) => i % 4 === 0).map((shape) => overlay(shape)),
      ...ODD_SHAPES,
    ];
    const tally = { edits: 0, refusals: 0, unreadable: 0 };
    for (let round = 0; round < 1000; round++) {
      const base = pick(bases);
      let text = base;
      for (let edits = 1 + Math.floor(random() * 2); edits > 0; edits--) {
        const at = Math.floor(random() * (text.length + 1));
        const lineAt = text.lastIndexOf('\n', at - 1) + 1;
        const kind = random();
        if (kind < 0.4) text = text.slice(0, at) + pick(pieces) + text.slice(at);
        else if (kind < 0.6) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 4));
        else if (kind < 0.8)
          text = text.slice(0, lineAt) + (random() < 0.5 ? ' ' : '  ') + text.slice(lineAt);
        else text = text.slice(0, lineAt) + text.slice(text.indexOf('\n', lineAt) + 1 || text.length);
      }
      const image = pick(imagesIn(base));
      const updates = [pick(UPDATES(image)), { image, tag: '3.0.0', digest: NEW_DIGEST }];
      expectSoundAnswers(text, updates, tally, true);
    }
    // Proof that both kinds of answer were checked, many times.
    expect(tally.edits).toBeGreaterThan(600);
    expect(tally.refusals).toBeGreaterThan(1000);
    // The block scalar gap above, an indented first document, and a `newTag:` whose value is a mapping.
    expect(tally.unreadable).toBeLessThanOrEqual(13);
  });
});

describe('on files of the common shape, at any size', () => {
  it("edits one entry of the benchmark's overlay and kustomize's own layout in two lines", () => {
    for (const count of [1, 50, 500]) {
      for (const indent of [0, 2]) {
        const text = overlay(
          { indent, quote: '', newName: false, digest: false, comments: true, after: '\n' },
          count,
        );
        const image = `ghcr.io/acme/svc-${count >> 1}`;
        const edited = setImageVersion(text, { image, tag: '2.0.0', digest: DIGEST });
        expect(edited.split('\n').length).toBe(text.split('\n').length + 1);
        expect(readImageVersion(edited, image)).toEqual({ tag: '2.0.0', digest: DIGEST });
      }
    }
  });

  it('edits the images of the public kustomizations that set one', () => {
    const images = {
      'argo-cd-base.yaml': 'quay.io/argoproj/argocd',
      'argo-cd-ha-base.yaml': 'quay.io/argoproj/argocd',
      'argo-rollouts-base.yaml': 'argoproj/argo-rollouts',
      'argocd-image-updater-base.yaml': 'argoprojlabs/argocd-image-updater',
      'external-dns.yaml': 'k8s.gcr.io/external-dns/external-dns',
      'flux-source-controller-manager.yaml': 'fluxcd/source-controller',
      'jaeger-operator-manager.yaml': 'controller',
      'jobset-manager.yaml': 'controller',
      'katib-standalone.yaml': 'docker.io/kubeflowkatib/katib-ui',
      'kubeflow-pipelines-base.yaml': 'ghcr.io/kubeflow/kfp-frontend',
      'kueue-manager.yaml': 'controller',
      'metrics-server-release.yaml': 'gcr.io/k8s-staging-metrics-server/metrics-server',
      'onepassword-operator-manager.yaml': 'controller',
      'opentelemetry-operator-manager.yaml': 'controller',
      'renovate-component.yaml': 'node',
      'renovate-digest.yaml': 'postgres:11',
      'training-operator-standalone.yaml': 'gcr.io/kubeflow-images-public/tf-operator',
    };
    for (const [file, image] of Object.entries(images)) {
      const text = readFileSync(`${FIXTURES}/${file}`, 'utf8');
      const update = { image, tag: '2.0.0', digest: DIGEST };
      expect(imageEntries(text, image).index, file).toBeGreaterThanOrEqual(0);
      expectSoundEdit(text, setImageVersion(text, update, FILE), update);
    }
  });
});
