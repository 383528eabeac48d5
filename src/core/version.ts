import semver from 'semver';
import { InputError } from './errors.js';

/**
 * Versions are strict SemVer 2.0 `MAJOR.MINOR.PATCH[-PRERELEASE]`, used verbatim
 * as the image tag. Two forms are refused on purpose:
 * - a leading `v`: `v1.2.3` and `1.2.3` would be two different image tags for one
 *   release, so the suite accepts exactly one spelling;
 * - build metadata (`+sha.abc`): `+` is not allowed in an OCI tag.
 */
export const VERSION_RULE =
  'a SemVer version MAJOR.MINOR.PATCH with an optional -prerelease, e.g. 1.4.2 or 2.0.0-rc.1';

/**
 * Whether a value is a version the suite accepts: semver reads it as a version and writes it back
 * unchanged, which leaves out a leading `v` or `=`, white space and build metadata.
 */
export function isVersion(value: string): boolean {
  return semver.valid(value) === value;
}

export function checkVersion(input: string, value: string): string {
  if (value === '') throw new InputError(input, `is required: ${VERSION_RULE}`);
  if (/^v\d/i.test(value) && isVersion(value.slice(1))) {
    throw new InputError(
      input,
      `'${value}' has a leading 'v'; write ${value.slice(1)} (the version is used verbatim as the image tag)`,
    );
  }
  if (value.includes('+')) {
    throw new InputError(
      input,
      `'${value}' has build metadata ('+...'), which an image tag cannot carry; use ${VERSION_RULE}`,
    );
  }
  if (!isVersion(value)) throw new InputError(input, `'${value}' is not ${VERSION_RULE}`);
  return value;
}

export type VersionChange =
  | { kind: 'unchanged' }
  | { kind: 'first' }
  | { kind: 'upgrade' }
  | { kind: 'downgrade' }
  /** The running tag is not SemVer (for example `latest`): the order is unknown. */
  | { kind: 'unordered' };

/** How moving from the running tag to the target changes the version, by SemVer precedence. */
export function compareVersions(current: string | undefined, target: string): VersionChange {
  if (current === undefined) return { kind: 'first' };
  if (current === target) return { kind: 'unchanged' };
  if (!isVersion(current)) return { kind: 'unordered' };
  return semver.lt(target, current) ? { kind: 'downgrade' } : { kind: 'upgrade' };
}

/** An image digest as kustomize pins it: `algorithm:hex`, e.g. `sha256:` and 64 hex digits. */
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}
