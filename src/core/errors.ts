/** Where in a file a problem is, so the runner can annotate the exact line. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * An error the user can fix: bad input, a malformed file. Entry points print
 * its message (and annotate its location) without a stack trace.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly location?: SourceLocation,
  ) {
    super(location ? `${location.file}:${location.line}:${location.column}: ${message}` : message);
  }
}

/** A bad action input: the message always names the input and what it accepts. */
export class InputError extends UserError {
  constructor(
    readonly input: string,
    problem: string,
  ) {
    super(`Input '${input}': ${problem}`);
  }
}

/** A program the suite ran (kustomize, kubectl) failed: its command line, exit code and error output. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${exitCode}): ${stderr.trim()}`);
  }
}

/** Control characters and the Unicode line separators: what must not reach a one-line text as it is. */
export const CONTROL_CHARACTER = '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]';

/** At most this many characters of a value are quoted in a message. */
export const MAX_QUOTED = 100;

/**
 * A value as messages quote it: in single quotes, cut to its first {@link MAX_QUOTED} characters
 * (with how long it was), control characters written as escapes, so a message stays one line and
 * short whatever the value holds.
 */
export function quoted(value: string): string {
  const chars = [...value];
  const head = chars.slice(0, MAX_QUOTED).join('');
  const visible = head.replace(new RegExp(CONTROL_CHARACTER, 'g'), (char) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return chars.length > MAX_QUOTED ? `'${visible}…' (${chars.length} characters)` : `'${visible}'`;
}
