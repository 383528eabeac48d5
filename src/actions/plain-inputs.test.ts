// Each action bundle refuses a wrong input (a name, version, digest, boolean, release stage, timeout,
// missing token, or a value only the config can tell) with exit code 1 and one error annotation
// that names the input, and no stack trace.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runAction, suiteActionsDir, type ActionRun } from '../sandbox/run-action.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
type Action = 'release' | 'overlay-update' | 'overlay-deploy';

/** Runs an action in this checkout (its .github/promotion.yaml); nothing gets as far as git or the API. */
function run(action: Action, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    action: join(suiteActionsDir(), action),
    inputs,
    workspace: ROOT,
    repository: 'acme/platform',
    token: 'ghs_plainInputsToken0123456789',
    apiUrl: 'http://127.0.0.1:9',
    eventName: 'workflow_dispatch',
    event: { repository: { default_branch: 'main' } },
  });
}

const refusals: [Action, Record<string, string>, string][] = [
  ['release', { service: '../orders', version: '1.0.0' }, "Input 'service': '../orders' is not a valid name"],
  ['release', { service: '', version: '1.0.0' }, "Input 'service': is required"],
  ['release', { service: 'orders', version: 'latest' }, "Input 'version': 'latest' is not a SemVer version"],
  ['release', { service: 'orders', version: 'v1.2.3' }, "Input 'version': 'v1.2.3' has a leading 'v'"],
  ['release', { service: 'orders', version: '1.2.3+b.1' }, "Input 'version': '1.2.3+b.1' has build metadata"],
  ['release', { service: 'orders', version: '1.0.0', stage: 'build' }, "Input 'stage': 'build'"],
  [
    'release',
    { service: 'orders', version: '1.0.0', stage: 'confirm', digest: 'sha256:abc' },
    "Input 'digest': 'sha256:abc'",
  ],
  ['release', { service: 'shipping', version: '1.0.0' }, "Input 'service': 'shipping' is not a service"],
  ['overlay-update', { overlay: '', service: 'orders' }, "Input 'overlay': is required"],
  ['overlay-update', { overlay: 'dev', service: 'a/b' }, "Input 'service': 'a/b' is not a valid name"],
  ['overlay-update', { overlay: 'dev', service: 'orders', version: '1.2' }, "Input 'version': '1.2'"],
  [
    'overlay-update',
    { overlay: 'dev', service: 'orders', digest: 'sha256:xyz' },
    "Input 'digest': 'sha256:xyz'",
  ],
  [
    'overlay-update',
    { overlay: 'dev', service: 'orders', 'allow-downgrade': 'yes' },
    "Input 'allow-downgrade': 'yes' is not a boolean",
  ],
  [
    'overlay-update',
    { overlay: 'dev', service: 'orders', version: '1.0.0', token: '' },
    "Input 'token': required",
  ],
  [
    'overlay-update',
    { overlay: 'staging', service: 'orders' },
    "Input 'overlay': 'staging' is not an environment",
  ],
  ['overlay-deploy', { overlay: '', service: 'orders' }, "Input 'overlay': is required"],
  ['overlay-deploy', { overlay: 'dev', service: '../x' }, "Input 'service': '../x' is not a valid name"],
  [
    'overlay-deploy',
    { overlay: 'dev', service: 'orders', 'rollout-timeout': '5m' },
    "Input 'rollout-timeout'",
  ],
  ['overlay-deploy', { overlay: 'dev', service: 'orders', 'dry-run': '1' }, "Input 'dry-run': '1'"],
  ['overlay-deploy', { overlay: 'dev', service: 'orders', token: '' }, "Input 'token': required"],
  [
    'overlay-deploy',
    { overlay: 'staging', service: 'orders' },
    "Input 'overlay': 'staging' is not an environment",
  ],
];

describe('a wrong input is refused by name', () => {
  it.each(refusals)('%s %j', async (action, inputs, message) => {
    const result = await run(action, inputs);
    expect(result.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors).toEqual([expect.stringContaining(message)]);
    // A user's mistake, not a crash: no stack trace in the log.
    expect(result.stdout + result.stderr).not.toMatch(/^\s+at /m);
    expect(result.outputs).toEqual({});
  });
});
