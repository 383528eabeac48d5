import semver from 'semver';
import { InputError, quoted } from './errors.js';

/**
 * Versions are strict SemVer 2.0 `MAJOR.MINOR.PATCH[-PRERELEASE]`, used verbatim
 * as the image tag. Two forms are refused on purpose:
 * - a leading `v`: `v1.2.3` and `1.2.3` would be two different image tags for one
 *   release, so the suite accepts exactly one spelling;
 * - build metadata (`+sha.abc`): `+` is not allowed in an OCI tag.
 */
export const VERSION_RULE =
  'a SemVer version MAJOR.MINOR.PATCH with an optional -prerelease, at most 128 characters, e.g. 1.4.2 or 2.0.0-rc.1';

/**
 * Whether a value is a version the suite accepts: semver reads it as a version and writes it back
 * unchanged, which leaves out a leading `v` or `=`, white space and build metadata.
 */
export function isVersion(value: string): boolean {
  return semver.valid(value) === value;
}

/** An OCI tag is at most this long (distribution spec), and so is a version: it is used as the tag. */
export const MAX_TAG_LENGTH = 128;

/** The OCI distribution spec's tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`. */
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

export const TAG_RULE = `an image tag: letters, digits, '_', '.' and '-', not starting with '.' or '-', at most ${MAX_TAG_LENGTH} characters`;

export function isTag(value: string): boolean {
  return TAG.test(value);
}

/** What is wrong with a value as an image tag, or undefined when it is one. */
export function tagProblem(value: string): string | undefined {
  return isTag(value) ? undefined : `${quoted(value)} is not ${TAG_RULE}`;
}

/** What is wrong with a value as a version, or undefined when it is one: the messages of checkVersion. */
export function versionProblem(value: string): string | undefined {
  if (value === '') return `is required: ${VERSION_RULE}`;
  if ([...value].length > MAX_TAG_LENGTH) {
    return `${quoted(value)} is longer than ${MAX_TAG_LENGTH} characters, the most an image tag may have; use ${VERSION_RULE}`;
  }
  if (/^v\d/i.test(value) && isVersion(value.slice(1))) {
    return `${quoted(value)} has a leading 'v'; write ${value.slice(1)} (the version is used verbatim as the image tag)`;
  }
  if (value.includes('+')) {
    return `${quoted(value)} has build metadata ('+...'), which an image tag cannot carry; use ${VERSION_RULE}`;
  }
  if (!isVersion(value)) return `${quoted(value)} is not ${VERSION_RULE}`;
  return undefined;
}

export function checkVersion(input: string, value: string): string {
  const problem = versionProblem(value);
  if (problem) throw new InputError(input, problem);
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
