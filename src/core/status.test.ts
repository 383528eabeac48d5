import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { statusMarkdown, statusMatrix, statusTable } from './status.js';

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
