// The two functions, not the whole package: its ranges and caches would load with every action.
import lt from 'semver/functions/lt.js';
import valid from 'semver/functions/valid.js';
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

export function checkVersion(input: string, value: string): string {
  if (value === '') throw new InputError(input, `is required: ${VERSION_RULE}`);
  if (/^v\d/i.test(value) && valid(value.slice(1), { loose: false }) === value.slice(1)) {
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
  if (valid(value, { loose: false }) !== value) {
    throw new InputError(input, `'${value}' is not ${VERSION_RULE}`);
  }
  return value;
}

export type VersionChange =
  | { kind: 'unchanged' }
  | { kind: 'first' }
  | { kind: 'upgrade' }
  | { kind: 'downgrade' }
  /** The running tag is not SemVer (for example `latest`): the order is unknown. */
  | { kind: 'unordered' };

export function compareVersions(current: string | undefined, target: string): VersionChange {
  if (current === undefined) return { kind: 'first' };
  if (current === target) return { kind: 'unchanged' };
  if (valid(current) !== current) return { kind: 'unordered' };
  return lt(target, current) ? { kind: 'downgrade' } : { kind: 'upgrade' };
}
