// semver's comparison, apart from the version rules (version.ts) that each action checks at start-up:
// only the code that plans or reports a promotion loads it. The one function, not the whole package.
import lt from 'semver/functions/lt.js';
import { isVersion } from './version.js';

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
  if (!isVersion(current)) return { kind: 'unordered' };
  return lt(target, current) ? { kind: 'downgrade' } : { kind: 'upgrade' };
}
