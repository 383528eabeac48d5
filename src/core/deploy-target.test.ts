import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { deployTarget } from './deploy-target.js';

const config = parseConfig(readFileSync('.github/promotion.yaml', 'utf8'));
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as {
  name: string;
  examples: { action: string; pull_request: Record<string, unknown> }[];
}[];

/** GitHub's own `pull_request` `closed` example, turned into the event a promotion merge sends. */
function closedEvent(changes: { merged: boolean; head: string; base?: string; body?: string }) {
  const example = examples
    .find((hook) => hook.name === 'pull_request')!
    .examples.find((e) => e.action === 'closed')!;
  const event = structuredClone(example);
  const pull = event.pull_request as { head: { ref: string }; base: { ref: string } } & Record<
    string,
    unknown
  >;
  pull.merged = changes.merged;
  pull.merge_commit_sha = changes.merged ? 'a'.repeat(40) : null;
  pull.head.ref = changes.head;
  pull.base.ref = changes.base ?? 'main';
  pull.body = changes.body ?? null;
  return event;
}

const noInputs = { overlay: '', service: '' };

describe('deployTarget on pull_request events', () => {
  it('deploys the merge of a known promotion branch, at the merge commit, with the promoted record', () => {
    const body =
      '<!-- gitops-promotion {"service":"orders","environment":"uat","version":"1.6.0"} -->\nPromotion';
    const target = deployTarget(
      'pull_request',
      closedEvent({ merged: true, head: 'release/orders/uat', body }),
      noInputs,
      config,
      'main',
    );
    expect(target).toMatchObject({
      kind: 'deploy',
      environment: { name: 'uat' },
      service: { name: 'orders' },
      commit: 'a'.repeat(40),
      pull: { record: { service: 'orders', environment: 'uat', version: '1.6.0' } },
    });
  });

  it.each([
    ['closed without merging', { merged: false, head: 'release/orders/uat' }, /closed without merging/],
    ['a foreign branch', { merged: true, head: 'feature/login' }, /not a release\/<service>\/<env> branch/],
    ['an unknown service', { merged: true, head: 'release/billing/uat' }, /'billing' .* is not a service/],
    [
      'an unknown environment',
      { merged: true, head: 'release/orders/staging' },
      /'staging' .* is not an environment/,
    ],
    [
      'a merge into another base',
      { merged: true, head: 'release/orders/uat', base: 'develop' },
      /merged into develop, not main/,
    ],
  ])('skips %s', (_name, changes, reason) => {
    const target = deployTarget('pull_request', closedEvent(changes), noInputs, config, 'main');
    expect(target.kind).toBe('skip');
    expect(target.kind === 'skip' && target.reason).toMatch(reason);
  });
});

describe('deployTarget with explicit inputs', () => {
  it('redeploys the named environment at the head of the default branch', () => {
    expect(
      deployTarget('workflow_dispatch', {}, { overlay: 'prod', service: 'catalog' }, config, 'main'),
    ).toMatchObject({
      kind: 'deploy',
      environment: { name: 'prod' },
      service: { name: 'catalog' },
    });
  });

  it.each([
    [{ overlay: 'staging', service: 'orders' }, "Input 'overlay': 'staging' is not an environment"],
    [{ overlay: 'dev', service: 'shipping' }, "Input 'service': 'shipping' is not a service"],
  ])('refuses %j', (inputs, message) => {
    expect(() => deployTarget('workflow_dispatch', {}, inputs, config, 'main')).toThrowError(message);
  });
});
