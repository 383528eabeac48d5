// The published package's program: `npx gitops-promotion <command>` runs the bundle that npm builds
// before packing (scripts/bundle.mjs --cli), built here from the source into a folder of the test's.
// Exactly one command runs, with its own options and the program's name in its usage.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI_BUNDLE } from '../../scripts/bundle.mjs';
import { runProcess } from '../sandbox/process.js';
import { USAGE } from './main.js';

let dir: string;
let program: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gitops-promotion-bin-'));
  program = await buildCli(join(dir, 'gitops-promotion.mjs'));
}, 300_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

const run = (...argv: string[]) => runProcess(program, argv, { cwd: dir });

describe('npx gitops-promotion', () => {
  it('is the bin of the package, built before packing, and only shipped files go out', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.bin).toEqual({ 'gitops-promotion': CLI_BUNDLE });
    expect(pkg.scripts.prepack).toBe('node scripts/bundle.mjs --cli');
    expect(pkg.files).toContain('bin/');
    expect(pkg.files).not.toContain('src/');
  });

  it('runs init alone: the files are written, no other command starts', async () => {
    const target = join(dir, 'gitops');
    const result = await run(
      'init',
      '--target',
      target,
      '--suite',
      'acme/gitops-promotion@v1',
      '--services',
      'orders',
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^created {2}\.github\/promotion\.yaml$/m);
    expect(result.stdout).not.toMatch(/usage:/);
    const caller = await readFile(join(target, '.github/workflows/overlay-update.yaml'), 'utf8');
    expect(caller).toContain('acme/gitops-promotion/.github/workflows/overlay-update.yaml@v1');
    expect(await stat(join(target, 'overlays/prod/kustomization.yaml'))).toBeDefined();
    expect(
      (await run('init', '--target', target, '--suite', 'acme/gitops-promotion@v1', '--services', 'orders'))
        .stdout,
    ).toMatch(/^nothing changed: all 16 files in .* are already as init writes them$/m);
  });

  it("names itself in a command's usage, and refuses what it does not know with exit 2", async () => {
    const help = await run('init', '--help');
    expect(help.exitCode).toBe(0);
    expect(help.stdout.split('\n')[0]).toMatch(/^usage: gitops-promotion init --target <dir> /);
    const bad = await run('ghes-workflows', '--bogus');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr.split('\n').slice(0, 2)).toEqual([
      "ghes-workflows: unknown argument '--bogus'",
      'usage: gitops-promotion ghes-workflows --suite <owner>/<repo>@<ref> [options]',
    ]);
    const unknown = await run('demo');
    expect(unknown).toMatchObject({ exitCode: 2, stdout: '' });
    expect(unknown.stderr).toBe(`gitops-promotion: unknown command 'demo'\n${USAGE}\n`);
    expect(await run()).toMatchObject({ exitCode: 2, stderr: `${USAGE}\n` });
    expect(await run('--help')).toMatchObject({ exitCode: 0, stdout: `${USAGE}\n` });
  });
});
