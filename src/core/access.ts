// Who may release and who may promote by hand: the decision, given the config's access list and
// what GitHub answered about team membership. The lookups themselves are the adapters' business.
import type { AccessList } from './config.js';
import { summarySection } from './summary.js';

/** What is being guarded, for messages: the action and the config key that lists who may do it. */
export interface AccessSubject {
  /** e.g. 'run a release of orders', 'promote orders to uat by hand'. */
  action: string;
  /** e.g. `release.allowed in .github/promotion.yaml`. */
  rule: string;
}

/** GitHub's answer to "is this person in this team", as the adapter read it. */
export type MembershipAnswer =
  | { state: 'active' }
  /** Invited, not yet accepted: not a member. */
  | { state: 'pending' }
  /** The token can see the team and the person is not in it. */
  | { state: 'none' }
  /** The token cannot tell (it may not read the organization's teams): why, in GitHub's words. */
  | { state: 'unknown'; reason: string };

export type AccessDecision =
  { allowed: true; why: string } | { allowed: false; message: string; cannotTell: boolean };

/** How to get a token that can read team membership; the same words in every message. */
export const MEMBERSHIP_TOKEN_HELP =
  'Reading team membership needs a GitHub App installation token with the organization permission ' +
  "'Members: read', or a personal access token with the read:org scope; GITHUB_TOKEN can never read it";

const sameLogin = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** "users a, b and teams org/x" — who the rule lets in, for messages and the summary. */
export function describeAccessList(list: AccessList, org: string): string {
  const parts = [
    ...(list.users.length ? [`users ${list.users.join(', ')}`] : []),
    ...(list.teams.length ? [`teams ${list.teams.map((team) => `${org}/${team}`).join(', ')}`] : []),
  ];
  return parts.join(' and ');
}

/**
 * The teams whose membership would decide for `login`, in the config's order. Empty when no API
 * call is needed: no restriction, or the login is listed by name.
 */
export function teamsToAsk(list: AccessList | undefined, login: string): string[] {
  if (!list || list.users.some((user) => sameLogin(user, login))) return [];
  return [...list.teams];
}

/**
 * Whether `login` may do what `subject` names. Listed users need no answer; otherwise an active
 * membership of any listed team lets them in. When no answer says yes and one could not be read,
 * the person is refused (fail closed) with a message naming the token that can read it.
 */
export function decideAccess(
  subject: AccessSubject,
  list: AccessList | undefined,
  login: string,
  org: string,
  answers: ReadonlyMap<string, MembershipAnswer>,
): AccessDecision {
  if (!list) return { allowed: true, why: `no restriction: ${subject.rule} is not set` };
  if (login === '') {
    return {
      allowed: false,
      cannotTell: true,
      message: `Cannot ${subject.action}: the run names no actor (GITHUB_ACTOR is empty), and ${subject.rule} restricts it to ${describeAccessList(list, org)}`,
    };
  }
  const listed = list.users.find((user) => sameLogin(user, login));
  if (listed) return { allowed: true, why: `${login} is listed in ${subject.rule}` };
  const member = list.teams.find((team) => answers.get(team)?.state === 'active');
  if (member) return { allowed: true, why: `${login} is a member of team ${org}/${member}` };

  const unread = list.teams.filter((team) => {
    const answer = answers.get(team);
    return answer === undefined || answer.state === 'unknown';
  });
  const who = `Allowed by ${subject.rule}: ${describeAccessList(list, org)}`;
  if (unread.length > 0) {
    const reasons = unread.map((team) => {
      const answer = answers.get(team);
      return `${org}/${team}: ${answer?.state === 'unknown' ? answer.reason : 'not asked'}`;
    });
    return {
      allowed: false,
      cannotTell: true,
      message:
        `Refused: cannot tell whether ${login} may ${subject.action}. ${who}, and the membership of ` +
        `${login} could not be read (${reasons.join('; ')}). ${MEMBERSHIP_TOKEN_HELP}.`,
    };
  }
  const teams =
    list.teams.length === 0
      ? ''
      : ` and not an active member of ${list.teams.length === 1 ? 'that team' : 'any of those teams'}`;
  return {
    allowed: false,
    cannotTell: false,
    message: `Refused: ${login} may not ${subject.action}. ${who}; ${login} is not listed${teams}.`,
  };
}

/** One person checked: the actor, or the person who re-ran the run. */
export interface AccessCheck {
  login: string;
  decision: AccessDecision;
}

/** The job summary section of an access check: who ran it, the rule, the decision. */
export function accessSummary(
  heading: string,
  subject: AccessSubject,
  list: AccessList | undefined,
  org: string,
  checks: readonly AccessCheck[],
): string {
  return summarySection(heading, [
    [
      'Allowed',
      list
        ? describeAccessList(list, org)
        : `anyone who may run the workflow (${subject.rule} is not set: no restriction)`,
    ],
    ...checks.map(({ login, decision }): [string, string] => [
      login ? `\`${login}\`` : '(no actor)',
      decision.allowed ? `allowed: ${decision.why}` : 'refused',
    ]),
  ]).join('\n');
}

/** The actor GitHub reports for a dispatch made with a workflow's GITHUB_TOKEN. */
const GITHUB_ACTIONS_BOT = 'github-actions[bot]';

/**
 * How an overlay-update run was started, which decides its access check: `chain` (none: a merge a
 * reviewer made, or the deploy a workflow dispatched with its GITHUB_TOKEN), `release` (the first
 * environment from the suite's service-release: release.allowed, as the release checked) or
 * `by-hand` (the environment's promoters).
 *
 * It is not decided from workflow file names. In a called workflow GitHub reports the caller's
 * top-level workflow: `github.workflow_ref` and GITHUB_WORKFLOW_REF name the caller's file in the
 * caller's repository ("Reusing workflows": the github context is always the caller's), and
 * `github.job_workflow_sha` is the commit, not the name, of the reusable workflow file ("Contexts
 * reference"). A GitOps repository names its callers as it likes and a service repository's caller
 * lives elsewhere, so no name says which of the suite's workflows called. What a person cannot
 * choose decides instead: the event, the actor GitHub reports (no person acts as
 * github-actions[bot]) and `fromRelease`, which the suite's service-release passes. A caller could
 * pass it too, so it never skips a check: it swaps the promoters for release.allowed, and only for
 * the first environment, the one a release promotes to.
 */
export type PromotionStart = 'chain' | 'release' | 'by-hand';

export function promotionStart(
  eventName: string,
  actor: string,
  fromRelease: boolean,
  firstEnvironment: boolean,
): PromotionStart {
  if (eventName !== 'workflow_dispatch') return 'chain';
  if (actor === GITHUB_ACTIONS_BOT) return 'chain';
  return fromRelease && firstEnvironment ? 'release' : 'by-hand';
}
