// The numbers behind `npm run bench`, shaped into statistics, target checks and tables. The
// measuring (processes, the sandbox) lives in src/cli/bench.ts; this module only computes. Targets
// are what users feel (wall time and API requests per hop, per scenario); start-up, bundle sizes and
// in-process times are reported as information.
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

/**
 * The most timestamps (ms) that fall in any window of `windowMs`, sliding: the most requests any
 * minute saw, whichever minute, as GitHub's secondary limit counts them.
 */
export function peakInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    // The window ending at this request holds those after the one a whole window earlier.
    while (sorted[first]! <= sorted[last]! - windowMs) first++;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
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
  /** Every script of the action's dist/, as the runner downloads it. */
  bytes: number;
}

export interface ScalingPoint {
  operation: string;
  services: number;
  ms: Stats;
}

/** One environment of a scenario: its promotion PR and its deploy, for every service released. */
export interface Hop {
  hop: string;
  /** Wall time of the phase that deploys this environment (and opens the next one's PR). */
  seconds?: number;
  endpoints: EndpointCount[];
}

/** One way users run the chain (one service, a burst of releases) and what each hop cost. */
export interface Scenario {
  name: string;
  services: number;
  /** Wall time from the first dispatch until the last environment is deployed, setup not counted. */
  seconds: number;
  hops: Hop[];
  phases: { name: string; seconds: number }[];
  /** Workflow step time summed by step, largest first (steps of concurrent runs overlap). */
  steps: { label: string; seconds: number }[];
}

/** A busy-day scenario: its wall time, its GitHub API requests, its runs, and whether the invariant held. */
export interface BusyDay {
  name: string;
  seconds: number;
  apiRequests: number;
  runs: number;
  cancelledRuns: number;
  invariantHolds: boolean;
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
  /** Information only: an action starts in a job that already spent seconds on a runner and a checkout. */
  coldStart?: { baseline: Stats; bundles: ColdStart[] };
  bundleSizes?: BundleSize[];
  /** Information only: one edit and one config load per hop. */
  scaling?: ScalingPoint[];
  scenarios?: Scenario[];
  /** The sandbox's busy-day scenarios (npm run demo -- --scenario NAME), as played by users. */
  busyDays?: BusyDay[];
  intoDev?: IntoDev;
  layerCache?: LayerCache;
  /** Scenarios that failed to run, with why: each is an unmet target, and the others still run. */
  failed?: { scenario: string; error: string }[];
  /** Parts left out, and why. */
  skipped: string[];
}

/** What users feel, per scenario: API requests per hop (GitHub's rate limits) and wall time. */
export const TARGETS = {
  /** Content-creating requests, which GitHub's secondary limit counts (80 a minute). */
  writesPerServicePerHop: 4,
  /** Reads: the deployment record a later environment's promotion is checked against. */
  readsPerServicePerHop: 1,
  /**
   * Per release, outside any hop: who may release, read at the default branch head by the release
   * job and again by the dev promotion it calls (a promotion job cannot trust its caller), the
   * provenance attestation recorded once, and read once by the deploy that verifies it (prod).
   */
  releaseChecksPerService: 4,
  /** One service released and promoted dev -> prod, the reviews aside. */
  oneServiceSeconds: 20,
  /** Services released at once, dev -> prod with the reviews merged at once: 60 s for ten. */
  burstSecondsPerService: 6,
} as const;

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

/** The group of requests that belong to no environment's hop (bench's environmentOf). */
export const OUTSIDE_HOPS = 'other';

export const requests = (hop: Hop): number => hop.endpoints.reduce((sum, e) => sum + e.count, 0);

/** The endpoint a GraphQL query is counted under; a mutation is `POST /graphql (mutation)`. */
export const GRAPHQL_QUERY = 'POST /graphql (query)';
const isRead = (endpoint: string): boolean => endpoint.startsWith('GET ') || endpoint === GRAPHQL_QUERY;
export const reads = (hop: Hop): number =>
  hop.endpoints.filter((e) => isRead(e.endpoint)).reduce((sum, e) => sum + e.count, 0);

/** Each target the report has figures for, with the figure and whether it is met. */
export function targetChecks(report: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const scenario of report.scenarios ?? []) {
    for (const hop of scenario.hops.filter((h) => h.hop !== OUTSIDE_HOPS)) {
      const perService = (count: number): number => count / scenario.services;
      const shown = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));
      const writes = perService(requests(hop) - reads(hop));
      const read = perService(reads(hop));
      checks.push(
        {
          target: `${scenario.name}: API writes per service for ${hop.hop} <= ${TARGETS.writesPerServicePerHop}`,
          value: shown(writes),
          met: writes <= TARGETS.writesPerServicePerHop,
        },
        {
          target: `${scenario.name}: API reads per service for ${hop.hop} <= ${TARGETS.readsPerServicePerHop}`,
          value: shown(read),
          met: read <= TARGETS.readsPerServicePerHop,
        },
      );
    }
    const outside = scenario.hops.find((h) => h.hop === OUTSIDE_HOPS);
    if (outside) {
      const perService = requests(outside) / scenario.services;
      checks.push({
        target: `${scenario.name}: API requests per service outside the hops (release checks, attestation) <= ${TARGETS.releaseChecksPerService}`,
        value: Number.isInteger(perService) ? String(perService) : perService.toFixed(1),
        met: perService <= TARGETS.releaseChecksPerService,
      });
    }
    const limit =
      scenario.services === 1
        ? TARGETS.oneServiceSeconds
        : TARGETS.burstSecondsPerService * scenario.services;
    checks.push({
      target: `${scenario.name}: dev -> prod <= ${limit} s`,
      value: `${scenario.seconds.toFixed(1)} s`,
      met: scenario.seconds <= limit,
    });
  }
  for (const day of report.busyDays ?? [])
    checks.push({
      target: `busy day ${day.name}: every cluster runs what main names, every promotion a deployed version`,
      value: day.invariantHolds ? 'holds' : 'broken',
      met: day.invariantHolds,
    });
  if (report.intoDev) checks.push(...intoDevChecks(report.intoDev));
  if (report.layerCache) checks.push(layerCacheCheck(report.layerCache));
  for (const failure of report.failed ?? [])
    checks.push({ target: `${failure.scenario}: runs to its end`, value: failure.error, met: false });
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
      `Information: cold start to the first output on an input error (${baseline.runs} interleaved runs)`,
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
      'Information: bundle sizes (bytes)',
      textTable(
        ['action', 'dist/*.js'],
        report.bundleSizes.map((b) => [b.action, String(b.bytes)]),
      ),
    );
  if (report.scaling)
    section(
      'Information: in-process time by number of services (one call per hop)',
      textTable(
        ['operation', 'services', 'ms', 'runs'],
        report.scaling.map((p) => [p.operation, String(p.services), spread(p.ms, 2), String(p.ms.runs)]),
      ),
    );
  for (const scenario of report.scenarios ?? []) {
    section(
      `Scenario: ${scenario.name}, dev -> prod in ${scenario.seconds.toFixed(1)} s`,
      textTable(
        ['hop', 's', 'requests', 'per service', 'endpoint'],
        scenario.hops.flatMap((hop) => [
          [
            hop.hop,
            hop.seconds === undefined ? '' : hop.seconds.toFixed(1),
            String(requests(hop)),
            (requests(hop) / scenario.services).toFixed(1),
            '',
          ],
          ...hop.endpoints.map((e) => ['', '', String(e.count), '', e.endpoint]),
        ]),
      ),
    );
    out.push(
      '',
      textTable(
        ['phase', 's'],
        scenario.phases.map((p) => [p.name, p.seconds.toFixed(1)]),
      ),
      '',
      'Where the time went (workflow steps, summed):',
      '',
      textTable(
        ['s', 'step'],
        scenario.steps.slice(0, 8).map((s) => [s.seconds.toFixed(1), s.label]),
      ),
    );
  }
  if (report.busyDays)
    section(
      'Busy days (npm run demo -- --scenario NAME): wall time and GitHub API requests',
      textTable(
        ['scenario', 's', 'requests', 'runs', 'cancelled', 'invariant'],
        report.busyDays.map((day) => [
          day.name,
          day.seconds.toFixed(1),
          String(day.apiRequests),
          String(day.runs),
          String(day.cancelledRuns),
          day.invariantHolds ? 'holds' : 'BROKEN',
        ]),
      ),
    );
  if (report.intoDev) section(...intoDevSection(report.intoDev));
  if (report.layerCache) section(...layerCacheSection(report.layerCache));
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

/**
 * Many services released into the first environment at once, the GitHub stand-in holding the
 * suite's clients to GitHub's secondary limit on content creation (80 a minute, 500 an hour).
 */
export interface IntoDev {
  services: number;
  version: string;
  /** The sandbox's bound on runs at a time: a small machine cannot build every image at once. */
  maxParallelRuns: number;
  /** The limits the stand-in enforced, per identity. */
  limits: { requests: number; seconds: number }[];
  /** From the first dispatch until nothing runs. */
  seconds: number;
  requests: number;
  contentCreating: number;
  /**
   * The most content-creating requests the stand-in admitted in any sliding minute for one identity
   * (GitHub counts per identity: the App installation, GITHUB_TOKEN per repository), and whose.
   */
  peakPerMinute: number;
  busiest: string;
  /** The same for all identities together: information, no limit applies to it. */
  peakPerMinuteAll: number;
  /** Requests answered 403 for going over the limit (the clients waited and retried). */
  refused: number;
  /** Workflow runs that failed (a cancelled one counts as a failed promotion only if one was lost). */
  failedRuns: number;
  /** Each service that did not reach the first environment, with why. */
  failedPromotions: string[];
}

export const INTO_DEV_TARGETS = {
  /** GitHub's secondary limit on content-creating requests, per minute. */
  contentCreatingPerMinute: 80,
} as const;

/**
 * Why a service released at `version` has not reached an environment: undefined when the overlay
 * on main pins that tag and the cluster's Deployment runs it.
 */
export function notPromoted(
  service: string,
  version: string,
  overlayTag: string | undefined,
  clusterImages: string[] | undefined,
): string | undefined {
  const reasons: string[] = [];
  if (overlayTag !== version) reasons.push(`the overlay on main has ${overlayTag ?? 'no tag'}`);
  if (!clusterImages) reasons.push('the cluster has no Deployment of it');
  else if (!clusterImages.some((image) => image.endsWith(`:${version}`) || image.includes(`:${version}@`)))
    reasons.push(`the cluster runs ${clusterImages.join(', ')}`);
  return reasons.length > 0 ? `${service}: ${reasons.join('; ')}` : undefined;
}

function intoDevChecks(run: IntoDev): TargetCheck[] {
  const name = `${run.services} services into dev`;
  return [
    {
      target: `${name}: content-creating requests of one identity in any minute <= ${INTO_DEV_TARGETS.contentCreatingPerMinute}`,
      value: String(run.peakPerMinute),
      met: run.peakPerMinute <= INTO_DEV_TARGETS.contentCreatingPerMinute,
    },
    {
      target: `${name}: failed promotions = 0`,
      value: String(run.failedPromotions.length),
      met: run.failedPromotions.length === 0,
    },
    { target: `${name}: runs failed = 0`, value: String(run.failedRuns), met: run.failedRuns === 0 },
  ];
}

function intoDevSection(run: IntoDev): [string, string] {
  const limits = run.limits.map((l) => `${l.requests} per ${l.seconds} s`).join(' and ') || 'none';
  return [
    `Scenario: ${run.services} services released into dev at once (${run.version}), in ${run.seconds.toFixed(1)} s`,
    textTable(
      ['figure', 'value'],
      [
        ['secondary limit enforced per identity', limits],
        ['runs at a time (sandbox bound)', String(run.maxParallelRuns)],
        ['API requests', String(run.requests)],
        ['content-creating requests', String(run.contentCreating)],
        ['peak content-creating requests in any minute', `${run.peakPerMinute} (${run.busiest})`],
        ['the same, all identities together', String(run.peakPerMinuteAll)],
        ['answered 403 (secondary limit), then retried', String(run.refused)],
        ['runs failed', String(run.failedRuns)],
        ['failed promotions', String(run.failedPromotions.length)],
        ...run.failedPromotions.slice(0, 10).map((why) => ['', why]),
      ],
    ),
  ];
}

/**
 * One service released twice with an unchanged build context: the second build runs on a fresh
 * runner too, so only the layer cache (`type=gha`) can spare it the work of the first.
 */
export interface LayerCache {
  service: string;
  versions: [string, string];
  /** The build step (docker/build-push-action) of each release, in seconds. */
  firstBuildSeconds: number;
  secondBuildSeconds: number;
  /** Build steps the second build took from the cache, of all its steps. */
  cachedSteps: number;
  steps: number;
}

/** A release of an unchanged context takes at most this share of the first one's build time. */
export const CACHED_BUILD_SHARE = 0.5;

function layerCacheCheck(run: LayerCache): TargetCheck {
  const share = run.secondBuildSeconds / run.firstBuildSeconds;
  return {
    target: `second build of an unchanged context <= ${CACHED_BUILD_SHARE * 100}% of the first's build time`,
    value: `${(share * 100).toFixed(0)}% (${run.secondBuildSeconds.toFixed(1)} s of ${run.firstBuildSeconds.toFixed(1)} s)`,
    met: share <= CACHED_BUILD_SHARE,
  };
}

function layerCacheSection(run: LayerCache): [string, string] {
  return [
    `Scenario: ${run.service} released twice (${run.versions.join(', then ')}), the build context unchanged`,
    textTable(
      ['figure', 'value'],
      [
        [`build step of ${run.versions[0]} (empty cache)`, `${run.firstBuildSeconds.toFixed(1)} s`],
        [
          `build step of ${run.versions[1]} (fresh runner, layer cache)`,
          `${run.secondBuildSeconds.toFixed(1)} s`,
        ],
        ['steps taken from the cache', `${run.cachedSteps} of ${run.steps}`],
      ],
    ),
  ];
}
