// What the overlay-deploy action does once its plain inputs passed: overlay-deploy.ts loads this
// module only then.
import { overlayDeploy, type OverlayDeployInputs } from '../app/overlay-deploy.js';
import { Git } from '../adapters/git.js';
import type { Deployments } from '../adapters/github.js';
import { applyManifests, diffManifests, renderOverlay, waitForRollout } from '../adapters/kubernetes.js';
import { log, setOutputs, writeSummary, type RepositoryContext } from '../adapters/runner.js';
import { requireDeploymentToken } from '../core/inputs.js';
import { overlayDeploySummary } from '../core/summary.js';

export async function runOverlayDeploy(
  context: RepositoryContext,
  token: string,
  inputs: OverlayDeployInputs,
): Promise<void> {
  let deployments: Deployments | undefined;
  const result = await overlayDeploy(inputs, context, {
    git: new Git(context.workspace),
    cluster: { render: renderOverlay, apply: applyManifests, diff: diffManifests, waitForRollout },
    deployments: async () => {
      requireDeploymentToken(token);
      // Octokit is loaded only when there is a deployment to record.
      const github = await import('../adapters/github.js');
      return (deployments ??= new github.Deployments(github.createOctokit(token, log), {
        owner: context.owner,
        repo: context.repo,
      }));
    },
    log,
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
}
