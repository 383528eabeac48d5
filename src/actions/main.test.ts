// Each action's main.ts, imported directly (no bundle): how it reads its inputs with @actions/core
// into its typed inputs, and how a failure ends the step.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError, UserError } from '../core/errors.js';
import * as overlayDeploy from './overlay-deploy/main.js';
import * as overlayUpdate from './overlay-update/main.js';
import * as release from './release/main.js';
import { booleanInput, failStep } from './step.js';

const TOKEN = 'ghs_mainTestToken0123456789';

/** What the step wrote to stdout: workflow commands and log lines. */
let stdout: string[];

beforeEach(() => {
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs))
    vi.stubEnv(`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value);
}

/** Valid inputs for each of the three actions (each reads the ones it has). */
const INPUTS = { overlay: 'uat', service: 'orders', version: '1.4.2', token: TOKEN };

/** The main.ts of each action with a boolean input, that input, and its default in action.yml. */
const actions = [
  { name: 'overlay-update', main: overlayUpdate, boolean: 'allow-downgrade', fallback: false },
  { name: 'overlay-deploy', main: overlayDeploy, boolean: 'dry-run', fallback: false },
] as const;

type Main = (typeof actions)[number]['main'];

/** The typed inputs an action's readInputs returns, by field (overlay-deploy's on workflow_dispatch). */
function readInputs(main: Main): Record<string, unknown> {
  return { ...main.readInputs('workflow_dispatch') };
}

/** The field of the typed inputs that holds an input: allow-downgrade is allowDowngrade. */
const field = (input: string) => input.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());

describe.each(actions)('$name readInputs', ({ main, boolean, fallback }) => {
  const readBoolean = () => readInputs(main)[field(boolean)];
  beforeEach(() => setInputs(INPUTS));

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    ['', fallback],
  ])(`reads ${boolean} %j as %s`, (value, expected) => {
    setInputs({ [boolean]: value });
    expect(readBoolean()).toBe(expected);
  });

  it.each(['yes', 'no', '1', '0', 'on', 'maybe'])(`refuses ${boolean} %j, naming the input`, (value) => {
    setInputs({ [boolean]: value });
    expect(readBoolean).toThrowError(InputError);
    expect(readBoolean).toThrowError(`Input '${boolean}': '${value}' is not a boolean: use true or false`);
  });

  it('masks the token and keeps it in the inputs', () => {
    expect(readInputs(main).token).toBe(TOKEN);
    expect(stdout).toContain(`::add-mask::${TOKEN}\n`);
  });

  it('defaults the config path', () => {
    expect(readInputs(main).config).toBe('.github/promotion.yaml');
  });
});

describe.each(actions)('$name run', ({ main, boolean }) => {
  it('fails the step with one error annotation on a wrong boolean, before reading anything else', async () => {
    vi.stubEnv('GITHUB_REPOSITORY', 'acme/platform');
    setInputs({ ...INPUTS, [boolean]: 'no' });
    await main.run();
    expect(process.exitCode).toBe(1);
    expect(stdout.filter((line) => line.startsWith('::error'))).toEqual([
      `::error::Input '${boolean}': 'no' is not a boolean: use true or false (or True, TRUE, False, FALSE)\n`,
    ]);
  });
});

describe('readInputs of each action', () => {
  it('checks the plain inputs as it reads them', () => {
    setInputs({ service: 'orders', version: 'v1.2.3' });
    expect(() => release.readInputs()).toThrowError("Input 'version': 'v1.2.3' has a leading 'v'");
    setInputs({ overlay: 'dev', service: 'orders', version: '', token: '' });
    expect(() => overlayUpdate.readInputs()).toThrowError("Input 'token': required");
    setInputs({ 'rollout-timeout': '5m' });
    expect(() => overlayDeploy.readInputs('pull_request')).toThrowError("Input 'rollout-timeout': '5m'");
  });

  it('reads the release stage, plan by default, and the digest only with confirm', () => {
    const digest = `sha256:${'5a'.repeat(32)}`;
    setInputs({ service: 'orders', version: '1.2.3', token: TOKEN });
    expect(release.readInputs()).toEqual({
      service: 'orders',
      version: '1.2.3',
      stage: 'plan',
      config: '.github/promotion.yaml',
      token: TOKEN,
      gitopsRepository: '',
    });
    setInputs({ stage: 'confirm', digest });
    expect(release.readInputs()).toMatchObject({ stage: 'confirm', digest });
    setInputs({ stage: 'plan' });
    expect(() => release.readInputs()).toThrowError("Input 'digest': is read only with stage: confirm");
  });

  it('passes the overlay-deploy inputs on, the timeout in seconds', () => {
    setInputs({ overlay: 'prod', service: 'catalog', 'rollout-timeout': '90', token: TOKEN });
    expect(overlayDeploy.readInputs('workflow_dispatch')).toEqual({
      overlay: 'prod',
      service: 'catalog',
      rolloutTimeoutSeconds: 90,
      dryRun: false,
      config: '.github/promotion.yaml',
      token: TOKEN,
      // Without attestation-token, gh reads attestations with the token.
      attestationToken: TOKEN,
      suiteRepository: '',
    });
  });

  it('reads the suite repository and a token of its own for attestations', () => {
    setInputs({
      overlay: 'prod',
      service: 'catalog',
      token: TOKEN,
      'suite-repository': ' acme/gitops-promotion ',
      'attestation-token': 'ghs_attestationsToken0123456789',
    });
    expect(overlayDeploy.readInputs('workflow_dispatch')).toMatchObject({
      suiteRepository: 'acme/gitops-promotion',
      attestationToken: 'ghs_attestationsToken0123456789',
      token: TOKEN,
    });
  });
});

describe('booleanInput', () => {
  it('reads an input that is not set as its fallback', () => {
    expect(booleanInput('not-set-anywhere', true)).toBe(true);
    expect(booleanInput('not-set-anywhere', false)).toBe(false);
  });
});

describe('failStep', () => {
  it('annotates a UserError with a location on its file, line and column, without a stack', () => {
    failStep(
      new UserError("unknown key 'enviroments'", { file: '.github/promotion.yaml', line: 3, column: 1 }),
    );
    expect(process.exitCode).toBe(1);
    expect(stdout).toEqual([
      "::error file=.github/promotion.yaml,line=3,col=1::.github/promotion.yaml:3:1: unknown key 'enviroments'\n",
    ]);
  });

  it('fails with the message of a UserError alone', () => {
    failStep(new InputError('service', 'is required'));
    expect(process.exitCode).toBe(1);
    expect(stdout).toEqual(["::error::Input 'service': is required\n"]);
  });

  it('fails with the message of any other error, its stack in the log first', () => {
    const error = new TypeError('Cannot read properties of undefined');
    failStep(error);
    expect(process.exitCode).toBe(1);
    expect(stdout).toEqual([`${error.stack}\n`, '::error::Cannot read properties of undefined\n']);
  });

  it('fails with whatever was thrown when it is not an Error', () => {
    failStep('a string');
    expect(stdout).toEqual(['::error::a string\n']);
  });
});
