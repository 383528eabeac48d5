import { overlayUpdate, validateInputs, type OverlayUpdateResult } from '../app/overlay-update.js';
import { Git } from '../adapters/git.js';
import type { PullRequests } from '../adapters/github.js';
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
import { UserError } from '../core/errors.js';
import { overlayUpdateSummary } from '../core/summary.js';

await runAction(async () => {
  const context = await repositoryContext();
  const token = secretInput('token');
  const validated = await validateInputs(
    {
      overlay: input('overlay'),
      service: input('service'),
      version: input('version'),
      digest: input('digest'),
      allowDowngrade: booleanInput('allow-downgrade', false),
      config: input('config') || '.github/promotion.yaml',
    },
    context.workspace,
  );
  if (!token)
    throw new UserError(
      "Input 'token': required to open the promotion pull request (an App token, a PAT or github.token)",
    );

  // Octokit is loaded only once the inputs are valid.
  const { createOctokit, PullRequests } = await import('../adapters/github.js');
  let pulls: PullRequests | undefined;
  const result: OverlayUpdateResult = await overlayUpdate(validated, {
    git: new Git(context.workspace),
    pulls: () =>
      (pulls ??= new PullRequests(createOctokit(token, log), { owner: context.owner, repo: context.repo })),
    workspace: context.workspace,
    defaultBranch: context.defaultBranch,
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
});
