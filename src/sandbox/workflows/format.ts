// A plain-text account of a run: jobs, steps, why things were skipped, what was stood in for.
import { formatProblem } from './parser.js';
import type { JobResult, WorkflowRunResult } from './types.js';

/** The mark of a job, a step or a run, by its status or conclusion. */
export const MARK = { success: '✓', failure: '✗', skipped: '-', cancelled: '⊘' } as const;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function jobLines(job: JobResult, indent: string): string[] {
  const lines = [
    `${indent}${MARK[job.status]} ${job.path} "${job.name}" ${job.status}` +
      (job.status === 'skipped' ? ` (if: ${job.if.expression})` : ` ${seconds(job.durationMs)}`),
  ];
  for (const error of job.errors) lines.push(`${indent}    error: ${error}`);
  for (const warning of job.warnings) lines.push(`${indent}    warning: ${warning}`);
  for (const step of job.steps) {
    const detail =
      step.status === 'skipped'
        ? ` (if: ${step.if.expression})`
        : `${step.standIn ? ' [stood in]' : ''}${step.error ? `: ${step.error}` : ''}`;
    lines.push(`${indent}    ${MARK[step.status]} ${step.name}${detail}`);
  }
  for (const called of job.call?.jobs ?? []) lines.push(...jobLines(called, `${indent}    `));
  const outputs = Object.entries(job.outputs).filter(([, value]) => value !== '');
  if (outputs.length > 0)
    lines.push(`${indent}    outputs: ${outputs.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return lines;
}

export function formatRun(result: WorkflowRunResult): string {
  const lines = [
    `${MARK[result.conclusion]} ${result.runName} — ${result.file} on ${result.event}${result.action ? `.${result.action}` : ''} ` +
      `by ${result.actor} (run ${result.runId}, ${result.tokenMode} token mode): ${result.conclusion} in ${seconds(result.durationMs)}`,
  ];
  if (result.cancelled) lines.push(`  cancelled: ${result.cancelled}`);
  for (const problem of result.problems) lines.push(`  ${formatProblem(problem)}`);
  for (const job of result.jobs) lines.push(...jobLines(job, '  '));
  if (result.standIns.length > 0) {
    lines.push('  stood in for:');
    for (const standIn of result.standIns)
      lines.push(`    ${standIn.job} / ${standIn.step} (${standIn.uses}): ${standIn.reason}`);
  }
  return lines.join('\n');
}
