/** A code fence longer than any run of backticks in the content, so nothing inside can close it. */
export function fenceFor(content: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((match) => match[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** A value on one line: line breaks and other control characters become spaces. */
export function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

/**
 * A value in Markdown text outside code, reading as itself: on one line, with every character that
 * could start emphasis, a link, an image, HTML, an entity, a table cell or an escape backslash-escaped.
 * A version (digits, letters, '.' and '-') comes out unchanged.
 */
export function markdownText(value: string): string {
  return oneLine(value).replace(/[\\`*_[\]<>|~&!#]/g, '\\$&');
}

/** A value as inline code that no backtick inside can close, on one line. */
export function markdownCode(value: string): string {
  const text = oneLine(value);
  const fence = '`'.repeat(Math.max(1, ...[...text.matchAll(/`+/g)].map((match) => match[0].length + 1)));
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
