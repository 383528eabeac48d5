// What the command-line tools share: argument walking, the --repo form, the token from the environment.
import { UserError } from '../core/errors.js';

export class UsageError extends UserError {}

/**
 * Calls `visit` for each `--flag value` or `--flag=value` argument; `value()` takes the flag's
 * value or throws a UsageError naming the flag. Stops early when `visit` returns true.
 */
export function walkArguments(
  argv: string[],
  visit: (flag: string, value: () => string, arg: string) => boolean | void,
): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const [flag, inline] =
      arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '' || (inline === undefined && next.startsWith('--'))) {
        throw new UsageError(`${flag} needs a value`);
      }
      return next;
    };
    if (visit(flag, value, arg) === true) return;
  }
}

/** `<owner>/<name>` as GitHub spells repositories. */
export function parseRepoArg(value: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value);
  if (!match) throw new UsageError(`--repo must be <owner>/<name>, got '${value}'`);
  return { owner: match[1]!, repo: match[2]! };
}

/** The token from GITHUB_TOKEN, else GH_TOKEN (what `gh` and Actions set). */
export function tokenFrom(env: Record<string, string | undefined>): string | undefined {
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN']) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** Prints a command's failure (with the stack only for a bug, not a user's mistake); exit status 2. */
export function reportFailure(command: string, error: unknown, stderr: (line: string) => void): 2 {
  stderr(`${command}: ${error instanceof Error ? error.message : String(error)}`);
  if (!(error instanceof UserError) && error instanceof Error && error.stack) stderr(error.stack);
  return 2;
}
