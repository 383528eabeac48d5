import { UserError } from './errors.js';
import type { Environment, Service } from './config.js';
import type { ImageVersion } from './kustomization.js';
import { compareVersions } from './version.js';

export interface PromotionRequest {
  service: Service;
  environment: Environment;
  /** The environment the version is copied from; undefined for the first one in the chain. */
  source?: Environment;
  /** What the caller asked for; required for the first environment. */
  version?: string;
  digest?: string;
  allowDowngrade: boolean;
}

export type PromotionPlan =
  | { change: 'none'; target: ImageVersion; current: ImageVersion }
  | {
      change: 'upgrade' | 'rollback' | 'first' | 'repin' | 'unordered';
      target: Required<Pick<ImageVersion, 'tag'>> & ImageVersion;
      current: ImageVersion;
    };

/**
 * Decides what one promotion does, from what the environment runs now and
 * what the previous one runs (both read from the default branch).
 */
export function planPromotion(
  request: PromotionRequest,
  current: ImageVersion,
  sourceVersion: ImageVersion | undefined,
): PromotionPlan {
  const { service, environment, source } = request;
  let target: ImageVersion;
  if (source === undefined) {
    if (!request.version) {
      throw new UserError(
        `Input 'version': required for '${environment.name}', the first environment of the chain; later environments copy the version of the one before`,
      );
    }
    target = { tag: request.version, ...(request.digest ? { digest: request.digest } : {}) };
  } else {
    if (!sourceVersion?.tag) {
      throw new UserError(
        `'${service.name}' has no version in '${source.name}' (${source.overlay}) to promote to '${environment.name}': promote it to '${source.name}' first`,
      );
    }
    if (request.version && request.version !== sourceVersion.tag) {
      throw new UserError(
        `Input 'version': '${environment.name}' takes the version '${source.name}' runs (${sourceVersion.tag}), not ${request.version}; promote ${request.version} to '${source.name}' first`,
      );
    }
    if (request.digest && sourceVersion.digest && request.digest !== sourceVersion.digest) {
      throw new UserError(
        `Input 'digest': '${source.name}' runs ${service.name} ${sourceVersion.tag} as ${sourceVersion.digest}, not ${request.digest}`,
      );
    }
    target = sourceVersion;
  }
  const tag = target.tag!;

  if (current.tag === tag && (target.digest === undefined || current.digest === target.digest)) {
    return { change: 'none', target, current };
  }
  const order = compareVersions(current.tag, tag);
  if (order.kind === 'downgrade' && !request.allowDowngrade) {
    throw new UserError(
      `'${environment.name}' runs ${service.name} ${current.tag}, newer than ${tag}: a downgrade is refused unless 'allow-downgrade' is true (the rollback path)`,
    );
  }
  const change =
    order.kind === 'unchanged'
      ? 'repin'
      : order.kind === 'downgrade'
        ? 'rollback'
        : order.kind === 'first'
          ? 'first'
          : order.kind === 'unordered'
            ? 'unordered'
            : 'upgrade';
  return { change, target: { ...target, tag }, current };
}
