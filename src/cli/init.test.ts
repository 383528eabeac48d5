// `npm run init` on real folders: what it writes, that it never overwrites a changed file without
// --force (and then writes nothing), that a second run changes nothing, and each bad input.
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveScaffoldOptions, scaffoldFiles } from '../core/scaffold.js';
import { serviceRepositoryCaller } from '../core/scaffold-callers.js';
import { checkWorkflow, formatFindings } from '../sandbox/workflow-check.js';
import { runProcess } from '../sandbox/process.js';
import { USAGE, init } from './init.js';

const ARGS = ['--suite', 'acme/gitops-promotion@v1', '--services', 'orders,payments'];
const expected = scaffoldFiles(
  resolveScaffoldOptions({ suite: 'acme/gitops-promotion@v1', services: 'orders,payments' }),
);

let dir: string;
let target: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'init-'));
  target = join(dir, 'gitops');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[]): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await init({
    argv,
    cwd: dir,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** Every file under `root`: path -> content and modification time. */
async function tree(root: string): Promise<Map<string, { text: string; mtime: number }>> {
  const files = new Map<string, { text: string; mtime: number }>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else
        files.set(relative(root, path), {
          text: await readFile(path, 'utf8'),
          mtime: (await stat(path)).mtimeMs,
        });
    }
  };
  await walk(root);
  return files;
}

const contents = async (root: string): Promise<Record<string, string>> =>
  Object.fromEntries([...(await tree(root))].map(([path, { text }]) => [path, text]));

describe('npm run init', () => {
  it('writes every generated file into a new folder and names each', async () => {
    const result = await run(['--target', 'gitops', ...ARGS]);
    expect(result.code).toBe(0);
    expect(await contents(target)).toEqual(Object.fromEntries(expected));
    for (const path of expected.keys()) expect(result.stdout).toContain(`created  ${path}`);
    expect(result.stdout).toContain(`${expected.size} file(s) written`);
    expect(result.stderr).toBe('');
  });

  it('a second run with the same options changes nothing and says so; the tree is byte-identical', async () => {
    expect((await run(['--target', 'gitops', ...ARGS])).code).toBe(0);
    const before = await tree(target);
    const again = await run(['--target', 'gitops', ...ARGS]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`nothing changed: all ${expected.size} files`);
    expect(again.stdout).not.toMatch(/^(created|replaced)/m);
    expect(await tree(target)).toEqual(before);
  });

  it('refuses a changed file, names it, and writes nothing at all', async () => {
    await run(['--target', 'gitops', ...ARGS]);
    const mine = '# my own config\nversion: 1\n';
    await writeFile(join(target, '.github/promotion.yaml'), mine);
    await writeFile(join(target, 'base/orders/service.yaml'), 'kind: Service\n');
    await rm(join(target, 'overlays/prod'), { recursive: true });
    const before = await tree(target);

    const result = await run(['--target', 'gitops', ...ARGS]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing written: 2 file(s)');
    expect(result.stderr).toContain('  .github/promotion.yaml');
    expect(result.stderr).toContain('  base/orders/service.yaml');
    expect(result.stderr).toContain('--force');
    expect(result.stdout).toBe('');
    // The missing overlay was not written either, and the changed files kept their content.
    expect(await tree(target)).toEqual(before);
    expect(await readFile(join(target, '.github/promotion.yaml'), 'utf8')).toBe(mine);
  });

  it('--force replaces the changed files, writes the missing ones and keeps the rest', async () => {
    await run(['--target', 'gitops', ...ARGS]);
    await writeFile(join(target, '.github/promotion.yaml'), 'version: 1\n');
    await rm(join(target, 'overlays/prod/namespace.yaml'));
    const untouched = (await stat(join(target, 'base/kustomization.yaml'))).mtimeMs;

    const result = await run(['--target', 'gitops', ...ARGS, '--force']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('replaced  .github/promotion.yaml');
    expect(result.stdout).toContain('created  overlays/prod/namespace.yaml');
    expect(result.stdout).toContain('unchanged  base/kustomization.yaml');
    expect(result.stdout).toContain(`2 file(s) written in ${target}, ${expected.size - 2} unchanged`);
    expect(await contents(target)).toEqual(Object.fromEntries(expected));
    expect((await stat(join(target, 'base/kustomization.yaml'))).mtimeMs).toBe(untouched);
  });

  it('keeps files it does not write, and writes into a folder that holds other things', async () => {
    await mkdir(join(target, 'docs'), { recursive: true });
    await writeFile(join(target, 'README.md'), '# gitops\n');
    await writeFile(join(target, 'docs/notes.md'), 'notes\n');
    expect((await run(['--target', 'gitops', ...ARGS])).code).toBe(0);
    expect(await readFile(join(target, 'README.md'), 'utf8')).toBe('# gitops\n');
    expect(await readFile(join(target, 'docs/notes.md'), 'utf8')).toBe('notes\n');
  });

  it('a folder or a symbolic link in the way is refused even with --force, and nothing is written', async () => {
    await mkdir(join(target, 'base/orders/service.yaml'), { recursive: true });
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await symlink(outside, join(target, 'overlays'));
    const result = await run(['--target', 'gitops', ...ARGS, '--force']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('  base/orders/service.yaml');
    expect(result.stderr).toContain('  overlays/dev/kustomization.yaml');
    expect(await readdir(outside)).toEqual([]);
    expect(await lstat(join(target, '.github')).catch(() => undefined)).toBeUndefined();
  });

  it('notes a CODEOWNERS elsewhere, which GitHub ignores once .github/CODEOWNERS exists', async () => {
    await mkdir(target);
    await writeFile(join(target, 'CODEOWNERS'), '* @acme/everyone\n');
    const result = await run(['--target', 'gitops', ...ARGS]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('note: CODEOWNERS exists; GitHub reads .github/CODEOWNERS first');
  });

  it("with --gitops-repository writes only the service repository's caller, checked by actionlint and the parser", async () => {
    const args = [
      '--suite',
      'acme/gitops-promotion@v1',
      '--services',
      'orders',
      '--gitops-repository',
      'acme/gitops',
    ];
    const result = await run(['--target', 'gitops', ...args]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const caller = serviceRepositoryCaller(
      { owner: 'acme', repo: 'gitops-promotion', ref: 'v1' },
      'orders',
      'acme/gitops',
    );
    expect(await contents(target)).toEqual({ '.github/workflows/release.yaml': caller });
    const path = join(target, '.github/workflows/release.yaml');
    expect(formatFindings(await checkWorkflow(path, caller, { root: target }))).toBe('');
    expect((await run(['--target', 'gitops', ...args])).stdout).toMatch(/^nothing changed: all 1 files/m);
  });

  it('--help prints the usage with every option', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(USAGE);
    for (const option of [
      '--target',
      '--suite',
      '--services',
      '--environments',
      '--image-prefix',
      '--owners',
      '--approvers',
      '--org',
      '--initial-version',
      '--gitops-repository',
      '--force',
    ]) {
      expect(USAGE).toContain(option);
    }
    expect(USAGE).toContain('default ghcr.io/<org>');
  });
});

describe('bad input: exit 2, the input named, nothing written, no stack trace', () => {
  it.each([
    [
      ['--suite', 'acme/gitops-promotion', '--services', 'orders'],
      /Input '--suite': 'acme\/gitops-promotion' is not OWNER\/REPO@REF/,
    ],
    [
      ['--suite', 'acme/gitops-promotion@v1', '--services', 'Orders'],
      /Input '--services': 'Orders' is not a valid name: use lowercase/,
    ],
    [['--suite', 'acme/gitops-promotion@v1', '--services', 'a,a'], /Input '--services': 'a' is given twice/],
    [[...ARGS, '--environments', 'dev,uat,uat'], /Input '--environments': 'uat' is given twice/],
    [[...ARGS, '--environments', 'dev,UAT'], /Input '--environments': 'UAT' is not a valid name/],
    [['--suite', 'acme/gitops-promotion@v1'], /Input '--services': is required/],
    [[...ARGS, '--image-prefix', 'ghcr.io/Acme'], /Input '--image-prefix'/],
    [[...ARGS, '--approvers', 'dev=@acme/x'], /Input '--approvers'/],
    [[...ARGS, '--colour'], /unknown argument '--colour'/],
    [[...ARGS, '--suite', 'acme/other@v2'], /--suite is given twice/],
    [[...ARGS, '--services'], /--services needs a value/],
    [
      ['--suite', 'acme/gitops-promotion@v1', '--services', 'orders', '--gitops-repository', 'acme'],
      /Input '--gitops-repository': 'acme' is not OWNER\/REPO/,
    ],
    [[...ARGS, '--gitops-repository', 'acme/gitops'], /Input '--services': names the one service/],
    [
      [
        '--suite',
        'acme/gitops-promotion@v1',
        '--services',
        'orders',
        '--gitops-repository',
        'acme/gitops',
        '--environments',
        'dev',
      ],
      /Input '--environments': is for a GitOps repository/,
    ],
  ])('%j', async (args, message) => {
    const result = await run(['--target', 'gitops', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('--help');
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
    expect(await lstat(target).catch(() => undefined)).toBeUndefined();
  });

  it('a missing --target', async () => {
    const result = await run(ARGS);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--target <dir> is required');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a --target that is a file', async () => {
    await writeFile(target, 'x');
    const result = await run(['--target', 'gitops', ...ARGS]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--target 'gitops' is not a directory");
    expect(await readFile(target, 'utf8')).toBe('x');
  });
});

describe('as a process (npm run init runs tsx src/cli/init.ts)', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const tsx = join(root, 'node_modules/.bin/tsx');

  it('writes, then exits 0; bad input exits 2 with one clear line and no stack trace', async () => {
    const ok = await runProcess(tsx, [join(root, 'src/cli/init.ts'), '--target', target, ...ARGS]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('created  .github/workflows/overlay-deploy.yaml');
    const bad = await runProcess(tsx, [
      join(root, 'src/cli/init.ts'),
      '--target',
      target,
      '--suite',
      'x',
      '--services',
      'a',
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^init: Input '--suite': 'x' is not OWNER\/REPO@REF/);
    expect(bad.stderr).not.toMatch(/^\s+at /m);
  });
});
