// The suite's own releases: users call its workflows at `vX.Y.Z` or at the moving major tag `vX`,
// so a release names both tags, and its notes are the version's section of CHANGELOG.md. Pure: the
// release workflow (.github/workflows/release.yaml) checks and pushes through `npm run release-notes`.
import { UserError } from './errors.js';
import { checkVersion } from './version.js';
import semver from 'semver';

export interface SuiteTags {
  /** `vX.Y.Z`: never moves once pushed. */
  release: string;
  /** `vX`, moved to each release of that major version; none for a prerelease. */
  major?: string;
}

export function suiteTags(version: string): SuiteTags {
  checkVersion('version', version);
  const release = `v${version}`;
  return semver.prerelease(version) ? { release } : { release, major: `v${semver.major(version)}` };
}

/**
 * The notes of one version in a changelog kept as keepachangelog.com lays it out: the lines under
 * `## [X.Y.Z]` (a date or link may follow) up to the next `## ` heading. A release without notes is
 * refused: users read them before moving to a new tag.
 */
export function releaseNotes(changelog: string, version: string, file = 'CHANGELOG.md'): string {
  const lines = changelog.split(/\r?\n/);
  const heading = new RegExp(`^## \\[?${version.replace(/\./g, '\\.')}\\]?(?:\\s|$)`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0)
    throw new UserError(`${file} has no section '## [${version}]': add the notes of this release`);
  const after = lines.slice(start + 1);
  const end = after.findIndex((line) => line.startsWith('## '));
  const notes = (end < 0 ? after : after.slice(0, end)).join('\n').trim();
  if (notes === '')
    throw new UserError(`${file}:${start + 1}: the section of ${version} is empty: say what changed`);
  return notes;
}
