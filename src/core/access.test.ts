import { describe, expect, it } from 'vitest';
import {
  accessSummary,
  decideAccess,
  isPromotionByHand,
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

describe('isPromotionByHand', () => {
  const repo = 'acme/platform';
  const flow = (file: string, ref = 'refs/heads/main') => `acme/platform/.github/workflows/${file}@${ref}`;
  it.each([
    ['workflow_dispatch', flow('overlay-update.yaml'), 'mona', true],
    // A workflow of the repository that calls overlay-update: still a person's dispatch.
    ['workflow_dispatch', flow('promote.yaml'), 'mona', true],
    ['workflow_dispatch', '', 'mona', true],
    // The chain: a release dispatched (the release check covered the person) ...
    ['workflow_dispatch', flow('service-release.yaml'), 'mona', false],
    // ... or the deploy overlay-update dispatched itself after a GITHUB_TOKEN merge.
    [
      'workflow_dispatch',
      flow('overlay-deploy.yaml').replace('acme/platform', 'Acme/Platform'),
      'github-actions[bot]',
      false,
    ],
    // A person dispatching the deploy also opens the next environment's promotion: by hand.
    ['workflow_dispatch', flow('overlay-deploy.yaml'), 'mona', true],
    // Another repository's workflow of the same name is not this repository's chain.
    ['workflow_dispatch', 'evil/fork/.github/workflows/service-release.yaml@refs/heads/main', 'mona', true],
    ['pull_request', flow('overlay-deploy.yaml', 'refs/pull/7/merge'), 'mona', false],
    ['push', flow('overlay-update.yaml'), 'mona', false],
  ] as const)('%s of %s by %s: %s', (event, ref, actor, expected) => {
    expect(isPromotionByHand(event, ref, repo, actor)).toBe(expected);
  });
});
