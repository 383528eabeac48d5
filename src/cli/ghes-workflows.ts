// `npm run ghes-workflows -- --suite OWNER/REPO@REF [--dir .github/workflows]`: writes the GitHub
// Enterprise Server form of the suite's workflows in place. GHES has no `uses: $/<path>`, so each
// becomes `OWNER/REPO/<path>@REF` (qualifySelfReferences). The suite's release runs it for the
// `ghes-vX.Y.Z` tag; whoever mirrors the suite onto a GHES instance under another name runs it again
// with that name. Every file is checked before any is written: a refusal changes nothing.
// Exit codes: 0 written (or nothing to rewrite), 2 usage or input error.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { parseSuiteRef } from '../core/scaffold.js';
import { qualifySelfReferences } from '../core/suite-release.js';
import { parseOptions, reportFailure, usageFailure, UsageError } from './args.js';
// How the command runs as a program, apart from what it does.
import { startedAsProgram, terminalIo, type CommandIo } from './args.js';

export const USAGE = `usage: npm run ghes-workflows -- --suite <owner>/<repo>@<ref> [options]

Rewrites each 'uses: $/<path>' of the workflows to '<owner>/<repo>/<path>@<ref>', the form GitHub
Enterprise Server resolves (it has no '$/'). Run it on a checkout of a suite release, with the
repository the suite has on your server and the tag you will push for the rewritten commit.

options:
  --suite <owner>/<repo>@<ref>  the suite's repository and the ref the rewritten files call (required),
                                e.g. acme/gitops-promotion@ghes-v1.2.0
  --dir <path>                  the workflows folder (default .github/workflows)
  --help                        this text`;

const OPTIONS = {
  suite: { type: 'string' },
  dir: { type: 'string', default: '.github/workflows' },
} as const;

export async function ghesWorkflowsCommand(
  io: Pick<CommandIo, 'argv' | 'cwd' | 'stdout' | 'stderr'>,
): Promise<number> {
  let options;
  let suite;
  try {
    options = parseOptions(io.argv, OPTIONS);
    if (options !== 'help') {
      if (options.suite === undefined) throw new UsageError('--suite is required');
      suite = parseSuiteRef('--suite', options.suite);
    }
  } catch (error) {
    return usageFailure('ghes-workflows', error, USAGE, io.stderr);
  }
  if (options === 'help' || suite === undefined) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const dir = resolve(io.cwd, options.dir);
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read the workflows folder ${options.dir}: ${error.code ?? error.message}`);
    });
    const files = names.filter((name) => /\.ya?ml$/.test(name)).sort();
    const results = [];
    for (const name of files) {
      const path = join(options.dir, name);
      const result = qualifySelfReferences(await readFile(join(dir, name), 'utf8'), suite, path);
      results.push({ name, path, ...result });
    }
    for (const { name, path, text, rewritten } of results) {
      if (rewritten.length === 0) continue;
      await writeFile(join(dir, name), text);
      for (const { line, from, to } of rewritten) io.stdout(`${path}:${line}: ${from} -> ${to}`);
    }
    const count = results.reduce((sum, result) => sum + result.rewritten.length, 0);
    io.stdout(`${count} self-reference(s) in ${files.length} workflow(s) now call ${options.suite}`);
    return 0;
  } catch (error) {
    return reportFailure('ghes-workflows', error, io.stderr);
  }
}

if (startedAsProgram(import.meta.url)) process.exitCode = await ghesWorkflowsCommand(terminalIo());
