import type { Environment, Service } from './config.js';
import type { ImageVersion } from './kustomization.js';
import { markdownCode as code, markdownText as text, oneLine } from './markdown.js';
import type { PromotionPlan } from './promotion.js';
// Type only: the diff code loads only when a promotion renders its overlay.
import type { RenderedDiff } from './rendered-diff.js';

/** GitHub refuses a pull request body over this many characters (422 "body is too long"). */
export const MAX_BODY_LENGTH = 65_536;

const MARKER = 'gitops-promotion';

/** Written into a rollback's commit message; the deploy reads it back to carry the rollback on. */
const ROLLBACK_LINE = 'Rollback: allowed by allow-downgrade';

/** Machine-readable facts of a promotion, kept in the PR body for the deploy step and for status. */
export interface PromotionRecord {
  service: string;
  environment: string;
  version: string;
  digest?: string;
  from?: string;
  rollback?: boolean;
  /** The versions this pull request proposed before, oldest first, and why each was replaced. */
  superseded?: Superseded[];
}

export interface Superseded {
  version: string;
  reason: string;
}

/** How many replaced versions a body lists: the newest ones, so a busy service's body stays short. */
export const MAX_SUPERSEDED = 20;

export interface PreviousPromotion {
  environment: string;
  /** GitHub turns `#N` into a link in the PR page. */
  number?: number;
}

export interface PromotionText {
  service: Service;
  environment: Environment;
  next?: Environment;
  plan: Exclude<PromotionPlan, { change: 'none' | 'overtaken' }>;
  previous?: PreviousPromotion;
  /** The overlay rendered before and after the change, shown at the end of the body. */
  rendered?: RenderedDiff;
  /** The versions this pull request proposed before (an open PR refreshed to a newer version). */
  superseded?: Superseded[];
}

/** Table cell text: a '|', even in a code span, would end the cell. */
const cell = (markdown: string): string => markdown.replace(/\|/g, '\\|');

/** Where the whole diff is when the body has to cut it. */
const BODY_CUT = `GitHub takes at most ${MAX_BODY_LENGTH.toLocaleString('en-US')} characters in a pull request body: the whole diff is in the job summary of the overlay-update run.`;

export function describeVersion(version: ImageVersion): string {
  if (!version.tag) return version.digest ? `@${shortDigest(version.digest)}` : 'none';
  return version.digest ? `${version.tag} (${shortDigest(version.digest)})` : version.tag;
}

export function shortDigest(digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return `${algorithm}:${hex.slice(0, 12)}`;
}

export function imageReference(service: Service, version: ImageVersion): string {
  return `${service.image}:${version.tag}${version.digest ? `@${version.digest}` : ''}`;
}

/** The title, also the subject of the commit: one line whatever the overlay held. */
export function promotionTitle({ service, environment, plan }: PromotionText): string {
  const verb = plan.change === 'rollback' ? 'Roll back' : 'Promote';
  const to = plan.target.tag;
  return oneLine(
    plan.current.tag && plan.current.tag !== to
      ? `${verb} ${service.name} to ${to} in ${environment.name} (from ${plan.current.tag})`
      : `${verb} ${service.name} to ${to} in ${environment.name}`,
  );
}

export function commitMessage(text: PromotionText): string {
  const { service, environment, plan } = text;
  return [
    promotionTitle(text),
    '',
    `Service: ${service.name}`,
    `Environment: ${environment.name} (${environment.overlay})`,
    `From: ${oneLine(describeVersion(plan.current))}`,
    `To: ${oneLine(describeVersion(plan.target))}`,
    ...(plan.change === 'rollback' ? [ROLLBACK_LINE] : []),
  ].join('\n');
}

function recordOf({ service, environment, plan, superseded }: PromotionText): PromotionRecord {
  return {
    service: service.name,
    environment: environment.name,
    version: plan.target.tag,
    ...(plan.target.digest ? { digest: plan.target.digest } : {}),
    ...(plan.current.tag ? { from: plan.current.tag } : {}),
    ...(plan.change === 'rollback' ? { rollback: true } : {}),
    ...(superseded?.length ? { superseded } : {}),
  };
}

/**
 * What an open promotion PR proposed before, with the version it now gives way to: the list its
 * body carries on, so no version is replaced without a word. An approval of the old content is
 * dismissed before the new content is pushed, which the reason says.
 */
export function supersede(open: PromotionRecord, next: string, approved: boolean): Superseded[] {
  const reason = approved
    ? `superseded by ${next} after approval, which was dismissed`
    : `superseded by ${next} before review`;
  return [...(open.superseded ?? []), { version: open.version, reason }].slice(-MAX_SUPERSEDED);
}

/** The comment that records an open promotion PR refreshed to a newer version. */
export function refreshComment(
  promotion: PromotionText,
  replaced: string,
  approvers: readonly string[],
): string {
  const { service, environment, plan, previous } = promotion;
  const to = code(plan.target.tag);
  return [
    `Refreshed: ${code(service.name)} ${to} replaces ${code(replaced)} in ${code(environment.name)}` +
      (previous ? `, because ${code(previous.environment)} deployed ${to} successfully.` : '.'),
    approvers.length > 0
      ? `The approvals given for ${code(replaced)} (${approvers.map((login) => `@${text(login)}`).join(', ')}) were dismissed: review ${to}.`
      : `Nobody had approved ${code(replaced)}.`,
  ].join('\n\n');
}

export function promotionBody(promotion: PromotionText): string {
  const { service, environment, next, plan, previous } = promotion;
  const record = recordOf(promotion);
  // Names and paths follow the config's rules and tags the OCI tag rule; escaped all the same, so a
  // value can never turn into a link, HTML or a second line of the body.
  const [svc, env, overlay] = [code(service.name), code(environment.name), code(environment.overlay)];
  const [to, from] = [text(plan.target.tag), plan.current.tag === undefined ? '' : text(plan.current.tag)];
  const source = previous
    ? previous.number
      ? `${code(previous.environment)}, promoted in #${previous.number}`
      : code(previous.environment)
    : 'release';
  const lines = [
    // '<' and '>' written as JSON escapes: no value can close the comment.
    `<!-- ${MARKER} ${JSON.stringify(record).replace(/[<>]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)} -->`,
    `## ${plan.change === 'rollback' ? 'Rollback' : 'Promotion'}: ${svc} ${to} to ${env}`,
    '',
    '| | |',
    '|---|---|',
    `| Service | ${cell(svc)} |`,
    `| Environment | ${cell(`${env} (${overlay})`)} |`,
    `| Version | ${cell(`${plan.current.tag ? code(plan.current.tag) : '_none_'} → ${code(plan.target.tag)}`)} |`,
    `| Image | ${cell(code(imageReference(service, plan.target)))} |`,
    `| Comes from | ${source} |`,
    '',
  ];
  if (promotion.superseded?.length) {
    lines.push(
      `This pull request proposed other versions before; each gave way to a newer one that ${code(previous?.environment ?? 'the environment before')} deployed:`,
      '',
      ...promotion.superseded.map((entry) => `- ${code(entry.version)}: ${text(entry.reason)}`),
      '',
    );
  }
  if (plan.change === 'rollback') {
    lines.push(
      '> [!WARNING]',
      `> This is a **rollback**: ${env} runs ${from}, newer than ${to}. It was allowed with \`allow-downgrade: true\`.`,
      '',
    );
  }
  if (plan.change === 'unordered') {
    lines.push(
      '> [!NOTE]',
      `> ${env} runs ${code(plan.current.tag ?? '')}, which is not a SemVer version, so the suite cannot tell whether this is an upgrade.`,
      '',
    );
  }
  lines.push(
    environment.mergeWithoutReview
      ? `${env} merges without review: the promotion suite merges this pull request itself.`
      : `${env} needs a review: approve and merge this pull request to deploy.`,
    `Merging deploys ${svc} ${to} to ${env}${
      next ? ` and then opens the promotion to ${code(next.name)}` : ', the last environment of the chain'
    }.`,
  );
  const body = lines.join('\n') + '\n';
  return promotion.rendered ? promotion.rendered.appendTo(body, MAX_BODY_LENGTH, BODY_CUT) : body;
}

/** Reads the record a promotion body carries; undefined for any other body. */
export function parsePromotionRecord(body: string | null | undefined): PromotionRecord | undefined {
  // One line: the record's JSON escapes '<' and '>', so ' -->' ends it.
  const match = new RegExp(`<!-- ${MARKER} (\\{.*\\}) -->`).exec(body ?? '');
  if (!match?.[1]) return undefined;
  try {
    const value = JSON.parse(match[1]) as Partial<PromotionRecord>;
    if (
      typeof value.service !== 'string' ||
      typeof value.environment !== 'string' ||
      typeof value.version !== 'string'
    ) {
      return undefined;
    }
    // A body can be edited by anyone who can write to the PR: keep only well-formed entries.
    const superseded = Array.isArray(value.superseded)
      ? value.superseded.filter(
          (entry): entry is Superseded =>
            typeof entry === 'object' &&
            entry !== null &&
            typeof entry.version === 'string' &&
            typeof entry.reason === 'string',
        )
      : [];
    const record: PromotionRecord = { ...(value as PromotionRecord) };
    delete record.superseded;
    if (superseded.length > 0) record.superseded = superseded.slice(-MAX_SUPERSEDED);
    return record;
  } catch {
    return undefined;
  }
}

export interface CommitSummary {
  subject: string;
  body: string;
}

/**
 * The commit that last promoted a service to an environment, from the default branch's history
 * (newest first): it names the branch, or carries the Service and Environment lines of
 * {@link commitMessage}. Undefined when history does not tell (shallow clones).
 */
export function lastPromotionCommit(
  commits: CommitSummary[],
  service: string,
  environment: string,
): CommitSummary | undefined {
  const branch = `release/${service}/${environment}`;
  return commits.find((commit) => {
    const text = `${commit.subject}\n${commit.body}`;
    return (
      text.includes(branch) ||
      (new RegExp(`^Service: ${service}$`, 'm').test(text) &&
        new RegExp(`^Environment: ${environment} `, 'm').test(text))
    );
  });
}

/**
 * The pull request that last promoted a service to an environment, read from
 * the default branch's history: GitHub names it in the merge commit, as
 * "... (#12)" for a squash or "Merge pull request #12 from ..." for a merge.
 * Saves an API request per hop; undefined when history does not tell (rebase
 * merges, shallow clones), and the caller asks the API.
 */
export function promotionPullFromHistory(
  commits: CommitSummary[],
  service: string,
  environment: string,
): number | undefined {
  const commit = lastPromotionCommit(commits, service, environment);
  if (!commit) return undefined;
  const number =
    /\(#(\d+)\)\s*$/.exec(commit.subject)?.[1] ??
    /^Merge pull request #(\d+) from /.exec(commit.subject)?.[1];
  return number ? Number(number) : undefined;
}

/**
 * Whether a promotion commit was a rollback: the suite's commit message says so, a merge commit
 * carries the pull request's title ("Roll back ..."), and a squash merge may copy its body's record.
 */
export function isRollbackCommit(commit: CommitSummary): boolean {
  return (
    commit.body.split('\n').some((line) => line.trim() === ROLLBACK_LINE) ||
    /^Roll back \S+ to /m.test(`${commit.subject}\n${commit.body}`) ||
    parsePromotionRecord(commit.body)?.rollback === true
  );
}
