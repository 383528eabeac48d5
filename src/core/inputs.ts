// The action inputs that are checked without reading a file: names, versions, the digest, the
// release stage, the rollout timeout, a required token. Each action (src/actions/<name>/main.ts) checks
// them as it reads its inputs, so a wrong one is refused before the config or the checkout is read.
import { checkDigest } from './digest.js';
import { InputError, quoted } from './errors.js';
import { checkName } from './names.js';
import { DEFAULT_MAX_AGE_HOURS, parseMaxAgeHours } from './status.js';
import { checkVersion } from './version.js';

/**
 * The release runs twice in a job: `plan` checks who may release and the tag, and says what
 * docker/build-push-action builds; `confirm` checks the digest that action pushed against the registry.
 */
export const RELEASE_STAGES = ['plan', 'confirm'] as const;
export type ReleaseStage = (typeof RELEASE_STAGES)[number];

export type PlainReleaseInputs = { service: string; version: string } & (
  { stage: 'plan' } | { stage: 'confirm'; digest: string }
);

export function checkReleaseInputs(inputs: {
  service: string;
  version: string;
  stage: string;
  digest: string;
}): PlainReleaseInputs {
  const service = checkName('service', inputs.service);
  const version = checkVersion('version', inputs.version);
  if (!(RELEASE_STAGES as readonly string[]).includes(inputs.stage)) {
    throw new InputError(
      'stage',
      `${quoted(inputs.stage)} is not a stage: use ${RELEASE_STAGES.join(' or ')}`,
    );
  }
  if (inputs.stage === 'plan') {
    if (inputs.digest !== '') {
      throw new InputError(
        'digest',
        'is read only with stage: confirm (the digest docker/build-push-action pushed)',
      );
    }
    return { service, version, stage: 'plan' };
  }
  if (inputs.digest === '') {
    throw new InputError(
      'digest',
      'required with stage: confirm: the digest output of docker/build-push-action (sha256:...)',
    );
  }
  return { service, version, stage: 'confirm', digest: checkDigest('digest', inputs.digest) };
}

export interface PlainOverlayUpdateInputs {
  overlay: string;
  service: string;
  /** Absent: the environment copies the version of the one before (the config says which). */
  version?: string;
  digest?: string;
}

export function checkOverlayUpdateInputs(inputs: {
  overlay: string;
  service: string;
  version: string;
  digest: string;
  token: string;
}): PlainOverlayUpdateInputs {
  const overlay = checkName('overlay', inputs.overlay);
  const service = checkName('service', inputs.service);
  const version = inputs.version === '' ? undefined : checkVersion('version', inputs.version);
  if (inputs.digest !== '') checkDigest('digest', inputs.digest);
  if (!inputs.token) {
    throw new InputError(
      'token',
      'required to open the promotion pull request (an App token, a PAT or github.token)',
    );
  }
  return {
    overlay,
    service,
    ...(version ? { version } : {}),
    ...(inputs.digest ? { digest: inputs.digest } : {}),
  };
}

/**
 * A pull_request event deploys the promotion branch it merged, whose name (release/<service>/<env>)
 * says what to deploy: overlay-deploy then does not read its overlay and service inputs.
 */
export function deploysMergedBranch(eventName: string): boolean {
  return eventName === 'pull_request' || eventName === 'pull_request_target';
}

export interface PlainOverlayDeployInputs {
  overlay: string;
  service: string;
  rolloutTimeoutSeconds: number;
}

/** A deploy that applies (not a dry run) records a GitHub deployment, with the token. */
export function requireDeploymentToken(token: string): void {
  if (!token)
    throw new InputError(
      'token',
      'required to record the GitHub deployment (github.token needs deployments: write)',
    );
}

export function checkOverlayDeployInputs(
  eventName: string,
  inputs: { overlay: string; service: string; rolloutTimeout: string; dryRun: boolean; token: string },
): PlainOverlayDeployInputs {
  if (!/^[1-9]\d{0,4}$/.test(inputs.rolloutTimeout)) {
    throw new InputError(
      'rollout-timeout',
      `${quoted(inputs.rolloutTimeout)} is not a number of seconds (1 to 99999)`,
    );
  }
  if (!deploysMergedBranch(eventName)) {
    checkName('overlay', inputs.overlay);
    checkName('service', inputs.service);
    // Explicit inputs always deploy; a pull_request event may turn out a skip, which needs no token.
    if (!inputs.dryRun) requireDeploymentToken(inputs.token);
  }
  return {
    overlay: inputs.overlay,
    service: inputs.service,
    rolloutTimeoutSeconds: Number(inputs.rolloutTimeout),
  };
}

export interface PlainPromotionStatusInputs {
  maxAgeHours: number;
}

/** The promotion-status inputs that need no file: how long a PR may wait, and a token to read with. */
export function checkPromotionStatusInputs(inputs: {
  maxAgeHours: string;
  token: string;
}): PlainPromotionStatusInputs {
  const text = inputs.maxAgeHours.trim() || String(DEFAULT_MAX_AGE_HOURS);
  const maxAgeHours = parseMaxAgeHours(text);
  if (maxAgeHours === undefined) {
    throw new InputError(
      'max-age-hours',
      `${quoted(text)} is not a positive number of hours: use e.g. 72, or 0.5 for half an hour`,
    );
  }
  if (!inputs.token) {
    throw new InputError(
      'token',
      'required to read pull requests and deployments (github.token with pull-requests and deployments read)',
    );
  }
  return { maxAgeHours };
}
