// The overlay-update action's entry. It loads only the runner protocol and the plain input rules,
// so a wrong input is refused at once; yaml, the config and the promotion code (overlay-update-run.ts)
// load only once the inputs pass.
import { booleanInput, input, repositoryContext, runAction, secretInput } from '../adapters/runner.js';
import { checkOverlayUpdateInputs } from '../core/inputs.js';

await runAction(async () => {
  const context = repositoryContext();
  const token = secretInput('token');
  const allowDowngrade = booleanInput('allow-downgrade', false);
  const plain = checkOverlayUpdateInputs({
    overlay: input('overlay'),
    service: input('service'),
    version: input('version'),
    digest: input('digest'),
    token,
  });
  const { runOverlayUpdate } = await import('./overlay-update-run.js');
  await runOverlayUpdate(context, token, {
    ...plain,
    allowDowngrade,
    config: input('config') || '.github/promotion.yaml',
  });
});
