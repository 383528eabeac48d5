import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { planPromotion } from './promotion.js';
import type { DeploymentRecord } from './deployment-record.js';
import { manyDeployments } from '../../test/support/rendered.js';
import { renderedDiff } from './rendered-diff.js';
import {
  commitMessage,
  isRollbackCommit,
  lastPromotionCommit,
  MAX_BODY_LENGTH,
  parsePromotionRecord,
  promotionBody,
  promotionPullFromHistory,
  promotionTitle,
  type PromotionText,
} from './pull-request.js';

const config = parseConfig(readFileSync('.github/promotion.yaml', 'utf8'));
const [dev, uat, prod] = config.environments as [
  (typeof config.environments)[0],
  (typeof config.environments)[0],
  (typeof config.environments)[0],
];
const orders = config.services.find((s) => s.name === 'orders')!;
const DIGEST = `sha256:${'0f'.repeat(32)}`;

/** A deployment of orders in dev as overlay-deploy records it (succeeded unless said otherwise). */
function deployed(
  tag: string,
  options: { digest?: string; service?: string; state?: string; succeeded?: boolean } = {},
): DeploymentRecord {
  return {
    environment: 'dev',
    service: options.service ?? 'orders',
    version: { tag, ...(options.digest ? { digest: options.digest } : {}) },
    createdAt: '2026-12-07T00:00:00Z',
    state: options.state ?? 'success',
    succeeded: options.succeeded ?? true,
  };
}

describe('planPromotion', () => {
  it('takes the requested version for the first environment and refuses none', () => {
    const plan = planPromotion(
      { service: orders, environment: dev, version: '1.6.0', digest: DIGEST, allowDowngrade: false },
      { tag: '1.5.0' },
      undefined,
    );
    expect(plan).toEqual({
      change: 'upgrade',
      target: { tag: '1.6.0', digest: DIGEST },
      current: { tag: '1.5.0' },
    });
    expect(() =>
      planPromotion({ service: orders, environment: dev, allowDowngrade: false }, {}, undefined),
    ).toThrowError(/Input 'version': required for 'dev'/);
  });

  it('takes the newest successful deployment of the service in the environment before, digest included', () => {
    const deployments = [
      deployed('1.6.0', { state: 'failure', succeeded: false }),
      deployed('1.5.1', { service: 'payments' }),
      deployed('1.5.0', { digest: DIGEST }),
      deployed('1.4.9'),
    ];
    const plan = planPromotion(
      { service: orders, environment: uat, source: dev, allowDowngrade: false },
      { tag: '1.4.2' },
      deployments,
    );
    expect(plan.change).toBe('upgrade');
    expect(plan.target).toEqual({ tag: '1.5.0', digest: DIGEST });
    // A deployment that GitHub later marked inactive (a newer one went live) still succeeded.
    const older = planPromotion(
      { service: orders, environment: uat, source: dev, version: '1.4.9', allowDowngrade: false },
      { tag: '1.4.2' },
      [deployed('1.5.0'), deployed('1.4.9', { state: 'inactive' })],
    );
    expect(older.target).toEqual({ tag: '1.4.9' });
  });

  it('refuses a version that has no successful deployment in the environment before', () => {
    const request = { service: orders, environment: uat, source: dev, allowDowngrade: false };
    const deployments = [deployed('1.6.0', { state: 'failure', succeeded: false }), deployed('1.5.0')];
    expect(() => planPromotion({ ...request, version: '1.6.0' }, {}, deployments)).toThrowError(
      "Input 'version': orders 1.6.0 has no successful deployment in 'dev' (its deploy failed, was cancelled or has not run): 'uat' takes only a version deployed in 'dev'; the newest deployed there is 1.5.0",
    );
    expect(() => planPromotion({ ...request, version: '9.9.9' }, {}, [])).toThrowError(
      /^Input 'version': orders 9\.9\.9 has no successful deployment in 'dev' .*in 'dev'$/,
    );
    expect(() =>
      planPromotion({ ...request, environment: prod, source: uat }, {}, [deployed('1.5.0')]),
    ).toThrowError(
      "'orders' has no successful deployment in 'uat' to promote to 'prod': promote it to 'uat' and let its deploy succeed first",
    );
  });

  it('refuses a digest that is not the deployed one', () => {
    const request = {
      service: orders,
      environment: uat,
      source: dev,
      version: '1.5.0',
      allowDowngrade: false,
    };
    const other = `sha256:${'1a'.repeat(32)}`;
    expect(() =>
      planPromotion({ ...request, digest: other }, {}, [deployed('1.5.0', { digest: DIGEST })]),
    ).toThrowError(
      `Input 'digest': 'dev' deployed orders 1.5.0 as ${DIGEST}, not as ${other}: only the deployed image moves on`,
    );
    expect(() => planPromotion({ ...request, digest: other }, {}, [deployed('1.5.0')])).toThrowError(
      `Input 'digest': 'dev' deployed orders 1.5.0 without a digest, not as ${other}`,
    );
    expect(
      planPromotion({ ...request, digest: DIGEST }, {}, [deployed('1.5.0', { digest: DIGEST })]).target,
    ).toEqual({
      tag: '1.5.0',
      digest: DIGEST,
    });
  });

  it('checks what the deployment record names like an input', () => {
    const request = { service: orders, environment: uat, source: dev, allowDowngrade: false };
    expect(() => planPromotion(request, {}, [deployed('latest\n[x](y)')])).toThrowError(
      /^the deployment of orders recorded in 'dev' names the version 'latest\\n\[x\]\(y\)': /,
    );
    expect(() => planPromotion(request, {}, [deployed('1.5.0', { digest: 'md5:abc' })])).toThrowError(
      /^the deployment of orders recorded in 'dev' names the digest 'md5:abc': /,
    );
  });

  it('is a no-op when the environment already runs the deployed version', () => {
    expect(
      planPromotion(
        { service: orders, environment: uat, source: dev, allowDowngrade: false },
        { tag: '1.5.0' },
        [deployed('1.5.0')],
      ).change,
    ).toBe('none');
  });

  it('re-pins the same version to a new digest', () => {
    const plan = planPromotion(
      { service: orders, environment: uat, source: dev, allowDowngrade: false },
      { tag: '1.5.0' },
      [deployed('1.5.0', { digest: DIGEST })],
    );
    expect(plan.change).toBe('repin');
  });

  it('refuses a downgrade unless allowed, and then calls it a rollback', () => {
    const request = { service: orders, environment: dev, version: '1.4.0', allowDowngrade: false };
    expect(() => planPromotion(request, { tag: '1.5.0' }, undefined)).toThrowError(
      "'dev' runs orders 1.5.0, newer than 1.4.0: a downgrade is refused unless 'allow-downgrade' is true",
    );
    expect(planPromotion({ ...request, allowDowngrade: true }, { tag: '1.5.0' }, undefined).change).toBe(
      'rollback',
    );
  });

  it('skips, when told to, a version a newer one overtook: a release or the chain, not a person', () => {
    const request = { service: orders, environment: dev, version: '1.4.0', allowDowngrade: false };
    expect(planPromotion({ ...request, whenOvertaken: 'skip' }, { tag: '1.5.0' })).toEqual({
      change: 'overtaken',
      target: { tag: '1.4.0' },
      current: { tag: '1.5.0' },
    });
    expect(() => planPromotion({ ...request, whenOvertaken: 'refuse' }, { tag: '1.5.0' })).toThrowError(
      'a downgrade is refused',
    );
    // A rollback asked for is still a rollback, and a newer version still an upgrade.
    expect(
      planPromotion({ ...request, allowDowngrade: true, whenOvertaken: 'skip' }, { tag: '1.5.0' }).change,
    ).toBe('rollback');
    expect(planPromotion({ ...request, whenOvertaken: 'skip' }, { tag: '1.3.0' }).change).toBe('upgrade');
  });
});

describe('promotion pull request text', () => {
  const text: PromotionText = {
    service: orders,
    environment: uat,
    next: prod,
    previous: { environment: 'dev', number: 41 },
    plan: { change: 'upgrade', current: { tag: '1.4.2' }, target: { tag: '1.5.0', digest: DIGEST } },
  };

  it('says service, environment, both versions, the image and where it came from', () => {
    expect(promotionTitle(text)).toBe('Promote orders to 1.5.0 in uat (from 1.4.2)');
    const body = promotionBody(text);
    expect(body).toContain('| Service | `orders` |');
    expect(body).toContain('| Environment | `uat` (`overlays/uat`) |');
    expect(body).toContain('| Version | `1.4.2` → `1.5.0` |');
    expect(body).toContain(`| Image | \`ghcr.io/acme/orders:1.5.0@${DIGEST}\` |`);
    expect(body).toContain('| Comes from | `dev`, promoted in #41 |');
    expect(body).toContain('needs a review');
    expect(body).toContain('opens the promotion to `prod`');
    expect(body).not.toContain('rollback');
  });

  it('carries a record that reads back, and marks a rollback', () => {
    const rollback = promotionBody({
      ...text,
      plan: { change: 'rollback', current: { tag: '1.6.0' }, target: { tag: '1.5.0' } },
    });
    expect(parsePromotionRecord(rollback)).toEqual({
      service: 'orders',
      environment: 'uat',
      version: '1.5.0',
      from: '1.6.0',
      rollback: true,
    });
    expect(rollback).toContain('This is a **rollback**');
    expect(
      promotionTitle({
        ...text,
        plan: { change: 'rollback', current: { tag: '1.6.0' }, target: { tag: '1.5.0' } },
      }),
    ).toMatch(/^Roll back orders/);
    expect(parsePromotionRecord('just a PR')).toBeUndefined();
    expect(parsePromotionRecord('<!-- gitops-promotion {"service":1} -->')).toBeUndefined();
  });

  it("keeps the whole summary and cuts a long rendered diff to fit GitHub's body limit", () => {
    const rendered = renderedDiff({
      overlay: 'overlays/uat',
      renderer: 'kubectl kustomize',
      image: 'ghcr.io/acme/orders',
      before: { manifests: manyDeployments(2000, '1.4.2') },
      after: { manifests: manyDeployments(2000, '1.5.0') },
    });
    const body = promotionBody({ ...text, rendered });
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_LENGTH);
    expect(body.length).toBeGreaterThan(MAX_BODY_LENGTH - 1000);
    expect(body.startsWith(promotionBody(text))).toBe(true);
    expect(parsePromotionRecord(body)).toMatchObject({ service: 'orders', version: '1.5.0' });
    expect(body).toMatch(
      /> The diff is cut after line [\d,]+: [\d,]+ of 18,000 lines are not shown \(.*\)\. GitHub takes at most 65,536 characters in a pull request body: the whole diff is in the job summary of the overlay-update run\.\n$/,
    );
  });

  it('finds the previous promotion PR in squash and merge commits', () => {
    const squash = {
      subject: 'Promote orders to 1.5.0 in dev (#12)',
      body: 'Service: orders\nEnvironment: dev (overlays/dev)\nFrom: 1.4.2',
    };
    const merge = { subject: 'Merge pull request #7 from acme/release/orders/dev', body: 'Promote orders' };
    const other = {
      subject: 'Promote payments to 2.0.0 in dev (#13)',
      body: 'Service: payments\nEnvironment: dev (overlays/dev)',
    };
    expect(promotionPullFromHistory([other, squash], 'orders', 'dev')).toBe(12);
    expect(promotionPullFromHistory([other, merge], 'orders', 'dev')).toBe(7);
    expect(promotionPullFromHistory([other], 'orders', 'dev')).toBeUndefined();
  });

  it('tells a rollback from the commit that last promoted the service, whatever else landed since', () => {
    const rollbackText: PromotionText = {
      service: orders,
      environment: dev,
      plan: { change: 'rollback', current: { tag: '1.6.0' }, target: { tag: '1.5.0' } },
    };
    const [subject = '', ...rest] = commitMessage(rollbackText).split('\n');
    const rolledBack = { subject: `${subject} (#21)`, body: rest.join('\n').trim() };
    const upgrade = {
      subject: 'Promote orders to 1.6.0 in dev (#20)',
      body: 'Service: orders\nEnvironment: dev (overlays/dev)\nFrom: 1.5.0\nTo: 1.6.0',
    };
    const otherService = {
      subject: 'Promote payments to 2.4.0 in dev (#22)',
      body: 'Service: payments\nEnvironment: dev (overlays/dev)',
    };
    // Newest first, as git log lists them.
    const history = [otherService, rolledBack, upgrade];
    expect(lastPromotionCommit(history, 'orders', 'dev')).toBe(rolledBack);
    expect(isRollbackCommit(rolledBack)).toBe(true);
    expect(isRollbackCommit(upgrade)).toBe(false);
    expect(lastPromotionCommit(history, 'orders', 'uat')).toBeUndefined();
    // A squash merge that took the pull request body keeps the record instead.
    const squashedBody = {
      subject: 'Roll back orders to 1.5.0 in uat (#23)',
      body: promotionBody({ ...rollbackText, environment: uat }),
    };
    expect(isRollbackCommit(squashedBody)).toBe(true);
    // A merge commit names the branch and carries the pull request's title.
    const mergeCommit = {
      subject: 'Merge pull request #24 from acme/release/orders/prod',
      body: 'Roll back orders to 1.5.0 in prod (from 1.6.0)',
    };
    expect(lastPromotionCommit([mergeCommit], 'orders', 'prod')).toBe(mergeCommit);
    expect(isRollbackCommit(mergeCommit)).toBe(true);
    expect(isRollbackCommit({ ...mergeCommit, body: 'Promote orders to 1.6.0 in prod' })).toBe(false);
  });
});
