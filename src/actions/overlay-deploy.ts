// The overlay-deploy action's entry. It loads only the runner protocol and the plain input rules,
// so a wrong input is refused at once; yaml, the config and the deploy code (overlay-deploy-run.ts)
// load only once the inputs pass.
import { booleanInput, input, repositoryContext, runAction, secretInput } from '../adapters/runner.js';
import { checkOverlayDeployInputs } from '../core/inputs.js';

await runAction(async () => {
  const context = repositoryContext();
  const token = secretInput('token');
  const dryRun = booleanInput('dry-run', false);
  const plain = checkOverlayDeployInputs(context.eventName, {
    overlay: input('overlay'),
    service: input('service'),
    rolloutTimeout: input('rollout-timeout') || '300',
    dryRun,
    token,
  });
  const { runOverlayDeploy } = await import('./overlay-deploy-run.js');
  await runOverlayDeploy(context, token, {
    ...plain,
    dryRun,
    config: input('config') || '.github/promotion.yaml',
  });
});
