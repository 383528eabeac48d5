// The repositories the GitHub stand-in hosts, by `owner/repo`: the run's own (the sandbox
// repository) and any other, e.g. the suite `acme/gitops-promotion` beside the GitOps repository
// `acme/gitops` and a service `acme/orders`. Each is a real bare git repository with branches and
// tags; the workflow runner reads called workflows and actions from them at a ref, as GitHub does
// for `uses: owner/repo/path@ref` and `uses: $/path` (./workflows/uses.ts).
// The API stand-in (./github/server.ts) serves each with its own settings, pulls and events, when
// the repositories are also hosted there (StandInOptions.repositories, addRepository).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, runProcess } from './process.js';
import { createSandboxRepository, type SandboxRepository } from './workspace.js';

/** How `owner/repo@ref` resolved: a commit, or why not (as GitHub tells them apart). */
export type RefResolution =
  | { sha: string }
  | { missing: 'repository' }
  | { missing: 'ref' }
  /** A shortened commit SHA, which GitHub refuses for actions; `sha` is the full one. */
  | { missing: 'short-sha'; sha: string };

export interface RepositoryHost {
  /** A hosted repository by `owner/repo` (GitHub compares names case-insensitively). */
  get(fullName: string): SandboxRepository | undefined;
  /**
   * Whether the stand-in hosts repositories of this owner: then `uses: owner/x@ref` is resolved
   * here (and a missing repository is "not found"), never taken for a marketplace action.
   */
  hostsOwner(owner: string): boolean;
  /** `owner/repo` of every hosted repository. */
  names(): string[];
  /** Hosts an existing sandbox repository under its `owner/repo`. */
  add(repository: SandboxRepository): SandboxRepository;
  /** Creates a repository (createSandboxRepository's options) and hosts it; disposed with the host. */
  create(options: Parameters<typeof createSandboxRepository>[0]): Promise<SandboxRepository>;
  /** `ref` of `owner/repo`: a full commit SHA, a tag or a branch (git's order: tag before branch). */
  resolveRef(fullName: string, ref: string): Promise<RefResolution>;
  /** The files of `owner/repo` at a commit, in a folder of their own (made once, then reused). */
  tree(fullName: string, sha: string): Promise<string>;
  /** Removes the trees and the repositories this host created. */
  dispose(): Promise<void>;
}

const fullNameOf = (repository: SandboxRepository): string => `${repository.owner}/${repository.repo}`;

async function revParse(origin: string, spec: string): Promise<string | undefined> {
  const result = await runProcess('git', ['--git-dir', origin, 'rev-parse', '--verify', '--quiet', spec]);
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export function createRepositoryHost(...repositories: SandboxRepository[]): RepositoryHost {
  const hosted = new Map<string, SandboxRepository>();
  const created: SandboxRepository[] = [];
  const trees = new Map<string, Promise<string>>();
  let treesRoot: Promise<string> | undefined;

  const host: RepositoryHost = {
    get: (fullName) => hosted.get(fullName.toLowerCase()),
    names: () => [...hosted.values()].map(fullNameOf),
    hostsOwner: (owner) => [...hosted.keys()].some((name) => name.startsWith(`${owner.toLowerCase()}/`)),
    add(repository) {
      hosted.set(fullNameOf(repository).toLowerCase(), repository);
      return repository;
    },
    async create(options) {
      const repository = await createSandboxRepository(options);
      created.push(repository);
      return host.add(repository);
    },
    async resolveRef(fullName, ref) {
      const repository = host.get(fullName);
      if (!repository) return { missing: 'repository' };
      const { origin } = repository;
      if (/^[0-9a-f]{40}$/i.test(ref)) {
        const sha = await revParse(origin, `${ref}^{commit}`);
        return sha ? { sha } : { missing: 'ref' };
      }
      for (const spec of [`refs/tags/${ref}`, `refs/heads/${ref}`]) {
        const sha = await revParse(origin, `${spec}^{commit}`);
        if (sha) return { sha };
      }
      if (/^[0-9a-f]{7,39}$/i.test(ref)) {
        const sha = await revParse(origin, `${ref}^{commit}`);
        if (sha) return { missing: 'short-sha', sha };
      }
      return { missing: 'ref' };
    },
    tree(fullName, sha) {
      const key = `${fullName.toLowerCase()}@${sha}`;
      let tree = trees.get(key);
      if (!tree) {
        tree = (async () => {
          const repository = host.get(fullName);
          if (!repository) throw new Error(`${fullName} is not hosted by the GitHub stand-in`);
          treesRoot ??= mkdtemp(join(tmpdir(), 'promotion-trees-'));
          const dir = join(await treesRoot, `${fullName.replace('/', '+')}@${sha}`);
          await mkdir(dir, { recursive: true });
          // The commit's files, without a .git: what GitHub downloads for an action or a workflow.
          const archive = `${dir}.tar`;
          await git(dir, '--git-dir', repository.origin, 'archive', '--format=tar', '-o', archive, sha);
          const unpacked = await runProcess('tar', ['-xf', archive, '-C', dir]);
          if (unpacked.exitCode !== 0) throw new Error(`tar -xf ${archive}: ${unpacked.stderr.trim()}`);
          await rm(archive, { force: true });
          return dir;
        })();
        trees.set(key, tree);
      }
      return tree;
    },
    async dispose() {
      if (treesRoot) await rm(await treesRoot, { recursive: true, force: true });
      await Promise.all(created.map((repository) => repository.dispose()));
    },
  };
  for (const repository of repositories) host.add(repository);
  return host;
}
