import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { imageRepository, imagesOf, parseManifests, selectForService, workloadsOf } from './manifests.js';

const config = parseConfig(readFileSync('.github/promotion.yaml', 'utf8'));
const orders = config.services.find((s) => s.name === 'orders')!;

const rendered = `apiVersion: v1
kind: Namespace
metadata:
  name: shop-dev
---
apiVersion: v1
kind: Service
metadata:
  name: orders
  namespace: shop-dev
  labels: {app.kubernetes.io/name: orders}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop-dev
spec:
  template:
    spec:
      initContainers: [{name: migrate, image: "ghcr.io/acme/orders:1.6.0"}]
      containers: [{name: app, image: "ghcr.io/acme/orders:1.6.0@sha256:${'ab'.repeat(32)}"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: payments, namespace: shop-dev, labels: {app.kubernetes.io/name: payments}}
spec: {template: {spec: {containers: [{name: app, image: "ghcr.io/acme/payments:2.3.1"}]}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: orders-cleanup, namespace: shop-dev}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c, image: "ghcr.io/acme/orders:1.6.0"}]}}}}}
`;

describe('manifests', () => {
  const manifests = parseManifests(rendered);

  it('reads every document and every image, init containers and cron jobs included', () => {
    expect(manifests.map((m) => m.kind)).toEqual([
      'Namespace',
      'Service',
      'Deployment',
      'Deployment',
      'CronJob',
    ]);
    expect(imagesOf(manifests[2]!)).toEqual([
      'ghcr.io/acme/orders:1.6.0',
      `ghcr.io/acme/orders:1.6.0@sha256:${'ab'.repeat(32)}`,
    ]);
  });

  it('strips tag and digest but keeps a registry port', () => {
    expect(imageRepository('localhost:5000/acme/orders:1.2.3@sha256:abc')).toBe('localhost:5000/acme/orders');
    expect(imageRepository('ghcr.io/acme/orders')).toBe('ghcr.io/acme/orders');
  });

  it("selects the service's own documents and the shared ones, never another service's", () => {
    const names = selectForService(manifests, config, orders).map((m) => `${m.kind}/${m.metadata.name}`);
    expect(names).toEqual([
      'Namespace/shop-dev',
      'Service/orders',
      'Deployment/orders',
      'CronJob/orders-cleanup',
    ]);
  });

  it('lists the workloads whose rollout can be awaited', () => {
    expect(workloadsOf(selectForService(manifests, config, orders))).toEqual([
      { kind: 'Deployment', name: 'orders', namespace: 'shop-dev' },
    ]);
  });
});
