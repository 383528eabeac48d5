// The release action's entry. It loads only the runner protocol and the plain input rules, so a
// wrong input is refused at once; yaml, the config and the release code (release-run.ts) load only
// once the inputs pass.
import { booleanInput, input, runAction } from '../adapters/runner.js';
import { checkReleaseInputs } from '../core/inputs.js';

await runAction(async () => {
  const push = booleanInput('push', true);
  const plain = checkReleaseInputs({
    service: input('service'),
    version: input('version'),
    builder: input('builder') || 'docker',
  });
  const { runRelease } = await import('./release-run.js');
  await runRelease({ ...plain, push, config: input('config') || '.github/promotion.yaml' });
});
