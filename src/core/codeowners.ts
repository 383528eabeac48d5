// GitHub requests a review from the code owners of the files a pull request changes as soon as it is
// opened (not for drafts), from the CODEOWNERS file of its base branch. The suite asks only for the
// reviewers GitHub does not already ask for, which saves a request on every reviewed promotion.
// Reading CODEOWNERS wrongly would leave a reviewer unasked, so a line this module cannot read
// with certainty makes the answer unknown, and the suite then asks for everyone.

import type { Reviewers } from './config.js';

/** Where GitHub looks for CODEOWNERS, in its order: the first one found is the one used. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

interface Rule {
  /** The owners as written: `@user`, `@org/team` or an email address. */
  owners: string[];
  /** `true`/`false` when certain; `undefined` when the pattern uses syntax this module does not read. */
  matches(path: string): boolean | undefined;
}

const escapeRegExp = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

function segmentPattern(segment: string): string {
  return segment
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : escapeRegExp(c)))
    .join('');
}

/** gitignore-style matching, as GitHub documents it for CODEOWNERS. */
function compile(pattern: string): Rule['matches'] {
  // Character ranges, negation and escapes are not supported by GitHub either, or change meaning.
  if (/[[\]\\!]/.test(pattern)) return () => undefined;
  // A slash at the start or in the middle anchors the pattern at the repository root.
  const anchored = pattern.replace(/\/$/, '').includes('/');
  const directoryOnly = pattern.endsWith('/');
  const segments = pattern.replace(/^\/|\/$/g, '').split('/');
  let body = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') body += last ? '.+' : '(?:[^/]+/)*';
    else body += segmentPattern(segment) + (last ? '' : '/');
  });
  const regex = new RegExp(`^${anchored ? '' : '(?:[^/]+/)*'}${body}$`);
  const lastHasWildcard = /[*?]/.test(segments.at(-1)!) && segments.at(-1) !== '**';
  return (path) => {
    const parts = path.split('/');
    if (!directoryOnly && regex.test(path)) return true;
    const ancestorMatches = parts.slice(1).some((_, i) => regex.test(parts.slice(0, i + 1).join('/')));
    if (!ancestorMatches) return false;
    // A pattern matching a folder owns what is inside, but GitHub documents `docs/*` as owning only
    // the files directly in docs/: when a wildcard matched the folder, do not guess.
    return lastHasWildcard ? undefined : true;
  };
}

function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const tokens = line.split(/\s+/);
    const comment = tokens.findIndex((token) => token.startsWith('#'));
    const [pattern, ...owners] = comment < 0 ? tokens : tokens.slice(0, comment);
    rules.push({ owners, matches: compile(pattern!) });
  }
  return rules;
}

/**
 * The users and teams (slugs of `org`'s teams) that GitHub asks to review a pull request changing
 * `path`: the owners of the last CODEOWNERS line matching it. `undefined` when that cannot be known.
 */
export function codeOwnersOf(text: string, path: string, org: string): Reviewers | undefined {
  const rules = parseRules(text);
  for (let i = rules.length - 1; i >= 0; i--) {
    const match = rules[i]!.matches(path);
    if (match === undefined) return undefined;
    if (!match) continue;
    const users: string[] = [];
    const teams: string[] = [];
    for (const owner of rules[i]!.owners) {
      const team = /^@([^/\s]+)\/([^/\s]+)$/.exec(owner);
      if (team) {
        if (team[1]!.toLowerCase() === org.toLowerCase()) teams.push(team[2]!.toLowerCase());
      } else if (owner.startsWith('@')) users.push(owner.slice(1).toLowerCase());
    }
    return { users, teams };
  }
  return { users: [], teams: [] };
}

/** The reviewers to request on a new pull request changing `path`, leaving out those GitHub asks itself. */
export function reviewersBeyondCodeOwners(
  reviewers: Reviewers,
  codeowners: string | undefined,
  path: string,
  org: string,
): Reviewers {
  const owners = codeowners === undefined ? undefined : codeOwnersOf(codeowners, path, org);
  if (!owners) return reviewers;
  return {
    users: reviewers.users.filter((user) => !owners.users.includes(user.toLowerCase())),
    teams: reviewers.teams.filter((team) => !owners.teams.includes(team.toLowerCase())),
  };
}
