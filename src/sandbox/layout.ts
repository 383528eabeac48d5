// The repositories of a sandbox promotion, laid out as DESIGN.md's "Three repositories" says:
// - the suite, `acme/gitops-promotion`, holding actions/ and the reusable workflows, tagged `v1`;
// - the GitOps repository, `acme/gitops`, holding only its own things: the caller workflows the
//   scaffold (src/core/scaffold.ts, what `npm run init` writes) makes for the suite at `v1`, its
//   CODEOWNERS, and this checkout's sample .github/promotion.yaml, base/ and overlays/;
// - service repositories, e.g. `acme/orders`, holding a service's source and Dockerfile and a
//   caller of the suite's service-release that names the GitOps repository.
// The single-repository layout (everything in one repository, `./` and `$/` the same place) is
// still there for the tests that use it: SEED_PATHS of ./workspace.ts.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { resolveScaffoldOptions, scaffoldFiles } from '../core/scaffold.js';
import type { SuiteRef } from '../core/scaffold-callers.js';
import type { RepositoryHost } from './hosted-repositories.js';
import { git } from './process.js';
import type { SandboxRepository } from './workspace.js';

/** What the suite's repository holds. */
export const SUITE_PATHS = ['actions', '.github/workflows'] as const;
/** This checkout's sample files a GitOps repository owns. */
export const GITOPS_SAMPLE_PATHS = ['base', 'overlays', '.github/promotion.yaml'] as const;

export const SUITE: SuiteRef = { owner: 'acme', repo: 'gitops-promotion', ref: 'v1' };
export const GITOPS_REPOSITORY = 'acme/gitops';

export const fullName = (repository: SandboxRepository): string => `${repository.owner}/${repository.repo}`;

/** The suite at `suite.ref` (a tag on its main): what callers reference and never copy. */
export async function createSuiteRepository(
  host: RepositoryHost,
  source: string,
  suite: SuiteRef = SUITE,
  options: { queue?: 'single' | 'max' } = {},
): Promise<SandboxRepository> {
  const repository = await host.create({ owner: suite.owner, repo: suite.repo, source, paths: SUITE_PATHS });
  if (options.queue === 'max') {
    const files: Record<string, string> = {};
    for (const name of await readdir(join(source, '.github/workflows'))) {
      const path = `.github/workflows/${name}`;
      files[path] = withQueueMax(await readFile(join(source, path), 'utf8'));
    }
    await repository.pushToMain(files, 'Wait in order: queue: max in every concurrency group');
  }
  await git(repository.root, '--git-dir', repository.origin, 'tag', suite.ref, 'main');
  return repository;
}

/**
 * A workflow whose job-level concurrency groups keep every pending job in order (`queue: max`,
 * github.com since 2026-05) instead of one: the suite ships without it, for GHES, and the sandbox
 * runs it both ways. A group that cancels the running job keeps its one pending place, as GitHub
 * refuses `queue: max` with `cancel-in-progress: true`.
 */
export function withQueueMax(workflow: string): string {
  const document = parseDocument(workflow);
  const jobs = document.get('jobs');
  if (!isMap(jobs)) return workflow;
  for (const job of jobs.items) {
    const concurrency = isMap(job.value) ? job.value.get('concurrency') : undefined;
    if (isMap(concurrency) && concurrency.get('cancel-in-progress') !== true) concurrency.set('queue', 'max');
  }
  return document.toString();
}

/** Files in a fresh folder, removed by the caller. */
export async function seedFolder(files: Iterable<[string, string]>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'promotion-seed-'));
  for (const [path, content] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/**
 * The GitOps repository: the scaffold's files for the suite (callers, CODEOWNERS, base/, overlays/),
 * then this checkout's sample config, base/ and overlays/ over them (its services, teams and
 * rules), and `extraPaths` of the checkout (e.g. `services` for build contexts kept inside it).
 */
export async function createGitOpsRepository(
  host: RepositoryHost,
  source: string,
  options: { suite?: SuiteRef; services: string[]; extraPaths?: string[] },
): Promise<SandboxRepository> {
  const suite = options.suite ?? SUITE;
  const scaffold = scaffoldFiles(
    resolveScaffoldOptions({
      suite: `${suite.owner}/${suite.repo}@${suite.ref}`,
      services: options.services.join(','),
      org: 'acme',
      approvers: ['uat=@acme/uat-approvers', 'prod=@acme/prod-approvers'],
    }),
  );
  const dir = await seedFolder(scaffold);
  try {
    for (const path of [...GITOPS_SAMPLE_PATHS, ...(options.extraPaths ?? [])]) {
      if (path === 'base' || path === 'overlays') await rm(join(dir, path), { recursive: true, force: true });
      await cp(join(source, path), join(dir, path), { recursive: true });
    }
    const [owner = '', repo = ''] = GITOPS_REPOSITORY.split('/');
    return await host.create({ owner, repo, source: dir, paths: await readdir(dir) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A service repository: the service's folder of this checkout at its root, and `files` beside it. */
export async function createServiceRepository(
  host: RepositoryHost,
  source: string,
  options: { owner: string; repo: string; folder: string; files: Record<string, string> },
): Promise<SandboxRepository> {
  const dir = await seedFolder(Object.entries(options.files));
  try {
    await cp(join(source, options.folder), dir, { recursive: true });
    return await host.create({
      owner: options.owner,
      repo: options.repo,
      source: dir,
      paths: await readdir(dir),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The config with `repository:` (and the build context at its root) set on each service released
 * from a repository of its own (service name -> `owner/repo`), every other byte as it was.
 */
export function releasedFrom(config: string, own: Record<string, string>): string {
  const doc = parseDocument(config);
  const services = doc.get('services');
  if (!isSeq(services)) return config;
  for (const item of services.items) {
    if (!isMap(item)) continue;
    const repository = own[String(item.get('name'))];
    if (!repository) continue;
    item.set('repository', repository);
    item.set('context', '.');
  }
  return doc.toString();
}
