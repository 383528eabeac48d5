import { describe, expect, it } from 'vitest';
import {
  countByEndpoint,
  formatReport,
  pairedRatios,
  groupInOrder,
  stats,
  targetChecks,
  timeByLabel,
  type BenchReport,
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

describe('targetChecks', () => {
  it('judges each figure against its target, at the boundary too', () => {
    const checks = targetChecks(
      report({
        coldStart: {
          baseline: one(40),
          bundles: [
            { action: 'release', ms: one(52), ratio: one(1.3) },
            { action: 'overlay-update', ms: one(100), ratio: one(2.5) },
            // An earlier commit's bundle, measured for comparison: no target applies.
            { action: 'release', ref: 'fc5860c', ms: one(200), ratio: one(5) },
          ],
        },
        hops: [
          { hop: 'uat', endpoints: [{ endpoint: 'GET /x', count: 4 }] },
          {
            hop: 'prod',
            endpoints: [
              { endpoint: 'GET /x', count: 4 },
              { endpoint: 'POST /y', count: 1 },
            ],
          },
        ],
        scaling: [
          { operation: 'setImageVersion', services: 50, ms: one(50) },
          { operation: 'setImageVersion', services: 500, ms: one(9.5) },
          { operation: 'yaml parseDocument', services: 500, ms: one(40) },
        ],
        chains: [
          { services: 1, seconds: one(25), phases: [], steps: [] },
          { services: 10, seconds: one(200), phases: [], steps: [] },
        ],
      }),
    );
    expect(checks.map((c) => [c.met, c.value])).toEqual([
      [true, '1.30x'],
      [false, '2.50x'],
      [true, '4'],
      [false, '5'],
      [true, '9.50 ms'],
      [false, '25.0 s'],
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
        bundleSizes: [{ action: 'release', entryBytes: 1000, chunkBytes: 500, chunks: 2 }],
        hops: [
          {
            hop: 'uat',
            endpoints: [
              { endpoint: 'POST /repos/{owner}/{repo}/pulls', count: 1 },
              { endpoint: 'GET /repos/{owner}/{repo}/pulls', count: 2 },
            ],
          },
        ],
        skipped: ['the sandbox chain (--skip-chain)'],
      }),
    );
    expect(text).toContain('2 CPUs (AMD EPYC), node v20.20.2, load average 0.5 before and 1.5 after');
    expect(text).toMatch(/node -e 0\s+41\.0 \(40\.0-45\.0\)\s+1\n/);
    expect(text).toMatch(/actions\/release\s+100\.0 \(90\.0-110\.0\)\s+2\.50 \(2\.20-2\.60\)/);
    expect(text).toMatch(/actions\/release @abc1234\s+200\.0 \(200\.0-200\.0\)\s+5\.00/);
    expect(text).not.toContain('release @abc1234 cold start');
    expect(text).toMatch(/release\s+1000\s+500 in 2\s+1500/);
    expect(text).toMatch(/uat\s+3\s*\n\s+1\s+POST \/repos\/\{owner\}\/\{repo\}\/pulls/);
    expect(text).toMatch(/NOT MET\s+release cold start <= 1.3x node -e 0\s+2.50x/);
    expect(text).toContain('Skipped: the sandbox chain (--skip-chain)');
  });
});
