import { describe, expect, it } from 'vitest';
import {
  countByEndpoint,
  formatReport,
  pairedRatios,
  notPromoted,
  peakInWindow,
  groupInOrder,
  stats,
  targetChecks,
  timeByLabel,
  type BenchReport,
  type IntoDev,
  type LayerCache,
  type Scenario,
} from './bench.js';

describe('stats', () => {
  it('takes the middle sample of an odd count, whatever the order', () => {
    expect(stats([9, 1, 5])).toEqual({ runs: 3, median: 5, min: 1, max: 9 });
  });

  it('averages the middle two of an even count', () => {
    expect(stats([4, 1, 10, 2])).toEqual({ runs: 4, median: 3, min: 1, max: 10 });
  });

  it('refuses no samples rather than inventing a figure', () => {
    expect(() => stats([])).toThrow('no samples');
  });
});

describe('pairedRatios', () => {
  it('divides each sample by the baseline of its own round', () => {
    // Round 2 ran on a busy machine: both got slower, the ratio did not.
    expect(pairedRatios([60, 120, 66], [40, 80, 60])).toEqual({ runs: 3, median: 1.5, min: 1.1, max: 1.5 });
  });

  it('refuses rounds that do not pair up', () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow('differ in count');
  });
});

describe('groupInOrder', () => {
  it('keeps the given order, leaves an empty group for a label nothing carries, and appends the rest', () => {
    const groups = groupInOrder(['dev:a', 'x:b', 'prod:c', 'dev:d'], (item) => item.split(':')[0]!, [
      'dev',
      'uat',
      'prod',
    ]);
    expect(groups).toEqual([
      { label: 'dev', items: ['dev:a', 'dev:d'] },
      { label: 'uat', items: [] },
      { label: 'prod', items: ['prod:c'] },
      { label: 'x', items: ['x:b'] },
    ]);
  });
});

describe('peakInWindow', () => {
  it('finds the busiest window wherever it starts, not only on whole minutes', () => {
    // All 4 within a minute, though no clock minute (0-60 s, 60-120 s) holds more than 2.
    expect(peakInWindow([65_000, 50_000, 70_000, 55_000], 60_000)).toBe(4);
    expect(peakInWindow([0, 30_000, 59_999, 60_000, 90_000], 60_000)).toBe(3);
  });

  it('lets a request a whole window later start a new window, and counts none in none', () => {
    expect(peakInWindow([0, 60_000, 120_000], 60_000)).toBe(1);
    expect(peakInWindow([5, 5, 5], 1)).toBe(3);
    expect(peakInWindow([], 60_000)).toBe(0);
  });
});

describe('countByEndpoint and timeByLabel', () => {
  it('counts endpoints, most frequent first', () => {
    expect(countByEndpoint(['GET /a', 'POST /b', 'GET /a', 'DELETE /c'])).toEqual([
      { endpoint: 'GET /a', count: 2 },
      { endpoint: 'DELETE /c', count: 1 },
      { endpoint: 'POST /b', count: 1 },
    ]);
  });

  it('sums seconds per label, largest first', () => {
    expect(
      timeByLabel([
        { label: 'build', seconds: 2 },
        { label: 'update', seconds: 1.5 },
        { label: 'update', seconds: 1.5 },
      ]),
    ).toEqual([
      { label: 'update', seconds: 3 },
      { label: 'build', seconds: 2 },
    ]);
  });
});

const one = (value: number) => stats([value]);

function report(overrides: Partial<BenchReport> = {}): BenchReport {
  return {
    date: '2026-11-26T10:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'AMD EPYC', node: 'v20.20.2', load: { before: 0.52, after: 1.5 } },
    runs: 3,
    skipped: [],
    ...overrides,
  };
}

function scenario(overrides: Partial<Scenario>): Scenario {
  return { name: 'one service', services: 1, seconds: 10, hops: [], phases: [], steps: [], ...overrides };
}

describe('targetChecks', () => {
  it('judges requests per service per hop and the wall time of each scenario, at the boundary too', () => {
    const checks = targetChecks(
      report({
        // Information only: no target applies to start-up or in-process times any more.
        coldStart: { baseline: one(40), bundles: [{ action: 'release', ms: one(100), ratio: one(2.5) }] },
        scaling: [{ operation: 'setImageVersion', services: 500, ms: one(90) }],
        scenarios: [
          scenario({
            seconds: 20,
            hops: [
              {
                hop: 'dev',
                seconds: 12,
                endpoints: [
                  { endpoint: 'POST /y', count: 4 },
                  { endpoint: 'POST /graphql (query)', count: 1 },
                ],
              },
              {
                hop: 'uat',
                endpoints: [
                  { endpoint: 'POST /y', count: 4 },
                  { endpoint: 'POST /graphql (mutation)', count: 1 },
                  { endpoint: 'GET /x', count: 2 },
                ],
              },
              // Not a hop: judged on its own, never against the per-hop targets.
              { hop: 'other', endpoints: [{ endpoint: 'POST /graphql (query)', count: 5 }] },
            ],
          }),
          scenario({
            name: '10 services released at once',
            services: 10,
            seconds: 61,
            hops: [{ hop: 'dev', endpoints: [{ endpoint: 'POST /y', count: 45 }] }],
          }),
        ],
        busyDays: [
          { name: 'burst', seconds: 20, apiRequests: 23, runs: 5, cancelledRuns: 1, invariantHolds: true },
          {
            name: 'parallel',
            seconds: 40,
            apiRequests: 124,
            runs: 23,
            cancelledRuns: 0,
            invariantHolds: false,
          },
        ],
      }),
    );
    expect(checks.map((c) => [c.met, c.target, c.value])).toEqual([
      [true, 'one service: API writes per service for dev <= 4', '4'],
      [true, 'one service: API reads per service for dev <= 1', '1'],
      [false, 'one service: API writes per service for uat <= 4', '5'],
      [false, 'one service: API reads per service for uat <= 1', '2'],
      [
        false,
        'one service: API requests per service outside the hops (release checks, attestation) <= 4',
        '5',
      ],
      [true, 'one service: dev -> prod <= 20 s', '20.0 s'],
      [false, '10 services released at once: API writes per service for dev <= 4', '4.5'],
      [true, '10 services released at once: API reads per service for dev <= 1', '0'],
      [false, '10 services released at once: dev -> prod <= 60 s', '61.0 s'],
      [
        true,
        'busy day burst: every cluster runs what main names, every promotion a deployed version',
        'holds',
      ],
      [
        false,
        'busy day parallel: every cluster runs what main names, every promotion a deployed version',
        'broken',
      ],
    ]);
  });

  it('has nothing to judge for parts that were skipped', () => {
    expect(targetChecks(report())).toEqual([]);
  });
});

describe('formatReport', () => {
  it('prints the machine, each section as a table and the unmet targets', () => {
    const text = formatReport(
      report({
        coldStart: {
          baseline: stats([40, 41, 45]),
          bundles: [
            { action: 'release', ms: stats([90, 100, 110]), ratio: stats([2.2, 2.5, 2.6]) },
            { action: 'release', ref: 'abc1234', ms: stats([200]), ratio: stats([5]) },
          ],
        },
        bundleSizes: [{ action: 'release', bytes: 1500 }],
        scenarios: [
          scenario({
            seconds: 21.5,
            hops: [
              {
                hop: 'uat',
                seconds: 3.25,
                endpoints: [
                  { endpoint: 'POST /repos/{owner}/{repo}/pulls', count: 1 },
                  { endpoint: 'GET /repos/{owner}/{repo}/pulls', count: 2 },
                ],
              },
            ],
            phases: [{ name: 'uat (opens the prod PR)', seconds: 3.25 }],
            steps: [{ label: './actions/overlay-update', seconds: 2.5 }],
          }),
        ],
        busyDays: [
          { name: 'burst', seconds: 17.66, apiRequests: 23, runs: 5, cancelledRuns: 1, invariantHolds: true },
        ],
        skipped: ['the burst of 10 releases at once (--quick)'],
      }),
    );
    expect(text).toMatch(/burst\s+17\.7\s+23\s+5\s+1\s+holds\n/);
    expect(text).toContain('2 CPUs (AMD EPYC), node v20.20.2, load average 0.5 before and 1.5 after');
    expect(text).toMatch(/node -e 0\s+41\.0 \(40\.0-45\.0\)\s+1\n/);
    expect(text).toMatch(/actions\/release\s+100\.0 \(90\.0-110\.0\)\s+2\.50 \(2\.20-2\.60\)/);
    expect(text).toMatch(/actions\/release @abc1234\s+200\.0 \(200\.0-200\.0\)\s+5\.00/);
    expect(text).toMatch(/release\s+1500\n/);
    expect(text).toContain('Scenario: one service, dev -> prod in 21.5 s');
    expect(text).toMatch(/uat\s+3\.3\s+3\s+3\.0\s*\n\s+1\s+POST \/repos\/\{owner\}\/\{repo\}\/pulls/);
    expect(text).toMatch(/2\.5\s+\.\/actions\/overlay-update/);
    expect(text).toMatch(/NOT MET\s+one service: dev -> prod <= 20 s\s+21\.5 s/);
    expect(text).not.toMatch(/cold start <=/);
    expect(text).toContain('Skipped: the burst of 10 releases at once (--quick)');
  });
});

describe('100 services released into dev at once', () => {
  const run = (overrides: Partial<IntoDev> = {}): IntoDev => ({
    services: 100,
    version: '7.0.0',
    maxParallelRuns: 4,
    limits: [
      { requests: 80, seconds: 60 },
      { requests: 500, seconds: 3600 },
    ],
    seconds: 612.5,
    requests: 1400,
    contentCreating: 400,
    peakPerMinute: 80,
    busiest: 'Bot promotion-app[bot]',
    peakPerMinuteAll: 120,
    refused: 12,
    failedRuns: 0,
    failedPromotions: [],
    ...overrides,
  });

  it('meets its targets at the limit, and not one request or one promotion past it', () => {
    const met = targetChecks(report({ intoDev: run() }));
    expect(met.map((c) => [c.met, c.target, c.value])).toEqual([
      [true, '100 services into dev: content-creating requests of one identity in any minute <= 80', '80'],
      [true, '100 services into dev: failed promotions = 0', '0'],
      [true, '100 services into dev: runs failed = 0', '0'],
    ]);
    const over = targetChecks(
      report({ intoDev: run({ peakPerMinute: 81, failedRuns: 1, failedPromotions: ['bench-7: why'] }) }),
    );
    expect(over.map((c) => c.met)).toEqual([false, false, false]);
  });

  it('prints its figures, the limits enforced and why a service failed', () => {
    const text = formatReport(
      report({
        intoDev: run({ failedRuns: 1, failedPromotions: ['bench-7: the overlay on main has 1.0.0'] }),
      }),
    );
    expect(text).toContain('Scenario: 100 services released into dev at once (7.0.0), in 612.5 s');
    expect(text).toMatch(/secondary limit enforced per identity\s+80 per 60 s and 500 per 3600 s/);
    expect(text).toMatch(/peak content-creating requests in any minute\s+80 \(Bot promotion-app\[bot\]\)\n/);
    expect(text).toMatch(/the same, all identities together\s+120\n/);
    expect(text).toMatch(/answered 403 \(secondary limit\), then retried\s+12\n/);
    expect(text).toMatch(/\n\s+bench-7: the overlay on main has 1\.0\.0/);
    expect(text).toMatch(/NOT MET\s+100 services into dev: failed promotions = 0\s+1/);
  });

  it('names what is missing when a service has not reached the environment', () => {
    const image = (tag: string) => `127.0.0.1:5000/acme/orders:${tag}@sha256:${'a'.repeat(64)}`;
    expect(notPromoted('orders', '7.0.0', '7.0.0', [image('7.0.0')])).toBeUndefined();
    expect(notPromoted('orders', '7.0.0', '7.0.0', ['127.0.0.1:5000/acme/orders:7.0.0'])).toBeUndefined();
    expect(notPromoted('orders', '7.0.0', '1.0.0', [image('7.0.01')])).toBe(
      `orders: the overlay on main has 1.0.0; the cluster runs ${image('7.0.01')}`,
    );
    expect(notPromoted('orders', '7.0.0', undefined, undefined)).toBe(
      'orders: the overlay on main has no tag; the cluster has no Deployment of it',
    );
  });
});

describe('a second release of an unchanged build context', () => {
  const run = (secondBuildSeconds: number): LayerCache => ({
    service: 'reports',
    versions: ['1.0.0', '1.0.1'],
    firstBuildSeconds: 8,
    secondBuildSeconds,
    cachedSteps: 6,
    steps: 7,
  });

  it('must take at most half the first build, the boundary included', () => {
    const checks = (seconds: number) => targetChecks(report({ layerCache: run(seconds) }));
    expect(checks(4).map((c) => [c.met, c.target, c.value])).toEqual([
      [true, "second build of an unchanged context <= 50% of the first's build time", '50% (4.0 s of 8.0 s)'],
    ]);
    expect(checks(4.1)[0]!.met).toBe(false);
  });

  it('reports both build times and the steps the cache spared', () => {
    const text = formatReport(report({ layerCache: run(2) }));
    expect(text).toContain(
      'Scenario: reports released twice (1.0.0, then 1.0.1), the build context unchanged',
    );
    expect(text).toMatch(/build step of 1\.0\.0 \(empty cache\)\s+8\.0 s\n/);
    expect(text).toMatch(/build step of 1\.0\.1 \(fresh runner, layer cache\)\s+2\.0 s\n/);
    expect(text).toMatch(/steps taken from the cache\s+6 of 7/);
  });
});

describe('a scenario that fails to run', () => {
  it('is an unmet target naming why, next to the figures of the others', () => {
    const failed = report({
      failed: [{ scenario: 'layer cache', error: 'the release of reports 1.0.0 did not build: x' }],
    });
    expect(targetChecks(failed)).toEqual([
      {
        target: 'layer cache: runs to its end',
        value: 'the release of reports 1.0.0 did not build: x',
        met: false,
      },
    ]);
    expect(formatReport(failed)).toMatch(/NOT MET\s+layer cache: runs to its end\s+the release of reports/);
  });
});
