import type { Environment, Service } from './config.js';
import { fenceFor } from './markdown.js';
import type { PromotionPlan } from './promotion.js';
import { describeVersion } from './pull-request.js';
// Type only: the diff code loads only when a promotion renders its overlay.
import type { RenderedDiff } from './rendered-diff.js';

/** GitHub refuses a step's job summary over 1 MiB (and shows none of it). */
export const MAX_SUMMARY_BYTES = 1024 * 1024;

export interface OverlayUpdateOutcome {
  service: Service;
  environment: Environment;
  branch: string;
  kustomization: string;
  plan: PromotionPlan;
  changed: boolean;
  merged: boolean;
  autoMerge: boolean;
  pullRequest?: { number: number; url: string };
  rendered?: RenderedDiff;
}

/** A job summary section: a heading and a two-column table of facts. */
export function summarySection(heading: string, rows: [string, string][]): string[] {
  return [
    `### ${heading}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([key, value]) => `| ${key} | ${value} |`),
    '',
  ];
}

/** The job summary of one overlay-update run, as Markdown. */
export function overlayUpdateSummary(outcome: OverlayUpdateOutcome): string {
  const { service, environment, plan, pullRequest } = outcome;
  const state = !outcome.changed
    ? `already at ${plan.target.tag}: nothing to do`
    : outcome.merged
      ? 'merged'
      : outcome.autoMerge
        ? 'auto-merge enabled: merges when required checks pass'
        : 'waiting for review';
  const rows: [string, string][] = [
    ['Service', `\`${service.name}\``],
    ['Environment', `\`${environment.name}\` (\`${outcome.kustomization}\`)`],
    [
      'Version',
      `${describeVersion(plan.current)} → ${describeVersion(plan.target)}${plan.change === 'rollback' ? ' (rollback)' : ''}`,
    ],
    ['Branch', `\`${outcome.branch}\``],
    ['Pull request', pullRequest ? `[#${pullRequest.number}](${pullRequest.url})` : '—'],
    ['State', state],
  ];
  const table = summarySection(`overlay-update: \`${service.name}\` → \`${environment.name}\``, rows).join(
    '\n',
  );
  // One byte less for the line end the runner adapter adds.
  return (
    outcome.rendered?.appendTo(
      table,
      MAX_SUMMARY_BYTES - 1,
      `A job summary holds at most 1 MiB: render \`${environment.overlay}\` on both commits to see the rest.`,
    ) ?? table
  );
}

export interface OverlayDeployOutcome {
  service: Service;
  environment: Environment;
  version: { tag?: string; digest?: string };
  image: string;
  commit: string;
  deployed: boolean;
  dryRun: boolean;
  workloads: { kind: string; name: string; namespace?: string }[];
  next?: Environment;
  diff?: string;
  durationMs: number;
  renderer: string;
  pull?: { number: number; url: string };
  rollback: boolean;
}

/** The job summary of one overlay-deploy run, as Markdown. */
export function overlayDeploySummary(outcome: OverlayDeployOutcome): string {
  const { service, environment } = outcome;
  const rows: [string, string][] = [
    ['Service', `\`${service.name}\``],
    ['Environment', `\`${environment.name}\``],
    ['Version', describeVersion(outcome.version)],
    ['Image', `\`${outcome.image}\``],
    ['Commit', `\`${outcome.commit.slice(0, 12)}\``],
    ['Promoted in', outcome.pull ? `[#${outcome.pull.number}](${outcome.pull.url})` : '—'],
    ['Workloads', outcome.workloads.map((w) => `\`${w.kind.toLowerCase()}/${w.name}\``).join(', ') || '—'],
    ['Rendered with', `\`${outcome.renderer}\``],
    ['Duration', `${(outcome.durationMs / 1000).toFixed(1)} s`],
    [
      'Result',
      outcome.dryRun
        ? 'dry run: nothing applied'
        : outcome.deployed
          ? 'deployed, rollout complete'
          : 'not deployed',
    ],
    [
      'Next',
      outcome.next
        ? `${outcome.rollback ? 'rollback' : 'promotion'} to \`${outcome.next.name}\``
        : outcome.dryRun
          ? '—'
          : 'end of the chain',
    ],
  ];
  const lines = [...summarySection(`overlay-deploy: \`${service.name}\` → \`${environment.name}\``, rows)];
  if (outcome.diff !== undefined) {
    const fence = fenceFor(outcome.diff);
    lines.push(
      '#### What the apply would change',
      '',
      `${fence}diff`,
      outcome.diff.trimEnd() || '(no changes)',
      fence,
      '',
    );
  }
  return lines.join('\n');
}
