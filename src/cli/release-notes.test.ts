import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releaseNotesCommand, USAGE } from './release-notes.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'release-notes-'));
  await writeFile(
    join(dir, 'CHANGELOG.md'),
    '# Changelog\n\n## [1.2.0]\n\n- A thing.\n\n## [1.1.0]\n\n- Older.\n',
  );
});

afterEach(() => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await releaseNotesCommand({
    argv,
    cwd: dir,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run release-notes', () => {
  it('prints the notes and writes the tags and the notes file for the next steps', async () => {
    const output = join(dir, 'github-output');
    await writeFile(output, 'earlier=1\n');
    const result = await run('--version', '1.2.0', '--github-output', output);
    expect(result).toMatchObject({ code: 0, out: '- A thing.', err: '' });
    const notesFile = join(dir, 'release-notes-1.2.0.md');
    expect(await readFile(output, 'utf8')).toBe(
      `earlier=1\ntag=v1.2.0\nmajor-tag=v1\nghes-tag=ghes-v1.2.0\nghes-major-tag=ghes-v1\nnotes-file=${notesFile}\n`,
    );
    expect(await readFile(notesFile, 'utf8')).toBe('- A thing.\n');
  });

  it('refuses a version without notes: one line, exit 2, nothing written', async () => {
    const output = join(dir, 'github-output');
    await writeFile(output, '');
    const result = await run('--version', '1.3.0', '--github-output', output);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      "release-notes: CHANGELOG.md has no section '## [1.3.0]': add the notes of this release",
    );
    expect(await readFile(output, 'utf8')).toBe('');
  });

  it('refuses a version that is not SemVer, and a missing changelog, without a stack', async () => {
    expect(await run('--version', 'v1.2.0')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^release-notes: Input 'version': 'v1\.2\.0' has a leading 'v'/),
    });
    const missing = await run('--version', '1.2.0', '--changelog', 'NOPE.md');
    expect(missing).toMatchObject({
      code: 2,
      err: 'release-notes: cannot read the changelog NOPE.md: ENOENT',
    });
  });

  it('answers usage errors with the usage, exit 2', async () => {
    for (const argv of [[], ['--version'], ['--bogus', 'x'], ['--version', '1.2.0', 'extra']]) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.err.split('\n')[0]).toMatch(/^release-notes: /);
      expect(result.err).toContain(USAGE);
    }
    expect(await run('--help')).toMatchObject({ code: 0, out: USAGE });
  });
});

describe('.github/workflows/release.yaml', () => {
  it('reads only the outputs release-notes writes', async () => {
    const workflow = await readFile(new URL('../../.github/workflows/release.yaml', import.meta.url), 'utf8');
    const read = new Set([...workflow.matchAll(/steps\.notes\.outputs\.([\w-]+)/g)].map((m) => m[1]));
    const output = join(dir, 'github-output');
    await run('--version', '1.2.0', '--github-output', output);
    const written = new Set(
      (await readFile(output, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('=')[0]),
    );
    expect([...read].sort()).toEqual(['ghes-major-tag', 'ghes-tag', 'major-tag', 'notes-file', 'tag']);
    expect([...read].filter((name) => !written.has(name))).toEqual([]);
    expect(workflow).toContain(
      'npm run --silent release-notes -- --version "$VERSION" --github-output "$GITHUB_OUTPUT"',
    );
    expect(workflow).toContain('npm run --silent ghes-workflows -- --suite "$GITHUB_REPOSITORY@$GHES_TAG"');
  });
});
