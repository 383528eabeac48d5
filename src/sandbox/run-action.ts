import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runProcess } from './process.js';

/** This checkout's actions/ folder, with the committed bundles. */
export const COMMITTED_ACTIONS_DIR = fileURLToPath(new URL('../../actions', import.meta.url));

/**
 * The folder of actions (`<name>/action.yml`, `<name>/dist/`) the tests run. In a test run that is
 * the bundles test/global-setup.ts built from the current source (it sets SUITE_ACTIONS_DIR), so
 * the tests check what the source says; anywhere else (the demo) the committed ones.
 */
export function suiteActionsDir(): string {
  return process.env.SUITE_ACTIONS_DIR || COMMITTED_ACTIONS_DIR;
}

export interface ActionRun {
  exitCode: number;
  outputs: Record<string, string>;
  summary: string;
  /** Workflow commands the action printed: `::error file=...::message` and the like. */
  annotations: { level: string; message: string; properties: Record<string, string> }[];
  stdout: string;
  stderr: string;
}

export interface RunActionOptions {
  /** Folder with action.yml and its dist/, e.g. join(suiteActionsDir(), 'overlay-update'). */
  action: string;
  inputs: Record<string, string>;
  workspace: string;
  repository: string;
  token: string;
  apiUrl: string;
  serverUrl?: string;
  eventName?: string;
  event?: unknown;
  env?: Record<string, string>;
  /** Stops the action's process when it aborts (a cancelled job). */
  signal?: AbortSignal;
}

interface ActionMetadata {
  inputs?: Record<string, { default?: string }>;
  runs: { using: string; main: string };
}

/** Reads GITHUB_OUTPUT's two forms: `name=value` and `name<<DELIMITER` heredocs. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i]!);
      outputs[name!] = value.join('\n');
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return outputs;
}

function unescapeCommand(value: string): string {
  return value
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');
}

export function parseAnnotations(stdout: string): ActionRun['annotations'] {
  const annotations: ActionRun['annotations'] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)( [^:]*)?::(.*)$/.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const part of (match[2] ?? '').trim().split(',').filter(Boolean)) {
      const [key, ...rest] = part.split('=');
      properties[key!] = unescapeCommand(rest.join('='));
    }
    annotations.push({ level: match[1]!, message: unescapeCommand(match[3]!), properties });
  }
  return annotations;
}

/**
 * Runs a JavaScript action's bundle the way a runner does: inputs
 * (with action.yml defaults) as INPUT_*, the GITHUB_* variables, the event
 * file, and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files read back afterwards.
 */
export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const actionDir = resolve(options.action);
  const metadata = parse(await readFile(join(actionDir, 'action.yml'), 'utf8')) as ActionMetadata;
  const temp = await mkdtemp(join(tmpdir(), 'action-run-'));
  try {
    const outputFile = join(temp, 'output');
    const summaryFile = join(temp, 'summary');
    const eventFile = join(temp, 'event.json');
    await Promise.all([
      writeFile(outputFile, ''),
      writeFile(summaryFile, ''),
      writeFile(eventFile, JSON.stringify(options.event ?? {})),
    ]);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_REPOSITORY: options.repository,
      GITHUB_REPOSITORY_OWNER: options.repository.split('/')[0],
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_EVENT_NAME: options.eventName ?? 'workflow_dispatch',
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_API_URL: options.apiUrl,
      GITHUB_SERVER_URL: options.serverUrl ?? 'https://github.com',
      GITHUB_GRAPHQL_URL: `${options.apiUrl}/graphql`,
      GITHUB_RUN_ID: '1',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: temp,
      ...options.env,
    };
    for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
      const value =
        options.inputs[name] ?? (spec.default ?? '').replace('${{ github.token }}', options.token);
      env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    }
    const result = await runProcess(process.execPath, [join(actionDir, metadata.runs.main)], {
      cwd: options.workspace,
      env,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      exitCode: result.exitCode,
      outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
      summary: await readFile(summaryFile, 'utf8'),
      annotations: parseAnnotations(result.stdout),
      stdout: result.stdout,
      stderr: result.stderr,
    };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
