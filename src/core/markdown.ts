import { CONTROL_CHARACTER } from './errors.js';

/** The length of the longest run of backticks in a text: a fence or code span must be longer. */
function longestBacktickRun(text: string): number {
  return Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
}

/** A code fence longer than any run of backticks in the content, so nothing inside can close it. */
export function fenceFor(content: string): string {
  return '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
}

/** A value on one line: line breaks and other control characters become spaces. */
export function oneLine(value: string): string {
  return value.replace(new RegExp(`${CONTROL_CHARACTER}+`, 'g'), ' ');
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
  const fence = '`'.repeat(longestBacktickRun(text) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
