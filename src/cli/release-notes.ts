// `npm run release-notes -- --version X.Y.Z [--changelog CHANGELOG.md] [--github-output FILE]`: what the
// suite's release workflow tags and publishes. Prints the notes of X.Y.Z from the changelog; with
// --github-output it also appends `tag`, `major-tag`, their GitHub Enterprise Server forms `ghes-tag`
// and `ghes-major-tag`, and `notes-file` there for the next steps.
// Exit codes: 0 ready to release, 2 usage error, a bad version or no notes for it.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { ghesTags, releaseNotes, suiteTags } from '../core/suite-release.js';
import { UsageError, reportFailure, usageFailure, walkArguments } from './args.js';
// How the command runs as a program, apart from what it does.
import { startedAsProgram, terminalIo, type CommandIo } from './args.js';

export const USAGE = `usage: npm run release-notes -- --version <X.Y.Z> [options]

Checks that <X.Y.Z> can be released (a SemVer version without a leading v, with a section
'## [X.Y.Z]' in the changelog) and prints its notes.

options:
  --version <X.Y.Z>        the version to release (required); tags vX.Y.Z and, unless it is a
                           prerelease, moves vX to it
  --changelog <path>       the changelog (default CHANGELOG.md)
  --github-output <file>   also write tag, major-tag, ghes-tag, ghes-major-tag and notes-file to
                           this file ($GITHUB_OUTPUT)
  --help                   this text`;

export async function releaseNotesCommand(
  io: Pick<CommandIo, 'argv' | 'cwd' | 'stdout' | 'stderr'>,
): Promise<number> {
  const options = { version: '', changelog: 'CHANGELOG.md', githubOutput: '' };
  let help = false;
  try {
    walkArguments(io.argv, (flag, value, arg) => {
      if (flag === '--help' || flag === '-h') return (help = true);
      if (flag === '--version') options.version = value();
      else if (flag === '--changelog') options.changelog = value();
      else if (flag === '--github-output') options.githubOutput = value();
      else throw new UsageError(`unknown argument '${arg}'`);
    });
    if (!help && options.version === '') throw new UsageError('--version is required');
  } catch (error) {
    return usageFailure('release-notes', error, USAGE, io.stderr);
  }
  if (help) {
    io.stdout(USAGE);
    return 0;
  }
  try {
    const tags = suiteTags(options.version);
    const ghes = ghesTags(tags);
    const path = join(io.cwd, options.changelog);
    const changelog = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read the changelog ${options.changelog}: ${error.code ?? error.message}`);
    });
    const notes = releaseNotes(changelog, options.version, options.changelog);
    if (options.githubOutput) {
      const notesFile = join(io.cwd, `release-notes-${options.version}.md`);
      await writeFile(notesFile, `${notes}\n`);
      await appendFile(
        options.githubOutput,
        [
          `tag=${tags.release}`,
          `major-tag=${tags.major ?? ''}`,
          `ghes-tag=${ghes.release}`,
          `ghes-major-tag=${ghes.major ?? ''}`,
          `notes-file=${notesFile}`,
          '',
        ].join('\n'),
      );
    }
    io.stdout(notes);
    return 0;
  } catch (error) {
    return reportFailure('release-notes', error, io.stderr);
  }
}

if (startedAsProgram(import.meta.url)) process.exitCode = await releaseNotesCommand(terminalIo());
