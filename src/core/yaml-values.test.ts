import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAlias, parseDocument } from 'yaml';
import { nodeAt, quickYamlValue, yamlValue } from './yaml-values.js';

/** What the yaml library reads, as plain values; the text must be valid. */
function yamlRead(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  expect(doc.errors).toEqual([]);
  return yamlValue(doc.contents);
}

describe('quickYamlValue reads what the yaml library reads', () => {
  const plainScalars = [
    ...['~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE'],
    // YAML 1.1 booleans and number forms: strings under the 1.2 core schema.
    ...['yes', 'no', 'on', 'off', 'y', 'N', '0b101', '1_000', '2001-12-14'],
    ...[
      '0',
      '+1',
      '01',
      '0o17',
      '0x1F',
      '0xff',
      '1.10',
      '1.0',
      '5.',
      '1e3',
      '1E-3',
      '1e999',
      '9'.repeat(400),
    ],
    ...['ghcr.io/acme/api', 'svc-0001', '1.2.3', '/abs', '~x', '+x', 'a=b', 'a@b', '_x', 'x-'],
    ...['"1"', "'true'", '"~"', '""', "''", '" a b "', '"a]"'],
  ];
  it.each(plainScalars)('the scalar %s', (scalar) => {
    const text = `value: ${scalar}\nlist: [${scalar}, ${scalar}]\nitems:\n  - ${scalar}\n`;
    expect(quickYamlValue(text)).not.toBeUndefined();
    expect(quickYamlValue(text)).toEqual(yamlRead(text));
  });

  const documents: [string, string][] = [
    ['the sample configuration', readFileSync('.github/promotion.yaml', 'utf8')],
    ['nested mappings and sequences', 'a:\n  b:\n    - c: 1\n      d: [x]\n    - 2\n  e: []\n'],
    ['a sequence at the indentation of its key', 'a:\n- 1\n- b: c\n  d:\n  - e\nf: g\n'],
    ['more spaces after a dash', '-   a: 1\n    b: 2\n- x\n'],
    [
      'comments at any indentation, blank lines, trailing spaces',
      '# c\na:  1   # c\n\n   # c\nb:\n# c\n  - x  \n',
    ],
    ['keys and values with colons', 'a: b:c\nurl: http://x/y\n'],
    ['empty values', 'a:\nb: []\nc: ""\n'],
    ['keys that are not strings to yaml', 'null: a\ntrue: b\n'],
    ['a sequence at the top', '- a\n- b: 1\n'],
    ['no line break at the end', 'a: 1'],
    ['one space of indentation', 'a:\n b:\n  - 1\n'],
  ];
  it.each(documents)('%s', (_name, text) => {
    expect(quickYamlValue(text)).not.toBeUndefined();
    expect(quickYamlValue(text)).toEqual(yamlRead(text));
  });
});

describe('quickYamlValue leaves the rest to the yaml library', () => {
  const leftToYaml: [string, string][] = [
    ['a plain scalar with a space', 'a: b c\n'],
    ['a plain scalar over two lines', 'a: b\n  c\n'],
    ['escapes in a double-quoted scalar', 'a: "b\\tc"\n'],
    ["'' in a single-quoted scalar", "a: 'it''s'\n"],
    ['a plain scalar with # after no space', 'a: b#c\n'],
    ['a plain scalar ending with a colon', 'a: b:\n'],
    ['a quoted scalar with # after no space', 'a: "b#c"\n'],
    ['a quoted scalar with # after a space', "a: 'b # c'\n"],
    ['a block scalar', 'a: |\n  b\n'],
    ['a flow mapping', 'a: {b: c}\n'],
    ['a flow sequence over two lines', 'a: [b,\n  c]\n'],
    ['a flow sequence with a colon in an item', 'a: [b:c]\n'],
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a directive', '%YAML 1.1\n---\na: yes\n'],
    ['document markers', '---\na: 1\n...\n'],
    ['an explicit key', '? a\n: 1\n'],
    ['a quoted key', '"a": 1\n'],
    ['a nested sequence on one line', '- - a\n'],
    ['an empty item', 'a:\n  -\n'],
    ['a tab', 'a:\t1\n'],
    ['Windows line ends', 'a: 1\r\n'],
    ['a lone carriage return', 'a: 1\rb: 2\r'],
    ['non-ASCII text', 'a: café\n'],
    ['a document indented as a whole', '  a: 1\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['keys of the same text', 'null: 1\nNull: 2\n'],
    ['a key less indented than its mapping', 'a:\n  b: 1\n c: 2\n'],
    ['a line more indented after a value', 'a: 1\n  b: 2\n'],
    ['a line more indented after an item', 'a:\n  - 1\n   - 2\n'],
    ['a key after a sequence at the top', '- a\nb: 1\n'],
    ['only comments', '# a\n'],
    ['an empty text', ''],
  ];
  it.each(leftToYaml)('%s', (_name, text) => {
    expect(quickYamlValue(text)).toBeUndefined();
  });
});

describe('yamlValue', () => {
  it('gives a mapping by key text, in file order, the first of keys with the same text', () => {
    const value = yamlValue(parseDocument('b: 1\n1: x\n"1": y\n[k]: z\n~: n\n').contents);
    expect(value).toEqual(
      new Map<string, unknown>([
        ['b', 1],
        ['1', 'x'],
        ['', 'z'],
        ['null', 'n'],
      ]),
    );
  });

  it('gives no value for a key without one, null for an empty value, and keeps an alias apart', () => {
    const value = yamlValue(parseDocument('? a\nb:\nc: &x 1\nd: *x\n').contents) as Map<string, unknown>;
    expect([...value.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect(value.get('a')).toBeUndefined();
    expect(value.get('b')).toBeNull();
    expect(isAlias(value.get('d'))).toBe(true);
  });
});

describe('nodeAt', () => {
  const text = 'top:\n  list:\n    - x\n    - { key: value }\n';
  const doc = parseDocument(text);
  const offset = (node: ReturnType<typeof nodeAt>) => node?.range?.[0];

  it('finds the node of a value by keys and indexes', () => {
    expect(offset(nodeAt(doc.contents, ['top', 'list', 1, 'key']))).toBe(text.indexOf('value'));
    expect(offset(nodeAt(doc.contents, ['top', 'list', 0]))).toBe(text.indexOf('x'));
  });

  it('finds the node of a key', () => {
    expect(offset(nodeAt(doc.contents, ['top', 'list', 1, 'key'], true))).toBe(text.indexOf('key'));
  });

  it('finds nothing on a path the document does not have', () => {
    expect(nodeAt(doc.contents, ['top', 'missing', 0])).toBeUndefined();
  });
});
