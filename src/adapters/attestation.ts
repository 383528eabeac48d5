import { getExecOutput } from '@actions/exec';
import { CommandError } from '../core/errors.js';
import { findOnPath } from './path.js';

/**
 * Runs `gh` (on GitHub's runners; https://cli.github.com) with these arguments, never through a
 * shell, authenticated with GH_TOKEN. Answers its exit code and everything it printed.
 */
export async function runGh(args: string[], token: string): Promise<{ exitCode: number; output: string }> {
  const gh = await findOnPath(['gh']);
  if (!gh) {
    throw new CommandError(
      'gh',
      127,
      'gh (the GitHub CLI) is not on PATH: GitHub-hosted runners have it; install it on a self-hosted runner to verify attestations',
    );
  }
  const env = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const result = await getExecOutput(gh, args, {
    silent: true,
    ignoreReturnCode: true,
    env: { ...env, GH_TOKEN: token, GH_PROMPT_DISABLED: '1' },
  });
  return { exitCode: result.exitCode, output: `${result.stdout}${result.stderr}` };
}
