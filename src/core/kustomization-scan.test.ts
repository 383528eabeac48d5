import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { scanImages } from './kustomization-scan.js';
import {
  readImageVersionByParse,
  readImageVersionByScan,
  setImageVersion,
  setImageVersionByParse,
  setImageVersionByScan,
  type ImageUpdate,
} from './kustomization.js';
import { seededRandom } from '../../test/support/random.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const NEW_DIGEST = `sha256:${'cd'.repeat(32)}`;
const FIXTURES = 'src/core/testdata/kustomizations';

/** A call's result or its error message, so that two routes can be compared on both. */
function outcome<T>(run: () => T): { value: T } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
}

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
  // Written with an escape, which the scan does not read: the full parse must make this edit.
  { image, tag: 'a"b' },
];

/**
 * Holds the scan to the full parse: whenever the scan answers, the full parse
 * answers the same, byte for byte, and does not fail. (When the scan does not
 * answer, readImageVersion and setImageVersion are the full parse.) Returns
 * how many of the edits the scan made.
 */
function expectSameAnswers(text: string, updates: ImageUpdate[]): number {
  let scannedEdits = 0;
  for (const image of new Set(updates.map((u) => u.image))) {
    const scanned = readImageVersionByScan(text, image);
    if (scanned !== undefined)
      expect(
        outcome(() => readImageVersionByParse(text, image)),
        `${JSON.stringify(text)} reading ${image}`,
      ).toEqual({
        value: scanned,
      });
  }
  for (const update of updates) {
    const scanned = setImageVersionByScan(text, update);
    if (scanned === undefined) continue;
    scannedEdits++;
    expect(
      outcome(() => setImageVersionByParse(text, update)),
      `${JSON.stringify(text)} with ${JSON.stringify(update)}`,
    ).toEqual({ value: scanned });
  }
  return scannedEdits;
}

/** expectSameAnswers for every image each text names, and one it does not; how many edits the scan made. */
function expectSameAnswersForAll(texts: string[], updates = UPDATES): number {
  let scannedEdits = 0;
  for (const text of texts) scannedEdits += expectSameAnswers(text, imagesIn(text).flatMap(updates));
  return scannedEdits;
}

/** The inputs of kustomization.test.ts: each shape it pins down, the scan must answer alike or leave alone. */
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

/** Small hand-made shapes the generator does not make. */
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
];

function fixtureTexts(): string[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => readFileSync(`${FIXTURES}/${file}`, 'utf8'));
}

function sampleOverlays(): string[] {
  return readdirSync('overlays').map((env) => readFileSync(`overlays/${env}/kustomization.yaml`, 'utf8'));
}

describe('the scan answers exactly as the full parse', () => {
  afterEach(() => vi.restoreAllMocks());

  it('on the inputs of the kustomization tests', () => {
    expectSameAnswersForAll(TEST_INPUTS);
  });

  it('on the sample overlays, whose edits it makes itself', () => {
    expect(expectSameAnswersForAll(sampleOverlays())).toBeGreaterThan(0);
  });

  it('on generated overlays of every common shape', () => {
    // The tags that need quotes and escapes are the other corpora's business: these are many.
    const updates = (image: string) => UPDATES(image).slice(0, 3);
    const scannedEdits = expectSameAnswersForAll(
      SHAPES.map((shape) => overlay(shape)),
      updates,
    );
    // Each of the five entries of each shape, with each update.
    expect(scannedEdits).toBe(SHAPES.length * 5 * updates('').length);
  });

  it('on odd shapes, most of which it leaves to the full parse', () => {
    expectSameAnswersForAll(ODD_SHAPES);
  });

  it('on public kustomizations', () => {
    const texts = fixtureTexts();
    expect(texts.length).toBeGreaterThanOrEqual(20);
    expect(expectSameAnswersForAll(texts)).toBeGreaterThan(0);
  });

  it('on a thousand damaged copies of all of these', () => {
    // Damaged YAML can make the full parse's toJS warn about odd keys: not what this is about.
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
    let scannedEdits = 0;
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
      scannedEdits += expectSameAnswers(text, [
        pick(UPDATES(image)),
        { image, tag: '3.0.0', digest: NEW_DIGEST },
      ]);
    }
    // Proof that the comparison ran: many damaged files still have the common shape.
    expect(scannedEdits).toBeGreaterThan(200);
  });
});

describe('the scan takes the fast route', () => {
  const update = { image: 'ghcr.io/acme/svc-2', tag: '2.0.0', digest: NEW_DIGEST };

  it('for every generated common shape, whichever entry it edits', () => {
    for (const shape of SHAPES) {
      const text = overlay(shape);
      for (const image of ['ghcr.io/acme/svc-0', 'ghcr.io/acme/svc-2', 'ghcr.io/acme/svc-4']) {
        expect(setImageVersionByScan(text, { ...update, image }), JSON.stringify(shape)).toBeDefined();
        expect(setImageVersionByScan(text, { image, tag: '2.0.0' }), JSON.stringify(shape)).toBeDefined();
        expect(readImageVersionByScan(text, image), JSON.stringify(shape)).toBeDefined();
      }
      expect(readImageVersionByScan(text, 'ghcr.io/acme/absent')).toEqual({});
    }
  });

  it("for the benchmark's overlay and kustomize's own layout, at any size", () => {
    for (const count of [1, 50, 500]) {
      for (const indent of [0, 2]) {
        const text = overlay(
          { indent, quote: '', newName: false, digest: false, comments: true, after: '\n' },
          count,
        );
        const image = `ghcr.io/acme/svc-${count >> 1}`;
        const edited = setImageVersionByScan(text, { image, tag: '2.0.0', digest: DIGEST });
        expect(edited).toBeDefined();
        expect(readImageVersionByScan(edited!, image)).toEqual({ tag: '2.0.0', digest: DIGEST });
      }
    }
  });

  it('for the sample overlays and the public kustomizations of the common shape', () => {
    for (const text of sampleOverlays()) {
      expect(setImageVersionByScan(text, { image: 'ghcr.io/acme/orders', tag: '2.0.0' })).toBeDefined();
    }
    const handled = {
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
    for (const [file, image] of Object.entries(handled)) {
      const text = readFileSync(`${FIXTURES}/${file}`, 'utf8');
      expect(setImageVersionByScan(text, { image, tag: '2.0.0', digest: DIGEST }), file).toBeDefined();
    }
  });
});

describe('the scan leaves to the full parse', () => {
  const update = { image: 'app', tag: '2.0.0' };
  const cases: Record<string, string> = {
    'a flow list': 'images: [{name: app, newTag: 1.0.0}]\n',
    'a flow entry': 'images:\n- {name: app, newTag: 1.0.0}\n',
    'an entry whose mapping starts below its dash': 'images:\n-\n  name: app\n  newTag: 1\n',
    'an anchor': 'images:\n- name: app\n  newTag: &v 1.0.0\n',
    'an alias': 'x: &v 1\nimages:\n- name: app\n  newTag: *v\n',
    'a tag': 'images:\n- name: app\n  newTag: !!str 1.0.0\n',
    'a quoted key': 'images:\n- "name": app\n  newTag: 1.0.0\n',
    'a multi-line value': 'images:\n- name: app\n  newTag: 1.0\n    .1\n',
    'a block scalar': 'images:\n- name: app\n  newTag: |-\n    1.0.0\n',
    'an escape': 'images:\n- name: app\n  newTag: "1\\x2e0"\n',
    'another key': 'images:\n- name: app\n  newTag: 1.0.0\n  tagSuffix: x\n',
    'a tab': 'images:\n- name: app\n  newTag: 1.0.0\t# tab\n',
    'CRLF line ends': 'images:\r\n- name: app\r\n  newTag: 1.0.0\r\n',
    'a byte order mark': '\uFEFFimages:\n- name: app\n  newTag: 1.0.0\n',
    'a directive': '%YAML 1.2\n---\nimages:\n- name: app\n  newTag: 1.0.0\n',
    'a second document marker first': 'a: 1\n---\nimages:\n- name: app\n  newTag: 1.0.0\n',
    'a second images key': 'images:\n- name: app\n  newTag: 1.0.0\nimages: []\n',
    'the image twice': 'images:\n- name: app\n  newTag: 1\n- name: app\n  newTag: 2\n',
    'no entry for the image': 'images:\n- name: other\n  newTag: 1\n',
    'no images key': 'resources:\n- a\n',
    "Flux's resource": 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nimages:\n- name: app\n  newTag: 1\n',
    'invalid YAML elsewhere': 'resources: [a\nimages:\n- name: app\n  newTag: 1\n',
    'invalid YAML in a later document': 'images:\n- name: app\n  newTag: 1\n---\n{\n',
    'a document that is not a mapping': '- images:\n  - name: app\n',
  };
  for (const [what, text] of Object.entries(cases)) {
    it(what, () => {
      expect(setImageVersionByScan(text, update)).toBeUndefined();
      expect(outcome(() => setImageVersion(text, update))).toEqual(
        outcome(() => setImageVersionByParse(text, update)),
      );
    });
  }
});

describe('scanImages', () => {
  it('finds each pair of each entry, and where the list ends', () => {
    const text =
      'kind: Kustomization\nimages:\n- name: a # first\n  newTag: "1"\n# gap\n- name: b\n  digest:\nnamespace: x\n';
    const images = scanImages(text)!;
    expect(text.slice(images.keyStart, images.listStart)).toBe('images:\n');
    expect(text.slice(images.listEnd)).toBe('namespace: x\n');
    expect(
      images.entries.map((entry) => entry.pairs.map((pair) => [pair.key, pair.value, pair.valueStyle])),
    ).toEqual([
      [
        ['name', 'a', 'plain'],
        ['newTag', '1', 'double'],
      ],
      [
        ['name', 'b', 'plain'],
        ['digest', undefined, undefined],
      ],
    ]);
  });
});
