// Test and sandbox helper: a real bare repository ("origin") with a working clone to push from.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface GitFixture {
  root: string;
  bare: string;
  work: string;
  /** git in the working clone. */
  git(...args: string[]): Promise<string>;
  /** git against the bare repository. */
  bareGit(...args: string[]): Promise<string>;
  /** Checks out (creating from `from` if needed) a branch, writes files, commits, pushes; returns the SHA. */
  commit(branch: string, files: Record<string, string>, message: string, from?: string): Promise<string>;
  cleanup(): Promise<void>;
}

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

async function run(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, env: ENV });
  return stdout.trim();
}

/** A bare repository whose default branch holds `files` in one commit. */
export async function createGitFixture(
  files: Record<string, string> = { 'README.md': 'hello\n' },
  defaultBranch = 'main',
): Promise<GitFixture> {
  const root = await mkdtemp(join(tmpdir(), 'gh-stand-in-'));
  const bare = join(root, 'origin.git');
  const work = join(root, 'work');
  await run(root, ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, bare]);
  await run(root, ['clone', '--quiet', bare, work]);
  await run(work, ['symbolic-ref', 'HEAD', `refs/heads/${defaultBranch}`]);

  const fixture: GitFixture = {
    root,
    bare,
    work,
    git: (...args) => run(work, args),
    bareGit: (...args) => run(root, ['--git-dir', bare, ...args]),
    async commit(branch, changes, message, from = defaultBranch) {
      await run(work, ['fetch', '--quiet', 'origin']);
      const remote = await run(work, ['ls-remote', '--heads', 'origin', branch]);
      const base = remote
        ? `origin/${branch}`
        : (await run(work, ['ls-remote', '--heads', 'origin', from]))
          ? `origin/${from}`
          : undefined;
      // The very first commit has nothing to start from: commit on the unborn branch.
      if (base) await run(work, ['checkout', '--quiet', '-B', branch, base]);
      for (const [path, content] of Object.entries(changes)) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await writeFile(join(work, path), content);
      }
      await run(work, ['add', '--all']);
      await run(work, ['commit', '--quiet', '-m', message]);
      await run(work, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
      return run(work, ['rev-parse', 'HEAD']);
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  await fixture.commit(defaultBranch, files, 'initial commit', defaultBranch);
  return fixture;
}
