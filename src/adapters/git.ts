import { getExecOutput } from '@actions/exec';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

export interface GitIdentity {
  name: string;
  email: string;
}

/** The identity GitHub shows for commits made by workflows. */
export const ACTIONS_BOT: GitIdentity = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
};

export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly args: string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${exitCode}): ${stderr.trim()}`);
  }
}

/**
 * Runs git in a checkout with argument arrays (never a shell). Writes go
 * through plumbing (blobs, a private index, commit-tree) so the user's working
 * tree and index are never touched.
 */
export class Git {
  constructor(
    readonly cwd: string,
    readonly remote = 'origin',
  ) {}

  async run(
    args: string[],
    options: { input?: string; env?: Record<string, string>; allowFailure?: boolean } = {},
  ) {
    const result = await getExecOutput('git', args, {
      cwd: this.cwd,
      silent: true,
      ignoreReturnCode: true,
      ...(options.input !== undefined ? { input: Buffer.from(options.input) } : {}),
      env: { ...(process.env as Record<string, string>), GIT_TERMINAL_PROMPT: '0', ...options.env },
    });
    if (result.exitCode !== 0 && !options.allowFailure)
      throw new GitError(args, result.exitCode, result.stderr);
    return result;
  }

  private async output(args: string[]): Promise<string> {
    return (await this.run(args)).stdout.trim();
  }

  /** Fails with what to do when the workspace is not a checkout with the expected remote. */
  async ensureCheckout(): Promise<void> {
    const remote = await this.run(['remote', 'get-url', this.remote], { allowFailure: true });
    if (remote.exitCode !== 0) {
      throw new UserError(
        `${this.cwd} is not a git checkout with an '${this.remote}' remote: run actions/checkout before this action`,
      );
    }
  }

  /** Fetches one branch of the remote into its remote-tracking ref and returns its commit. */
  async fetchBranch(branch: string): Promise<string> {
    const tracking = `refs/remotes/${this.remote}/${branch}`;
    await this.run(['fetch', '--no-tags', '--quiet', this.remote, `+refs/heads/${branch}:${tracking}`]);
    return this.output(['rev-parse', '--verify', `${tracking}^{commit}`]);
  }

  /** Makes sure a commit is present locally, fetching it from the remote when it is not. */
  async ensureCommit(commit: string): Promise<void> {
    const present = await this.run(['cat-file', '-e', `${commit}^{commit}`], { allowFailure: true });
    if (present.exitCode !== 0) await this.run(['fetch', '--no-tags', '--quiet', this.remote, commit]);
  }

  /** Whether `ancestor` is in the history of `commit` (both present locally). */
  async isAncestor(ancestor: string, commit: string): Promise<boolean> {
    const result = await this.run(['merge-base', '--is-ancestor', ancestor, commit], { allowFailure: true });
    return result.exitCode === 0;
  }

  /** Checks a commit out into its own folder, leaving the workspace as it is. */
  async addWorktree(commit: string, path: string): Promise<void> {
    await this.run(['worktree', 'add', '--quiet', '--detach', path, commit]);
  }

  async removeWorktree(path: string): Promise<void> {
    await this.run(['worktree', 'remove', '--force', path], { allowFailure: true });
  }

  /** The commit a remote branch points at, or undefined when it does not exist. */
  async remoteBranchHead(branch: string): Promise<string | undefined> {
    const out = await this.output(['ls-remote', '--heads', this.remote, `refs/heads/${branch}`]);
    return out.split(/\s+/)[0] || undefined;
  }

  /** A file's content at a commit, or undefined when the path is not a file there. */
  async readFile(commit: string, path: string): Promise<string | undefined> {
    // One process: cat-file fails alike for a missing path and for a folder.
    const blob = await this.run(['cat-file', 'blob', `${commit}:${path}`], { allowFailure: true });
    return blob.exitCode === 0 ? blob.stdout : undefined;
  }

  /** Those of `paths` that are symbolic links in the commit's tree (git stores them as mode 120000). */
  async symlinks(commit: string, paths: string[]): Promise<string[]> {
    const out = (await this.run(['ls-tree', '-z', commit, '--', ...paths])).stdout;
    return out
      .split('\0')
      .filter((entry) => entry.startsWith('120000 '))
      .map((entry) => entry.slice(entry.indexOf('\t') + 1));
  }

  /**
   * Recent commits of the branch itself that touched a path, newest first, as far as the local
   * history reaches. First parents only: a merge commit ("Merge pull request #12 from ...") is
   * listed rather than the pull request's own commit behind it.
   */
  async log(commit: string, path: string, count: number): Promise<{ subject: string; body: string }[]> {
    const out = await this.output([
      'log',
      '--first-parent',
      `-n${count}`,
      '--format=%s%x1f%b%x1e',
      commit,
      '--',
      path,
    ]);
    return out
      .split('\x1e')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [subject = '', body = ''] = entry.split('\x1f');
        return { subject, body };
      });
  }

  async treeOf(commit: string): Promise<string> {
    return this.output(['rev-parse', '--verify', `${commit}^{tree}`]);
  }

  async parentsOf(commit: string): Promise<string[]> {
    const out = await this.output(['rev-list', '--parents', '-n', '1', commit]);
    return out.split(/\s+/).slice(1);
  }

  /** A tree equal to `base`'s with one file replaced, built in a private index. */
  async treeWithFile(base: string, path: string, content: string): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), 'promotion-index-'));
    try {
      const env = { GIT_INDEX_FILE: join(folder, 'index') };
      const written = (await this.run(['hash-object', '-w', '--stdin'], { input: content })).stdout.trim();
      const mode = (await this.output(['ls-tree', base, '--', path])).split(/\s+/)[0] || '100644';
      await this.run(['read-tree', base], { env });
      await this.run(['update-index', '--add', '--cacheinfo', `${mode},${written},${path}`], { env });
      return (await this.run(['write-tree'], { env })).stdout.trim();
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  async commitTree(tree: string, parent: string, message: string, identity: GitIdentity): Promise<string> {
    const env = {
      GIT_AUTHOR_NAME: identity.name,
      GIT_AUTHOR_EMAIL: identity.email,
      GIT_COMMITTER_NAME: identity.name,
      GIT_COMMITTER_EMAIL: identity.email,
    };
    return (
      await this.run(['commit-tree', tree, '-p', parent, '-F', '-'], { input: message, env })
    ).stdout.trim();
  }

  /**
   * Points a remote branch at a commit, but only if it is still where we saw it
   * (`expected` undefined: only if it does not exist), so a concurrent run is never overwritten blindly.
   */
  async pushWithLease(commit: string, branch: string, expected: string | undefined): Promise<void> {
    const ref = `refs/heads/${branch}`;
    await this.run([
      'push',
      '--quiet',
      `--force-with-lease=${ref}:${expected ?? ''}`,
      this.remote,
      `${commit}:${ref}`,
    ]);
  }
}
