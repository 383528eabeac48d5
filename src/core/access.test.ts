import { describe, expect, it } from 'vitest';
import {
  accessSummary,
  decideAccess,
  promotionStart,
  MEMBERSHIP_TOKEN_HELP,
  teamsToAsk,
  type MembershipAnswer,
} from './access.js';
import type { AccessList } from './config.js';

const SUBJECT = { action: 'run a release of orders', rule: 'release.allowed in .github/promotion.yaml' };
const LIST: AccessList = { users: ['Release-Manager'], teams: ['release-managers', 'sre'] };

const answers = (entries: Record<string, MembershipAnswer>) => new Map(Object.entries(entries));
/** `null`: no access list in the config (a default parameter would swallow `undefined`). */
const decide = (login: string, given: Record<string, MembershipAnswer>, list: AccessList | null = LIST) =>
  decideAccess(SUBJECT, list ?? undefined, login, 'acme', answers(given));

describe('who may: the decision table', () => {
  it('a listed user is allowed, matched without regard to case, and needs no team lookup', () => {
    expect(teamsToAsk(LIST, 'release-manager')).toEqual([]);
    expect(decide('release-manager', {})).toEqual({
      allowed: true,
      why: 'release-manager is listed in release.allowed in .github/promotion.yaml',
    });
  });

  it('an active member of any listed team is allowed', () => {
    expect(teamsToAsk(LIST, 'mona')).toEqual(['release-managers', 'sre']);
    expect(decide('mona', { 'release-managers': { state: 'none' }, sre: { state: 'active' } })).toEqual({
      allowed: true,
      why: 'mona is a member of team acme/sre',
    });
  });

  it('a member of the first team decides even when a later team was not asked', () => {
    expect(decide('mona', { 'release-managers': { state: 'active' } }).allowed).toBe(true);
  });

  it('someone in no listed team, or only invited (pending), is refused with who may', () => {
    const decision = decide('mallory', { 'release-managers': { state: 'pending' }, sre: { state: 'none' } });
    expect(decision).toEqual({
      allowed: false,
      cannotTell: false,
      message:
        'Refused: mallory may not run a release of orders. Allowed by release.allowed in .github/promotion.yaml: ' +
        'users Release-Manager and teams acme/release-managers, acme/sre; mallory is not listed and not an ' +
        'active member of any of those teams.',
    });
  });

  it('users only: someone else is refused without a word about teams', () => {
    const decision = decide('mallory', {}, { users: ['alice'], teams: [] });
    expect(decision).toMatchObject({ allowed: false, cannotTell: false });
    expect(decision.allowed || decision.message).toMatch(/: users alice; mallory is not listed\.$/);
  });

  it('no restriction: anyone is allowed and the reason says so', () => {
    expect(teamsToAsk(undefined, 'anyone')).toEqual([]);
    expect(decide('anyone', {}, null)).toEqual({
      allowed: true,
      why: 'no restriction: release.allowed in .github/promotion.yaml is not set',
    });
  });

  it('cannot tell (the token may not read teams): refused, naming the token that can', () => {
    const decision = decide('mona', {
      'release-managers': { state: 'unknown', reason: 'GitHub answered 404 for the team itself' },
      sre: { state: 'none' },
    });
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(decision.cannotTell).toBe(true);
    expect(decision.message).toContain('cannot tell whether mona may run a release of orders');
    expect(decision.message).toContain('acme/release-managers: GitHub answered 404 for the team itself');
    expect(decision.message).toContain(MEMBERSHIP_TOKEN_HELP);
    expect(MEMBERSHIP_TOKEN_HELP).toMatch(/Members: read.*read:org.*GITHUB_TOKEN/);
  });

  it('a team not asked at all counts as cannot tell, never as "not a member"', () => {
    const decision = decide('mona', { 'release-managers': { state: 'none' } });
    expect(decision).toMatchObject({ allowed: false, cannotTell: true });
  });

  it('one active answer is enough even when another team could not be read', () => {
    expect(
      decide('mona', { 'release-managers': { state: 'unknown', reason: '403' }, sre: { state: 'active' } }),
    ).toMatchObject({ allowed: true });
  });

  it('a run without an actor is refused when there is a restriction', () => {
    expect(decide('', {})).toMatchObject({ allowed: false, cannotTell: true });
    expect(decide('', {}, null)).toMatchObject({ allowed: true });
  });
});

describe('accessSummary', () => {
  it('names the rule, each person and the decision; says when there is no restriction', () => {
    const allowed = decide('release-manager', {});
    const refused = decide('mallory', { 'release-managers': { state: 'none' }, sre: { state: 'none' } });
    const summary = accessSummary('release: who may release', SUBJECT, LIST, 'acme', [
      { login: 'release-manager', decision: allowed },
      { login: 'mallory', decision: refused },
    ]);
    expect(summary).toContain('### release: who may release');
    expect(summary).toContain(
      '| Allowed | users Release-Manager and teams acme/release-managers, acme/sre |',
    );
    expect(summary).toContain('| `release-manager` | allowed: release-manager is listed in');
    expect(summary).toContain('| `mallory` | refused |');
    const open = accessSummary('x', SUBJECT, undefined, 'acme', [
      { login: 'bob', decision: decide('bob', {}, null) },
    ]);
    expect(open).toContain('release.allowed in .github/promotion.yaml is not set: no restriction');
  });
});

describe('promotionStart', () => {
  it.each([
    // A person dispatching overlay-update, whatever the caller's file is named: by hand.
    ['workflow_dispatch', 'mona', false, true, 'by-hand'],
    ['workflow_dispatch', 'mona', false, false, 'by-hand'],
    // The release promotes to the first environment: release.allowed, not the promoters.
    ['workflow_dispatch', 'mona', true, true, 'release'],
    // from-release for a later environment is no release: by hand, the promoters are checked.
    ['workflow_dispatch', 'mona', true, false, 'by-hand'],
    // The deploy a workflow dispatched with its GITHUB_TOKEN after a GITHUB_TOKEN merge: the chain.
    ['workflow_dispatch', 'github-actions[bot]', false, false, 'chain'],
    // Merges (a reviewer merged) and other events: the chain.
    ['pull_request', 'mona', false, false, 'chain'],
    ['push', 'mona', true, true, 'chain'],
  ] as const)(
    '%s by %s, from-release %s, first environment %s: %s',
    (event, actor, fromRelease, first, expected) => {
      expect(promotionStart(event, actor, fromRelease, first)).toBe(expected);
    },
  );
});
