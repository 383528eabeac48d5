// What the command-line tools share: argument walking, the --repo form, the token from the environment.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, quoted } from '../core/errors.js';

export class UsageError extends UserError {}

/** What a command reads and writes, so that tests can run it in-process. */
export interface CommandIo {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

/** The io of the process: its arguments after the script, environment, folder and console. */
export function terminalIo(): CommandIo {
  return {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: (line) => console.log(line),
    stderr: (line) => console.error(line),
  };
}

const ONE_PROGRAM = Symbol.for('gitops-promotion.one-program');

/**
 * Says that every command is a module of one bundled program (src/cli/bin.ts), where all of them
 * share the bundle's `import.meta.url`: none starts itself then, the program picks one.
 */
export function markOneProgram(): void {
  (globalThis as Record<symbol, unknown>)[ONE_PROGRAM] = true;
}

/** Whether the module at `moduleUrl` is the script node (or tsx) was started with, not an import. */
export function startedAsProgram(moduleUrl: string): boolean {
  if ((globalThis as Record<symbol, unknown>)[ONE_PROGRAM] === true) return false;
  const script = process.argv[1];
  return script !== undefined && resolve(script) === fileURLToPath(moduleUrl);
}

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
  if (!match) throw new UsageError(`--repo must be <owner>/<name>, got ${quoted(value)}`);
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

/**
 * A command's answer to bad arguments: one line naming the problem, then the usage; exit status 2.
 * A bug (not a UserError) still shows its stack, through reportFailure.
 */
export function usageFailure(
  command: string,
  error: unknown,
  usage: string,
  stderr: (line: string) => void,
): 2 {
  reportFailure(command, error, stderr);
  stderr(usage);
  return 2;
}

/** One option of a command: a flag with a value (checked by `check`, which names the problem) or a switch. */
export type OptionSpec =
  { type: 'string'; default?: string; check?: (value: string) => string | undefined } | { type: 'boolean' };

export type OptionValues<S extends Record<string, OptionSpec>> = {
  [K in keyof S]: S[K] extends { type: 'boolean' }
    ? boolean
    : S[K] extends { default: string }
      ? string
      : string | undefined;
};

/**
 * Reads `--name value`, `--name=value` and `--switch` arguments as `spec` declares them: an unknown
 * option, a missing or refused value, or an option given twice is a UsageError naming it.
 * `--help` or `-h` answers 'help'.
 */
export function parseOptions<S extends Record<string, OptionSpec>>(
  argv: string[],
  spec: S,
): OptionValues<S> | 'help' {
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, option] of Object.entries(spec))
    values[name] = option.type === 'boolean' ? false : option.default;
  const given = new Set<string>();
  let help = false;
  walkArguments(argv, (flag, value, arg) => {
    if (flag === '--help' || flag === '-h') return (help = true);
    const name = flag.startsWith('--') ? flag.slice(2) : undefined;
    const option = name === undefined ? undefined : spec[name];
    if (name === undefined || option === undefined) throw new UsageError(`unknown argument ${quoted(arg)}`);
    if (given.has(name)) throw new UsageError(`${flag} is given twice`);
    given.add(name);
    if (option.type === 'boolean') {
      if (arg.includes('=')) throw new UsageError(`${flag} takes no value`);
      values[name] = true;
      return;
    }
    const text = value();
    const problem = option.check?.(text);
    if (problem) throw new UsageError(`${flag}: ${problem}`);
    values[name] = text;
  });
  return help ? 'help' : (values as OptionValues<S>);
}

/** A check for parseOptions: a whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): (value: string) => string | undefined {
  return (value) =>
    /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max
      ? undefined
      : `${quoted(value)} is not a whole number from ${min} to ${max}`;
}
