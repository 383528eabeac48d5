import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { manyDeployments } from '../../test/support/rendered.js';
import { renderedDiff } from './rendered-diff.js';
import { MAX_SUMMARY_BYTES, overlayUpdateSummary, type OverlayUpdateOutcome } from './summary.js';

const config = parseConfig(readFileSync('.github/promotion.yaml', 'utf8'));
const uat = config.environments[1]!;
const orders = config.services.find((s) => s.name === 'orders')!;

describe('overlayUpdateSummary', () => {
  const outcome: OverlayUpdateOutcome = {
    service: orders,
    environment: uat,
    branch: 'release/orders/uat',
    kustomization: 'overlays/uat/kustomization.yaml',
    plan: { change: 'upgrade', current: { tag: '1.4.2' }, target: { tag: '1.5.0' } },
    changed: true,
    merged: false,
    autoMerge: false,
    pullRequest: { number: 2, url: 'https://github.com/acme/platform/pull/2' },
  };

  it('cuts a rendered diff over 1 MiB to fit the job summary, keeping the table', () => {
    // Each Deployment carries a 1 KiB env value next to its image, so the diff passes 1 MiB.
    const rendered = renderedDiff({
      overlay: 'overlays/uat',
      renderer: 'kubectl kustomize',
      image: 'ghcr.io/acme/orders',
      before: { manifests: manyDeployments(1200, '1.4.2', 1024) },
      after: { manifests: manyDeployments(1200, '1.5.0', 1024) },
    });
    const summary = overlayUpdateSummary({ ...outcome, rendered });
    expect(Buffer.byteLength(summary)).toBeLessThan(MAX_SUMMARY_BYTES);
    expect(Buffer.byteLength(summary)).toBeGreaterThan(MAX_SUMMARY_BYTES - 2000);
    expect(summary.startsWith(overlayUpdateSummary(outcome))).toBe(true);
    expect(summary).toContain('| State | waiting for review |');
    expect(summary.trimEnd()).toMatch(
      /not shown \(.*more resources\)\. A job summary holds at most 1 MiB: render `overlays\/uat` on both commits to see the rest\.$/,
    );
  });
});
