import { parseAllDocuments, stringify } from 'yaml';
import type { PromotionConfig, Service } from './config.js';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Kinds whose rollout `kubectl rollout status` can wait for. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors[0]) throw new Error(`kustomize printed invalid YAML: ${doc.errors[0].message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter(
      (doc): doc is Manifest => doc !== null && typeof doc === 'object' && typeof doc.kind === 'string',
    );
}

export function serializeManifests(manifests: Manifest[]): string {
  return manifests.map((manifest) => stringify(manifest)).join('---\n');
}

/** Every container image a manifest runs (pod templates, cron jobs, bare pods). */
export function imagesOf(manifest: Manifest): string[] {
  const images: string[] = [];
  const visit = (value: unknown, key?: string): void => {
    if (Array.isArray(value)) {
      if (key === 'containers' || key === 'initContainers' || key === 'ephemeralContainers') {
        for (const container of value) {
          const image = (container as { image?: unknown } | null)?.image;
          if (typeof image === 'string') images.push(image);
        }
      }
      value.forEach((item) => visit(item));
    } else if (value && typeof value === 'object') {
      for (const [childKey, child] of Object.entries(value)) visit(child, childKey);
    }
  };
  visit(manifest.spec);
  return images;
}

/** The repository part of an image reference: `ghcr.io/acme/orders:1.2.3@sha256:…` → `ghcr.io/acme/orders`. */
export function imageRepository(reference: string): string {
  const withoutDigest = reference.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

function belongsTo(manifest: Manifest, service: Service): boolean {
  if (manifest.metadata?.labels?.['app.kubernetes.io/name'] === service.name) return true;
  return imagesOf(manifest).some((image) => {
    const repository = imageRepository(image);
    return repository === service.image || repository === service.kustomizeImage;
  });
}

/**
 * The documents one service's deploy applies: its own (by the standard name
 * label or by its image) and the shared ones no service owns (the namespace,
 * for example). Other services' documents are left alone, so deploying an
 * older merge of one service never rolls back another.
 */
export function selectForService(
  manifests: Manifest[],
  config: PromotionConfig,
  service: Service,
): Manifest[] {
  return manifests.filter(
    (manifest) =>
      belongsTo(manifest, service) || !config.services.some((other) => belongsTo(manifest, other)),
  );
}

export interface Workload {
  kind: (typeof WORKLOAD_KINDS)[number];
  name: string;
  namespace?: string;
}

export function workloadsOf(manifests: Manifest[]): Workload[] {
  return manifests
    .filter((manifest) => (WORKLOAD_KINDS as readonly string[]).includes(manifest.kind))
    .map((manifest) => ({
      kind: manifest.kind as Workload['kind'],
      name: manifest.metadata.name,
      ...(manifest.metadata.namespace ? { namespace: manifest.metadata.namespace } : {}),
    }));
}
