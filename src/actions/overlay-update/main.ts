// The overlay-update action: reads its inputs, checks who may promote by hand, sets the service's
// image in the environment's overlay on its promotion branch, opens (and where the environment
// allows, merges) the pull request, and writes the outputs and the job summary.
import * as core from '@actions/core';
import { configOnDefaultBranch, environmentOnDefaultBranch, requireAccess } from '../../app/access.js';
import { requireDeployCaller } from '../../app/repository-files.js';
import { overlayUpdate, validateInputs, type OverlayUpdateInputs } from '../../app/overlay-update.js';
import { Git } from '../../adapters/git.js';
import {
  createOctokit,
  defaultBranchHead,
  PullRequests,
  reachRepository,
  TeamMemberships,
} from '../../adapters/github.js';
import { readServiceDeployments } from '../../adapters/github-status.js';
import { renderOverlay } from '../../adapters/kubernetes.js';
import { repositoryContext, runActors } from '../../adapters/runner-context.js';
import { promotionStart } from '../../core/access.js';
import { checkOverlayUpdateInputs } from '../../core/inputs.js';
import { overlayUpdateSummary } from '../../core/summary.js';
import {
  booleanInput,
  configInput,
  failStep,
  repositoryInput,
  secretInput,
  setOutputs,
  writeSummary,
} from '../step.js';

export interface OverlayUpdateActionInputs extends OverlayUpdateInputs {
  /** Opens and merges the pull request and pushes the branch; required. */
  token: string;
  /** Set by the suite's service-release: check release.allowed, not the promoters (first environment only). */
  fromRelease: boolean;
  /** The caller of overlay-deploy a GITHUB_TOKEN merge dispatches; empty when the workflow dispatches none. */
  deployWorkflow: string;
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
  return {
    ...plain,
    allowDowngrade,
    config: configInput(),
    token,
    fromRelease: booleanInput('from-release', false),
    deployWorkflow: core.getInput('deploy-workflow').trim(),
  };
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const context = repositoryContext();
    const validated = await validateInputs(inputs, context.workspace);
    // One client for the run, made when first needed: a no-op rerun makes none, and the throttling
    // plugin spaces every request of the run together.
    let client: ReturnType<typeof createOctokit> | undefined;
    const octokit = () => (client ??= createOctokit(inputs.token, core));
    // The workflow a GITHUB_TOKEN merge dispatches must be there before anything is pushed.
    if (inputs.deployWorkflow)
      await requireDeployCaller(context.workspace, inputs.deployWorkflow, context.repository);
    // Another repository (the GitOps repository of a release from a service repository): the token
    // must reach it, which is checked before anything is pushed; its default branch is the base.
    const target = repositoryInput('repository') || context.repository;
    const [owner = '', repo = ''] = target.split('/');
    const defaultBranch =
      target.toLowerCase() === context.repository.toLowerCase()
        ? context.defaultBranch
        : (await reachRepository(octokit(), { owner, repo })).defaultBranch;
    // By hand: the environment's promoters; from a release: release.allowed; the chain's own: none.
    const actors = runActors();
    const { service } = validated;
    // from-release counts only from the suite's release: a dispatch that carries it was a person's.
    const dispatched = (context.event['inputs'] ?? {}) as Record<string, unknown>;
    const start = promotionStart(
      context.eventName,
      actors[0]!,
      inputs.fromRelease && !('from-release' in dispatched),
      validated.config.environments[0]?.name === validated.environment.name,
    );
    if (start !== 'chain') {
      // Who may is read from the default branch of the repository promoted in, at the head GitHub
      // reports for it, never from the ref this run was dispatched on.
      const { config, head } = await configOnDefaultBranch(
        new Git(context.workspace),
        () => defaultBranchHead(octokit(), { owner, repo }),
        inputs.config,
      );
      const environment = environmentOnDefaultBranch(config, validated.environment.name, context.ref, head);
      const at = `${config.file} (${head.sha.slice(0, 12)})`;
      const teams = new TeamMemberships(octokit(), context.owner);
      const byHand = start === 'by-hand';
      await requireAccess(
        {
          heading: byHand
            ? `overlay-update: who may promote to \`${environment.name}\` by hand`
            : `overlay-update: who may release \`${service.name}\` to \`${environment.name}\``,
          subject: byHand
            ? {
                action: `promote ${service.name} to ${environment.name} by hand`,
                rule: `the promoters of environment '${environment.name}' in ${at}`,
              }
            : { action: `run a release of ${service.name}`, rule: `release.allowed in ${at}` },
          list: byHand ? environment.promoters : config.release.allowed,
          org: context.owner,
          logins: actors,
        },
        { membership: (team, login) => teams.membership(team, login), writeSummary },
      );
    }

    let pulls: PullRequests | undefined;
    // A release's or the chain's promotion that a newer version overtook is skipped, not failed.
    const whenOvertaken = start === 'by-hand' ? 'refuse' : 'skip';
    const result = await overlayUpdate(
      { ...validated, whenOvertaken },
      {
        git: new Git(context.workspace),
        pulls: () => (pulls ??= new PullRequests(octokit(), { owner, repo })),
        deployments: (environment, service, version) =>
          readServiceDeployments(octokit(), { owner, repo }, environment, service, version),
        workspace: context.workspace,
        defaultBranch,
        owner,
        render: renderOverlay,
        log: core,
      },
    );

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
