// The promotion-status action: reads the config and the overlays from the checkout and what GitHub
// knows (open promotion PRs, recorded deployments) in one GraphQL request, writes the status table
// to the job summary, annotates each problem, and fails the step when an environment drifts from
// its last successful deployment or a promotion PR has waited longer than max-age-hours.
import * as core from '@actions/core';
import { readRepositoryStatus } from '../../app/status.js';
import { createOctokit } from '../../adapters/github.js';
import { repositoryContext } from '../../adapters/runner-context.js';
import { DEFAULT_API_URL } from '../../adapters/repo-settings.js';
import { checkPromotionStatusInputs } from '../../core/inputs.js';
import { statusReport, type StatusProblem } from '../../core/status.js';
import { configInput, failStep, repositoryInput, secretInput, setOutputs, writeSummary } from '../step.js';

export interface PromotionStatusInputs {
  /** Reads pull requests and deployments; required. */
  token: string;
  /** `owner/repo` to read; empty: the repository the workflow runs for. */
  repository: string;
  maxAgeHours: number;
  config: string;
}

/** The inputs, each checked before anything is read or requested. */
export function readInputs(): PromotionStatusInputs {
  const token = secretInput('token');
  const { maxAgeHours } = checkPromotionStatusInputs({ maxAgeHours: core.getInput('max-age-hours'), token });
  return { token, repository: repositoryInput('repository'), maxAgeHours, config: configInput() };
}

const TITLE: Record<StatusProblem['kind'], string> = {
  drift: 'Drift',
  waiting: 'Promotion waiting',
};

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const context = repositoryContext();
    const [owner = '', repo = ''] = (inputs.repository || context.repository).split('/');
    const apiUrl = process.env.GITHUB_API_URL?.trim() || DEFAULT_API_URL;
    const status = await readRepositoryStatus(
      createOctokit(inputs.token, core, apiUrl),
      { owner, repo },
      {
        root: context.workspace,
        configPath: inputs.config,
        apiUrl,
        now: Date.now(),
        maxAgeHours: inputs.maxAgeHours,
      },
    );
    const messages = status.problems.map((problem) => problem.message);
    await writeSummary(
      `${statusReport(status.config, status.rows, messages, status.source, inputs.maxAgeHours)}\n`,
    );
    core.info(`Read ${status.source.repository}: ${status.source.requests} request(s)`);
    if (status.truncated) core.warning(`Read only the newest deployments of ${status.truncated.join(', ')}`);
    setOutputs({
      drift: status.problems.filter((problem) => problem.kind === 'drift').length,
      waiting: status.problems.filter((problem) => problem.kind === 'waiting').length,
      problems: JSON.stringify(messages),
    });
    // One annotation per problem, a drift on the overlay it is about: the run's page lists them all.
    for (const problem of status.problems) {
      const file = problem.kind === 'drift' ? status.overlays.get(problem.environment) : undefined;
      core.error(problem.message, {
        title: `${TITLE[problem.kind]}: ${problem.service} in ${problem.environment}`,
        ...(file ? { file } : {}),
      });
    }
    if (status.problems.length > 0) process.exitCode = core.ExitCode.Failure;
  } catch (error) {
    failStep(error);
  }
}
