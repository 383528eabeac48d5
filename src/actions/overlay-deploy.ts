import { overlayDeploy } from '../app/overlay-deploy.js';
import { Git } from '../adapters/git.js';
import type { Deployments } from '../adapters/github.js';
import { applyManifests, diffManifests, renderOverlay, waitForRollout } from '../adapters/kubernetes.js';
import {
  booleanInput,
  input,
  log,
  repositoryContext,
  runAction,
  secretInput,
  setOutputs,
  writeSummary,
} from '../adapters/runner.js';
import { InputError } from '../core/errors.js';
import { overlayDeploySummary } from '../core/summary.js';

await runAction(async () => {
  const context = await repositoryContext();
  const token = secretInput('token');
  const timeout = input('rollout-timeout') || '300';
  if (!/^[1-9]\d{0,4}$/.test(timeout))
    throw new InputError('rollout-timeout', `'${timeout}' is not a number of seconds (1 to 99999)`);
  const dryRun = booleanInput('dry-run', false);
  let deployments: Deployments | undefined;
  const result = await overlayDeploy(
    {
      overlay: input('overlay'),
      service: input('service'),
      config: input('config') || '.github/promotion.yaml',
      dryRun,
      rolloutTimeoutSeconds: Number(timeout),
    },
    context,
    {
      git: new Git(context.workspace),
      cluster: { render: renderOverlay, apply: applyManifests, diff: diffManifests, waitForRollout },
      deployments: async () => {
        if (!token)
          throw new InputError(
            'token',
            'required to record the GitHub deployment (github.token needs deployments: write)',
          );
        // Octokit is loaded only when there is a deployment to record.
        const github = await import('../adapters/github.js');
        return (deployments ??= new github.Deployments(github.createOctokit(token, log), {
          owner: context.owner,
          repo: context.repo,
        }));
      },
      log,
    },
  );
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
});
