import type { ImageVersion } from './kustomization.js';

/**
 * What overlay-deploy stores in a GitHub deployment's payload, and what `npm run status` reads
 * back to tell which version an environment last received: one module owns both sides.
 */
export interface DeploymentPayload {
  service: string;
  version: string;
  digest?: string;
  image: string;
}

/** A deployment GitHub holds for a service, as the suite reads it back (status, promotions). */
export interface DeploymentRecord {
  environment: string;
  service: string;
  version: ImageVersion;
  createdAt: string;
  /** The latest status, lower case as REST spells it: success, failure, in_progress, inactive... */
  state: string;
  /** Whether any of its statuses was `success`: GitHub later marks a live deployment `inactive`. */
  succeeded: boolean;
}

export function deploymentPayload(service: string, version: ImageVersion, image: string): DeploymentPayload {
  return {
    service,
    version: version.tag ?? '',
    ...(version.digest ? { digest: version.digest } : {}),
    image,
  };
}

/**
 * Reads a payload back: an object (REST) or its JSON text (GraphQL's `Deployment.payload`).
 * Undefined for a deployment some other tool recorded.
 */
export function readDeploymentPayload(
  payload: unknown,
): { service: string; version: ImageVersion } | undefined {
  let value = payload;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { service, version, digest } = value as Record<string, unknown>;
  if (typeof service !== 'string' || service === '') return undefined;
  const tag = typeof version === 'string' && version !== '' ? version : undefined;
  const sha = typeof digest === 'string' && digest !== '' ? digest : undefined;
  if (!tag && !sha) return undefined;
  return { service, version: { ...(tag ? { tag } : {}), ...(sha ? { digest: sha } : {}) } };
}

/** Whether a deployment that recorded `deployed` delivered what the overlay names. */
export function sameVersion(overlay: ImageVersion, deployed: ImageVersion): boolean {
  if (overlay.digest && deployed.digest)
    return (
      overlay.digest === deployed.digest && (!overlay.tag || !deployed.tag || overlay.tag === deployed.tag)
    );
  return overlay.tag !== undefined && overlay.tag === deployed.tag;
}
