/**
 * The runner protocol a step talks back with: workflow commands on stdout (`::error::`,
 * `::add-mask::`, ...) and the files named by GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAnnotations, parseOutputFile, type ActionRun } from '../run-action.js';

export type Annotation = ActionRun['annotations'][number];

/** Annotations and masks from a step's stdout. */
export function readCommands(stdout: string): { annotations: Annotation[]; masks: string[] } {
  const masks: string[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::add-mask::(.*)$/.exec(line.trimEnd());
    if (match?.[1]) masks.push(match[1]);
  }
  return { annotations: parseAnnotations(stdout), masks };
}

/** GITHUB_OUTPUT and GITHUB_ENV share one format: `name=value` lines and `name<<DELIMITER` blocks. */
export const parseFileCommand = parseOutputFile;

export interface StepFiles {
  output: string;
  env: string;
  path: string;
  summary: string;
}

/** Fresh, empty GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH / GITHUB_STEP_SUMMARY files for one step. */
export async function createStepFiles(dir: string, step: string): Promise<StepFiles> {
  const files: StepFiles = {
    output: join(dir, `${step}.output`),
    env: join(dir, `${step}.env`),
    path: join(dir, `${step}.path`),
    summary: join(dir, `${step}.summary.md`),
  };
  await Promise.all(Object.values(files).map((file) => writeFile(file, '')));
  return files;
}

export async function readStepFiles(files: StepFiles): Promise<{
  outputs: Record<string, string>;
  env: Record<string, string>;
  path: string[];
  summary: string;
}> {
  const [output, env, path, summary] = await Promise.all(
    [files.output, files.env, files.path, files.summary].map((file) => readFile(file, 'utf8')),
  );
  return {
    outputs: parseFileCommand(output!),
    env: parseFileCommand(env!),
    path: path!
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
    summary: summary!,
  };
}

/** Replaces every registered secret with `***`, as the runner does in logs. */
export function maskText(text: string, masks: Iterable<string>): string {
  let result = text;
  const sorted = [...masks].filter((m) => m.length > 0).sort((a, b) => b.length - a.length);
  for (const mask of sorted) result = result.split(mask).join('***');
  return result;
}

/** What a secret registers as masks: the value and, for multi-line values, each line. */
export function masksOf(value: string): string[] {
  if (!value) return [];
  const lines = value
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= 4);
  return [value, ...lines];
}
