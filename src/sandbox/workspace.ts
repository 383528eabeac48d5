import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { git } from './process.js';
import { COMMITTED_ACTIONS_DIR, suiteActionsDir } from './run-action.js';

/** What a sandbox repository is seeded with: the parts of this repository a user copies. */
/**
 * The single-repository layout: the suite's actions and workflows inside the GitOps repository.
 * The sandbox's default is the cross-repository one of ./layout.ts, where they stay in the suite.
 */
export const SEED_PATHS = ['base', 'overlays', '.github', 'actions'] as const;

export interface SandboxRepository {
  root: string;
  /** The bare repository every workspace has as `origin`. */
  origin: string;
  owner: string;
  repo: string;
  /** A fresh clone, as actions/checkout leaves it (full history, `origin` remote). */
  checkout(name?: string): Promise<string>;
  /** Commits files straight onto main of origin, as another engineer's push would. */
  pushToMain(files: Record<string, string>, message: string): Promise<string>;
  /** Commits files on top of main and pushes them as `branch`, as a person pushing a branch would. */
  pushToBranch(branch: string, files: Record<string, string>, message: string): Promise<string>;
  dispose(): Promise<void>;
}

const IDENTITY = ['-c', 'user.name=Sandbox', '-c', 'user.email=sandbox@example.invalid'];

export async function createSandboxRepository(
  options: { source?: string; owner?: string; repo?: string; paths?: readonly string[] } = {},
): Promise<SandboxRepository> {
  const source = resolve(options.source ?? process.cwd());
  const root = await mkdtemp(join(tmpdir(), 'promotion-sandbox-'));
  const origin = join(root, 'origin.git');
  const seed = join(root, 'seed');
  await git(root, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  await mkdir(seed);
  await git(seed, 'init', '--quiet', '--initial-branch=main');
  for (const path of options.paths ?? SEED_PATHS) {
    // This checkout's actions are the ones the tests run: in a test run, built from the source.
    const from = join(source, path) === COMMITTED_ACTIONS_DIR ? suiteActionsDir() : join(source, path);
    await cp(from, join(seed, path), { recursive: true, errorOnExist: false }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      },
    );
  }
  await git(seed, 'add', '--all');
  await git(seed, ...IDENTITY, 'commit', '--quiet', '-m', 'Seed the GitOps repository');
  await git(seed, 'remote', 'add', 'origin', origin);
  await git(seed, 'push', '--quiet', 'origin', 'main');
  let clones = 0;
  const checkout = async (name = `workspace-${++clones}`): Promise<string> => {
    const path = join(root, name);
    await rm(path, { recursive: true, force: true });
    await git(root, 'clone', '--quiet', origin, path);
    return path;
  };

  const pushToBranch = async (branch: string, files: Record<string, string>, message: string) => {
    const work = await checkout(`push-${++clones}`);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), content);
    }
    await git(work, 'add', '--all');
    await git(work, ...IDENTITY, 'commit', '--quiet', '-m', message);
    await git(work, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
    return git(work, 'rev-parse', 'HEAD');
  };

  return {
    root,
    origin,
    owner: options.owner ?? 'acme',
    repo: options.repo ?? 'platform',
    checkout,
    pushToMain: (files, message) => pushToBranch('main', files, message),
    pushToBranch,
    async dispose() {
      await rm(root, { recursive: true, force: true });
    },
  };
}
