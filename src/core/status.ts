import type { PromotionConfig } from './config.js';
import type { ImageVersion } from './kustomization.js';
import { shortDigest } from './pull-request.js';
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

const MARK: Record<Drift, string> = { same: '', first: '', behind: ' ↓', ahead: ' ↑', missing: '' };

export function cellText(cell: StatusCell): string {
  if (!cell.version) return '—';
  return `${cell.version}${cell.digest ? ` (${shortDigest(cell.digest)})` : ''}${MARK[cell.relation]}`;
}

/** A plain-text table for a terminal, columns in chain order. */
export function statusTable(config: PromotionConfig, rows: StatusRow[]): string {
  const header = ['service', ...config.environments.map((e) => e.name)];
  const body = rows.map((row) => [row.service, ...row.cells.map(cellText)]);
  return [
    textTable(header, body),
    '',
    '↓ behind the previous environment (waiting for promotion)   ↑ ahead of it',
  ].join('\n');
}

/** The same table as GitHub Markdown, for job summaries. */
export function statusMarkdown(config: PromotionConfig, rows: StatusRow[]): string {
  return [
    `| service | ${config.environments.map((e) => e.name).join(' | ')} |`,
    `|---|${config.environments.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| \`${row.service}\` | ${row.cells.map(cellText).join(' | ')} |`),
  ].join('\n');
}
