import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withQueueMax } from './layout.js';

const WORKFLOWS = fileURLToPath(new URL('../../.github/workflows/', import.meta.url));

type Jobs = Record<string, { concurrency?: Record<string, unknown> }>;
const concurrencyOf = (text: string) =>
  Object.fromEntries(
    Object.entries((parse(text) as { jobs: Jobs }).jobs).map(([id, job]) => [id, job.concurrency]),
  );

describe('withQueueMax: the suite as a github.com-only build would ship it', () => {
  it('gives every job-level group of the suite queue: max and changes nothing else', async () => {
    const shipped = await readFile(`${WORKFLOWS}overlay-deploy.yaml`, 'utf8');
    const queued = withQueueMax(shipped);
    const before = concurrencyOf(shipped);
    const after = concurrencyOf(queued);
    expect(Object.values(before).filter(Boolean).length).toBeGreaterThan(0);
    for (const [id, settings] of Object.entries(before))
      expect(after[id]).toEqual(settings ? { ...settings, queue: 'max' } : undefined);
    const withoutJobs = (text: string) => ({ ...(parse(text) as Record<string, unknown>), jobs: undefined });
    expect(withoutJobs(queued)).toEqual(withoutJobs(shipped));
  });

  it('leaves a group that cancels the running job with its one pending place', () => {
    const workflow = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    concurrency: { group: g, cancel-in-progress: true }',
      '    steps: [{ run: "true" }]',
    ].join('\n');
    expect(concurrencyOf(withQueueMax(workflow))['a']).toEqual({ group: 'g', 'cancel-in-progress': true });
  });
});
