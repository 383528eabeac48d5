// Who may release and who may promote by hand. The lists are read from the configuration on the
// default branch, at the head GitHub reports for it, never from the ref a run was dispatched on:
// anyone with write access can push a branch whose .github/promotion.yaml lists them, and "Run
// workflow" runs that branch's workflow with that branch's files.
import {
  accessSummary,
  decideAccess,
  teamsToAsk,
  type AccessCheck,
  type AccessSubject,
  type MembershipAnswer,
} from '../core/access.js';
import type { AccessList, Environment, PromotionConfig } from '../core/config.js';
import { parseConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import type { Git } from '../adapters/git.js';

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

/** The default branch and the commit GitHub reports at its head. */
export interface BranchHead {
  branch: string;
  sha: string;
}

/**
 * The promotion config as the default branch has it at the head GitHub reports (`readHead`, asked
 * once the workspace is known to be a checkout), fetched into the checkout: the one source of who
 * may release and promote. A missing file or a symbolic link is a clear error.
 */
export async function configOnDefaultBranch(
  git: Git,
  readHead: () => Promise<BranchHead>,
  path: string,
): Promise<{ config: PromotionConfig; head: BranchHead }> {
  await git.ensureCheckout();
  const head = await readHead();
  const where = `${head.branch} (${head.sha.slice(0, 12)})`;
  await git.ensureCommit(head.sha);
  if ((await git.symlinks(head.sha, [path])).length > 0) {
    throw new UserError(
      `'${path}' is a symbolic link on ${where}: who may release and promote is read from a real file`,
    );
  }
  const text = await git.readFile(head.sha, path);
  if (text === undefined) {
    throw new UserError(
      `'${path}' does not exist on ${where}: who may release and promote is read from the default branch`,
    );
  }
  return { config: parseConfig(text, `${path} on ${head.branch}`), head };
}

/**
 * The environment as the default branch's config defines it. A promotion by hand into an
 * environment whose pull requests need review runs only from the default branch: from another ref
 * its workflow and config are that ref's, which anyone who can push a branch controls.
 */
export function environmentOnDefaultBranch(
  config: PromotionConfig,
  name: string,
  runRef: string,
  head: BranchHead,
): Environment {
  const environment = config.environments.find((e) => e.name === name);
  if (!environment) {
    throw new UserError(`Refused: environment '${name}' is not in ${config.file}`);
  }
  if (!environment.mergeWithoutReview && runRef !== `refs/heads/${head.branch}`) {
    throw new UserError(
      `Refused: a promotion to '${name}' by hand runs only from the default branch ${head.branch}, ` +
        `and this run is on ${runRef || 'an unknown ref (GITHUB_REF is empty)'}; ` +
        `choose "Use workflow from: ${head.branch}" in Run workflow`,
    );
  }
  return environment;
}
