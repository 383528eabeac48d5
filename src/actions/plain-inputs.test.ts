// Each committed bundle refuses a wrong plain input (a name, version, digest, boolean, builder,
// timeout or missing token) with its entry alone: it runs from a copy of its dist that holds
// index.js and none of the chunks, where a refusal that needed yaml, the config or the action's
// code would fail to load them instead. A wrong value only the config can tell loads the chunks,
// and yaml is in those chunks, not in index.js.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from '../sandbox/run-action.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ACTIONS = ['release', 'overlay-update', 'overlay-deploy'] as const;
type Action = (typeof ACTIONS)[number];

let entriesOnly: string;

beforeAll(async () => {
  entriesOnly = await mkdtemp(join(tmpdir(), 'entries-only-'));
  for (const action of ACTIONS) {
    await mkdir(join(entriesOnly, action, 'dist'), { recursive: true });
    for (const file of ['action.yml', 'dist/index.js', 'dist/package.json'])
      await copyFile(join(ROOT, 'actions', action, file), join(entriesOnly, action, file));
  }
});

afterAll(async () => {
  await rm(entriesOnly, { recursive: true, force: true });
});

/** Runs an action in this checkout (its .github/promotion.yaml); nothing gets as far as git or the API. */
function run(
  dir: string,
  inputs: Record<string, string>,
  eventName = 'workflow_dispatch',
): Promise<ActionRun> {
  return runAction({
    action: dir,
    inputs,
    workspace: ROOT,
    repository: 'acme/platform',
    token: 'ghs_plainInputsToken0123456789',
    apiUrl: 'http://127.0.0.1:9',
    eventName,
    event: { repository: { default_branch: 'main' } },
  });
}

function errors(result: ActionRun): string[] {
  return result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
}

const refusals: [Action, Record<string, string>, string][] = [
  ['release', { service: '../orders', version: '1.0.0' }, "Input 'service': '../orders' is not a valid name"],
  ['release', { service: '', version: '1.0.0' }, "Input 'service': is required"],
  ['release', { service: 'orders', version: 'latest' }, "Input 'version': 'latest' is not a SemVer version"],
  ['release', { service: 'orders', version: 'v1.2.3' }, "Input 'version': 'v1.2.3' has a leading 'v'"],
  ['release', { service: 'orders', version: '1.2.3+b.1' }, "Input 'version': '1.2.3+b.1' has build metadata"],
  ['release', { service: 'orders', version: '1.0.0', builder: 'kaniko' }, "Input 'builder': 'kaniko'"],
  [
    'release',
    { service: 'orders', version: '1.0.0', push: 'maybe' },
    "Input 'push': 'maybe' is not a boolean",
  ],
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
    { overlay: 'dev', service: 'orders', 'allow-downgrade': 'maybe' },
    "Input 'allow-downgrade'",
  ],
  [
    'overlay-update',
    { overlay: 'dev', service: 'orders', version: '1.0.0', token: '' },
    "Input 'token': required",
  ],
  ['overlay-deploy', { overlay: '', service: 'orders' }, "Input 'overlay': is required"],
  ['overlay-deploy', { overlay: 'dev', service: '../x' }, "Input 'service': '../x' is not a valid name"],
  [
    'overlay-deploy',
    { overlay: 'dev', service: 'orders', 'rollout-timeout': '5m' },
    "Input 'rollout-timeout'",
  ],
  ['overlay-deploy', { overlay: 'dev', service: 'orders', 'dry-run': 'maybe' }, "Input 'dry-run': 'maybe'"],
  ['overlay-deploy', { overlay: 'dev', service: 'orders', token: '' }, "Input 'token': required"],
];

describe('the entry alone refuses a wrong plain input', () => {
  it.each(refusals)('%s %j', async (action, inputs, message) => {
    const result = await run(join(entriesOnly, action), inputs);
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toEqual([expect.stringContaining(message)]);
  });
});

describe('a value only the config can tell needs the chunks', () => {
  const configErrors: [Action, Record<string, string>, string][] = [
    ['release', { service: 'shipping', version: '1.0.0' }, "Input 'service': 'shipping' is not a service"],
    [
      'overlay-update',
      { overlay: 'staging', service: 'orders' },
      "Input 'overlay': 'staging' is not an environment",
    ],
    [
      'overlay-deploy',
      { overlay: 'staging', service: 'orders' },
      "Input 'overlay': 'staging' is not an environment",
    ],
  ];

  it.each(configErrors)('%s %j', async (action, inputs, message) => {
    const withoutChunks = await run(join(entriesOnly, action), inputs);
    expect(withoutChunks.exitCode).toBe(1);
    expect(errors(withoutChunks)).toEqual([expect.stringMatching(/Cannot find module '\.\/\d+\.index\.js'/)]);
    const whole = await run(join(ROOT, 'actions', action), inputs);
    expect(whole.exitCode).toBe(1);
    expect(errors(whole)).toEqual([expect.stringContaining(message)]);
  });
});

describe('yaml', () => {
  it.each(ACTIONS)('is in a chunk of %s, not in its index.js', async (action) => {
    const dist = join(ROOT, 'actions', action, 'dist');
    const withYaml: string[] = [];
    for (const file of (await readdir(dist)).filter((name) => name.endsWith('.js'))) {
      // The core schema's tags: any build of the library that parses a mapping holds them.
      if ((await readFile(join(dist, file), 'utf8')).includes('tag:yaml.org,2002:')) withYaml.push(file);
    }
    expect(withYaml).toEqual([expect.stringMatching(/^\d+\.index\.js$/)]);
  });
});
