import { isMap, isScalar, parseAllDocuments, type Document } from 'yaml';
import { imagesOf, type Manifest } from './manifests.js';
import { fenceFor } from './markdown.js';

/** What rendering an overlay gave: its manifests, or kustomize's error. */
export type RenderResult = { manifests: string } | { error: string };

export interface RenderedDiffInput {
  /** The overlay folder, as the reader knows it: `overlays/uat`. */
  overlay: string;
  /** How it was rendered, e.g. `kubectl kustomize`; shown with the overlay. */
  renderer: string;
  /** The image the promotion sets (its kustomize name), named when no manifest changes. */
  image: string;
  /** The overlay as the default branch renders it, and with the promotion's edit. */
  before: RenderResult;
  after: RenderResult;
}

/** The rendered-manifest diff of one promotion, ready to be placed in a pull request body or a job summary. */
export interface RenderedDiff {
  /** Set when the diff could not be produced: what to put in the run's warning annotation. */
  readonly warning?: string;
  /**
   * `head`, a blank line and the Markdown section, together at most `limit` UTF-8
   * bytes (never fewer than the characters GitHub counts). A diff that does not
   * fit is cut at a line boundary and followed by a note saying what was left
   * out, then `cut` (why, and where the rest is).
   */
  appendTo(head: string, limit: number, cut: string): string;
}

/** A Secret's values never reach a pull request or a summary. */
const MASKED = '<masked>';
/**
 * The mask of a value that differs from the default branch's. Saying that a
 * value changed reveals nothing the kustomization diff does not, and a reviewer
 * should notice a promotion that also changes a secret; a hash or a length would
 * help guess the value, so neither is shown.
 */
const MASKED_CHANGED = '<masked, changed>';
const SECRET_FIELDS = ['data', 'stringData'] as const;
/** Kubernetes copies a whole applied object here, values included. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const CONTEXT_LINES = 3;
/** Past this many differing lines a resource's middle is shown as removed then added, keeping the diff linear. */
const MAX_EDIT_DISTANCE = 4000;
const MAX_ERROR_LINES = 20;
const MAX_ERROR_CHARS = 2000;
const NAMED_RESOURCES = 5;

interface Resource {
  key: string;
  label: string;
  order: string[];
  text: string;
  manifest: Manifest;
  document: Document;
}

interface ResourceDiff {
  label: string;
  lines: string[];
}

const encoder = new TextEncoder();
const size = (text: string): number => encoder.encode(text).length;
const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** Compares the two renders resource by resource; a failed render becomes a warning section instead of a diff. */
export function renderedDiff(input: RenderedDiffInput): RenderedDiff {
  if ('error' in input.after || 'error' in input.before) return failure(input);
  let before: Map<string, Resource>;
  let after: Map<string, Resource>;
  try {
    before = readResources(input.before.manifests);
    after = readResources(input.after.manifests);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failure({
      ...input,
      after: { error: `kustomize printed YAML that could not be read: ${message}` },
    });
  }
  maskSecrets(before, after);
  const diffs = diffResources(before, after);
  const command = `\`${input.renderer} ${input.overlay}\``;
  if (diffs.length === 0) {
    const section = [
      '### Rendered manifests',
      '',
      '> [!WARNING]',
      `> ${command} renders the same ${plural(after.size, 'resource')} before and after this change: no container in \`${input.overlay}\` uses \`${input.image}\`, so merging deploys nothing new.`,
      '',
    ].join('\n');
    return { appendTo: (head, limit) => fitWhole(head, section, limit) };
  }
  const total = new Set([...before.keys(), ...after.keys()]).size;
  return { appendTo: (head, limit, cut) => fitDiff(head, limit, cut, command, diffs, total) };
}

function failure(input: RenderedDiffInput): RenderedDiff {
  const failed = 'error' in input.after ? input.after : (input.before as { error: string });
  const onMain = !('error' in input.after);
  const where = onMain ? 'on the default branch (before this change)' : 'with this change';
  const consequence = onMain
    ? 'With this change it renders, so there is nothing to compare it with.'
    : 'The deploy renders the same overlay and will fail on the same error until the overlay is fixed.';
  const error = trimError(failed.error);
  const fence = fenceFor(error);
  const section = [
    '### Rendered manifests',
    '',
    '> [!WARNING]',
    `> The rendered diff could not be produced: kustomize fails to render \`${input.overlay}\` ${where}. ${consequence}`,
    '>',
    `> ${fence}text`,
    ...error.split('\n').map((line) => `> ${line}`.trimEnd()),
    `> ${fence}`,
    '',
  ].join('\n');
  return {
    warning: `The rendered diff of ${input.overlay} could not be produced: kustomize fails ${where}: ${error.split('\n')[0]!.trim()}`,
    appendTo: (head, limit) => fitWhole(head, section, limit),
  };
}

/** kubectl logs through klog: `E1126 09:48:43.716834   10667 run.go:72] "command failed" err="…"`. */
const KLOG_LINE = /^[IWEF]\d{4} [\d:.]+\s+\d+ [^\]]+\] (?:"command failed" err=(".*")|(.*))$/;

/** The error without klog's time and process id, which would make the body differ on every run. */
function plainError(line: string): string {
  const match = KLOG_LINE.exec(line);
  if (!match) return line;
  try {
    return match[1] ? (JSON.parse(match[1]) as string) : match[2]!;
  } catch {
    return match[1]!;
  }
}

function trimError(error: string): string {
  let text = error.trim().split('\n').map(plainError).join('\n') || '(kustomize printed no error message)';
  const lines = text.split('\n');
  if (lines.length > MAX_ERROR_LINES) text = [...lines.slice(0, MAX_ERROR_LINES), '…'].join('\n');
  if (text.length > MAX_ERROR_CHARS) text = `${text.slice(0, MAX_ERROR_CHARS)}…`;
  return text;
}

function fitWhole(head: string, section: string, limit: number): string {
  const whole = `${head}\n${section}`;
  return size(whole) <= limit ? whole : head;
}

function readResources(manifests: string): Map<string, Resource> {
  const resources = new Map<string, Resource>();
  for (const document of parseAllDocuments(manifests)) {
    if (document.errors[0]) throw new Error(document.errors[0].message);
    const manifest = document.toJS() as Manifest | null;
    if (!manifest || typeof manifest !== 'object' || typeof manifest.kind !== 'string') continue;
    const range = document.range;
    const text = manifests.slice(range[0], range[2]).replace(/^---[^\n]*\n/, '');
    const name = String(manifest.metadata?.name ?? '');
    const namespace = manifest.metadata?.namespace ? String(manifest.metadata.namespace) : '';
    const group = String(manifest.apiVersion ?? '').includes('/') ? manifest.apiVersion.split('/')[0]! : '';
    const label = [manifest.kind, namespace, name].filter(Boolean).join('/');
    let key = [group, manifest.kind, namespace, name].join('\u0000');
    // kustomize refuses duplicates; should one appear anyway, both stay visible.
    for (let n = 2; resources.has(key); n++) key = `${key}\u0000${n}`;
    resources.set(key, {
      key,
      label,
      order: [manifest.kind, namespace, name, group],
      text,
      manifest,
      document,
    });
  }
  return resources;
}

function maskSecrets(before: Map<string, Resource>, after: Map<string, Resource>): void {
  for (const resource of before.values()) mask(resource);
  for (const resource of after.values()) mask(resource, before.get(resource.key)?.manifest);
}

/** Replaces every value of a Secret with a mask, marking the values that differ from `previous`. */
function mask(resource: Resource, previous?: Manifest): void {
  const { manifest, document } = resource;
  if (manifest.kind !== 'Secret' || manifest.apiVersion !== 'v1') return;
  for (const field of SECRET_FIELDS) {
    const node = document.get(field, true);
    if (!isMap(node)) continue;
    const values = (manifest[field] ?? {}) as Record<string, unknown>;
    const old = previous?.[field] as Record<string, unknown> | undefined;
    for (const pair of node.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const changed = old !== undefined && key in old && old[key] !== values[key];
      pair.value = document.createNode(changed ? MASKED_CHANGED : MASKED);
    }
  }
  if (document.hasIn(['metadata', 'annotations', LAST_APPLIED]))
    document.setIn(['metadata', 'annotations', LAST_APPLIED], MASKED);
  resource.text = document.toString({ lineWidth: 0, indentSeq: false }).replace(/^---[^\n]*\n/, '');
}

function compareOrder(a: Resource, b: Resource): number {
  for (let i = 0; i < a.order.length; i++) {
    const byPart = a.order[i]!.localeCompare(b.order[i]!, 'en', { numeric: true });
    if (byPart !== 0) return byPart;
  }
  return 0;
}

/** One unified diff per resource that differs; those whose container images change come first. */
function diffResources(before: Map<string, Resource>, after: Map<string, Resource>): ResourceDiff[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const changed = keys
    .map((key) => ({ old: before.get(key), new: after.get(key) }))
    .filter((pair) => pair.old?.text !== pair.new?.text)
    .map((pair) => {
      const images = (resource?: Resource) => (resource ? imagesOf(resource.manifest).join('\n') : '');
      return { ...pair, any: (pair.new ?? pair.old)!, imageChanged: images(pair.old) !== images(pair.new) };
    });
  changed.sort((a, b) => Number(b.imageChanged) - Number(a.imageChanged) || compareOrder(a.any, b.any));
  return changed.map(({ old, new: current, any }) => ({
    label: any.label,
    lines: [
      old ? `--- a/${any.label}` : '--- /dev/null',
      current ? `+++ b/${any.label}` : '+++ /dev/null',
      ...unifiedHunks(linesOf(old?.text), linesOf(current?.text)),
    ],
  }));
}

function linesOf(text: string | undefined): string[] {
  if (!text) return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

type Op = readonly [' ' | '-' | '+', string];

/** The hunks of a unified diff with three lines of context, as `diff -u` and git print them. */
export function unifiedHunks(a: string[], b: string[]): string[] {
  const ops = editScript(a, b);
  const output: string[] = [];
  const changes = ops.flatMap((op, index) => (op[0] === ' ' ? [] : [index]));
  // Line numbers before each op, in a and in b.
  const atA: number[] = [];
  const atB: number[] = [];
  let lineA = 0;
  let lineB = 0;
  for (const op of ops) {
    atA.push(lineA);
    atB.push(lineB);
    if (op[0] !== '+') lineA++;
    if (op[0] !== '-') lineB++;
  }
  for (let i = 0; i < changes.length;) {
    let j = i;
    while (j + 1 < changes.length && changes[j + 1]! - changes[j]! - 1 <= 2 * CONTEXT_LINES) j++;
    const start = Math.max(0, changes[i]! - CONTEXT_LINES);
    const end = Math.min(ops.length, changes[j]! + CONTEXT_LINES + 1);
    const hunk = ops.slice(start, end);
    const lengthA = hunk.filter((op) => op[0] !== '+').length;
    const lengthB = hunk.filter((op) => op[0] !== '-').length;
    output.push(
      `@@ -${range(atA[start]!, lengthA)} +${range(atB[start]!, lengthB)} @@`,
      ...hunk.map(([kind, line]) => `${kind}${line}`),
    );
    i = j + 1;
  }
  return output;
}

/** `start,length` with a 1-based start; an empty range names the line before it, as `diff -u` does. */
function range(before: number, length: number): string {
  if (length === 0) return `${before},0`;
  return length === 1 ? `${before + 1}` : `${before + 1},${length}`;
}

/** A shortest edit script (Myers' O(ND) algorithm) after trimming the common ends. */
function editScript(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const same = (lines: string[]): Op[] => lines.map((line) => [' ', line] as const);
  return [
    ...same(a.slice(0, head)),
    ...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...same(a.slice(a.length - tail)),
  ];
}

function middle(a: string[], b: string[]): Op[] {
  const replace = (): Op[] => [
    ...a.map((line) => ['-', line] as const),
    ...b.map((line) => ['+', line] as const),
  ];
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return replace();
  const limit = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)
          ? v[offset + k + 1]!
          : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, offset, a, b);
    }
  }
  return replace();
}

function backtrack(trace: Int32Array[], offset: number, a: string[], b: string[]): Op[] {
  const ops: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!);
    const previousK = down ? k + 1 : k - 1;
    const previousX = v[offset + previousK]!;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      ops.push([' ', a[--x]!]);
      y--;
    }
    if (down) ops.push(['+', b[--y]!]);
    else ops.push(['-', a[--x]!]);
  }
  while (x > 0 && y > 0) {
    ops.push([' ', a[--x]!]);
    y--;
  }
  return ops.reverse();
}

function fitDiff(
  head: string,
  limit: number,
  cut: string,
  command: string,
  diffs: ResourceDiff[],
  total: number,
): string {
  const lines = diffs.flatMap((diff) => diff.lines);
  const owner = diffs.flatMap((diff, index) => diff.lines.map(() => index));
  const fence = fenceFor(lines.join('\n'));
  const named = diffs.slice(0, NAMED_RESOURCES).map((diff) => `\`${diff.label}\``);
  const more = diffs.length - named.length;
  const intro = `${command}, before and after this change: ${count(diffs.length)} of ${plural(total, 'resource')} ${diffs.length === 1 ? 'differs' : 'differ'} (${named.join(', ')}${more > 0 ? ` and ${count(more)} more` : ''}).`;
  const section = (shown: number): string => {
    const out = [head, '### Rendered manifests', '', intro, ''];
    if (shown > 0) out.push(`${fence}diff`, ...lines.slice(0, shown), fence, '');
    if (shown < lines.length) out.push(...note(shown), '');
    return out.join('\n');
  };
  const note = (shown: number): string[] => {
    const first = shown === 0 ? 0 : owner[shown - 1]!;
    const partial = shown > 0 && owner[shown] === first;
    const untouched = diffs.length - first - (shown > 0 ? 1 : 0);
    const left = [
      ...(partial ? [`the end of \`${diffs[first]!.label}\``] : []),
      ...(untouched > 0 ? [`${plural(untouched, 'more resource')}`] : []),
    ];
    return [
      '> [!NOTE]',
      `> The diff is cut ${shown === 0 ? 'out' : `after line ${count(shown)}`}: ${count(lines.length - shown)} of ${count(lines.length)} lines are not shown (${left.join(' and ')}). ${cut}`,
    ];
  };
  if (size(section(lines.length)) <= limit) return section(lines.length);
  // Greedy first, then step back while the note (whose numbers grow with the cut) does not fit.
  let room = limit - size(section(0)) - size(`${fence}diff\n${fence}\n\n`);
  let shown = 0;
  while (shown < lines.length && room - size(lines[shown]!) - 1 >= 0) room -= size(lines[shown++]!) + 1;
  while (shown > 0 && size(section(shown)) > limit) shown--;
  // Never stop on a resource's header: a cut resource shows at least its first hunk line.
  while (shown > 0 && owner[shown - 1] === owner[shown] && isHeader(lines, owner, shown)) shown--;
  return size(section(shown)) <= limit ? section(shown) : head;
}

/** True while the first `shown` lines of a resource end in its `---`/`+++`/`@@` header lines. */
function isHeader(lines: string[], owner: number[], shown: number): boolean {
  let start = shown - 1;
  while (start > 0 && owner[start - 1] === owner[shown - 1]) start--;
  return shown - start <= 3 && lines.slice(start, shown).every((line, i) => i < 2 || line.startsWith('@@'));
}
