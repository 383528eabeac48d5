import { describe, expect, it } from 'vitest';
import { InputError, UserError } from './errors.js';
import { releaseNotes, suiteTags } from './suite-release.js';

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
