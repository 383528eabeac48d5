import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import {
  formatAge,
  statusJson,
  statusMarkdown,
  statusMatrix,
  statusProblems,
  statusTable,
  withGitHub,
  type GitHubFacts,
} from './status.js';
import type { DeploymentRecord } from './deployment-record.js';

const config = parseConfig(readFileSync('.github/promotion.yaml', 'utf8'));
const DIGEST = `sha256:${'12'.repeat(32)}`;

describe('statusMatrix', () => {
  const table: Record<string, Record<string, { tag?: string; digest?: string }>> = {
    orders: { dev: { tag: '1.6.0', digest: DIGEST }, uat: { tag: '1.5.0' }, prod: { tag: '1.5.0' } },
    payments: { dev: { tag: '2.0.0' }, uat: { tag: '2.1.0' }, prod: {} },
    catalog: { dev: { tag: '0.9.4' }, uat: { tag: '0.9.4' }, prod: { tag: '0.9.4' } },
  };
  const rows = statusMatrix(config, (env, service) => table[service]![env]!);

  it('marks each cell against the environment before it', () => {
    expect(rows.map((row) => [row.service, row.cells.map((c) => c.relation)])).toEqual([
      ['orders', ['first', 'behind', 'same']],
      ['payments', ['first', 'ahead', 'missing']],
      ['catalog', ['first', 'same', 'same']],
    ]);
  });

  it('prints a table in chain order with short digests and marks', () => {
    const text = statusTable(config, rows);
    expect(text.split('\n').slice(0, 5)).toEqual([
      'service   dev                          uat      prod',
      '--------  ---------------------------  -------  -----',
      'orders    1.6.0 (sha256:121212121212)  1.5.0 ↓  1.5.0',
      'payments  2.0.0                        2.1.0 ↑  —',
      'catalog   0.9.4                        0.9.4    0.9.4',
    ]);
    expect(statusMarkdown(config, rows)).toContain('| `payments` | 2.0.0 | 2.1.0 ↑ | — |');
  });
});

describe('withGitHub: promotion PRs, deployments and drift', () => {
  const table: Record<string, Record<string, { tag?: string; digest?: string }>> = {
    orders: { dev: { tag: '1.6.0', digest: DIGEST }, uat: { tag: '1.5.0' }, prod: { tag: '1.5.0' } },
    payments: { dev: { tag: '2.0.0' }, uat: { tag: '2.0.0' }, prod: {} },
    catalog: { dev: { tag: '0.9.4' }, uat: { tag: '0.9.4' }, prod: { tag: '0.9.3' } },
  };
  const rows = statusMatrix(config, (env, service) => table[service]![env]!);
  const now = Date.parse('2026-11-26T12:00:00Z');
  const hoursAgo = (h: number) => new Date(now - h * 3_600_000).toISOString();
  const deployment = (
    environment: string,
    service: string,
    version: { tag?: string; digest?: string },
    state: string,
    succeeded: boolean,
    at: number,
  ): DeploymentRecord => ({ environment, service, version, state, succeeded, createdAt: hoursAgo(at) });
  const facts: GitHubFacts = {
    pulls: [
      {
        service: 'orders',
        environment: 'uat',
        number: 7,
        url: 'https://github.example/acme/platform/pull/7',
        createdAt: hoursAgo(80),
        review: 'review-required',
      },
      {
        service: 'catalog',
        environment: 'prod',
        number: 9,
        url: 'https://github.example/acme/platform/pull/9',
        createdAt: hoursAgo(5),
        review: 'approved',
      },
    ],
    // Newest first, as the adapter returns them.
    deployments: [
      // orders dev: the digest the overlay pins was deployed; GitHub since retired it (inactive).
      deployment('dev', 'orders', { tag: '1.6.0', digest: DIGEST }, 'inactive', true, 1),
      // orders uat: 1.5.0 is being deployed right now.
      deployment('uat', 'orders', { tag: '1.5.0' }, 'in_progress', false, 0.1),
      deployment('uat', 'orders', { tag: '1.4.0' }, 'success', true, 30),
      deployment('prod', 'orders', { tag: '1.5.0' }, 'success', true, 40),
      // payments uat: the newest deploy of 2.0.0 failed; 1.9.0 is what runs.
      deployment('uat', 'payments', { tag: '2.0.0' }, 'failure', false, 2),
      deployment('uat', 'payments', { tag: '1.9.0' }, 'success', true, 50),
      // payments dev: merged but never deployed (no record). catalog dev: deployed 0.9.3, then
      // the overlay was edited by hand to 0.9.4.
      deployment('dev', 'catalog', { tag: '0.9.3' }, 'success', true, 3),
      deployment('uat', 'catalog', { tag: '0.9.4' }, 'success', true, 3),
      deployment('prod', 'catalog', { tag: '0.9.3' }, 'success', true, 3),
    ],
  };
  const annotated = withGitHub(rows, facts, { now, maxAgeHours: 72 });
  const cell = (service: string, environment: string) =>
    annotated.find((r) => r.service === service)!.cells.find((c) => c.environment === environment)!;

  it('compares each overlay with the last successful deployment of that service there', () => {
    expect(
      annotated.map((row) => [row.service, row.cells.map((c) => c.deployment?.state ?? 'nothing')]),
    ).toEqual([
      ['orders', ['in-sync', 'deploying', 'in-sync']],
      ['payments', ['drift', 'drift', 'nothing']],
      ['catalog', ['drift', 'in-sync', 'in-sync']],
    ]);
    expect(cell('payments', 'uat').deployment).toMatchObject({
      latest: { version: { tag: '2.0.0' }, state: 'failure' },
      deployed: { version: { tag: '1.9.0' } },
    });
  });

  it('a digest that differs is drift even when the tag matches', () => {
    const other = `sha256:${'34'.repeat(32)}`;
    const moved = withGitHub(
      rows,
      {
        pulls: [],
        deployments: [deployment('dev', 'orders', { tag: '1.6.0', digest: other }, 'success', true, 1)],
      },
      { now, maxAgeHours: 72 },
    );
    expect(moved[0]!.cells[0]!.deployment?.state).toBe('drift');
  });

  it('attaches open promotion PRs with age, review state and staleness', () => {
    expect(cell('orders', 'uat').pull).toMatchObject({ number: 7, review: 'review-required', stale: true });
    expect(cell('orders', 'uat').pull?.ageHours).toBeCloseTo(80);
    expect(cell('catalog', 'prod').pull).toMatchObject({ number: 9, review: 'approved', stale: false });
    expect(withGitHub(rows, facts, { now, maxAgeHours: 100 })[0]!.cells[1]!.pull?.stale).toBe(false);
  });

  it('lists each drift and each waiting PR as a problem, and nothing else', () => {
    expect(statusProblems(annotated)).toEqual([
      'waiting: orders in uat: promotion PR #7 has been open 3d (review required) https://github.example/acme/platform/pull/7',
      'drift: payments in dev: the overlay names 2.0.0, but no successful deployment of payments to dev is recorded',
      'drift: payments in uat: the overlay names 2.0.0, but the last successful deployment recorded 1.9.0; the newest deployment (2.0.0) ended failure',
      'drift: catalog in dev: the overlay names 0.9.4, but the last successful deployment recorded 0.9.3 (merged but not deployed, or edited by hand)',
    ]);
    expect(statusProblems(rows)).toEqual([]);
  });

  it('shows deployment marks and PRs in the table and links PRs in Markdown', () => {
    const lines = statusTable(config, annotated).split('\n');
    expect(lines[2]).toMatch(
      /^orders +1\.6\.0 \(sha256:121212121212\) ✓ +1\.5\.0 ↓ … deploying · PR #7 review required, 3d ⏰ +1\.5\.0 ✓$/,
    );
    expect(lines[3]).toMatch(/^payments +2\.0\.0 ⚠ drift +2\.0\.0 ⚠ drift ✗ 2\.0\.0 failure +—$/);
    expect(lines[4]).toMatch(/^catalog +0\.9\.4 ⚠ drift +0\.9\.4 ✓ +0\.9\.3 ↓ ✓ · PR #9 approved, 5h$/);
    expect(lines.at(-1)).toContain('⏰ open longer than the allowed age');
    const markdown = statusMarkdown(config, annotated, statusProblems(annotated));
    expect(markdown).toContain(
      '| `catalog` | 0.9.4 ⚠ drift | 0.9.4 ✓ | 0.9.3 ↓ ✓ · PR [#9](https://github.example/acme/platform/pull/9) approved, 5h |',
    );
    expect(markdown).toContain('**4 problem(s):**');
    expect(markdown).toContain('- drift: catalog in dev:');
  });

  it('keeps the JSON shape of the plain status and adds GitHub facts per cell', () => {
    const json = JSON.parse(statusJson(config, annotated, { problems: ['x'], requests: 1 })) as {
      environments: string[];
      services: { service: string; cells: { pull?: unknown; deployment?: { state: string } }[] }[];
      requests: number;
    };
    expect(json.environments).toEqual(['dev', 'uat', 'prod']);
    expect(json.services[1]!.cells[1]!.deployment?.state).toBe('drift');
    expect(json.requests).toBe(1);
    expect(JSON.parse(statusJson(config, rows))).toEqual({
      environments: ['dev', 'uat', 'prod'],
      services: rows,
    });
  });
});

describe('formatAge', () => {
  it('uses minutes, hours, then days', () => {
    expect([formatAge(0.5), formatAge(5.9), formatAge(47), formatAge(80)]).toEqual([
      '30m',
      '5h',
      '47h',
      '3d',
    ]);
  });
});
