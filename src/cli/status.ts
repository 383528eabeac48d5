// `npm run status`: which version of each service each environment's overlay names, read from a
// checkout; needs no token. With `--repo <owner>/<name>` and a token it adds what only GitHub knows:
// open promotion PRs (review state, age) and the deployments overlay-deploy recorded, and flags
// drift (an overlay naming a version its last successful deployment did not deliver). `--check`
// makes drift and promotion PRs older than `--max-age` hours fail the command, for a schedule.
// Exit codes: 0 fine, 1 problems found (--check), 2 usage, token, configuration or API error.
import { DEFAULT_CONFIG_PATH } from '../core/config.js';
import { readRepositoryStatus, readStatus } from '../app/status.js';
import {
  DEFAULT_MAX_AGE_HOURS,
  parseMaxAgeHours,
  statusJson,
  statusMarkdown,
  statusReport,
  statusSourceText,
  statusTable,
} from '../core/status.js';
import { createOctokit } from '../adapters/github.js';
import { DEFAULT_API_URL } from '../adapters/repo-settings.js';
import { UsageError, parseRepoArg, reportFailure, tokenFrom, usageFailure, walkArguments } from './args.js';
// How the command runs as a program, apart from what it does.
import { startedAsProgram, terminalIo, type CommandIo } from './args.js';

export const USAGE = `usage: npm run status -- [options]

Prints which version of each service each environment's overlay names (columns in chain order,
↓ behind / ↑ ahead of the previous environment). With --repo it also reads GitHub: open promotion
pull requests (review state, age) and the deployments overlay-deploy recorded, and flags drift.

options:
  --root <dir>             the checkout to read (default .): use an up-to-date default branch
  --config <path>          the suite's configuration (default ${DEFAULT_CONFIG_PATH})
  --repo <owner>/<name>    also read pull requests and deployments from this repository (needs a token)
  --check                  exit 1 when an environment drifts or a promotion PR is older than --max-age
                           (needs --repo)
  --max-age <hours>        how long a promotion PR may wait (default ${DEFAULT_MAX_AGE_HOURS})
  --json                   print JSON instead of a table
  --markdown               print a Markdown table (for $GITHUB_STEP_SUMMARY)
  --help                   this text

environment:
  GITHUB_TOKEN or GH_TOKEN  with --repo: a token that can read contents, pull requests and deployments
  GITHUB_API_URL            the API (default ${DEFAULT_API_URL}; GHES: https://HOST/api/v3)

exit status: 0 nothing to report; 1 drift or a promotion PR waiting too long (--check);
2 usage, token, configuration or API error`;

export interface StatusOptions {
  root: string;
  config: string;
  repo?: { owner: string; repo: string };
  check: boolean;
  maxAgeHours: number;
  format: 'table' | 'json' | 'markdown';
}

export type StatusIo = Pick<CommandIo, 'argv' | 'env' | 'stdout' | 'stderr'> & {
  /** The clock that ages promotion PRs; tests fix it. */
  now?: () => number;
};

export function parseArgs(argv: string[]): StatusOptions | 'help' {
  const options: StatusOptions = {
    root: '.',
    config: DEFAULT_CONFIG_PATH,
    check: false,
    maxAgeHours: DEFAULT_MAX_AGE_HOURS,
    format: 'table',
  };
  let help = false;
  walkArguments(argv, (flag, value, arg) => {
    switch (flag) {
      case '--help':
      case '-h':
        help = true;
        return true;
      case '--root':
        options.root = value();
        break;
      case '--config':
        options.config = value();
        break;
      case '--repo':
        options.repo = parseRepoArg(value());
        break;
      case '--check':
        options.check = true;
        break;
      case '--max-age': {
        const text = value();
        const hours = parseMaxAgeHours(text);
        if (hours === undefined)
          throw new UsageError(`--max-age must be a positive number of hours, got '${text}'`);
        options.maxAgeHours = hours;
        break;
      }
      case '--json':
      case '--markdown':
        if (options.format !== 'table') throw new UsageError('give at most one of --json and --markdown');
        options.format = flag === '--json' ? 'json' : 'markdown';
        break;
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  });
  if (help) return 'help';
  if (options.check && !options.repo)
    throw new UsageError(
      '--check needs --repo <owner>/<name>: drift and waiting pull requests are read from GitHub',
    );
  return options;
}

/** Runs the command; returns the exit code. */
export async function status(io: StatusIo): Promise<number> {
  let options: StatusOptions | 'help';
  try {
    options = parseArgs(io.argv);
  } catch (error) {
    return usageFailure('status', error, USAGE, io.stderr);
  }
  if (options === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  try {
    if (!options.repo) {
      const { config, rows: overlayRows } = await readStatus(options.root, options.config);
      io.stdout(
        options.format === 'json'
          ? statusJson(config, overlayRows)
          : options.format === 'markdown'
            ? statusMarkdown(config, overlayRows)
            : statusTable(config, overlayRows),
      );
      return 0;
    }

    const token = tokenFrom(io.env);
    if (token === undefined) {
      io.stderr(
        `status: --repo needs a token: set GITHUB_TOKEN (or GH_TOKEN) to a token that can read pull requests and deployments of ${options.repo.owner}/${options.repo.repo}, for example GITHUB_TOKEN=$(gh auth token)`,
      );
      return 2;
    }
    const apiUrl = io.env['GITHUB_API_URL']?.trim() || DEFAULT_API_URL;
    const octokit = createOctokit(token, { warning: (m) => io.stderr(`warning: ${m}`) }, apiUrl);
    const read = await readRepositoryStatus(octokit, options.repo, {
      root: options.root,
      configPath: options.config,
      apiUrl,
      now: (io.now ?? Date.now)(),
      maxAgeHours: options.maxAgeHours,
    });
    const { config, rows, source } = read;
    const problems = read.problems.map((problem) => problem.message);
    if (options.format === 'json') {
      io.stdout(
        statusJson(config, rows, { problems, requests: source.requests, maxAgeHours: options.maxAgeHours }),
      );
    } else if (options.format === 'markdown') {
      io.stdout(statusReport(config, rows, problems, source, options.maxAgeHours));
    } else {
      io.stdout(statusTable(config, rows));
      io.stdout('');
      for (const problem of problems) io.stdout(`problem: ${problem}`);
      io.stdout(`GitHub: ${statusSourceText(source)}`);
    }
    if (read.truncated)
      io.stderr(`warning: read only the newest deployments of ${read.truncated.join(', ')}`);
    return options.check && problems.length > 0 ? 1 : 0;
  } catch (error) {
    return reportFailure('status', error, io.stderr);
  }
}

if (startedAsProgram(import.meta.url)) process.exitCode = await status(terminalIo());
