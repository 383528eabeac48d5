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

// The versions semver's `valid(v) === v` accepts, spelled out here: every action checks its
// inputs before it loads anything else, and loading semver (its tables of expressions) took about
// 2.5 ms, more than the rest of the check. Numbers without leading zeros; a prerelease identifier
// is a number or has a letter or '-'; semver also refuses more than 256 characters and numbers
// past 2^53 - 1. version.test.ts holds this to semver's answers.
const NUMBER = '0|[1-9]\\d*';
const IDENTIFIER = `\\d*[a-zA-Z-][a-zA-Z0-9-]*|${NUMBER}`;
const VERSION = new RegExp(
  `^(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})(?:-(?:${IDENTIFIER})(?:\\.(?:${IDENTIFIER}))*)?$`,
);
const MAX_LENGTH = 256;

/** Whether a value is a version the suite accepts, exactly as semver's `valid(value) === value`. */
export function isVersion(value: string): boolean {
  const match = value.length <= MAX_LENGTH ? VERSION.exec(value) : null;
  return match !== null && match.slice(1, 4).every((part) => Number(part) <= Number.MAX_SAFE_INTEGER);
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

/** An image digest as kustomize pins it: `algorithm:hex`, e.g. `sha256:` and 64 hex digits. */
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/;

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}
