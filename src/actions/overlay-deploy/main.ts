// The overlay-deploy action: reads its inputs, finds what to deploy (the merged promotion branch or
// the inputs), renders the overlay with kustomize, applies it and waits for the rollout, records
// the GitHub deployment, and writes the outputs and the job summary.
import * as core from '@actions/core';
import { overlayDeploy, type OverlayDeployInputs } from '../../app/overlay-deploy.js';
import { runGh } from '../../adapters/attestation.js';
import { Git } from '../../adapters/git.js';
import { createOctokit, Deployments } from '../../adapters/github.js';
import { readServiceDeployments } from '../../adapters/github-status.js';
import { applyManifests, diffManifests, renderOverlay, waitForRollout } from '../../adapters/kubernetes.js';
import { repositoryContext } from '../../adapters/runner-context.js';
import { checkOverlayDeployInputs, requireDeploymentToken } from '../../core/inputs.js';
import { overlayDeploySummary } from '../../core/summary.js';
import { booleanInput, configInput, failStep, secretInput, setOutputs, writeSummary } from '../step.js';

export interface OverlayDeployActionInputs extends OverlayDeployInputs {
  /** Records the GitHub deployment; required unless it is a dry run or nothing is deployed. */
  token: string;
  /** Reads the attestations of the service's repository for gh; default `token`. */
  attestationToken: string;
}

/**
 * The inputs, each checked as far as it can be without the config. On a pull_request event the
 * merged branch names the overlay and service, so those inputs are not read.
 */
export function readInputs(eventName: string): OverlayDeployActionInputs {
  const token = secretInput('token');
  const dryRun = booleanInput('dry-run', false);
  const plain = checkOverlayDeployInputs(eventName, {
    overlay: core.getInput('overlay'),
    service: core.getInput('service'),
    rolloutTimeout: core.getInput('rollout-timeout') || '300',
    dryRun,
    token,
  });
  return {
    ...plain,
    dryRun,
    config: configInput(),
    token,
    attestationToken: secretInput('attestation-token') || token,
    suiteRepository: core.getInput('suite-repository').trim(),
  };
}

export async function run(): Promise<void> {
  try {
    const context = repositoryContext();
    const inputs = readInputs(context.eventName);
    const repo = { owner: context.owner, repo: context.repo };
    // One client for the run: the throttling plugin spaces its requests together.
    let client: ReturnType<typeof createOctokit> | undefined;
    const octokit = () => (client ??= createOctokit(inputs.token, core));
    let deployments: Deployments | undefined;
    const result = await overlayDeploy(inputs, context, {
      git: new Git(context.workspace),
      cluster: { render: renderOverlay, apply: applyManifests, diff: diffManifests, waitForRollout },
      deployments: async () => {
        requireDeploymentToken(inputs.token);
        return (deployments ??= new Deployments(octokit(), repo));
      },
      serviceDeployments: (environment, service) =>
        readServiceDeployments(octokit(), repo, environment, service),
      gh: (args) => runGh(args, inputs.attestationToken),
      log: core,
    });
    if ('skipped' in result) {
      setOutputs({
        service: '',
        overlay: '',
        version: '',
        digest: '',
        deployed: false,
        'next-overlay': '',
        rollback: false,
      });
      await writeSummary(`### overlay-deploy: nothing to deploy\n\n${result.skipped}\n`);
      return;
    }
    setOutputs({
      service: result.service.name,
      overlay: result.environment.name,
      version: result.version.tag ?? '',
      digest: result.version.digest ?? '',
      deployed: result.deployed,
      'next-overlay': result.next?.name ?? '',
      rollback: result.rollback,
    });
    await writeSummary(overlayDeploySummary(result));
  } catch (error) {
    failStep(error);
  }
}
