// The overlay-update action: reads its inputs, checks who may promote by hand, sets the service's
// image in the environment's overlay on its promotion branch, opens (and where the environment
// allows, merges) the pull request, and writes the outputs and the job summary.
import * as core from '@actions/core';
import { configOnDefaultBranch, environmentOnDefaultBranch, requireAccess } from '../../app/access.js';
import { overlayUpdate, validateInputs, type OverlayUpdateInputs } from '../../app/overlay-update.js';
import { Git } from '../../adapters/git.js';
import { createOctokit, defaultBranchHead, PullRequests, TeamMemberships } from '../../adapters/github.js';
import { readServiceDeployments } from '../../adapters/github-status.js';
import { renderOverlay } from '../../adapters/kubernetes.js';
import { repositoryContext, runActors } from '../../adapters/runner-context.js';
import { isPromotionByHand } from '../../core/access.js';
import { checkOverlayUpdateInputs } from '../../core/inputs.js';
import { overlayUpdateSummary } from '../../core/summary.js';
import { booleanInput, configInput, failStep, secretInput, setOutputs, writeSummary } from '../step.js';

export interface OverlayUpdateActionInputs extends OverlayUpdateInputs {
  /** Opens and merges the pull request and pushes the branch; required. */
  token: string;
}

/** The inputs, each checked as far as it can be without the config. */
export function readInputs(): OverlayUpdateActionInputs {
  const token = secretInput('token');
  const allowDowngrade = booleanInput('allow-downgrade', false);
  const plain = checkOverlayUpdateInputs({
    overlay: core.getInput('overlay'),
    service: core.getInput('service'),
    version: core.getInput('version'),
    digest: core.getInput('digest'),
    token,
  });
  return { ...plain, allowDowngrade, config: configInput(), token };
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const context = repositoryContext();
    const validated = await validateInputs(inputs, context.workspace);
    const octokit = () => createOctokit(inputs.token, core);
    // A promotion started by hand needs the environment's promoters; the chain's own runs do not.
    const actors = runActors();
    if (isPromotionByHand(context.eventName, context.workflowRef, context.repository, actors[0]!)) {
      const { service } = validated;
      const { config, head } = await configOnDefaultBranch(
        new Git(context.workspace),
        () => defaultBranchHead(octokit(), context),
        inputs.config,
      );
      const environment = environmentOnDefaultBranch(config, validated.environment.name, context.ref, head);
      const teams = new TeamMemberships(octokit(), context.owner);
      await requireAccess(
        {
          heading: `overlay-update: who may promote to \`${environment.name}\` by hand`,
          subject: {
            action: `promote ${service.name} to ${environment.name} by hand`,
            rule: `the promoters of environment '${environment.name}' in ${config.file} (${head.sha.slice(0, 12)})`,
          },
          list: environment.promoters,
          org: context.owner,
          logins: actors,
        },
        { membership: (team, login) => teams.membership(team, login), writeSummary },
      );
    }

    let pulls: PullRequests | undefined;
    const result = await overlayUpdate(validated, {
      git: new Git(context.workspace),
      pulls: () => (pulls ??= new PullRequests(octokit(), { owner: context.owner, repo: context.repo })),
      deployments: (environment, service, version) =>
        readServiceDeployments(
          octokit(),
          { owner: context.owner, repo: context.repo },
          environment,
          service,
          version,
        ),
      workspace: context.workspace,
      defaultBranch: context.defaultBranch,
      owner: context.owner,
      render: renderOverlay,
      log: core,
    });

    setOutputs({
      branch: result.branch,
      'pull-request-number': result.pullRequest?.number ?? '',
      'pull-request-url': result.pullRequest?.url ?? '',
      version: result.version,
      digest: result.digest ?? '',
      changed: result.changed,
      merged: result.merged,
    });
    await writeSummary(overlayUpdateSummary(result));
  } catch (error) {
    failStep(error);
  }
}
