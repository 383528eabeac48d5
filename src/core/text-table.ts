/** A plain-text table for a terminal: columns padded to their widest cell, two spaces apart. */
export function textTable(header: string[], body: string[][]): string {
  const widths = header.map((_, i) =>
    Math.max(...[header, ...body].map((line) => [...(line[i] ?? '')].length)),
  );
  const format = (line: string[]) =>
    line
      .map((value, i) => value + ' '.repeat(widths[i]! - [...value].length))
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...body.map(format)].join('\n');
}
