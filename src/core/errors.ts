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
