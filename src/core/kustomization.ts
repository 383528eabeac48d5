import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parse,
  parseAllDocuments,
  Scalar,
  visit,
  type CST,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { UserError } from './errors.js';
import {
  scanImages,
  type QuoteStyle,
  type ScannedEntry,
  type ScannedImages,
  type ScannedPair,
  type StyledPair,
} from './kustomization-scan.js';

/** File names kustomize accepts for a kustomization, in its order of preference. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

/** Where an overlay's kustomization may be, in kustomize's order of preference. */
export function kustomizationPaths(overlay: string): string[] {
  return KUSTOMIZATION_FILE_NAMES.map((name) => `${overlay}/${name}`);
}

export interface ImageVersion {
  tag?: string;
  digest?: string;
}

interface Parsed {
  text: string;
  file: string;
  doc: Document.Parsed;
  root: YAMLMap;
  lineCounter: LineCounter;
  /** Where new top-level keys go: the end of the first document, before a `...` or `---` that closes it. */
  documentEnd: number;
}

function parseKustomization(text: string, file: string): Parsed {
  const lineCounter = new LineCounter();
  const fail = (offset: number, message: string): never => {
    const pos = lineCounter.linePos(offset);
    throw new UserError(message, { file, line: pos.line, column: pos.col });
  };
  // kustomize reads the first document and ignores the rest, so a trailing `---` is fine.
  const parsedDocs = parseAllDocuments(text, { lineCounter, prettyErrors: false, keepSourceTokens: true });
  const docs = Array.isArray(parsedDocs) ? parsedDocs : [];
  for (const doc of docs) {
    const firstError = doc.errors[0];
    if (firstError) fail(firstError.pos[0], `not valid YAML: ${firstError.message.split('\n')[0]}`);
  }
  const doc = docs[0];
  const root = (doc?.contents ?? null) as Node | null;
  if (!doc || !isMap(root)) return fail(root?.range?.[0] ?? 0, 'a kustomization must be a YAML mapping');
  const apiVersion = root.get('apiVersion');
  if (typeof apiVersion === 'string' && apiVersion.startsWith('kustomize.toolkit.fluxcd.io/')) {
    // Flux's Kustomization resource keeps its images under `spec`: a top-level list would do nothing.
    fail(
      root.range?.[0] ?? 0,
      `this is a Flux Kustomization resource (${apiVersion}), not a kustomization file`,
    );
  }
  const rootEnd = contentEnd(root);
  const next = docs[1]?.range[0] ?? text.length;
  const endMarker = /^\.\.\.(?=[ \t]|\r?\n|$)/m.exec(text.slice(rootEnd, next));
  const documentEnd = endMarker ? rootEnd + endMarker.index : next;
  return { text, file, doc, root, lineCounter, documentEnd };
}

class Locator {
  constructor(private readonly parsed: Parsed) {}

  fail(node: Node | null | undefined, message: string): never {
    const pos = this.parsed.lineCounter.linePos(node?.range?.[0] ?? 0);
    throw new UserError(message, { file: this.parsed.file, line: pos.line, column: pos.col });
  }
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function pairOf(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  return map.items.find((pair) => keyOf(pair) === key) as Pair<Node, Node | null> | undefined;
}

/**
 * A scalar as the string kustomize means by it. YAML reads a plain `1.0`,
 * `0123` or `6e60951` (a short commit hash) as a number, but a tag is text:
 * such a value reads as written, never as `1`, `123` or `Infinity`.
 */
function scalarString(
  parsed: Parsed,
  locator: Locator,
  node: Node | null | undefined,
  what: string,
): string | undefined {
  if (node === null || node === undefined) return undefined;
  const target = isAlias(node) ? node.resolve(parsed.doc) : node;
  if (!isScalar(target)) return locator.fail(node, `${what} must be a string`);
  if (target.value === null) return undefined;
  if (typeof target.value === 'string') return target.value;
  return target.source ?? String(target.value);
}

function imagesSeq(parsed: Parsed, locator: Locator): YAMLSeq | undefined {
  const pair = pairOf(parsed.root, 'images');
  if (!pair || pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return undefined;
  if (!isSeq(pair.value)) locator.fail(pair.value, "'images' must be a list");
  return pair.value;
}

function findImageEntry(parsed: Parsed, locator: Locator, image: string): YAMLMap | undefined {
  const seq = imagesSeq(parsed, locator);
  if (!seq) return undefined;
  const matches = seq.items.filter((item) => {
    if (!isMap(item)) locator.fail(item as Node, "each entry of 'images' must be a mapping with a 'name'");
    return scalarString(parsed, locator, pairOf(item, 'name')?.value, "'images[].name'") === image;
  }) as YAMLMap[];
  if (matches.length > 1) locator.fail(matches[1], `image '${image}' appears twice in 'images'`);
  return matches[0];
}

/** The tag and digest a kustomization sets for one image; empty when it sets neither. */
export function readImageVersion(text: string, image: string, file = 'kustomization.yaml'): ImageVersion {
  return readImageVersionByScan(text, image) ?? readImageVersionByParse(text, image, file);
}

/** readImageVersion through the full YAML parse, which reads every shape and reports every error. */
export function readImageVersionByParse(
  text: string,
  image: string,
  file = 'kustomization.yaml',
): ImageVersion {
  return imageVersionIn(parseKustomization(text, file), image);
}

function imageVersionIn(parsed: Parsed, image: string): ImageVersion {
  const locator: Locator = new Locator(parsed);
  const entry = findImageEntry(parsed, locator, image);
  if (!entry) return {};
  const result: ImageVersion = {};
  const tag = scalarString(parsed, locator, pairOf(entry, 'newTag')?.value, "'newTag'");
  const digest = scalarString(parsed, locator, pairOf(entry, 'digest')?.value, "'digest'");
  if (tag !== undefined) result.tag = tag;
  if (digest !== undefined) result.digest = digest;
  return result;
}

interface Splice {
  start: number;
  end: number;
  insert: string;
}

/**
 * Applies splices from the end of the text backwards. A removal and an
 * insertion may start at one offset (`digest` goes, `newTag` comes in its
 * place): the removal is applied first, so the insertion survives it.
 */
function applySplices(text: string, splices: Splice[]): string {
  const ordered = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  let limit = text.length;
  for (const splice of ordered) {
    if (splice.end > limit) throw new Error('internal error: overlapping kustomization edits');
    result = result.slice(0, splice.start) + splice.insert + result.slice(splice.end);
    limit = splice.start;
  }
  return result;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset just past the end of the line holding `offset`, newline included. */
function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

function columnOf(text: string, offset: number): number {
  const start = lineStart(text, offset);
  // A byte order mark is not indentation: columns on the first line start after it.
  return offset - start - (start === 0 && text.startsWith('\uFEFF') ? 1 : 0);
}

/** The line ending for a line inserted at `offset`: that of the line above, else the file's usual one. */
function eolBefore(text: string, offset: number): string {
  if (offset > 0 && text[offset - 1] === '\n') return text[offset - 2] === '\r' ? '\r\n' : '\n';
  const crlf = text.split('\r\n').length - 1;
  const lf = text.split('\n').length - 1;
  return crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n';
}

/** Inserts whole lines at `at`: a line start, or the end of a file whose last line has no newline yet. */
function insertLines(text: string, at: number, lines: string[]): Splice {
  const eol = eolBefore(text, at);
  const lead = at === text.length && !text.endsWith('\n') ? eol : '';
  return { start: at, end: at, insert: lead + lines.map((line) => line + eol).join('') };
}

function quoteStyleOf(node: Node | null | undefined): QuoteStyle | undefined {
  if (!isScalar(node) || node.value === null) return undefined;
  if (node.type === Scalar.QUOTE_DOUBLE) return 'double';
  if (node.type === Scalar.QUOTE_SINGLE) return 'single';
  return 'plain';
}

/** Whether `value` written plain reads back as that same string. */
function safePlain(value: string, flow: boolean): boolean {
  if (value === '' || value.includes('#') || (flow && /[,[\]{}]/.test(value))) return false;
  try {
    // kustomize's YAML 1.1 reader takes `yes`, `1_000` or `0b1` for a bool or a
    // number and then refuses the file: the value must be a string in both versions.
    return parse(`v: ${value}`)?.v === value && parse(`v: ${value}`, { version: '1.1' })?.v === value;
  } catch {
    return false;
  }
}

/** Writes a string in the requested quoting, falling back to double quotes when plain would not read back as the same string. */
function formatScalar(value: string, style: QuoteStyle, flow = false): string {
  if (style === 'single') return `'${value.replace(/'/g, "''")}'`;
  if (style === 'plain' && safePlain(value, flow)) return value;
  return JSON.stringify(value);
}

/** A mapping's pairs as the quoting policy reads them; scanned entries come in this form already. */
type Styles = readonly StyledPair[];

function stylesOf(map: YAMLMap): Styles {
  return map.items.map((pair) => ({
    key: keyOf(pair),
    keyStyle: quoteStyleOf(pair.key as Node),
    valueStyle: quoteStyleOf(pair.value as Node | null),
  }));
}

function mapsOf(seq: YAMLSeq | undefined): Styles[] {
  return (seq?.items ?? []).filter((item): item is YAMLMap => isMap(item)).map(stylesOf);
}

/** How these maps quote their keys: a JSON-like file quotes them all. */
function keyStyle(maps: readonly Styles[]): QuoteStyle {
  return maps.find((map) => map.length > 0)?.[0]?.keyStyle ?? 'plain';
}

/** The quoting the file uses for this key's values, else for any value: a new value looks like its neighbours. */
function preferredStyle(maps: readonly Styles[], key: string): QuoteStyle {
  for (const map of maps) {
    const style = map.find((pair) => pair.key === key)?.valueStyle;
    if (style) return style;
  }
  for (const map of maps) {
    for (const pair of map) {
      if (pair.valueStyle) return pair.valueStyle;
    }
  }
  // Nothing to imitate: JSON quotes every string, YAML needs no quotes.
  return keyStyle(maps) === 'double' ? 'double' : 'plain';
}

/** `key: value`, quoted the way these maps quote theirs. */
function field(maps: readonly Styles[], key: string, value: string, flow: boolean): string {
  return `${formatScalar(key, keyStyle(maps))}: ${formatScalar(value, preferredStyle(maps, key), flow)}`;
}

function replaceValue(
  parsed: Parsed,
  locator: Locator,
  pair: Pair<Node, Node | null>,
  value: string,
  fallback: QuoteStyle,
  flow: boolean,
): Splice {
  const { text } = parsed;
  const node = pair.value;
  refuseSharedAnchor(parsed, locator, node);
  if (node && (isScalar(node) || isAlias(node)) && node.range && node.range[1] > node.range[0]) {
    const [start, end] = node.range;
    if (isScalar(node) && (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED)) {
      // `newTag: |-` and its indented line become one line; the line break after them stays.
      const trailing = /\s*$/.exec(text.slice(start, end))![0];
      return { start, end: end - trailing.length, insert: formatScalar(value, fallback, flow) };
    }
    // A `*alias` gives way to the entry's own value; `~` and `null` are replaced like any scalar.
    const style = (isScalar(node) ? quoteStyleOf(node) : undefined) ?? fallback;
    return { start, end, insert: formatScalar(value, style, flow) };
  }
  // `newTag:` with no value: write after the colon.
  const colon = text.indexOf(':', pair.key.range![1]);
  return { start: colon + 1, end: colon + 1, insert: ` ${formatScalar(value, fallback, flow)}` };
}

/** A value other nodes read through `*anchor` would change them too: leave that to a person. */
function refuseSharedAnchor(parsed: Parsed, locator: Locator, node: Node | null): void {
  const anchor = node?.anchor;
  if (!anchor) return;
  let used = false;
  visit(parsed.doc, {
    Alias(_key, alias) {
      if (alias.source === anchor) used = true;
    },
  });
  if (used) locator.fail(node, `this value has anchor &${anchor}, which other nodes reuse; edit it by hand`);
}

export interface ImageUpdate {
  image: string;
  tag: string;
  /** Pins the image; when undefined an existing digest is removed, since kustomize would let it override the tag. */
  digest?: string;
}

/**
 * Sets one image's `newTag` (and `digest`) in a kustomization and leaves every
 * other byte as it was: comments, key order, quoting, line endings, other
 * entries. Creates the entry, or the `images:` list, when missing.
 */
export function setImageVersion(text: string, update: ImageUpdate, file = 'kustomization.yaml'): string {
  return setImageVersionByScan(text, update) ?? setImageVersionByParse(text, update, file);
}

/** setImageVersion through the full YAML parse, which edits every shape and reports every error. */
export function setImageVersionByParse(
  text: string,
  update: ImageUpdate,
  file = 'kustomization.yaml',
): string {
  const parsed = parseKustomization(text, file);
  const locator: Locator = new Locator(parsed);
  const seq = imagesSeq(parsed, locator);
  const entry = findImageEntry(parsed, locator, update.image);
  const splices = entry
    ? editEntry(parsed, locator, entry, seq, update)
    : seq
      ? [appendEntry(parsed, seq, update)]
      : appendImagesList(parsed, update);
  const result = applySplices(text, splices);
  verifyEdit(parsed, result, update);
  return result;
}

/** How to change one entry, parsed or scanned: where its pairs are and how their text changes. */
interface EntryEditor<P> {
  /** Every entry of the list, for the quoting of new values. */
  readonly maps: readonly Styles[];
  readonly flow: boolean;
  pair(key: string): P | undefined;
  replace(pair: P, value: string, fallback: QuoteStyle): Splice;
  insertAfter(pair: P, fields: string[]): Splice;
  remove(pair: P): Splice;
}

/** Which values change and which keys come in or go, the same for an entry of any shape. */
function entryEdits<P>(editor: EntryEditor<P>, update: ImageUpdate): Splice[] {
  const { maps, flow } = editor;
  const splices: Splice[] = [];
  const tagPair = editor.pair('newTag');
  const digestPair = editor.pair('digest');
  // Keys the entry lacks go in together after `newName` (or `name`), newTag first.
  const missing: string[] = [];

  if (tagPair) {
    splices.push(editor.replace(tagPair, update.tag, preferredStyle(maps, 'newTag')));
  } else {
    missing.push(field(maps, 'newTag', update.tag, flow));
  }

  if (update.digest !== undefined) {
    const style = preferredStyle(maps, 'digest');
    if (digestPair) splices.push(editor.replace(digestPair, update.digest, style));
    else if (tagPair) splices.push(editor.insertAfter(tagPair, [field(maps, 'digest', update.digest, flow)]));
    else missing.push(field(maps, 'digest', update.digest, flow));
  } else if (digestPair) {
    splices.push(editor.remove(digestPair));
  }

  if (missing.length > 0) {
    splices.push(editor.insertAfter((editor.pair('newName') ?? editor.pair('name'))!, missing));
  }
  return splices;
}

function editEntry(
  parsed: Parsed,
  locator: Locator,
  entry: YAMLMap,
  seq: YAMLSeq | undefined,
  update: ImageUpdate,
): Splice[] {
  const flow = entry.flow === true;
  return entryEdits<Pair<Node, Node | null>>(
    {
      maps: mapsOf(seq),
      flow,
      pair: (key) => pairOf(entry, key),
      replace: (pair, value, fallback) => replaceValue(parsed, locator, pair, value, fallback, flow),
      insertAfter: (pair, fields) => insertFields(parsed, entry, pair, fields),
      remove: (pair) => {
        refuseSharedAnchor(parsed, locator, pair.value);
        return removePair(parsed, entry, pair, flow);
      },
    },
    update,
  );
}

function insertFields(parsed: Parsed, entry: YAMLMap, after: Pair, fields: string[]): Splice {
  const { text } = parsed;
  const afterEnd = (after.value as Node | null)?.range?.[1] ?? (after.key as Node).range![1];
  if (entry.flow) return { start: afterEnd, end: afterEnd, insert: fields.map((f) => `, ${f}`).join('') };
  const indent = ' '.repeat(columnOf(text, (entry.items[0]!.key as Node).range![0]));
  return insertLines(
    text,
    lineEnd(text, afterEnd),
    fields.map((f) => indent + f),
  );
}

function removePair(parsed: Parsed, entry: YAMLMap, pair: Pair<Node, Node | null>, flow: boolean): Splice {
  const { text } = parsed;
  const index = entry.items.indexOf(pair as Pair);
  const valueEnd = pair.value?.range?.[1] ?? pair.key.range![1];
  if (flow) {
    const previous = entry.items[index - 1];
    const next = entry.items[index + 1];
    if (previous) {
      const start = (previous.value as Node | null)?.range?.[1] ?? (previous.key as Node).range![1];
      return { start, end: valueEnd, insert: '' };
    }
    return { start: pair.key.range![0], end: (next!.key as Node).range![0], insert: '' };
  }
  if (index === 0) {
    // `- digest: ...` opens the entry: the next key moves up behind the dash.
    return { start: pair.key.range![0], end: (entry.items[1]!.key as Node).range![0], insert: '' };
  }
  return { start: lineStart(text, pair.key.range![0]), end: lineEnd(text, valueEnd), insert: '' };
}

/** The new entry's fields: name, newTag and, when pinned, digest. */
function entryFields(update: ImageUpdate, maps: readonly Styles[], flow: boolean): string[] {
  const fields = [field(maps, 'name', update.image, flow), field(maps, 'newTag', update.tag, flow)];
  if (update.digest !== undefined) fields.push(field(maps, 'digest', update.digest, flow));
  return fields;
}

/** `{name: x, newTag: y}`, for a flow list or a `- {...}` entry; `{ name: x }` when `like` is spaced so. */
function flowEntry(update: ImageUpdate, maps: readonly Styles[], like?: string): string {
  const space = like?.startsWith('{ ') ? ' ' : '';
  return `{${space}${entryFields(update, maps, true).join(', ')}${space}}`;
}

/** `- name: x` and its other keys, the dash at `dashColumn` and the keys at `keyColumn`. */
function blockEntryLines(
  update: ImageUpdate,
  maps: readonly Styles[],
  dashColumn: number,
  keyColumn: number,
): string[] {
  const [first, ...rest] = entryFields(update, maps, false);
  const dash = `${' '.repeat(dashColumn)}-${' '.repeat(Math.max(1, keyColumn - dashColumn - 1))}`;
  return [dash + first!, ...rest.map((f) => ' '.repeat(keyColumn) + f)];
}

/** What goes between the last item of a flow collection and a new one: a new line when the last item has its own. */
function flowSeparator(text: string, lastStart: number): string {
  const start = lineStart(text, lastStart);
  if (text.slice(start, lastStart).trim() !== '') return ', ';
  return `,${eolBefore(text, start)}${' '.repeat(columnOf(text, lastStart))}`;
}

function appendEntry(parsed: Parsed, seq: YAMLSeq, update: ImageUpdate): Splice {
  const { text } = parsed;
  const maps = mapsOf(seq);
  const last = seq.items[seq.items.length - 1] as YAMLMap | undefined;
  const lastText = last?.range ? text.slice(last.range[0], last.range[1]) : undefined;
  if (seq.flow) {
    if (!last) {
      const close = text.lastIndexOf(']', seq.range![1]);
      return { start: close, end: close, insert: flowEntry(update, maps) };
    }
    // Right after the last entry, so a trailing comma and the closing bracket stay where they are.
    const end = last.range![1];
    return {
      start: end,
      end,
      insert: flowSeparator(text, last.range![0]) + flowEntry(update, maps, lastText),
    };
  }
  // The dash, not the first key, says where an entry starts: `-   name:` and a `-` on its own line exist.
  const token = (seq.srcToken as CST.BlockSequence).items[seq.items.length - 1]!;
  const dashColumn = columnOf(text, token.start.find((t) => t.type === 'seq-item-ind')!.offset);
  const lines = last!.flow
    ? [`${' '.repeat(dashColumn)}- ${flowEntry(update, maps, lastText)}`]
    : blockEntryLines(update, maps, dashColumn, columnOf(text, (last!.items[0]!.key as Node).range![0]));
  return insertLines(text, entryEnd(text, contentEnd(last!), dashColumn), lines);
}

/**
 * Where the line after an entry starts. Comment lines indented under the entry
 * (a commented-out `# digest:`) belong to it; comments at the dash's column or
 * left of it are about what follows, and stay after the new entry.
 */
function entryEnd(text: string, end: number, dashColumn: number): number {
  let at = lineEnd(text, end);
  for (;;) {
    const comment = /^([ \t]*)#[^\n]*(?:\n|$)/.exec(text.slice(at));
    if (!comment || comment[1]!.length <= dashColumn) return at;
    at += comment[0].length;
  }
}

/** Where a node's own text ends: block collection ranges also take in trailing blank lines and comments. */
function contentEnd(node: Node): number {
  if ((isMap(node) || isSeq(node)) && !node.flow) {
    const last = node.items[node.items.length - 1] as Pair | Node | undefined;
    if (last === undefined) return node.range![1];
    if (isMap(node)) {
      const pair = last as Pair;
      return contentEnd((pair.value as Node | null) ?? (pair.key as Node));
    }
    return contentEnd(last as Node);
  }
  return node.range![1];
}

function appendImagesList(parsed: Parsed, update: ImageUpdate): Splice[] {
  const { text, root } = parsed;
  if (root.flow) return [appendImagesPair(parsed, update)];
  const indent = sequenceIndent(parsed);
  const list = blockEntryLines(update, [], indent, indent + 2);
  const existing = pairOf(root, 'images');
  if (!existing) return [insertLines(text, parsed.documentEnd, ['images:', ...list])];
  // `images:` with no entries yet (empty, `~` or `null`): drop the null, the list goes under the key.
  const afterColon = text.indexOf(':', (existing.key as Node).range![1]) + 1;
  const valueEnd = Math.max(afterColon, existing.value?.range?.[1] ?? afterColon);
  return [{ start: afterColon, end: valueEnd, insert: '' }, insertLines(text, lineEnd(text, valueEnd), list)];
}

/** A kustomization written as one flow mapping (JSON is YAML): the list goes in as a flow pair. */
function appendImagesPair(parsed: Parsed, update: ImageUpdate): Splice {
  const { text, root } = parsed;
  const list = `[${flowEntry(update, [stylesOf(root)])}]`;
  const existing = pairOf(root, 'images');
  if (existing) {
    const value = existing.value;
    if (value?.range && value.range[1] > value.range[0])
      return { start: value.range[0], end: value.range[1], insert: list };
    const colon = text.indexOf(':', (existing.key as Node).range![1]) + 1;
    return { start: colon, end: colon, insert: ` ${list}` };
  }
  const pair = `${formatScalar('images', keyStyle([stylesOf(root)]))}: ${list}`;
  const last = root.items[root.items.length - 1];
  if (!last) return { start: root.range![0] + 1, end: root.range![0] + 1, insert: pair };
  const end = ((last.value as Node | null) ?? (last.key as Node)).range![1];
  return { start: end, end, insert: flowSeparator(text, (last.key as Node).range![0]) + pair };
}

/** How far this file indents a block list under its key (`resources:\n  - x` or `resources:\n- x`). */
function sequenceIndent(parsed: Parsed): number {
  for (const pair of parsed.root.items) {
    const value = pair.value as Node | null;
    if (isSeq(value) && !value.flow && value.range) {
      const indent =
        columnOf(parsed.text, value.range[0]) - columnOf(parsed.text, (pair.key as Node).range![0]);
      return Math.max(0, indent);
    }
  }
  return 2;
}

/** Re-reads the result: the image must carry the new version and nothing else may differ. */
function verifyEdit(before: Parsed, after: string, update: ImageUpdate): void {
  const fail = (why: string): never => {
    throw new Error(`internal error: editing ${before.file} for image '${update.image}' ${why}`);
  };
  let reparsed: Parsed;
  let written: ImageVersion;
  try {
    // A UserError here would point at a line of our output, not of the user's file.
    reparsed = parseKustomization(after, before.file);
    written = imageVersionIn(reparsed, update.image);
  } catch (error) {
    return fail(`produced a file that does not read back: ${(error as Error).message}`);
  }
  if (written.tag !== update.tag || written.digest !== update.digest) fail('did not write the new version');
  if (withoutImage(before, update.image) !== withoutImage(reparsed, update.image))
    fail('changed more than that image');
}

/** The document as JSON, without the one image entry. */
function withoutImage(parsed: Parsed, image: string): string {
  const locator = new Locator(parsed);
  const seq = imagesSeq(parsed, locator);
  const entry = findImageEntry(parsed, locator, image);
  const index = entry && seq ? seq.items.indexOf(entry) : -1;
  const value = parsed.doc.toJS() as Record<string, unknown>;
  const images = Array.isArray(value.images) ? (value.images as unknown[]) : [];
  return JSON.stringify({ ...value, images: images.filter((_, i) => i !== index) });
}

/**
 * readImageVersion by a scan of the lines, for the common shape of a
 * kustomization; undefined when only the full parse can answer.
 */
export function readImageVersionByScan(text: string, image: string): ImageVersion | undefined {
  const images = scanKustomization(text)?.images;
  if (!images) return undefined;
  const [entry, ...others] = entriesNamed(images, image);
  // An image listed twice is an error that the full parse reports at its line.
  if (others.length > 0) return undefined;
  return entry ? scannedVersion(entry) : {};
}

/**
 * setImageVersion by a scan of the lines, for an existing entry of the common
 * shape; undefined when only the full parse can make the edit.
 */
export function setImageVersionByScan(text: string, update: ImageUpdate): string | undefined {
  const scanned = scanKustomization(text);
  if (!scanned || !convertsToJson(scanned.rest)) return undefined;
  const { images } = scanned;
  const [entry, ...others] = entriesNamed(images, update.image);
  if (!entry || others.length > 0) return undefined;
  const result = applySplices(text, scannedEntryEdits(text, images, entry, update));
  // As verifyEdit does for the full parse, read the new version back; the edits stay within
  // the entry's lines, so those are what to read. A value the scan cannot read (one written
  // with escapes) leaves the edit to the full parse and its check.
  const entryStart = entry.pairs[0]!.lineStart;
  const entryEnd = entry.pairs[entry.pairs.length - 1]!.lineEnd + result.length - text.length;
  const reread = scanImages(`images:\n${result.slice(entryStart, entryEnd)}`);
  const [written, ...again] = reread ? entriesNamed(reread, update.image) : [];
  if (!written || again.length > 0) return undefined;
  const version = scannedVersion(written);
  return version.tag === update.tag && version.digest === update.digest ? result : undefined;
}

/**
 * The scanned list, when the rest of the file reads as the full parse needs:
 * valid YAML (other documents too), a block mapping, not Flux's resource, and
 * the scanned `images:` line its one `images` key.
 */
function scanKustomization(text: string): { images: ScannedImages; rest: Parsed } | undefined {
  const images = scanImages(text);
  if (!images) return undefined;
  let rest: Parsed;
  try {
    // Without the list's lines, the `images:` key is left with no value.
    rest = parseKustomization(text.slice(0, images.listStart) + text.slice(images.listEnd), 'rest');
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
  const pair = pairOf(rest.root, 'images');
  const empty = pair?.value === null || (isScalar(pair?.value) && pair.value.value === null);
  const own = !rest.root.flow && pair?.key.range?.[0] === images.keyStart;
  return own && empty ? { images, rest } : undefined;
}

/**
 * Whether verifyEdit can turn the document into JSON, as it does to compare it
 * before and after; it cannot with an alias whose anchor comes later, for one.
 * The scanned list has no alias or anchor: the rest answers for the whole.
 */
function convertsToJson(parsed: Parsed): boolean {
  try {
    JSON.stringify(parsed.doc.toJS());
    return true;
  } catch {
    return false;
  }
}

function entriesNamed(images: ScannedImages, image: string): ScannedEntry[] {
  const named: ScannedEntry[] = [];
  for (const entry of images.entries) if (pairIn(entry, 'name')?.value === image) named.push(entry);
  return named;
}

function pairIn(entry: ScannedEntry, key: string): ScannedPair | undefined {
  for (const pair of entry.pairs) if (pair.key === key) return pair;
  return undefined;
}

function scannedVersion(entry: ScannedEntry): ImageVersion {
  const result: ImageVersion = {};
  const tag = pairIn(entry, 'newTag')?.value;
  const digest = pairIn(entry, 'digest')?.value;
  if (tag !== undefined) result.tag = tag;
  if (digest !== undefined) result.digest = digest;
  return result;
}

/** editEntry's edits for a scanned entry: one pair a line, each value on its key's line, the keys at keyColumn. */
function scannedEntryEdits(
  text: string,
  images: ScannedImages,
  entry: ScannedEntry,
  update: ImageUpdate,
): Splice[] {
  const indent = ' '.repeat(entry.keyColumn);
  return entryEdits<ScannedPair>(
    {
      maps: images.entries.map((each) => each.pairs),
      flow: false,
      pair: (key) => pairIn(entry, key),
      replace: (pair, value, fallback) =>
        pair.valueEnd > pair.valueStart
          ? {
              start: pair.valueStart,
              end: pair.valueEnd,
              insert: formatScalar(value, pair.valueStyle ?? fallback),
            }
          : { start: pair.afterColon, end: pair.afterColon, insert: ` ${formatScalar(value, fallback)}` },
      insertAfter: (pair, fields) =>
        insertLines(
          text,
          pair.lineEnd,
          fields.map((f) => indent + f),
        ),
      // Like removePair: a first pair gives its place behind the dash to the next key.
      remove: (pair) =>
        pair === entry.pairs[0]
          ? { start: pair.keyStart, end: entry.pairs[1]!.keyStart, insert: '' }
          : { start: pair.lineStart, end: pair.lineEnd, insert: '' },
    },
    update,
  );
}
