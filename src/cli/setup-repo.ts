// `npm run setup-repo -- --repo <owner>/<name>`: applies the settings the suite needs through the
// REST API (repository merge settings, Actions workflow permissions, protection of main, the chain's
// environments, each allowed to deploy from main only), changing only what differs. `--check` changes nothing and exits 1 when something
// differs. Token from GITHUB_TOKEN or GH_TOKEN; API from GITHUB_API_URL (GHES, GHE.com).
// Exit codes: 0 done / all match, 1 settings differ (--check), 2 usage, token, config or API error.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_CONFIG_PATH, parseConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import {
  DEFAULT_PROTECTED_BRANCH,
  desiredRepoSettings,
  formatPlan,
  hasChanges,
  planRepoSettings,
  summarizePlan,
} from '../core/repo-settings.js';
import { DEFAULT_API_URL, RepoSettingsClient, createSettingsOctokit } from '../adapters/repo-settings.js';
import { UsageError, parseRepoArg, reportFailure, tokenFrom, usageFailure, walkArguments } from './args.js';
// How the command runs as a program, apart from what it does.
import { startedAsProgram, terminalIo, type CommandIo } from './args.js';

export const USAGE = `usage: npm run setup-repo -- --repo <owner>/<name> [options]

Applies the repository settings the promotion suite needs, changing only what differs:
merge settings, Actions workflow permissions, the protection of the branch, and one
environment per chain entry that only the branch may deploy from.

options:
  --repo <owner>/<name>    the repository (required)
  --config <path>          the suite's configuration (default ${DEFAULT_CONFIG_PATH})
  --required-check <name>  a status check required on the branch; repeat for more (default: none)
  --branch <name>          the protected branch (default ${DEFAULT_PROTECTED_BRANCH})
  --check                  change nothing; exit 1 when a setting differs
  --help                   this text

environment:
  GITHUB_TOKEN or GH_TOKEN  a token with administration: write on the repository
  GITHUB_API_URL            the REST API (default ${DEFAULT_API_URL}; GHES: https://HOST/api/v3)

exit status: 0 applied, or everything matches; 1 a setting differs (--check);
2 usage, token, configuration or API error`;

export interface SetupRepoOptions {
  owner: string;
  repo: string;
  config: string;
  requiredChecks: string[];
  branch: string;
  check: boolean;
}

export function parseArgs(argv: string[]): SetupRepoOptions | 'help' {
  const options: Partial<SetupRepoOptions> & { requiredChecks: string[] } = {
    config: DEFAULT_CONFIG_PATH,
    branch: DEFAULT_PROTECTED_BRANCH,
    requiredChecks: [],
    check: false,
  };
  let repoArg: string | undefined;
  let help = false;
  walkArguments(argv, (flag, value, arg) => {
    switch (flag) {
      case '--help':
      case '-h':
        help = true;
        return true;
      case '--repo':
        repoArg = value();
        break;
      case '--config':
        options.config = value();
        break;
      case '--required-check':
        options.requiredChecks.push(value());
        break;
      case '--branch':
        options.branch = value();
        break;
      case '--check':
        options.check = true;
        break;
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  });
  if (help) return 'help';
  if (repoArg === undefined) throw new UsageError('--repo <owner>/<name> is required');
  return { ...(options as SetupRepoOptions), ...parseRepoArg(repoArg) };
}

/** Runs the command; returns the exit code. */
export async function setupRepo(io: CommandIo): Promise<number> {
  let options: SetupRepoOptions | 'help';
  try {
    options = parseArgs(io.argv);
  } catch (error) {
    return usageFailure('setup-repo', error, USAGE, io.stderr);
  }
  if (options === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const token = tokenFrom(io.env);
  if (token === undefined) {
    io.stderr(
      'setup-repo: no token: set GITHUB_TOKEN (or GH_TOKEN) to a token with administration: write on ' +
        `${options.owner}/${options.repo}, for example GITHUB_TOKEN=$(gh auth token)`,
    );
    return 2;
  }
  const apiUrl = io.env['GITHUB_API_URL']?.trim() || DEFAULT_API_URL;
  try {
    const configPath = resolve(io.cwd, options.config);
    const text = await readFile(configPath, 'utf8').catch((error: unknown) => {
      throw new UserError(
        `cannot read the configuration ${options.config}: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    const desired = desiredRepoSettings(parseConfig(text, options.config), {
      branch: options.branch,
      requiredChecks: options.requiredChecks,
    });
    const octokit = createSettingsOctokit(token, apiUrl, { warning: (m) => io.stderr(`warning: ${m}`) });
    const client = new RepoSettingsClient(octokit, { owner: options.owner, repo: options.repo });
    const plan = planRepoSettings(await client.read(desired.branch), desired);
    const name = `${options.owner}/${options.repo}`;

    if (options.check) {
      io.stdout(`Checking ${name} at ${apiUrl} (nothing is changed):`);
      for (const line of formatPlan(plan, 'check')) io.stdout(line);
      io.stdout(summarizePlan(plan, 'check'));
      return hasChanges(plan) ? 1 : 0;
    }
    io.stdout(`Setting up ${name} at ${apiUrl}:`);
    const made: string[] = [];
    try {
      await client.apply(desired.branch, plan.changes, (request) => made.push(request));
    } catch (error) {
      if (made.length > 0) io.stderr(`setup-repo: done before the error: ${made.join(', ')}`);
      throw error;
    }
    for (const line of formatPlan(plan, 'applied')) io.stdout(line);
    io.stdout(summarizePlan(plan, 'applied'));
    return 0;
  } catch (error) {
    return reportFailure('setup-repo', error, io.stderr);
  }
}

if (startedAsProgram(import.meta.url)) process.exitCode = await setupRepo(terminalIo());
