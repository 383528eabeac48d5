import type { Environment, Service } from './config.js';
import type { PromotionPlan } from './promotion.js';
import { describeVersion } from './pull-request.js';

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
  const rows = [
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
  return [
    `### overlay-update: \`${service.name}\` → \`${environment.name}\``,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([key, value]) => `| ${key} | ${value} |`),
    '',
  ].join('\n');
}
