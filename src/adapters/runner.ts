// The runner protocol the actions speak: INPUT_* variables, workflow commands on stdout, the
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. Written here rather than through @actions/core,
// whose entry module loads @actions/http-client (undici) and @actions/exec at start-up: that
// doubled the time before an action printed its first line, and none of it is needed for this.
// The files are read and written synchronously: they are small, and node:fs/promises alone took
// as long to load as the rest of an action's entry.
import { appendFileSync, readFileSync } from 'node:fs';
import { EOL } from 'node:os';
import { InputError, UserError } from '../core/errors.js';

const escapeData = (value: string) => value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (value: string) => escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** `::name key=value,...::message`, escaped as the runner unescapes it. */
function command(name: string, message: string, properties: Record<string, string | number> = {}): void {
  const list = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  process.stdout.write(`::${name}${list ? ` ${list}` : ''}::${escapeData(message)}${EOL}`);
}

/** A trimmed input; empty string when not set. */
export function input(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export function booleanInput(name: string, fallback: boolean): boolean {
  const value = input(name).toLowerCase();
  if (value === '') return fallback;
  if (['true', 'yes', '1'].includes(value)) return true;
  if (['false', 'no', '0'].includes(value)) return false;
  throw new InputError(name, `'${value}' is not a boolean: use true or false`);
}

/** Masks a value in the job log from here on. */
export function maskSecret(value: string): void {
  if (value) command('add-mask', value);
}

/** A secret input, masked in the log from here on. */
export function secretInput(name: string): string {
  const value = input(name);
  maskSecret(value);
  return value;
}

/** Appends `name<<delimiter` blocks to GITHUB_OUTPUT: multi-line values survive, nothing is parsed as a command. */
export function setOutputs(outputs: Record<string, string | number | boolean>): void {
  const file = process.env.GITHUB_OUTPUT;
  if (!file) throw new UserError('GITHUB_OUTPUT is not set: run this action in a GitHub Actions job');
  for (const [name, raw] of Object.entries(outputs)) {
    const value = String(raw);
    // The global Web Crypto: importing node:crypto would load it and the streams at start-up.
    const delimiter = `ghadelimiter_${crypto.randomUUID()}`;
    if (name.includes(delimiter) || value.includes(delimiter))
      throw new Error(`Output '${name}' contains the delimiter ${delimiter}`);
    appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`);
  }
}

export const log = {
  info: (message: string) => void process.stdout.write(message + EOL),
  notice: (message: string) => command('notice', message),
  warning: (message: string) => command('warning', message),
  debug: (message: string) => command('debug', message),
};

export interface RepositoryContext {
  owner: string;
  repo: string;
  workspace: string;
  defaultBranch: string;
  eventName: string;
  event: Record<string, unknown>;
  runUrl?: string;
}

/** What the runner tells about the repository and run, from the GITHUB_* variables and the event file. */
export function repositoryContext(): RepositoryContext {
  const [owner = '', repo = ''] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo)
    throw new UserError('GITHUB_REPOSITORY is not set: run this action in a GitHub Actions job');
  const eventPath = process.env.GITHUB_EVENT_PATH;
  const event = eventPath ? (JSON.parse(readFileSync(eventPath, 'utf8')) as Record<string, unknown>) : {};
  const repository = event.repository as { default_branch?: string } | undefined;
  const server = process.env.GITHUB_SERVER_URL;
  const runId = process.env.GITHUB_RUN_ID;
  return {
    owner,
    repo,
    workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
    defaultBranch: repository?.default_branch ?? 'main',
    eventName: process.env.GITHUB_EVENT_NAME ?? '',
    event,
    ...(server && runId ? { runUrl: `${server}/${owner}/${repo}/actions/runs/${runId}` } : {}),
  };
}

export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  appendFileSync(process.env.GITHUB_STEP_SUMMARY, markdown + EOL);
}

/**
 * Runs an action's main function: a user error becomes one failure line (and
 * an annotation on the file and line when it has one), anything else keeps its stack.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof UserError) {
      const location = error.location;
      command(
        'error',
        error.message,
        location ? { file: location.file, line: location.line, col: location.column } : {},
      );
      process.exitCode = 1;
      return;
    }
    command('error', error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  }
}

/** Who started the run, for access checks: GITHUB_ACTOR and, on a re-run by someone else, GITHUB_TRIGGERING_ACTOR. */
export function runActors(): string[] {
  const actor = process.env.GITHUB_ACTOR ?? '';
  const triggering = process.env.GITHUB_TRIGGERING_ACTOR ?? '';
  return triggering && triggering.toLowerCase() !== actor.toLowerCase() ? [actor, triggering] : [actor];
}
