import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import {
  checkOverlayDeployInputs,
  checkPromotionStatusInputs,
  checkOverlayUpdateInputs,
  checkReleaseInputs,
  deploysMergedBranch,
} from './inputs.js';

const DIGEST = `sha256:${'7e'.repeat(32)}`;

describe('checkReleaseInputs', () => {
  const good = { service: 'orders', version: '1.4.2', stage: 'plan', digest: '' };

  it('passes valid inputs on: plan without a digest, confirm with one', () => {
    expect(checkReleaseInputs(good)).toEqual({ service: 'orders', version: '1.4.2', stage: 'plan' });
    expect(checkReleaseInputs({ ...good, stage: 'confirm', digest: DIGEST })).toEqual({
      service: 'orders',
      version: '1.4.2',
      stage: 'confirm',
      digest: DIGEST,
    });
  });

  it.each([
    [{ service: '../orders' }, "Input 'service': '../orders' is not a valid name"],
    [{ service: '' }, "Input 'service': is required"],
    [{ version: 'latest' }, "Input 'version': 'latest' is not a SemVer version"],
    [{ version: 'v1.4.2' }, "Input 'version': 'v1.4.2' has a leading 'v'"],
    [{ stage: 'build' }, "Input 'stage': 'build' is not a stage: use plan or confirm"],
    [{ digest: DIGEST }, "Input 'digest': is read only with stage: confirm"],
    [{ stage: 'confirm' }, "Input 'digest': required with stage: confirm"],
    [{ stage: 'confirm', digest: 'sha256:abc' }, "Input 'digest': 'sha256:abc'"],
  ])('refuses %j', (change, message) => {
    expect(() => checkReleaseInputs({ ...good, ...change })).toThrowError(InputError);
    expect(() => checkReleaseInputs({ ...good, ...change })).toThrowError(message);
  });
});

describe('checkOverlayUpdateInputs', () => {
  const good = { overlay: 'uat', service: 'orders', version: '', digest: '', token: 'ghs_x' };

  it('leaves an empty version and digest out: the environment copies the one before', () => {
    expect(checkOverlayUpdateInputs(good)).toEqual({ overlay: 'uat', service: 'orders' });
    expect(checkOverlayUpdateInputs({ ...good, version: '1.6.0', digest: DIGEST })).toEqual({
      overlay: 'uat',
      service: 'orders',
      version: '1.6.0',
      digest: DIGEST,
    });
  });

  it.each([
    [{ overlay: '' }, "Input 'overlay': is required"],
    [{ overlay: 'Prod' }, "Input 'overlay': 'Prod' is not a valid name"],
    [{ service: 'a/b' }, "Input 'service': 'a/b' is not a valid name"],
    [{ version: '1.2' }, "Input 'version': '1.2' is not a SemVer version"],
    [{ digest: 'sha256:xyz' }, "Input 'digest': 'sha256:xyz' is not an OCI image digest"],
    [{ token: '' }, "Input 'token': required to open the promotion pull request"],
  ])('refuses %j', (change, message) => {
    expect(() => checkOverlayUpdateInputs({ ...good, ...change })).toThrowError(InputError);
    expect(() => checkOverlayUpdateInputs({ ...good, ...change })).toThrowError(message);
  });
});

describe('checkOverlayDeployInputs', () => {
  const good = { overlay: 'prod', service: 'catalog', rolloutTimeout: '300', dryRun: false, token: 'ghs_x' };

  it('reads the timeout as seconds', () => {
    expect(checkOverlayDeployInputs('workflow_dispatch', { ...good, rolloutTimeout: '90' })).toEqual({
      overlay: 'prod',
      service: 'catalog',
      rolloutTimeoutSeconds: 90,
    });
  });

  it.each([
    [{ rolloutTimeout: '5m' }, "Input 'rollout-timeout': '5m' is not a number of seconds"],
    [{ rolloutTimeout: '0' }, "Input 'rollout-timeout': '0' is not a number of seconds"],
    [{ overlay: '' }, "Input 'overlay': is required"],
    [{ service: '../x' }, "Input 'service': '../x' is not a valid name"],
    [{ token: '' }, "Input 'token': required to record the GitHub deployment"],
  ])('refuses %j on workflow_dispatch', (change, message) => {
    expect(() => checkOverlayDeployInputs('workflow_dispatch', { ...good, ...change })).toThrowError(message);
  });

  it('needs no token for a dry run, which records nothing', () => {
    expect(() =>
      checkOverlayDeployInputs('workflow_dispatch', { ...good, dryRun: true, token: '' }),
    ).not.toThrow();
  });

  it('on a pull_request event does not read overlay and service (the merged branch names them) nor ask for the token yet (it may be a skip)', () => {
    expect(deploysMergedBranch('pull_request')).toBe(true);
    expect(deploysMergedBranch('pull_request_target')).toBe(true);
    expect(deploysMergedBranch('workflow_call')).toBe(false);
    expect(() =>
      checkOverlayDeployInputs('pull_request', { ...good, overlay: '', service: '../x', token: '' }),
    ).not.toThrow();
    expect(() => checkOverlayDeployInputs('pull_request', { ...good, rolloutTimeout: 'x' })).toThrowError(
      "Input 'rollout-timeout'",
    );
  });
});

describe('checkPromotionStatusInputs', () => {
  it.each([
    ['72', 72],
    ['0.5', 0.5],
    ['', 72],
    [' 24 ', 24],
  ])('reads max-age-hours %j as %s', (maxAgeHours, expected) => {
    expect(checkPromotionStatusInputs({ maxAgeHours, token: 't' })).toEqual({ maxAgeHours: expected });
  });

  it.each(['0', '-1', '1e3', '3d', '0x10', 'Infinity', '.5'])(
    'refuses max-age-hours %j, naming it',
    (maxAgeHours) => {
      expect(() => checkPromotionStatusInputs({ maxAgeHours, token: 't' })).toThrowError(
        `Input 'max-age-hours': '${maxAgeHours}' is not a positive number of hours`,
      );
    },
  );

  it('needs a token, after max-age-hours', () => {
    expect(() => checkPromotionStatusInputs({ maxAgeHours: '72', token: '' })).toThrowError(
      "Input 'token': required to read pull requests and deployments",
    );
  });
});
