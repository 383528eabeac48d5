// Git operations on the bare repository that plays "origin". Real git, argument arrays, no shell.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitPerson {
  name: string;
  email: string;
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly result: GitResult,
  ) {
    super(`git ${args.join(' ')} failed (${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
}

function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        // The user's config must not change what the "server" does (hooks, signing, editors).
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_CONFIG_NOSYSTEM: '1',
          LC_ALL: 'C',
          ...options.env,
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error); // git missing, not a git failure
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

function identityEnv(author: GitPerson, committer: GitPerson, date: string): NodeJS.ProcessEnv {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: date,
  };
}

export class BareRepo {
  constructor(readonly gitDir: string) {}

  async git(args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
    const full = ['--git-dir', this.gitDir, ...args];
    const result = await run(full, env ? { env } : {});
    if (result.code !== 0) throw new GitError(full, result);
    return result.stdout;
  }

  private async tryGit(args: string[]): Promise<GitResult> {
    return run(['--git-dir', this.gitDir, ...args]);
  }

  /** The commit a ref, branch, tag or SHA names, or undefined. */
  async resolveCommit(ref: string): Promise<string | undefined> {
    if (ref.startsWith('-')) return undefined;
    const result = await this.tryGit([
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${ref}^{commit}`,
    ]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /** A file's text at a commit, or undefined when the commit has no such file. */
  async readFile(commit: string, path: string): Promise<string | undefined> {
    const result = await this.tryGit(['show', `${commit}:${path}`]);
    return result.code === 0 ? result.stdout : undefined;
  }

  async branchSha(branch: string): Promise<string | undefined> {
    return this.resolveCommit(`refs/heads/${branch}`);
  }

  async mergeBase(a: string, b: string): Promise<string | undefined> {
    const result = await this.tryGit(['merge-base', a, b]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return (await this.tryGit(['merge-base', '--is-ancestor', ancestor, descendant])).code === 0;
  }

  /** Commits on head that base does not have, oldest first. */
  async commitsBetween(base: string, head: string): Promise<string[]> {
    const out = await this.git(['rev-list', '--reverse', `${base}..${head}`]);
    return out.split('\n').filter(Boolean);
  }

  async commitMessage(sha: string): Promise<string> {
    return (await this.git(['log', '-1', '--format=%B', sha])).trimEnd();
  }

  /** What a pull request of head into base changes: three-dot diff, like GitHub's "Files changed". */
  async diffStats(
    base: string,
    head: string,
  ): Promise<{ files: string[]; additions: number; deletions: number }> {
    const out = await this.git(['diff', '--numstat', '-z', '--no-renames', `${base}...${head}`]);
    const files: string[] = [];
    let additions = 0;
    let deletions = 0;
    for (const entry of out.split('\0').filter(Boolean)) {
      const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(entry);
      if (!match) continue;
      additions += match[1] === '-' ? 0 : Number(match[1]);
      deletions += match[2] === '-' ? 0 : Number(match[2]);
      files.push(match[3] ?? '');
    }
    return { files, additions, deletions };
  }

  /** Merges without a work tree: the resulting tree, or conflicts (git 2.38+). */
  async mergeTree(
    base: string,
    head: string,
  ): Promise<{ clean: true; tree: string } | { clean: false; conflicts: string[] }> {
    const args = ['merge-tree', '--write-tree', '--name-only', '--no-messages', base, head];
    const result = await this.tryGit(args);
    if (result.code === 0) return { clean: true, tree: result.stdout.split('\n')[0]?.trim() ?? '' };
    if (result.code === 1)
      return { clean: false, conflicts: result.stdout.split('\n').slice(1).filter(Boolean) };
    throw new GitError(args, result);
  }

  async commitTree(
    tree: string,
    parents: string[],
    message: string,
    author: GitPerson,
    committer: GitPerson,
    date: string,
  ): Promise<string> {
    const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message];
    return (await this.git(args, identityEnv(author, committer, date))).trim();
  }

  /** Moves a branch only if it still points where we read it (compare-and-swap). */
  async updateRef(ref: string, newSha: string, oldSha: string): Promise<boolean> {
    const result = await this.tryGit(['update-ref', '-m', 'merge via stand-in', ref, newSha, oldSha]);
    return result.code === 0;
  }

  /**
   * Replays head's commits onto base one by one (GitHub's "rebase and merge") in a temporary
   * worktree, because git 2.39's merge-tree cannot take an explicit merge base for a cherry-pick.
   */
  async rebaseCommits(
    base: string,
    commits: string[],
    committer: GitPerson,
    date: string,
  ): Promise<string | undefined> {
    const dir = await mkdtemp(join(tmpdir(), 'stand-in-rebase-'));
    const worktree = join(dir, 'wt');
    await this.git(['worktree', 'add', '--detach', '--quiet', worktree, base]);
    try {
      const env = {
        GIT_COMMITTER_NAME: committer.name,
        GIT_COMMITTER_EMAIL: committer.email,
        GIT_COMMITTER_DATE: date,
      };
      for (const commit of commits) {
        const picked = await run(
          ['-C', worktree, 'cherry-pick', '--allow-empty', '--keep-redundant-commits', commit],
          { env },
        );
        if (picked.code !== 0) {
          await run(['-C', worktree, 'cherry-pick', '--abort']);
          return undefined;
        }
      }
      const head = await run(['-C', worktree, 'rev-parse', 'HEAD']);
      return head.stdout.trim();
    } finally {
      await run(['--git-dir', this.gitDir, 'worktree', 'remove', '--force', worktree]);
      await rm(dir, { recursive: true, force: true });
      await run(['--git-dir', this.gitDir, 'worktree', 'prune']);
    }
  }
}
