import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import { InputError, UserError } from '../core/errors.js';

/** A trimmed input; empty string when not set. */
export function input(name: string): string {
  return core.getInput(name).trim();
}

export function booleanInput(name: string, fallback: boolean): boolean {
  const value = input(name).toLowerCase();
  if (value === '') return fallback;
  if (['true', 'yes', '1'].includes(value)) return true;
  if (['false', 'no', '0'].includes(value)) return false;
  throw new InputError(name, `'${value}' is not a boolean: use true or false`);
}

/** A secret input, masked in the log from here on. */
export function secretInput(name: string): string {
  const value = input(name);
  if (value) core.setSecret(value);
  return value;
}

export function setOutputs(outputs: Record<string, string | number | boolean>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, String(value));
}

export const log = {
  info: (message: string) => core.info(message),
  notice: (message: string) => core.notice(message),
  warning: (message: string) => core.warning(message),
  debug: (message: string) => core.debug(message),
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
export async function repositoryContext(): Promise<RepositoryContext> {
  const [owner = '', repo = ''] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo)
    throw new UserError('GITHUB_REPOSITORY is not set: run this action in a GitHub Actions job');
  const eventPath = process.env.GITHUB_EVENT_PATH;
  const event = eventPath ? (JSON.parse(await readFile(eventPath, 'utf8')) as Record<string, unknown>) : {};
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
  await core.summary.addRaw(markdown, true).write();
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
      core.error(
        error.message,
        location ? { file: location.file, startLine: location.line, startColumn: location.column } : {},
      );
      process.exitCode = 1;
      return;
    }
    core.setFailed(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
}

/** Who started the run, for access checks: GITHUB_ACTOR and, on a re-run by someone else, GITHUB_TRIGGERING_ACTOR. */
export function runActors(): string[] {
  const actor = process.env.GITHUB_ACTOR ?? '';
  const triggering = process.env.GITHUB_TRIGGERING_ACTOR ?? '';
  return triggering && triggering.toLowerCase() !== actor.toLowerCase() ? [actor, triggering] : [actor];
}
