// The suite's own releases: users call its workflows at `vX.Y.Z` or at the moving major tag `vX`,
// so a release names both tags, and its notes are the version's section of CHANGELOG.md. Pure: the
// release workflow (.github/workflows/release.yaml) checks and pushes through `npm run release-notes`.
import { UserError } from './errors.js';
import { checkVersion } from './version.js';
import semver from 'semver';
import { isScalar, LineCounter, parseDocument, Scalar, visit } from 'yaml';

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

/**
 * The tags of the GitHub Enterprise Server form of a release: `ghes-vX.Y.Z` and the moving
 * `ghes-vX`. GHES has no `$/` (the self-repository `uses:` of github.com), so its form names the
 * suite's repository and this exact tag in every self-reference (qualifySelfReferences).
 */
export function ghesTags(tags: SuiteTags): SuiteTags {
  return {
    release: `ghes-${tags.release}`,
    ...(tags.major === undefined ? {} : { major: `ghes-${tags.major}` }),
  };
}

export interface QualifiedReference {
  line: number;
  from: string;
  to: string;
}

/**
 * Rewrites each `uses: $/<path>` of a workflow to `uses: <owner>/<repo>/<path>@<ref>`, the form
 * GitHub Enterprise Server resolves in the suite's repository (GitHub docs, workflow syntax
 * `jobs.<job_id>.steps[*].uses` and "Reusing workflows": `{owner}/{repo}/{path}@{ref}`). Every
 * other byte stays as it was; a `$/` reference that already pins a ref is refused, since the
 * release, not the file, decides which ref the suite calls itself at.
 */
export function qualifySelfReferences(
  text: string,
  suite: { owner: string; repo: string; ref: string },
  file = 'workflow.yaml',
): { text: string; rewritten: QualifiedReference[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, keepSourceTokens: true });
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  const [syntax] = document.errors;
  if (syntax) throw new UserError(`${file}:${syntax.linePos?.[0].line ?? 1}: not valid YAML: ${syntax.code}`);
  const edits: { start: number; end: number; from: string; to: string }[] = [];
  visit(document, {
    Pair(_key, pair) {
      if (!isScalar(pair.key) || pair.key.value !== 'uses' || !isScalar(pair.value)) return;
      const { value, range, type } = pair.value;
      if (typeof value !== 'string' || !value.startsWith('$/') || !range) return;
      if (value.includes('@')) {
        throw new UserError(
          `${file}:${lineOf(range[0])}: 'uses: ${value}' pins a ref; write $/<path> and let the release pin it`,
        );
      }
      const qualified = `${suite.owner}/${suite.repo}/${value.slice(2)}@${suite.ref}`;
      const quote = type === Scalar.QUOTE_DOUBLE ? '"' : type === Scalar.QUOTE_SINGLE ? "'" : '';
      edits.push({ start: range[0], end: range[1], from: value, to: `${quote}${qualified}${quote}` });
    },
  });
  let rewrittenText = text;
  for (const edit of [...edits].reverse())
    rewrittenText = rewrittenText.slice(0, edit.start) + edit.to + rewrittenText.slice(edit.end);
  return {
    text: rewrittenText,
    rewritten: edits.map((edit) => ({ line: lineOf(edit.start), from: edit.from, to: edit.to })),
  };
}
