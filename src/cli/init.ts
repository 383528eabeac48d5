// `npm run init -- --target DIR --suite OWNER/REPO@REF --services a,b`: writes a new GitOps
// repository's own files (caller workflows, .github/promotion.yaml, .github/CODEOWNERS, base/,
// overlays/) from src/core/scaffold.ts. Never overwrites a file whose content differs unless --force,
// and then writes nothing at all; a second run with the same options changes nothing.
// Exit codes: 0 written or already up to date, 1 refused (a file differs or is in the way),
// 2 usage or input error.
import { lstat, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CODEOWNERS_PATHS } from '../core/codeowners.js';
import { InputError, UserError, quoted } from '../core/errors.js';
import {
  DEFAULT_ENVIRONMENTS,
  DEFAULT_INITIAL_VERSION,
  resolveScaffoldOptions,
  scaffoldFiles,
  serviceScaffoldFiles,
  type ScaffoldInput,
} from '../core/scaffold.js';
import { UsageError, reportFailure, usageFailure, walkArguments } from './args.js';
// How the command runs as a program, apart from what it does.
import { startedAsProgram, terminalIo, type CommandIo } from './args.js';

export const USAGE = `usage: npm run init -- --target <dir> --suite <owner>/<repo>@<ref> --services <a,b,...> [options]

Writes the files a GitOps repository keeps for the promotion suite: caller workflows in
.github/workflows/ that call the suite's reusable workflows at <ref>, a starting
.github/promotion.yaml, .github/CODEOWNERS, base/ (one folder per service) and overlays/<env>/;
with --gitops-repository, a service repository's one caller of service-release instead.
A file that exists with other content is never overwritten (nothing is written then) unless --force;
running it again with the same options changes nothing.

options:
  --target <dir>              the repository's root (created when missing; required)
  --suite <owner>/<repo>@<ref> the suite to call, e.g. acme/gitops-promotion@v1 (required)
  --services <a,b,...>        the services (required); names: lowercase letters, digits and '-'
  --environments <a,b,...>    the promotion chain in order (default ${DEFAULT_ENVIRONMENTS.join(',')}); the first
                              merges without review, the others need their approvers
  --image-prefix <prefix>     images are <prefix>/<service> (default ghcr.io/<org>, lowercased)
  --org <org>                 the organization owning the repository (default: the org of the first
                              team in --owners, else the suite's owner)
  --owners <owner,...>        owners of base/, .github/ and CODEOWNERS: @login or @org/team
                              (default @<org>/platform, a placeholder)
  --approvers <env>=<owner,...>  owners of overlays/<env>/, repeat per reviewed environment
                              (default @<org>/<env>-approvers, a placeholder); also the PR's reviewers
  --initial-version <version> the tag every overlay starts with (default ${DEFAULT_INITIAL_VERSION})
  --gitops-repository <owner>/<repo>  write a service repository instead: only its caller of
                              service-release (.github/workflows/release.yaml), releasing the one
                              service of --services into that GitOps repository, which must name
                              this repository as the service's 'repository'
  --force                     replace files whose content differs
  --help                      this text

exit status: 0 written or already up to date; 1 refused (a file differs, or is in the way);
2 usage or input error`;

export interface InitOptions {
  target: string;
  force: boolean;
  input: ScaffoldInput;
}

type InitIo = Pick<CommandIo, 'argv' | 'cwd' | 'stdout' | 'stderr'>;

/** The options that take one value, and where it goes. */
type SingleValued = Exclude<keyof ScaffoldInput, 'approvers'> | 'target';
const SINGLE_VALUED: Record<string, SingleValued> = {
  '--target': 'target',
  '--suite': 'suite',
  '--services': 'services',
  '--environments': 'environments',
  '--image-prefix': 'imagePrefix',
  '--org': 'org',
  '--owners': 'owners',
  '--initial-version': 'initialVersion',
  '--gitops-repository': 'gitopsRepository',
};

export function parseArgs(argv: string[]): InitOptions | 'help' {
  const given: Partial<Record<SingleValued, string>> = {};
  const approvers: string[] = [];
  let force = false;
  let help = false;
  walkArguments(argv, (flag, value, arg) => {
    if (flag === '--help' || flag === '-h') {
      help = true;
      return true;
    }
    if (flag === '--force') force = true;
    else if (flag === '--approvers') approvers.push(value());
    else {
      const key = SINGLE_VALUED[flag];
      if (key === undefined) throw new UsageError(`unknown argument '${arg}'`);
      const text = value();
      if (given[key] !== undefined) throw new UsageError(`${flag} is given twice`);
      given[key] = text;
    }
  });
  if (help) return 'help';
  const { target, ...input } = given;
  if (target === undefined) throw new UsageError('--target <dir> is required: the repository to write');
  return { target, force, input: { ...input, ...(approvers.length ? { approvers } : {}) } };
}

type FileState = 'create' | 'unchanged' | 'differs' | 'blocked';

/** What is on disk at `path` (and its folders below `root`) compared with `content`. */
async function stateOf(root: string, path: string, content: string): Promise<FileState> {
  // A folder on the way that is a file or a symbolic link would make the write fail or land elsewhere.
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const info = await lstat(join(root, ...parts.slice(0, i))).catch(() => undefined);
    if (info === undefined) return 'create';
    if (!info.isDirectory()) return 'blocked';
  }
  const info = await lstat(join(root, path)).catch(() => undefined);
  if (info === undefined) return 'create';
  if (!info.isFile()) return 'blocked';
  return (await readFile(join(root, path), 'utf8')) === content ? 'unchanged' : 'differs';
}

/** Runs the command; returns the exit code. */
export async function init(io: InitIo): Promise<number> {
  let options: InitOptions | 'help';
  try {
    options = parseArgs(io.argv);
  } catch (error) {
    return usageFailure('init', error, USAGE, io.stderr);
  }
  try {
    if (options !== 'help') return await writeScaffold(options, io);
    io.stdout(USAGE);
    return 0;
  } catch (error) {
    // A bad value (InputError) is a usage error too; other UserErrors (a target that is a file)
    // print their message alone. All without a stack trace, exit 2.
    if (error instanceof InputError) return usageFailure('init', error, USAGE, io.stderr);
    return reportFailure('init', error, io.stderr);
  }
}

/** Checks every path first; writes only when nothing is refused. */
async function writeScaffold(options: InitOptions, io: InitIo): Promise<number> {
  const files =
    options.input.gitopsRepository === undefined
      ? scaffoldFiles(resolveScaffoldOptions(options.input))
      : serviceScaffoldFiles(options.input);
  const root = resolve(io.cwd, options.target);
  const rootInfo = await stat(root).catch(() => undefined);
  if (rootInfo && !rootInfo.isDirectory()) {
    throw new UserError(`--target ${quoted(options.target)} is not a directory`);
  }

  const states = new Map<string, FileState>();
  for (const [path, content] of files) states.set(path, await stateOf(root, path, content));
  const named = (state: FileState): string[] => [...states].filter(([, s]) => s === state).map(([p]) => p);

  const blocked = named('blocked');
  if (blocked.length > 0) {
    io.stderr(`init: nothing written: ${blocked.length} path(s) in ${root} are in the way (a folder,`);
    io.stderr('a symbolic link or a file where a folder belongs); move them, then run again:');
    for (const path of blocked) io.stderr(`  ${path}`);
    return 1;
  }
  const differing = named('differs');
  if (differing.length > 0 && !options.force) {
    io.stderr(`init: nothing written: ${differing.length} file(s) in ${root} differ from what init writes:`);
    for (const path of differing) io.stderr(`  ${path}`);
    io.stderr('keep your version, or run again with --force to replace them');
    return 1;
  }

  for (const [path, content] of files) {
    const state = states.get(path)!;
    if (state === 'unchanged') continue;
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  for (const [path, state] of states) {
    io.stdout(`${state === 'create' ? 'created' : state === 'differs' ? 'replaced' : 'unchanged'}  ${path}`);
  }
  const written = files.size - named('unchanged').length;
  if (written === 0) {
    io.stdout(`nothing changed: all ${files.size} files in ${root} are already as init writes them`);
  } else {
    io.stdout(`${written} file(s) written in ${root}, ${files.size - written} unchanged`);
  }
  for (const other of CODEOWNERS_PATHS.slice(1)) {
    if (await lstat(join(root, other)).catch(() => undefined)) {
      io.stderr(`note: ${other} exists; GitHub reads .github/CODEOWNERS first and ignores it`);
    }
  }
  return 0;
}

if (startedAsProgram(import.meta.url)) process.exitCode = await init(terminalIo());
