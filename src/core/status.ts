import type { PromotionConfig } from './config.js';
import { sameVersion } from './deployment-record.js';
import type { DeploymentRecord } from './deployment-record.js';
import type { ImageVersion } from './kustomization.js';
import { describeVersion, shortDigest } from './pull-request.js';
import { compareVersions } from './version.js';
import { textTable } from './text-table.js';

/** How a cell compares with the same service in the previous environment of the chain. */
export type Drift = 'same' | 'behind' | 'ahead' | 'missing' | 'first';

export interface StatusCell {
  environment: string;
  version?: string;
  digest?: string;
  /** `behind`: waits for promotion from the previous environment; `ahead`: runs something the previous one does not (a hotfix or a rollback upstream). */
  relation: Drift;
  /** What only GitHub knows, set when the status was read with `--repo`. */
  pull?: PullStatus;
  deployment?: DeploymentStatus;
}

export interface StatusRow {
  service: string;
  cells: StatusCell[];
}

/** Which version each service runs in each environment, with each cell compared to the one before it. */
export function statusMatrix(
  config: PromotionConfig,
  versions: (environment: string, service: string) => ImageVersion,
): StatusRow[] {
  return config.services.map((service) => {
    let previous: ImageVersion | undefined;
    const cells = config.environments.map((environment, index): StatusCell => {
      const version = versions(environment.name, service.name);
      const relation = index === 0 ? 'first' : relationTo(previous, version);
      previous = version;
      return {
        environment: environment.name,
        ...(version.tag ? { version: version.tag } : {}),
        ...(version.digest ? { digest: version.digest } : {}),
        relation,
      };
    });
    return { service: service.name, cells };
  });
}

function relationTo(previous: ImageVersion | undefined, current: ImageVersion): Drift {
  if (!current.tag) return 'missing';
  if (!previous?.tag) return 'ahead';
  if (previous.tag === current.tag) return 'same';
  const order = compareVersions(previous.tag, current.tag).kind;
  return order === 'downgrade' ? 'behind' : 'ahead';
}

// ---- what GitHub knows: promotion pull requests and deployments ------------------------------

/** GitHub's `reviewDecision`; `none` when no rule asks for a review (GitHub answers null). */
export type ReviewDecision = 'approved' | 'changes-requested' | 'review-required' | 'none';

/** An open pull request from `release/<service>/<env>` into the default branch. */
export interface OpenPromotion {
  service: string;
  environment: string;
  number: number;
  url: string;
  createdAt: string;
  review: ReviewDecision;
}

/** One GitHub deployment overlay-deploy recorded (its payload names the service and version). */
export interface GitHubFacts {
  pulls: OpenPromotion[];
  /** Newest first. */
  deployments: DeploymentRecord[];
  /** Environments whose history was cut off before every service's last success was found. */
  truncated?: string[];
}

export interface PullStatus {
  number: number;
  url: string;
  review: ReviewDecision;
  ageHours: number;
  /** Open longer than the allowed age. */
  stale: boolean;
}

export interface DeploymentStatus {
  /** The newest deployment of this service to this environment, whatever its outcome. */
  latest?: { version: ImageVersion; state: string; createdAt: string };
  /** The newest one that succeeded: what the environment should be running. */
  deployed?: { version: ImageVersion; createdAt: string };
  /**
   * `in-sync`: the last successful deployment delivered what the overlay names; `deploying`: a
   * deployment of it is under way; `drift`: neither (merged but never deployed, a failed deploy,
   * or an overlay edited by hand after its deployment).
   */
  state: 'in-sync' | 'deploying' | 'drift';
}

const REVIEW_TEXT: Record<ReviewDecision, string> = {
  approved: 'approved',
  'changes-requested': 'changes requested',
  'review-required': 'review required',
  none: 'no review required',
};

const UNDER_WAY = new Set(['queued', 'pending', 'in_progress', 'waiting']);
const FAILED = new Set(['failure', 'error']);

/** Default for `--max-age`: a promotion PR open longer than this is reported. */
export const DEFAULT_MAX_AGE_HOURS = 72;

/**
 * How long a promotion PR may wait, as a person writes it (`72`, `0.5`): a positive decimal number
 * of hours, or undefined for anything else (`-1`, `0`, `1e3`, `3d`, empty).
 */
export function parseMaxAgeHours(text: string): number | undefined {
  const hours = Number(text);
  return /^\d+(\.\d+)?$/.test(text) && hours > 0 ? hours : undefined;
}

/**
 * Adds GitHub's view to each cell: the open promotion PR (with its age against `maxAgeHours`) and
 * how the overlay compares with the deployments recorded for that service and environment.
 */
export function withGitHub(
  rows: StatusRow[],
  facts: GitHubFacts,
  options: { now: number; maxAgeHours: number },
): StatusRow[] {
  return rows.map((row) => ({
    ...row,
    cells: row.cells.map((cell) => {
      const open = facts.pulls.find((p) => p.service === row.service && p.environment === cell.environment);
      const ageHours = open ? Math.max(0, (options.now - Date.parse(open.createdAt)) / 3_600_000) : 0;
      const deployment = deploymentStatus(
        cell,
        facts.deployments.filter((d) => d.service === row.service && d.environment === cell.environment),
      );
      return {
        ...cell,
        ...(open
          ? {
              pull: {
                number: open.number,
                url: open.url,
                review: open.review,
                ageHours,
                stale: ageHours > options.maxAgeHours,
              },
            }
          : {}),
        ...(deployment ? { deployment } : {}),
      };
    }),
  }));
}

function deploymentStatus(cell: StatusCell, newestFirst: DeploymentRecord[]): DeploymentStatus | undefined {
  const overlay = overlayVersion(cell);
  const latest = newestFirst[0];
  const deployed = newestFirst.find((d) => d.succeeded);
  // Nothing named in the overlay and nothing ever deployed: nothing to compare.
  if (!overlay && !latest) return undefined;
  const inSync = overlay !== undefined && deployed !== undefined && sameVersion(overlay, deployed.version);
  const deploying =
    overlay !== undefined &&
    latest !== undefined &&
    UNDER_WAY.has(latest.state) &&
    sameVersion(overlay, latest.version);
  return {
    ...(latest
      ? { latest: { version: latest.version, state: latest.state, createdAt: latest.createdAt } }
      : {}),
    ...(deployed ? { deployed: { version: deployed.version, createdAt: deployed.createdAt } } : {}),
    state: inSync ? 'in-sync' : deploying ? 'deploying' : 'drift',
  };
}

function overlayVersion(cell: StatusCell): ImageVersion | undefined {
  if (!cell.version && !cell.digest) return undefined;
  return { ...(cell.version ? { tag: cell.version } : {}), ...(cell.digest ? { digest: cell.digest } : {}) };
}

/** One reason `--check` fails: an environment that drifts, or a promotion PR waiting too long. */
export interface StatusProblem {
  kind: 'drift' | 'waiting';
  service: string;
  environment: string;
  /** One sentence, starting with the kind and the place: `drift: orders in dev: ...`. */
  message: string;
}

/** Every reason `--check` fails, one sentence each. */
export function statusProblems(rows: StatusRow[], facts?: Pick<GitHubFacts, 'truncated'>): string[] {
  return statusFindings(rows, facts).map((problem) => problem.message);
}

/** Every reason `--check` fails, with the service and environment each is about. */
export function statusFindings(rows: StatusRow[], facts?: Pick<GitHubFacts, 'truncated'>): StatusProblem[] {
  const problems: StatusProblem[] = [];
  const add = (kind: StatusProblem['kind'], service: string, environment: string, message: string) =>
    problems.push({ kind, service, environment, message });
  for (const row of rows) {
    for (const cell of row.cells) {
      const where = `${row.service} in ${cell.environment}`;
      const deployment = cell.deployment;
      if (deployment?.state === 'drift') {
        const overlay = overlayVersion(cell);
        const named = overlay ? `names ${describeVersion(overlay)}` : 'names no version';
        const last = deployment.latest;
        // A failed deploy explains the drift; otherwise the merge was never deployed or was edited.
        const why =
          last && FAILED.has(last.state)
            ? `; the newest deployment (${describeVersion(last.version)}) ended ${last.state}`
            : deployment.deployed
              ? ' (merged but not deployed, or edited by hand)'
              : '';
        const read = facts?.truncated?.includes(cell.environment) ? ' among the deployments read' : '';
        add(
          'drift',
          row.service,
          cell.environment,
          deployment.deployed
            ? `drift: ${where}: the overlay ${named}, but the last successful deployment recorded ${describeVersion(deployment.deployed.version)}${why}`
            : `drift: ${where}: the overlay ${named}, but no successful deployment of ${row.service} to ${cell.environment} is recorded${read}${why}`,
        );
      }
      if (cell.pull?.stale) {
        add(
          'waiting',
          row.service,
          cell.environment,
          `waiting: ${where}: promotion PR #${cell.pull.number} has been open ${formatAge(cell.pull.ageHours)} (${REVIEW_TEXT[cell.pull.review]}) ${cell.pull.url}`,
        );
      }
    }
  }
  return problems;
}

export function formatAge(hours: number): string {
  if (hours < 1) return `${Math.floor(hours * 60)}m`;
  if (hours < 48) return `${Math.floor(hours)}h`;
  return `${Math.floor(hours / 24)}d`;
}

// ---- rendering ---------------------------------------------------------------------------------

const MARK: Record<Drift, string> = { same: '', first: '', behind: ' ↓', ahead: ' ↑', missing: '' };
const DEPLOY_MARK: Record<DeploymentStatus['state'], string> = {
  'in-sync': ' ✓',
  deploying: ' … deploying',
  drift: ' ⚠ drift',
};

function versionText(cell: StatusCell): string {
  if (!cell.version) return cell.digest ? `@${shortDigest(cell.digest)}` : '—';
  return `${cell.version}${cell.digest ? ` (${shortDigest(cell.digest)})` : ''}${MARK[cell.relation]}`;
}

function pullText(pull: PullStatus, link: boolean): string {
  const number = link ? `[#${pull.number}](${pull.url})` : `#${pull.number}`;
  return ` · PR ${number} ${REVIEW_TEXT[pull.review]}, ${formatAge(pull.ageHours)}${pull.stale ? ' ⏰' : ''}`;
}

export function cellText(cell: StatusCell, link = false): string {
  const deployment = cell.deployment;
  const latest = deployment?.latest;
  // The newest deployment's outcome, when it failed: the mark alone would not say why.
  const failed =
    latest && FAILED.has(latest.state) ? ` ✗ ${describeVersion(latest.version)} ${latest.state}` : '';
  const deploy = deployment ? `${DEPLOY_MARK[deployment.state]}${failed}` : '';
  return `${versionText(cell)}${deploy}${cell.pull ? pullText(cell.pull, link) : ''}`;
}

function legend(rows: StatusRow[]): string[] {
  const lines = ['↓ behind the previous environment (waiting for promotion)   ↑ ahead of it'];
  if (rows.some((row) => row.cells.some((c) => c.deployment || c.pull))) {
    lines.push(
      '✓ last successful deployment matches the overlay   ⚠ drift: it does not (never deployed, failed, or edited by hand)   ✗ the newest deployment failed',
      '· PR #n: open promotion pull request, review state and age   ⏰ open longer than the allowed age',
    );
  }
  return lines;
}

/** A plain-text table for a terminal, columns in chain order. */
export function statusTable(config: PromotionConfig, rows: StatusRow[]): string {
  const header = ['service', ...config.environments.map((e) => e.name)];
  const body = rows.map((row) => [row.service, ...row.cells.map((cell) => cellText(cell))]);
  return [textTable(header, body), '', ...legend(rows)].join('\n');
}

/** The same table as GitHub Markdown, for job summaries; problems follow as a list. */
export function statusMarkdown(config: PromotionConfig, rows: StatusRow[], problems: string[] = []): string {
  return [
    `| service | ${config.environments.map((e) => e.name).join(' | ')} |`,
    `|---|${config.environments.map(() => '---').join('|')}|`,
    ...rows.map(
      (row) => `| \`${row.service}\` | ${row.cells.map((cell) => cellText(cell, true)).join(' | ')} |`,
    ),
    '',
    ...legend(rows).map((line) => `<sub>${line}</sub><br>`),
    ...(problems.length > 0
      ? ['', `**${problems.length} problem(s):**`, '', ...problems.map((p) => `- ${p}`)]
      : []),
  ].join('\n');
}

/** Where a status with GitHub's facts was read from, and what reading it took. */
export interface StatusSource {
  /** `owner/repo`. */
  repository: string;
  apiUrl: string;
  requests: number;
  pulls: number;
  deployments: number;
}

export function statusSourceText(source: StatusSource): string {
  const { repository, apiUrl, requests, pulls, deployments } = source;
  return `${repository} at ${apiUrl}: ${requests} request${requests === 1 ? '' : 's'} (${pulls} open promotion PRs, ${deployments} deployments read)`;
}

/**
 * The job summary of a status read with GitHub's facts (`--markdown`, the promotion-status action):
 * a heading naming the repository, the table and its problems, and where it was read from.
 */
export function statusReport(
  config: PromotionConfig,
  rows: StatusRow[],
  problems: string[],
  source: StatusSource,
  maxAgeHours: number,
): string {
  return [
    `### Promotion status of \`${source.repository}\``,
    '',
    statusMarkdown(config, rows, problems),
    '',
    `<sub>Read from ${statusSourceText(source)}; PRs older than ${maxAgeHours}h are flagged.</sub>`,
  ].join('\n');
}

/** The machine-readable form of the same facts (`--json`). */
export function statusJson(
  config: PromotionConfig,
  rows: StatusRow[],
  extra: { problems?: string[]; requests?: number; maxAgeHours?: number } = {},
): string {
  return JSON.stringify(
    { environments: config.environments.map((e) => e.name), services: rows, ...extra },
    null,
    2,
  );
}
