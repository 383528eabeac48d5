// What the overlay-update action does once its plain inputs passed: overlay-update.ts loads this
// module only then.
import { requireAccess } from '../app/access.js';
import {
  overlayUpdate,
  validateInputs,
  type OverlayUpdateInputs,
  type OverlayUpdateResult,
} from '../app/overlay-update.js';
import { Git } from '../adapters/git.js';
import type { PullRequests } from '../adapters/github.js';
import { log, runActors, setOutputs, writeSummary, type RepositoryContext } from '../adapters/runner.js';
import { isPromotionByHand } from '../core/access.js';
import { overlayUpdateSummary } from '../core/summary.js';

export async function runOverlayUpdate(
  context: RepositoryContext,
  token: string,
  inputs: OverlayUpdateInputs,
): Promise<void> {
  const validated = await validateInputs(inputs, context.workspace);
  // Octokit is loaded only once the inputs are valid.
  const { createOctokit, PullRequests, TeamMemberships } = await import('../adapters/github.js');
  // A promotion started by hand needs the environment's promoters; the chain's own runs do not.
  const repository = `${context.owner}/${context.repo}`;
  if (
    isPromotionByHand(
      context.eventName,
      process.env.GITHUB_WORKFLOW_REF ?? '',
      repository,
      process.env.GITHUB_ACTOR ?? '',
    )
  ) {
    const { environment, service, config } = validated;
    const teams = new TeamMemberships(createOctokit(token, log), context.owner);
    await requireAccess(
      {
        heading: `overlay-update: who may promote to \`${environment.name}\` by hand`,
        subject: {
          action: `promote ${service.name} to ${environment.name} by hand`,
          rule: `the promoters of environment '${environment.name}' in ${config.file}`,
        },
        list: environment.promoters,
        org: context.owner,
        logins: runActors(),
      },
      {
        membership: (team, login) => teams.membership(team, login),
        writeSummary,
      },
    );
  }

  let pulls: PullRequests | undefined;
  const result: OverlayUpdateResult = await overlayUpdate(validated, {
    git: new Git(context.workspace),
    pulls: () =>
      (pulls ??= new PullRequests(createOctokit(token, log), { owner: context.owner, repo: context.repo })),
    workspace: context.workspace,
    defaultBranch: context.defaultBranch,
    owner: context.owner,
    render: async (dir) => (await import('../adapters/kubernetes.js')).renderOverlay(dir),
    log,
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
}
