/**
 * Reads a kustomization's `images:` list line by line, without a YAML parser,
 * for the shape nearly every overlay has: a top-level `images:` key over a
 * block list whose entries are block mappings of name, newName, newTag and
 * digest, each value on its key's line, plain or simply quoted. Whatever else
 * the list holds (flow style, anchors, tags, multi-line or escaped scalars,
 * tabs, other keys, …) gives undefined: the caller then parses the file.
 * This reads the list only; the caller makes sure the rest of the file is sound.
 */

export type QuoteStyle = 'plain' | 'single' | 'double';

/** One pair of a mapping as the quoting policy sees it: its key and how its key and value are quoted. */
export interface StyledPair {
  readonly key: string | undefined;
  readonly keyStyle: QuoteStyle | undefined;
  /** Undefined for a null or missing value. */
  readonly valueStyle: QuoteStyle | undefined;
}

const IMAGE_KEYS = ['name', 'newName', 'newTag', 'digest'] as const;
type ImageKey = (typeof IMAGE_KEYS)[number];
const KEYS_WITH_COLON = IMAGE_KEYS.map((key) => `${key}:`);

export interface ScannedPair extends StyledPair {
  readonly key: ImageKey;
  readonly keyStart: number;
  /** Just past the key's colon. */
  readonly afterColon: number;
  /** Where the value's text is; empty for `key:` with no value. */
  readonly valueStart: number;
  readonly valueEnd: number;
  /** The string the value means, as the full parse reads it; undefined for a null value. */
  readonly value: string | undefined;
  readonly lineStart: number;
  /** Just past the line's newline, or the end of the file. */
  readonly lineEnd: number;
}

export interface ScannedEntry {
  readonly pairs: ScannedPair[];
  readonly keyColumn: number;
}

export interface ScannedImages {
  /** Offset of the `images` key, at the start of its line. */
  readonly keyStart: number;
  /** The list's lines: from the line after `images:` up to the line that ends the list, or the end of the file. */
  readonly listStart: number;
  readonly listEnd: number;
  readonly entries: ScannedEntry[];
}

const SPACE = 32;
/** Line breaks, tabs, controls, byte order marks, surrogates and YAML's special spaces all go to the full parse. */
const UNUSUAL_CHARACTER = /[^\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;
/** A plain value of these characters is one plain scalar whatever it holds: no indicator, space or `#`. */
const PLAIN_START = charTable('A-Za-z0-9_./~$');
const PLAIN_REST = charTable('A-Za-z0-9_./~$:@+=%^-');
/** What YAML 1.2 reads as null when it stands plain. */
const PLAIN_NULL = /^(?:~|null|Null|NULL)$/;
/** A line at column 0 that may follow the list: a key that starts plainly or quoted, or a document marker. */
const LIST_FOLLOWER = /^(?:[A-Za-z0-9_"']|(?:---|\.\.\.)(?: |$))/;
const IMAGES_KEY = /^images:(?: *| +#.*)$/;
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?: |$)/;

/** The `images:` list when it has the common shape, else undefined. */
export function scanImages(text: string): ScannedImages | undefined {
  if (text.includes('\r') || text.startsWith('\uFEFF')) return undefined;
  const keyStart = imagesKeyLine(text);
  if (keyStart === undefined) return undefined;
  const keyLineEnd = text.indexOf('\n', keyStart);
  if (keyLineEnd === -1) return undefined;
  const listStart = keyLineEnd + 1;

  const entries: ScannedEntry[] = [];
  let dashColumn = -1;
  let entry: ScannedEntry | undefined;
  let listEnd = text.length;
  for (let start = listStart; start < text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const next = newline === -1 ? text.length : newline + 1;
    let first = start;
    while (first < end && text.charCodeAt(first) === SPACE) first++;
    const column = first - start;
    const char = text[first];
    if (first === end || char === '#') {
      // A blank or comment line, wherever it stands.
    } else if (char === '-' && (first + 1 === end || text.charCodeAt(first + 1) === SPACE)) {
      if (dashColumn === -1) dashColumn = column;
      if (column !== dashColumn) return undefined;
      let key = first + 1;
      while (key < end && text.charCodeAt(key) === SPACE) key++;
      // `-` alone, its mapping on the lines below, is left to the parser.
      if (key === end) return undefined;
      entry = { pairs: [], keyColumn: key - start };
      entries.push(entry);
      if (!scanPair(text, entry, start, key, end, next)) return undefined;
    } else if (column === 0) {
      if (!LIST_FOLLOWER.test(text.slice(start, end))) return undefined;
      listEnd = start;
      break;
    } else if (entry && column === entry.keyColumn) {
      if (!scanPair(text, entry, start, first, end, next)) return undefined;
    } else {
      return undefined;
    }
    start = next;
  }
  if (entries.length === 0 || UNUSUAL_CHARACTER.test(text.slice(listStart, listEnd))) return undefined;
  return { keyStart, listStart, listEnd, entries };
}

/**
 * Offset of the first `images:` line, whose value must start on the next line.
 * Before it: only one leading `---`, no `...` and no directive.
 */
function imagesKeyLine(text: string): number | undefined {
  let content = false;
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end);
    if (IMAGES_KEY.test(line)) return start;
    if (line.startsWith('%')) return undefined;
    if (DOCUMENT_MARKER.test(line) && (content || !/^--- *$/.test(line))) return undefined;
    if (line.trim() !== '' && !line.trimStart().startsWith('#')) content = true;
    if (newline === -1) return undefined;
    start = newline + 1;
  }
  return undefined;
}

/** Reads `key: value` at `keyStart`, the line running to `end`, into the entry; false when it is not of the common shape. */
function scanPair(
  text: string,
  entry: ScannedEntry,
  lineStart: number,
  keyStart: number,
  end: number,
  lineEnd: number,
): boolean {
  const index = KEYS_WITH_COLON.findIndex((keyWithColon) => text.startsWith(keyWithColon, keyStart));
  const key = IMAGE_KEYS[index];
  if (!key || entry.pairs.some((pair) => pair.key === key)) return false;
  const afterColon = keyStart + key.length + 1;
  if (afterColon < end && text.charCodeAt(afterColon) !== SPACE) return false;
  let valueStart = afterColon;
  while (valueStart < end && text.charCodeAt(valueStart) === SPACE) valueStart++;
  const scalar = scanScalar(text, valueStart, end);
  if (!scalar) return false;
  // Only spaces and a comment may follow the value, and a comment needs a space before it.
  let rest = scalar.end;
  while (rest < end && text.charCodeAt(rest) === SPACE) rest++;
  if (rest < end && (text[rest] !== '#' || rest === scalar.end)) return false;
  entry.pairs.push({
    key,
    keyStyle: 'plain',
    valueStyle: scalar.style,
    keyStart,
    afterColon,
    valueStart: scalar.end === valueStart ? afterColon : valueStart,
    valueEnd: scalar.end === valueStart ? afterColon : scalar.end,
    value: scalar.value,
    lineStart,
    lineEnd,
  });
  return true;
}

interface Scalar {
  end: number;
  value: string | undefined;
  style: QuoteStyle | undefined;
}

/** The one-line scalar at `start`: plain of safe characters, or quoted with no escape in it. */
function scanScalar(text: string, start: number, end: number): Scalar | undefined {
  const char = text[start];
  if (start === end || char === '#') return { end: start, value: undefined, style: undefined };
  if (char === '"' || char === "'") {
    const close = text.indexOf(char, start + 1);
    if (close === -1 || close >= end) return undefined;
    const value = text.slice(start + 1, close);
    // `\` escapes in double quotes and `''` in single quotes are left to the parser.
    if (char === '"' ? value.includes('\\') : text[close + 1] === "'") return undefined;
    return { end: close + 1, value, style: char === '"' ? 'double' : 'single' };
  }
  if (!PLAIN_START[text.charCodeAt(start)]) return undefined;
  let stop = start + 1;
  while (stop < end && PLAIN_REST[text.charCodeAt(stop)]) stop++;
  if (stop < end && text.charCodeAt(stop) !== SPACE) return undefined;
  const raw = text.slice(start, stop);
  // `key: value:` would be a mapping, not a scalar.
  if (raw.endsWith(':')) return undefined;
  return PLAIN_NULL.test(raw)
    ? { end: stop, value: undefined, style: undefined }
    : { end: stop, value: raw, style: 'plain' };
}

/** A lookup by character code for the ASCII characters of a regular expression class body. */
function charTable(characterClass: string): Uint8Array {
  const table = new Uint8Array(128);
  const pattern = new RegExp(`[${characterClass}]`);
  for (let code = 0; code < 128; code++) table[code] = pattern.test(String.fromCharCode(code)) ? 1 : 0;
  return table;
}
