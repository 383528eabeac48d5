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
import { UserError, type SourceLocation } from './errors.js';

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
  const fail = (offset: number, message: string): never => failAt({ file, lineCounter }, offset, message);
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

/** Throws a UserError at a node, or an offset, of the file: where the user has to fix it. */
function failAt(
  parsed: Pick<Parsed, 'file' | 'lineCounter'>,
  at: Node | number | null | undefined,
  message: string,
): never {
  const pos = parsed.lineCounter.linePos(typeof at === 'number' ? at : (at?.range?.[0] ?? 0));
  throw new UserError(message, { file: parsed.file, line: pos.line, column: pos.col });
}

/** The pair whose scalar key reads as `key`. */
function pairNamed(map: YAMLMap, key: string): Pair<Node, Node | null> | undefined {
  return map.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key) as
    Pair<Node, Node | null> | undefined;
}

/**
 * A scalar as the string kustomize means by it. YAML reads a plain `1.0`,
 * `0123` or `6e60951` (a short commit hash) as a number, but a tag is text:
 * such a value reads as written, never as `1`, `123` or `Infinity`.
 */
function scalarString(parsed: Parsed, node: Node | null | undefined, what: string): string | undefined {
  if (node === null || node === undefined) return undefined;
  const target = isAlias(node) ? node.resolve(parsed.doc) : node;
  if (!isScalar(target)) return failAt(parsed, node, `${what} must be a string`);
  if (target.value === null) return undefined;
  if (typeof target.value === 'string') return target.value;
  return target.source ?? String(target.value);
}

function imagesSeq(parsed: Parsed): YAMLSeq | undefined {
  const pair = pairNamed(parsed.root, 'images');
  if (!pair || pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return undefined;
  if (!isSeq(pair.value)) failAt(parsed, pair.value, "'images' must be a list");
  return pair.value;
}

/** The one entry of `seq` for the image; an entry that is not a mapping, or a second one, is an error. */
function imageEntry(parsed: Parsed, seq: YAMLSeq | undefined, image: string): YAMLMap | undefined {
  const matches = (seq?.items ?? []).filter((item) => {
    if (!isMap(item)) failAt(parsed, item as Node, "each entry of 'images' must be a mapping with a 'name'");
    return scalarString(parsed, pairNamed(item, 'name')?.value, "'images[].name'") === image;
  }) as YAMLMap[];
  if (matches.length > 1) failAt(parsed, matches[1], `image '${image}' appears twice in 'images'`);
  return matches[0];
}

/** The tag and digest a kustomization sets for one image; empty when it sets neither. */
export function readImageVersion(text: string, image: string, file = 'kustomization.yaml'): ImageVersion {
  return imageVersionIn(parseKustomization(text, file), image).version;
}

/** Where in the file the tag and the digest of an image are written, for a message about them. */
export interface ImageVersionLocations {
  tag?: SourceLocation;
  digest?: SourceLocation;
}

/** {@link readImageVersion}, with the line and column of each value it read. */
export function readImageVersionAt(
  text: string,
  image: string,
  file = 'kustomization.yaml',
): { version: ImageVersion; at: ImageVersionLocations } {
  return imageVersionIn(parseKustomization(text, file), image);
}

function imageVersionIn(parsed: Parsed, image: string): { version: ImageVersion; at: ImageVersionLocations } {
  const entry = imageEntry(parsed, imagesSeq(parsed), image);
  const version: ImageVersion = {};
  const at: ImageVersionLocations = {};
  if (!entry) return { version, at };
  const locate = (node: Node | null | undefined): SourceLocation => {
    const pos = parsed.lineCounter.linePos(node?.range?.[0] ?? entry.range?.[0] ?? 0);
    return { file: parsed.file, line: pos.line, column: pos.col };
  };
  const tagNode = pairNamed(entry, 'newTag')?.value;
  const digestNode = pairNamed(entry, 'digest')?.value;
  const tag = scalarString(parsed, tagNode, "'newTag'");
  const digest = scalarString(parsed, digestNode, "'digest'");
  if (tag !== undefined) [version.tag, at.tag] = [tag, locate(tagNode)];
  if (digest !== undefined) [version.digest, at.digest] = [digest, locate(digestNode)];
  return { version, at };
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
  const parsed = parseKustomization(text, file);
  refuseUnresolvedAlias(parsed);
  const seq = imagesSeq(parsed);
  const entry = imageEntry(parsed, seq, update.image);
  let splices: Splice[];
  if (!seq) splices = appendImagesList(parsed, update);
  else if (!entry) splices = [appendEntry(parsed, seq, update)];
  else splices = editEntry(parsed, seq, entry, update);
  const result = applySplices(text, splices);
  verifyEdit(parsed, result, update);
  return result;
}

/**
 * An alias with no anchor before it has no value: kustomize refuses the file,
 * and verifyEdit, which compares the file as data, could not read it either.
 */
function refuseUnresolvedAlias(parsed: Parsed): void {
  visit(parsed.doc, {
    Alias(_key, alias) {
      if (!alias.resolve(parsed.doc))
        failAt(parsed, alias, `alias *${alias.source} has no anchor &${alias.source} before it`);
    },
  });
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

type QuoteStyle = 'plain' | 'single' | 'double';

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

/** The entries of the list that are mappings: new keys and values are quoted as they are. */
function entryMaps(seq: YAMLSeq | undefined): YAMLMap[] {
  return (seq?.items ?? []).filter((item): item is YAMLMap => isMap(item));
}

/** How these maps quote their keys: a JSON-like file quotes them all. */
function keyStyle(maps: readonly YAMLMap[]): QuoteStyle {
  return quoteStyleOf(maps.find((map) => map.items.length > 0)?.items[0]?.key as Node) ?? 'plain';
}

/** The quoting the file uses for this key's values, else for any value: a new value looks like its neighbours. */
function preferredStyle(maps: readonly YAMLMap[], key: string): QuoteStyle {
  for (const map of maps) {
    const style = quoteStyleOf(pairNamed(map, key)?.value);
    if (style) return style;
  }
  for (const map of maps) {
    for (const pair of map.items) {
      const style = quoteStyleOf(pair.value as Node | null);
      if (style) return style;
    }
  }
  // Nothing to imitate: JSON quotes every string, YAML needs no quotes.
  return keyStyle(maps) === 'double' ? 'double' : 'plain';
}

/** `key: value`, quoted the way these maps quote theirs. */
function field(maps: readonly YAMLMap[], key: string, value: string, flow: boolean): string {
  return `${formatScalar(key, keyStyle(maps))}: ${formatScalar(value, preferredStyle(maps, key), flow)}`;
}

/**
 * The splices that give an existing entry the new version: newTag and digest
 * are replaced in place, a missing one is inserted, a digest the update does
 * not pin is removed.
 */
function editEntry(parsed: Parsed, seq: YAMLSeq, entry: YAMLMap, update: ImageUpdate): Splice[] {
  const maps = entryMaps(seq);
  const flow = entry.flow === true;
  const splices: Splice[] = [];
  const tagPair = pairNamed(entry, 'newTag');
  const digestPair = pairNamed(entry, 'digest');
  // Keys the entry lacks go in together after `newName` (or `name`), newTag first.
  const missing: string[] = [];

  if (tagPair) {
    splices.push(replaceValue(parsed, tagPair, update.tag, preferredStyle(maps, 'newTag'), flow));
  } else {
    missing.push(field(maps, 'newTag', update.tag, flow));
  }

  if (update.digest === undefined) {
    if (digestPair) splices.push(removePair(parsed, entry, digestPair));
  } else if (digestPair) {
    splices.push(replaceValue(parsed, digestPair, update.digest, preferredStyle(maps, 'digest'), flow));
  } else if (tagPair) {
    splices.push(insertFields(parsed, entry, tagPair, [field(maps, 'digest', update.digest, flow)]));
  } else {
    missing.push(field(maps, 'digest', update.digest, flow));
  }

  if (missing.length > 0) {
    splices.push(
      insertFields(parsed, entry, (pairNamed(entry, 'newName') ?? pairNamed(entry, 'name'))!, missing),
    );
  }
  return splices;
}

function replaceValue(
  parsed: Parsed,
  pair: Pair<Node, Node | null>,
  value: string,
  fallback: QuoteStyle,
  flow: boolean,
): Splice {
  const { text } = parsed;
  const node = pair.value;
  refuseSharedAnchor(parsed, node);
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
function refuseSharedAnchor(parsed: Parsed, node: Node | null): void {
  const anchor = node?.anchor;
  if (!anchor) return;
  let used = false;
  visit(parsed.doc, {
    Alias(_key, alias) {
      if (alias.source === anchor) used = true;
    },
  });
  if (used)
    failAt(parsed, node, `this value has anchor &${anchor}, which other nodes reuse; edit it by hand`);
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

function removePair(parsed: Parsed, entry: YAMLMap, pair: Pair<Node, Node | null>): Splice {
  const { text } = parsed;
  refuseSharedAnchor(parsed, pair.value);
  const index = entry.items.indexOf(pair as Pair);
  const valueEnd = pair.value?.range?.[1] ?? pair.key.range![1];
  if (entry.flow) {
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
function entryFields(update: ImageUpdate, maps: readonly YAMLMap[], flow: boolean): string[] {
  const fields = [field(maps, 'name', update.image, flow), field(maps, 'newTag', update.tag, flow)];
  if (update.digest !== undefined) fields.push(field(maps, 'digest', update.digest, flow));
  return fields;
}

/** `{name: x, newTag: y}`, for a flow list or a `- {...}` entry; `{ name: x }` when `like` is spaced so. */
function flowEntry(update: ImageUpdate, maps: readonly YAMLMap[], like?: string): string {
  const space = like?.startsWith('{ ') ? ' ' : '';
  return `{${space}${entryFields(update, maps, true).join(', ')}${space}}`;
}

/** `- name: x` and its other keys, the dash at `dashColumn` and the keys at `keyColumn`. */
function blockEntryLines(
  update: ImageUpdate,
  maps: readonly YAMLMap[],
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
  const maps = entryMaps(seq);
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
  const existing = pairNamed(root, 'images');
  if (!existing) return [insertLines(text, parsed.documentEnd, ['images:', ...list])];
  // `images:` with no entries yet (empty, `~` or `null`): drop the null, the list goes under the key.
  const afterColon = text.indexOf(':', (existing.key as Node).range![1]) + 1;
  const valueEnd = Math.max(afterColon, existing.value?.range?.[1] ?? afterColon);
  return [{ start: afterColon, end: valueEnd, insert: '' }, insertLines(text, lineEnd(text, valueEnd), list)];
}

/** A kustomization written as one flow mapping (JSON is YAML): the list goes in as a flow pair. */
function appendImagesPair(parsed: Parsed, update: ImageUpdate): Splice {
  const { text, root } = parsed;
  const list = `[${flowEntry(update, [root])}]`;
  const existing = pairNamed(root, 'images');
  if (existing) {
    const value = existing.value;
    if (value?.range && value.range[1] > value.range[0])
      return { start: value.range[0], end: value.range[1], insert: list };
    const colon = text.indexOf(':', (existing.key as Node).range![1]) + 1;
    return { start: colon, end: colon, insert: ` ${list}` };
  }
  const pair = `${formatScalar('images', keyStyle([root]))}: ${list}`;
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
    written = imageVersionIn(reparsed, update.image).version;
  } catch (error) {
    return fail(`produced a file that does not read back: ${(error as Error).message}`);
  }
  if (written.tag !== update.tag || written.digest !== update.digest) fail('did not write the new version');
  if (withoutImage(before, update.image) !== withoutImage(reparsed, update.image))
    fail('changed more than that image');
}

/** The document as JSON, without the one image entry. */
function withoutImage(parsed: Parsed, image: string): string {
  const seq = imagesSeq(parsed);
  const entry = imageEntry(parsed, seq, image);
  const index = entry && seq ? seq.items.indexOf(entry) : -1;
  const value = parsed.doc.toJS() as Record<string, unknown>;
  const images = Array.isArray(value.images) ? (value.images as unknown[]) : [];
  return JSON.stringify({ ...value, images: images.filter((_, i) => i !== index) });
}
