import { describe, expect, it } from 'vitest';
import { InputError, UserError } from './errors.js';
import { ghesTags, qualifySelfReferences, releaseNotes, suiteTags } from './suite-release.js';

describe('suiteTags', () => {
  it('names the release tag and the major tag it moves', () => {
    expect(suiteTags('1.4.2')).toEqual({ release: 'v1.4.2', major: 'v1' });
    expect(suiteTags('0.2.0')).toEqual({ release: 'v0.2.0', major: 'v0' });
    expect(suiteTags('12.0.0')).toEqual({ release: 'v12.0.0', major: 'v12' });
  });

  it('leaves the major tag where it is for a prerelease', () => {
    expect(suiteTags('2.0.0-rc.1')).toEqual({ release: 'v2.0.0-rc.1' });
  });

  it.each(['v1.2.3', '1.2', '1.2.3+build.5', 'latest', ''])('refuses %j, naming the input', (version) => {
    expect(() => suiteTags(version)).toThrow(InputError);
    expect(() => suiteTags(version)).toThrow(/^Input 'version'/);
  });
});

const CHANGELOG = `# Changelog

Intro.

## [Unreleased]

- Not yet.

## [1.2.0] - 2026-12-01

### Added

- A thing.

## [1.1.10]

- Fixed a bug.
## 1.1.1

- Plain heading.
`;

describe('releaseNotes', () => {
  it('takes the lines of the version section, up to the next section', () => {
    expect(releaseNotes(CHANGELOG, '1.2.0')).toBe('### Added\n\n- A thing.');
  });

  it('matches the version exactly: 1.1.1 is not the start of 1.1.10', () => {
    expect(releaseNotes(CHANGELOG, '1.1.10')).toBe('- Fixed a bug.');
    expect(releaseNotes(CHANGELOG, '1.1.1')).toBe('- Plain heading.');
  });

  it('reads a changelog with Windows line endings', () => {
    expect(releaseNotes(CHANGELOG.replace(/\n/g, '\r\n'), '1.2.0')).toBe('### Added\n\n- A thing.');
  });

  it('refuses a version with no section, naming the file', () => {
    expect(() => releaseNotes(CHANGELOG, '1.3.0', 'CHANGELOG.md')).toThrow(
      new UserError("CHANGELOG.md has no section '## [1.3.0]': add the notes of this release"),
    );
    // A dot is a dot: 1x2.0 must not match 1.2.0's heading.
    expect(() => releaseNotes(CHANGELOG.replace('[1.2.0]', '[1x2x0]'), '1.2.0')).toThrow(/no section/);
  });

  it('refuses an empty section, at its line', () => {
    expect(() => releaseNotes('# Changelog\n\n## [2.0.0]\n\n## [1.0.0]\n- x\n', '2.0.0')).toThrow(
      'CHANGELOG.md:3: the section of 2.0.0 is empty: say what changed',
    );
  });
});

describe('ghesTags', () => {
  it('prefixes both tags, and moves no major tag for a prerelease', () => {
    expect(ghesTags(suiteTags('1.4.2'))).toEqual({ release: 'ghes-v1.4.2', major: 'ghes-v1' });
    expect(ghesTags(suiteTags('2.0.0-rc.1'))).toEqual({ release: 'ghes-v2.0.0-rc.1' });
  });
});

describe('qualifySelfReferences', () => {
  const SUITE = { owner: 'acme', repo: 'gitops-promotion', ref: 'ghes-v1.4.2' };
  const WORKFLOW = `# uses: $/actions/x in a comment stays
jobs:
  a:
    steps:
      - uses: actions/checkout@v7 # not ours
      - uses: ./actions/local
      - id: x
        uses: $/actions/overlay-update   # ours
        with: { note: "uses: $/actions/y" }
      - { uses: "$/actions/release" }
      - uses: '$/actions/overlay-deploy'
  b:
    uses: $/.github/workflows/overlay-update.yaml
`;

  it('names the suite and the ref in each $/ reference and leaves every other byte', () => {
    const { text, rewritten } = qualifySelfReferences(WORKFLOW, SUITE, 'w.yaml');
    expect(rewritten).toEqual([
      {
        line: 8,
        from: '$/actions/overlay-update',
        to: 'acme/gitops-promotion/actions/overlay-update@ghes-v1.4.2',
      },
      { line: 10, from: '$/actions/release', to: '"acme/gitops-promotion/actions/release@ghes-v1.4.2"' },
      {
        line: 11,
        from: '$/actions/overlay-deploy',
        to: "'acme/gitops-promotion/actions/overlay-deploy@ghes-v1.4.2'",
      },
      {
        line: 13,
        from: '$/.github/workflows/overlay-update.yaml',
        to: 'acme/gitops-promotion/.github/workflows/overlay-update.yaml@ghes-v1.4.2',
      },
    ]);
    const expected = WORKFLOW.replace(
      'uses: $/actions/overlay-update   # ours',
      'uses: acme/gitops-promotion/actions/overlay-update@ghes-v1.4.2   # ours',
    )
      .replace('"$/actions/release"', '"acme/gitops-promotion/actions/release@ghes-v1.4.2"')
      .replace("'$/actions/overlay-deploy'", "'acme/gitops-promotion/actions/overlay-deploy@ghes-v1.4.2'")
      .replace(
        'uses: $/.github/workflows/overlay-update.yaml',
        'uses: acme/gitops-promotion/.github/workflows/overlay-update.yaml@ghes-v1.4.2',
      );
    expect(text).toBe(expected);
    expect(qualifySelfReferences(text, SUITE).rewritten).toEqual([]);
  });

  it('refuses a $/ reference that pins its own ref, and YAML it cannot read, at the line', () => {
    expect(() => qualifySelfReferences('jobs:\n  a:\n    uses: $/x.yaml@v1\n', SUITE, 'w.yaml')).toThrow(
      new UserError("w.yaml:3: 'uses: $/x.yaml@v1' pins a ref; write $/<path> and let the release pin it"),
    );
    expect(() => qualifySelfReferences('jobs: [\n', SUITE, 'w.yaml')).toThrow(/^w\.yaml:\d+: not valid YAML/);
  });
});
