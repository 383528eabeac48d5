import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parse,
  parseDocument,
  Scalar,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { UserError } from './errors.js';

/** File names kustomize accepts for a kustomization, in its order of preference. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export interface ImageVersion {
  tag?: string;
  digest?: string;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

interface Parsed {
  text: string;
  file: string;
  root: YAMLMap;
  lineCounter: LineCounter;
  eol: string;
}

function parseKustomization(text: string, file: string): Parsed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, keepSourceTokens: true });
  const fail = (offset: number, message: string): never => {
    const pos = lineCounter.linePos(offset);
    throw new UserError(message, { file, line: pos.line, column: pos.col });
  };
  const firstError = doc.errors[0];
  if (firstError) fail(firstError.pos[0], `not valid YAML: ${firstError.message.split('\n')[0]}`);
  const root = doc.contents as Node | null;
  if (!isMap(root)) fail(root?.range?.[0] ?? 0, 'a kustomization must be a YAML mapping');
  return { text, file, root: root as YAMLMap, lineCounter, eol: text.includes('\r\n') ? '\r\n' : '\n' };
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

function scalarString(locator: Locator, node: Node | null | undefined, what: string): string | undefined {
  if (node === null || node === undefined) return undefined;
  if (!isScalar(node)) locator.fail(node, `${what} must be a string`);
  if (node.value === null) return undefined;
  return String(node.value);
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
    return scalarString(locator, pairOf(item, 'name')?.value, "'images[].name'") === image;
  }) as YAMLMap[];
  if (matches.length > 1) locator.fail(matches[1], `image '${image}' appears twice in 'images'`);
  return matches[0];
}

/** The tag and digest a kustomization sets for one image; empty when it sets neither. */
export function readImageVersion(text: string, image: string, file = 'kustomization.yaml'): ImageVersion {
  const parsed = parseKustomization(text, file);
  const locator: Locator = new Locator(parsed);
  const entry = findImageEntry(parsed, locator, image);
  if (!entry) return {};
  const result: ImageVersion = {};
  const tag = scalarString(locator, pairOf(entry, 'newTag')?.value, "'newTag'");
  const digest = scalarString(locator, pairOf(entry, 'digest')?.value, "'digest'");
  if (tag !== undefined) result.tag = tag;
  if (digest !== undefined) result.digest = digest;
  return result;
}

interface Splice {
  start: number;
  end: number;
  insert: string;
}

function applySplices(text: string, splices: Splice[]): string {
  let result = text;
  for (const splice of [...splices].sort((a, b) => b.start - a.start)) {
    result = result.slice(0, splice.start) + splice.insert + result.slice(splice.end);
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
  return offset - lineStart(text, offset);
}

type QuoteStyle = 'plain' | 'single' | 'double';

function quoteStyleOf(node: Node | null | undefined): QuoteStyle | undefined {
  if (!isScalar(node) || node.value === null) return undefined;
  if (node.type === Scalar.QUOTE_DOUBLE) return 'double';
  if (node.type === Scalar.QUOTE_SINGLE) return 'single';
  return 'plain';
}

/** Writes a string in the requested quoting, falling back to double quotes when plain would not read back as the same string. */
function formatScalar(value: string, style: QuoteStyle): string {
  if (style === 'single') return `'${value.replace(/'/g, "''")}'`;
  if (style === 'plain') {
    try {
      if (parse(`v: ${value}`)?.v === value && !/[#]/.test(value)) return value;
    } catch {
      // not a safe plain scalar; quote it
    }
  }
  return JSON.stringify(value);
}

/** The quoting the file already uses for this key, so a new value looks like its neighbours. */
function preferredStyle(seq: YAMLSeq | undefined, key: string): QuoteStyle {
  for (const item of seq?.items ?? []) {
    if (isMap(item)) {
      const style = quoteStyleOf(pairOf(item, key)?.value);
      if (style) return style;
    }
  }
  return 'plain';
}

function replaceValue(
  text: string,
  pair: Pair<Node, Node | null>,
  value: string,
  fallback: QuoteStyle,
): Splice {
  const node = pair.value;
  const key = pair.key;
  if (node && isScalar(node) && node.value !== null && node.range) {
    return {
      start: node.range[0],
      end: node.range[1],
      insert: formatScalar(value, quoteStyleOf(node) ?? fallback),
    };
  }
  // `newTag:` with no value: write after the colon.
  const colon = text.indexOf(':', key.range![1]);
  return { start: colon + 1, end: colon + 1, insert: ` ${formatScalar(value, fallback)}` };
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
  const locator: Locator = new Locator(parsed);
  const seq = imagesSeq(parsed, locator);
  const entry = findImageEntry(parsed, locator, update.image);
  const splices = entry
    ? editEntry(parsed, entry, seq, update)
    : seq
      ? [appendEntry(parsed, seq, update)]
      : appendImagesList(parsed, update);
  const result = applySplices(text, splices);
  verifyEdit(text, result, update, file);
  return result;
}

function editEntry(parsed: Parsed, entry: YAMLMap, seq: YAMLSeq | undefined, update: ImageUpdate): Splice[] {
  const { text } = parsed;
  const splices: Splice[] = [];
  const namePair = pairOf(entry, 'name')!;
  const tagPair = pairOf(entry, 'newTag');
  const digestPair = pairOf(entry, 'digest');
  const flow = entry.flow === true;

  if (tagPair) {
    splices.push(replaceValue(text, tagPair, update.tag, preferredStyle(seq, 'newTag')));
  } else {
    const after = pairOf(entry, 'newName') ?? namePair;
    splices.push(
      insertPair(parsed, entry, after, 'newTag', formatScalar(update.tag, preferredStyle(seq, 'newTag'))),
    );
  }

  if (update.digest !== undefined) {
    if (digestPair) {
      splices.push(replaceValue(text, digestPair, update.digest, preferredStyle(seq, 'digest')));
    } else {
      const after = tagPair ?? pairOf(entry, 'newName') ?? namePair;
      const value = formatScalar(update.digest, preferredStyle(seq, 'digest'));
      // Both inserts land at the same offset: keep newTag first by folding them into one splice.
      const previous = splices[splices.length - 1]!;
      const insert = insertPair(parsed, entry, after, 'digest', value);
      if (!tagPair && insert.start === previous.start) previous.insert += insert.insert;
      else splices.push(insert);
    }
  } else if (digestPair) {
    splices.push(removePair(parsed, entry, digestPair, flow));
  }
  return splices;
}

function insertPair(parsed: Parsed, entry: YAMLMap, after: Pair, key: string, value: string): Splice {
  const { text, eol } = parsed;
  const afterEnd = (after.value as Node | null)?.range?.[1] ?? (after.key as Node).range![1];
  if (entry.flow) return { start: afterEnd, end: afterEnd, insert: `, ${key}: ${value}` };
  const indent = ' '.repeat(columnOf(text, (entry.items[0]!.key as Node).range![0]));
  const at = lineEnd(text, afterEnd);
  // A file whose last line has no newline: start the new line ourselves.
  const lead = at === text.length && !text.endsWith('\n') ? eol : '';
  return { start: at, end: at, insert: `${lead}${indent}${key}: ${value}${lead ? '' : eol}` };
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

function newEntryLines(
  indent: string,
  itemIndent: string,
  update: ImageUpdate,
  seq: YAMLSeq | undefined,
  eol: string,
): string {
  const lines = [`${indent}- name: ${formatScalar(update.image, preferredStyle(seq, 'name'))}`];
  lines.push(`${indent}${itemIndent}newTag: ${formatScalar(update.tag, preferredStyle(seq, 'newTag'))}`);
  if (update.digest !== undefined) {
    lines.push(`${indent}${itemIndent}digest: ${formatScalar(update.digest, preferredStyle(seq, 'digest'))}`);
  }
  return lines.join(eol) + eol;
}

function appendEntry(parsed: Parsed, seq: YAMLSeq, update: ImageUpdate): Splice {
  const { text, eol } = parsed;
  if (seq.flow) {
    const close = text.lastIndexOf(']', seq.range![1]);
    const entry = `{name: ${formatScalar(update.image, 'plain')}, newTag: ${formatScalar(update.tag, 'plain')}${
      update.digest !== undefined ? `, digest: ${formatScalar(update.digest, 'plain')}` : ''
    }}`;
    return { start: close, end: close, insert: seq.items.length > 0 ? `, ${entry}` : entry };
  }
  const last = seq.items[seq.items.length - 1] as YAMLMap;
  const firstKey = (last.items[0]!.key as Node).range![0];
  const dash = text.lastIndexOf('-', firstKey);
  const indent = ' '.repeat(columnOf(text, dash));
  const itemIndent = ' '.repeat(firstKey - dash);
  const at = lineEnd(text, contentEnd(last));
  const lead = at === text.length && !text.endsWith('\n') ? eol : '';
  return { start: at, end: at, insert: lead + newEntryLines(indent, itemIndent, update, seq, eol) };
}

/** Where a node's own text ends: collection ranges also take in trailing blank lines and comments. */
function contentEnd(node: Node): number {
  if (isMap(node) || isSeq(node)) {
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
  const { text, eol, root } = parsed;
  const list = newEntryLines(sequenceIndent(parsed), '  ', update, undefined, eol);
  const existing = pairOf(root, 'images');
  if (!existing) {
    const lead = text === '' || text.endsWith('\n') ? '' : eol;
    return [{ start: text.length, end: text.length, insert: `${lead}images:${eol}${list}` }];
  }
  // `images:` with no entries yet (empty, `~` or `null`): drop the null, the list goes under the key.
  const afterColon = text.indexOf(':', (existing.key as Node).range![1]) + 1;
  const valueEnd = Math.max(afterColon, existing.value?.range?.[1] ?? afterColon);
  const at = lineEnd(text, valueEnd);
  const lead = at === text.length && !text.endsWith('\n') ? eol : '';
  return [
    { start: afterColon, end: valueEnd, insert: '' },
    { start: at, end: at, insert: lead + list },
  ];
}

/** How far this file indents a block list under its key (`resources:\n  - x` or `resources:\n- x`). */
function sequenceIndent(parsed: Parsed): string {
  for (const pair of parsed.root.items) {
    const value = pair.value as Node | null;
    if (isSeq(value) && !value.flow && value.range) {
      return ' '.repeat(
        columnOf(parsed.text, value.range[0]) - columnOf(parsed.text, (pair.key as Node).range![0]),
      );
    }
  }
  return '  ';
}

/** Re-reads the result: the image must carry the new version and nothing else may differ. */
function verifyEdit(before: string, after: string, update: ImageUpdate, file: string): void {
  const written = readImageVersion(after, update.image, file);
  const withoutImage = (text: string): unknown => {
    const value = (parse(text) ?? {}) as Record<string, unknown>;
    const images = Array.isArray(value.images) ? value.images : [];
    return { ...value, images: images.filter((entry: { name?: unknown }) => entry?.name !== update.image) };
  };
  const same = JSON.stringify(withoutImage(before)) === JSON.stringify(withoutImage(after));
  if (written.tag !== update.tag || written.digest !== update.digest || !same) {
    throw new Error(
      `internal error: editing ${file} for image '${update.image}' did not produce the expected document`,
    );
  }
}
