import { isMap, isPair, isScalar, isSeq, Schema, type Node, type ScalarTag } from 'yaml';

/**
 * A YAML document as plain values, read the same by quickYamlValue and from the yaml library's nodes: a
 * mapping is a Map from each key's text (see keyText) to its value, in file order; a sequence is an
 * array; a scalar is its value. Anything else (a yaml alias) stays an object that is none of these.
 * A key without a value (`? key`) maps to undefined, as yaml's `get` gives it.
 */
export type YamlMap = Map<string, unknown>;

/** Keys (by their text) and indexes from the root to a value. */
export type YamlPath = readonly (string | number)[];

/** How a mapping key is named in messages and looked up: a scalar's value as text, '' for a collection. */
function keyText(key: unknown): string {
  return key !== null && typeof key === 'object' ? '' : String(key);
}

/** The yaml library's nodes as plain values (see YamlMap). */
export function yamlValue(node: unknown): unknown {
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return node.items.map(yamlValue);
  if (isMap(node)) {
    const map: YamlMap = new Map();
    for (const pair of node.items) {
      const key = keyText(isScalar(pair.key) ? pair.key.value : pair.key);
      // Keys with the same text are not always duplicates to yaml (1 and '1'): the first one stays.
      if (!map.has(key)) map.set(key, pair.value === null ? undefined : yamlValue(pair.value));
    }
    return map;
  }
  return node;
}

/** The node a path leads to (its key's node with `atKey`), to tell the line of a problem there. */
export function nodeAt(root: Node | null, path: YamlPath, atKey = false): Node | null | undefined {
  let node: unknown = root;
  for (const [index, step] of path.entries()) {
    if (typeof step === 'number') {
      node = isSeq(node) ? node.items[step] : undefined;
      continue;
    }
    const pair = isMap(node)
      ? node.items.find(
          (item) => isPair(item) && keyText(isScalar(item.key) ? item.key.value : item.key) === step,
        )
      : undefined;
    node = atKey && index === path.length - 1 ? pair?.key : pair?.value;
  }
  return node as Node | null | undefined;
}

/** The yaml library's YAML 1.2 core rules for plain scalars (null, booleans, numbers), in its order. */
const CORE_PLAIN_SCALARS = new Schema({ schema: 'core' }).tags.filter(
  (tag): tag is ScalarTag & { test: RegExp } => tag.default === true && 'test' in tag && !!tag.test,
);

/** A plain scalar's value by yaml's own rules: 'yes' is a string, '1.10' the number 1.1, '~' null. */
function plainValue(source: string): unknown {
  const tag = CORE_PLAIN_SCALARS.find((candidate) => candidate.test.test(source));
  if (!tag) return source;
  const value = tag.resolve(source, () => undefined, {});
  return isScalar(value) ? value.value : value;
}

/** The text leaves the subset quickYamlValue reads. */
class OutsideSubset extends Error {}

/** A line without its comment: the spaces before the content, and the content. */
interface Line {
  indent: number;
  content: string;
}

const KEY = /^([A-Za-z][\w-]{0,99}):(?: +(.+))?$/;
/** Plain scalars without spaces, indicators or quotes, not ending in ':'; in a flow list without ':'. */
const PLAIN = /^[\w/~+](?:[\w./~+@=:-]*[\w./~+@=-])?$/;
const FLOW_PLAIN = /^[\w/~+][\w./~+@=-]*$/;
const QUOTED = /^"([^"\\]*)"$|^'([^']*)'$/;

function scalar(source: string, inFlow: boolean): unknown {
  const quoted = QUOTED.exec(source);
  if (quoted) return quoted[1] ?? quoted[2];
  if (!(inFlow ? FLOW_PLAIN : PLAIN).test(source)) throw new OutsideSubset();
  return plainValue(source);
}

/** What follows `key: ` or `- `: a scalar, or a flow list of scalars on that line. */
function inlineValue(source: string): unknown {
  if (!source.startsWith('[')) return scalar(source, false);
  if (!source.endsWith(']')) throw new OutsideSubset();
  const items = source.slice(1, -1).trim();
  return items === '' ? [] : items.split(',').map((item) => scalar(item.trim(), true));
}

const isItem = (line: Line | undefined, indent: number): line is Line =>
  line?.indent === indent && line.content.startsWith('- ');

/** Reads the lines of the subset into plain values, or throws OutsideSubset. */
class SubsetReader {
  private next = 0;

  constructor(private readonly lines: Line[]) {}

  document(): unknown {
    if (this.lines.length === 0) throw new OutsideSubset();
    const root = this.block(0);
    if (this.next < this.lines.length) throw new OutsideSubset();
    return root;
  }

  private block(indent: number): unknown {
    return isItem(this.lines[this.next], indent) ? this.sequence(indent) : this.mapping(indent);
  }

  private mapping(indent: number): YamlMap {
    const map: YamlMap = new Map();
    for (let line = this.lines[this.next]; line && line.indent >= indent; line = this.lines[this.next]) {
      const entry = KEY.exec(line.content);
      if (line.indent > indent || !entry) throw new OutsideSubset();
      const key = keyText(plainValue(entry[1] as string));
      if (map.has(key)) throw new OutsideSubset();
      this.next++;
      map.set(key, entry[2] === undefined ? this.valueBelow(indent) : inlineValue(entry[2]));
    }
    return map;
  }

  /** The value of a `key:` at `indent`: a more indented block, a sequence at that indentation, or null. */
  private valueBelow(indent: number): unknown {
    const line = this.lines[this.next];
    if (line && line.indent > indent) return this.block(line.indent);
    return isItem(line, indent) ? this.sequence(indent) : null;
  }

  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    for (let line = this.lines[this.next]; isItem(line, indent); line = this.lines[this.next]) {
      const rest = line.content.slice(2);
      const content = rest.trimStart();
      if (KEY.test(content)) {
        // `- key: value` starts a mapping whose keys line up with this one.
        const column = indent + 2 + rest.length - content.length;
        this.lines[this.next] = { indent: column, content };
        items.push(this.mapping(column));
      } else {
        this.next++;
        items.push(inlineValue(content));
      }
    }
    return items;
  }
}

/**
 * The document as plain values (see YamlMap), read in one pass when it keeps to the plain block
 * style configs are written in, about twenty times faster than yaml's `parseDocument` but without
 * positions; undefined for anything else, left to the yaml library. The subset: printable ASCII
 * lines indented with spaces; `key: value` and `key:` followed by a more indented block or by a
 * sequence at the key's indentation; `- value` and `- key: value` items; values that are plain
 * scalars without spaces (resolved by yaml's core rules), quoted strings without escapes, and
 * one-line flow lists of those; comments after a space; no duplicate keys.
 */
export function quickYamlValue(text: string): unknown {
  if (/[^\n\x20-\x7e]/.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    if (hash > 0 && raw[hash - 1] !== ' ') return undefined;
    const content = (hash >= 0 ? raw.slice(0, hash) : raw).trimEnd();
    const trimmed = content.trimStart();
    if (trimmed !== '') lines.push({ indent: content.length - trimmed.length, content: trimmed });
  }
  try {
    return new SubsetReader(lines).document();
  } catch (error) {
    if (error instanceof OutsideSubset) return undefined;
    throw error;
  }
}
