// The numbers behind `npm run bench`, shaped into statistics, target checks and tables. The
// measuring (processes, the sandbox) lives in src/cli/bench.ts; this module only computes.
import { textTable } from './text-table.js';

export interface Stats {
  runs: number;
  median: number;
  min: number;
  max: number;
}

/** Median (mean of the middle two for an even count), min and max of some samples. */
export function stats(samples: number[]): Stats {
  if (samples.length === 0) throw new Error('stats of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { runs: sorted.length, median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/**
 * Each sample over the baseline sample of the same round: measured interleaved, the two share
 * whatever else the machine was doing at that moment, so the ratio is steadier than the times.
 */
export function pairedRatios(samples: number[], baseline: number[]): Stats {
  if (samples.length !== baseline.length) throw new Error('paired samples differ in count');
  return stats(samples.map((sample, i) => sample / baseline[i]!));
}

/** Items grouped by label: the labels of `order` first, in that order, then the others as first met. */
export function groupInOrder<T>(
  items: T[],
  labelOf: (item: T) => string,
  order: string[],
): { label: string; items: T[] }[] {
  const groups = new Map<string, T[]>(order.map((label) => [label, []]));
  for (const item of items) {
    const label = labelOf(item);
    groups.set(label, [...(groups.get(label) ?? []), item]);
  }
  return [...groups].map(([label, grouped]) => ({ label, items: grouped }));
}

export interface EndpointCount {
  endpoint: string;
  count: number;
}

/** How often each endpoint occurs, most frequent first, then by name. */
export function countByEndpoint(endpoints: string[]): EndpointCount[] {
  const counts = new Map<string, number>();
  for (const endpoint of endpoints) counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
  return [...counts]
    .map(([endpoint, count]) => ({ endpoint, count }))
    .sort((a, b) => b.count - a.count || a.endpoint.localeCompare(b.endpoint));
}

/** Seconds summed per label, largest first: where the time of a run went. */
export function timeByLabel(
  items: { label: string; seconds: number }[],
): { label: string; seconds: number }[] {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(item.label, (sums.get(item.label) ?? 0) + item.seconds);
  return [...sums].map(([label, seconds]) => ({ label, seconds })).sort((a, b) => b.seconds - a.seconds);
}

export interface ColdStart {
  action: string;
  /** The commit whose committed bundle this is, when measured for comparison (no target applies). */
  ref?: string;
  ms: Stats;
  ratio: Stats;
}

export interface BundleSize {
  action: string;
  entryBytes: number;
  chunkBytes: number;
  chunks: number;
}

export interface ScalingPoint {
  operation: string;
  services: number;
  ms: Stats;
}

export interface Hop {
  hop: string;
  endpoints: EndpointCount[];
}

export interface ChainRun {
  services: number;
  seconds: Stats;
  phases: { name: string; seconds: number }[];
  /** Workflow step time summed by step, largest first (steps of concurrent runs overlap). */
  steps: { label: string; seconds: number }[];
}

export interface BenchReport {
  date: string;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    /** The 1-minute load average before and after: other work on the machine inflates every figure. */
    load?: { before: number; after: number };
  };
  runs: number;
  coldStart?: { baseline: Stats; bundles: ColdStart[] };
  bundleSizes?: BundleSize[];
  scaling?: ScalingPoint[];
  hops?: Hop[];
  chains?: ChainRun[];
  /** Parts left out, and why. */
  skipped: string[];
}

export const TARGETS = {
  coldStartRatio: 1.3,
  requestsPerHop: 4,
  inProcessMs: 10,
  inProcessServices: 500,
  /** The operations the in-process target is for; other rows (the yaml parse) are for reference. */
  inProcessOperations: ['setImageVersion', 'parseConfig'],
  chainSeconds: 20,
} as const;

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

const requests = (hop: Hop) => hop.endpoints.reduce((sum, e) => sum + e.count, 0);

/** Each target the report has figures for, with the figure and whether it is met. */
export function targetChecks(report: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const bundle of report.coldStart?.bundles ?? []) {
    if (bundle.ref) continue;
    checks.push({
      target: `${bundle.action} cold start <= ${TARGETS.coldStartRatio}x node -e 0`,
      value: `${bundle.ratio.median.toFixed(2)}x`,
      met: bundle.ratio.median <= TARGETS.coldStartRatio,
    });
  }
  for (const hop of report.hops ?? [])
    checks.push({
      target: `API requests for ${hop.hop} <= ${TARGETS.requestsPerHop}`,
      value: String(requests(hop)),
      met: requests(hop) <= TARGETS.requestsPerHop,
    });
  for (const point of report.scaling ?? [])
    if (
      point.services === TARGETS.inProcessServices &&
      (TARGETS.inProcessOperations as readonly string[]).includes(point.operation)
    )
      checks.push({
        target: `${point.operation} at ${point.services} services <= ${TARGETS.inProcessMs} ms`,
        value: `${point.ms.median.toFixed(2)} ms`,
        met: point.ms.median <= TARGETS.inProcessMs,
      });
  for (const chain of report.chains ?? [])
    if (chain.services === 1)
      checks.push({
        target: `chain dev -> prod for one service <= ${TARGETS.chainSeconds} s`,
        value: `${chain.seconds.median.toFixed(1)} s`,
        met: chain.seconds.median <= TARGETS.chainSeconds,
      });
  return checks;
}

const spread = (s: Stats, digits: number, unit = '') =>
  `${s.median.toFixed(digits)}${unit} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;

/** The whole report as text tables for a terminal (and the README). */
export function formatReport(report: BenchReport): string {
  const { machine } = report;
  const out = [
    `gitops-promotion bench, ${report.date}: ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}` +
      (machine.load
        ? `, load average ${machine.load.before.toFixed(1)} before and ${machine.load.after.toFixed(1)} after`
        : ''),
    'Figures are median (min-max).',
  ];
  const section = (title: string, table: string) => out.push('', title, '', table);
  if (report.coldStart) {
    const { baseline, bundles } = report.coldStart;
    section(
      `Cold start to the first output on an input error (${baseline.runs} interleaved runs)`,
      textTable(
        ['process', 'ms', 'x node -e 0'],
        [
          ['node -e 0', spread(baseline, 1), '1'],
          ...bundles.map((b) => [
            `actions/${b.action}${b.ref ? ` @${b.ref}` : ''}`,
            spread(b.ms, 1),
            spread(b.ratio, 2),
          ]),
        ],
      ),
    );
  }
  if (report.bundleSizes)
    section(
      'Bundle sizes (bytes)',
      textTable(
        ['action', 'index.js', 'chunks', 'total'],
        report.bundleSizes.map((b) => [
          b.action,
          String(b.entryBytes),
          `${b.chunkBytes} in ${b.chunks}`,
          String(b.entryBytes + b.chunkBytes),
        ]),
      ),
    );
  if (report.scaling)
    section(
      'In-process, by number of services',
      textTable(
        ['operation', 'services', 'ms', 'runs'],
        report.scaling.map((p) => [p.operation, String(p.services), spread(p.ms, 2), String(p.ms.runs)]),
      ),
    );
  if (report.hops)
    section(
      'GitHub API requests per environment hop (happy path, one service)',
      textTable(
        ['hop', 'requests', 'endpoint'],
        report.hops.flatMap((hop) => [
          [hop.hop, String(requests(hop)), ''],
          ...hop.endpoints.map((e) => ['', String(e.count), e.endpoint]),
        ]),
      ),
    );
  for (const chain of report.chains ?? []) {
    const what = chain.services === 1 ? 'one service' : `${chain.services} services at once`;
    section(
      `Sandbox chain dev -> uat -> prod, ${what}: ${spread(chain.seconds, 1, ' s')} over ${chain.seconds.runs} run(s)`,
      textTable(
        ['phase', 's'],
        chain.phases.map((p) => [p.name, p.seconds.toFixed(1)]),
      ),
    );
    out.push(
      '',
      'Where the time went (workflow steps, summed):',
      '',
      textTable(
        ['s', 'step'],
        chain.steps.slice(0, 8).map((s) => [s.seconds.toFixed(1), s.label]),
      ),
    );
  }
  const checks = targetChecks(report);
  if (checks.length > 0)
    section(
      'Targets',
      textTable(
        ['', 'target', 'value'],
        checks.map((c) => [c.met ? 'met' : 'NOT MET', c.target, c.value]),
      ),
    );
  for (const skipped of report.skipped) out.push('', `Skipped: ${skipped}`);
  return out.join('\n');
}
