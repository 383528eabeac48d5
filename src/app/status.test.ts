import { describe, expect, it } from 'vitest';
import { readStatus } from './status.js';

describe('readStatus on the sample checkout', () => {
  it('reads every overlay of the chain', async () => {
    const { rows } = await readStatus('.');
    expect(rows.find((row) => row.service === 'orders')?.cells.map((c) => c.version)).toEqual([
      '1.5.0',
      '1.4.2',
      '1.4.2',
    ]);
  });
});
