// What the actions share around @actions/core: a boolean input refused by name when it is
// not one, a masked secret input, outputs, the job summary, and how a failure ends the step.
import * as core from '@actions/core';
import { repositoryProblem } from '../core/config.js';
import { InputError, UserError } from '../core/errors.js';

/**
 * A boolean input as core.getBooleanInput reads it: true, True, TRUE, false, False or FALSE.
 * Empty (`with:` gave '') is `fallback`, the input's default in action.yml. Anything else is
 * refused naming the input and what it takes.
 */
export function booleanInput(name: string, fallback: boolean): boolean {
  const value = core.getInput(name);
  if (value === '') return fallback;
  try {
    return core.getBooleanInput(name);
  } catch {
    throw new InputError(
      name,
      `'${value}' is not a boolean: use true or false (or True, TRUE, False, FALSE)`,
    );
  }
}

/** The config input: the path of the promotion config in the checkout. */
export function configInput(): string {
  return core.getInput('config') || '.github/promotion.yaml';
}

/** An `owner/repo` input; empty when not given. Anything else is refused naming the input. */
export function repositoryInput(name: string): string {
  const value = core.getInput(name).trim();
  const problem = value ? repositoryProblem(value) : undefined;
  if (problem) throw new InputError(name, problem);
  return value;
}

/** An input that is a secret, masked in the job log from here on. */
export function secretInput(name: string): string {
  const value = core.getInput(name);
  if (value) core.setSecret(value);
  return value;
}

export function setOutputs(outputs: Record<string, string | number | boolean>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, String(value));
}

/** Appends markdown to the job summary; off a runner (no GITHUB_STEP_SUMMARY) there is none. */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}

/**
 * Fails the step. A UserError is one error annotation, on its file and line when it has them, and
 * no stack; anything else fails with its message, its stack in the log above.
 */
export function failStep(error: unknown): void {
  if (error instanceof UserError) {
    if (!error.location) return core.setFailed(error.message);
    const { file, line, column } = error.location;
    core.error(error.message, { file, startLine: line, startColumn: column });
    process.exitCode = core.ExitCode.Failure;
    return;
  }
  if (error instanceof Error && error.stack) core.info(error.stack);
  core.setFailed(error instanceof Error ? error.message : String(error));
}
