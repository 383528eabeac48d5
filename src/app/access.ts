import {
  accessSummary,
  decideAccess,
  teamsToAsk,
  type AccessCheck,
  type AccessSubject,
  type MembershipAnswer,
} from '../core/access.js';
import type { AccessList } from '../core/config.js';
import { UserError } from '../core/errors.js';

export interface AccessRequest {
  /** Heading of the job summary section. */
  heading: string;
  subject: AccessSubject;
  /** From the config; undefined: no restriction. */
  list: AccessList | undefined;
  /** The organization the teams belong to: the repository owner. */
  org: string;
  /** The actor, and the person who re-ran the run when that is someone else: each must be allowed. */
  logins: string[];
}

export interface AccessDeps {
  /** Undefined when no token was given: a team then cannot be read. Called only when a team decides. */
  membership: ((team: string, login: string) => Promise<MembershipAnswer>) | undefined;
  writeSummary: (markdown: string) => Promise<void>;
}

/**
 * Refuses the run (a UserError naming who is allowed) unless every person who started it is
 * allowed, before anything else happens. Teams are asked in the config's order until one says yes.
 */
export async function requireAccess(request: AccessRequest, deps: AccessDeps): Promise<void> {
  const checks: AccessCheck[] = [];
  for (const login of request.logins) {
    const answers = new Map<string, MembershipAnswer>();
    // Without a login there is nobody to look up: decideAccess refuses when there is a restriction.
    for (const team of login ? teamsToAsk(request.list, login) : []) {
      const answer: MembershipAnswer = deps.membership
        ? await deps.membership(team, login)
        : { state: 'unknown', reason: "no token was given (input 'token')" };
      answers.set(team, answer);
      if (answer.state === 'active') break;
    }
    checks.push({
      login,
      decision: decideAccess(request.subject, request.list, login, request.org, answers),
    });
  }
  await deps.writeSummary(accessSummary(request.heading, request.subject, request.list, request.org, checks));
  const refused = checks.find((check) => !check.decision.allowed)?.decision;
  if (refused && !refused.allowed) throw new UserError(refused.message);
}
