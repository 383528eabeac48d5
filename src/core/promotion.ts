import { digestProblem } from './digest.js';
import { quoted, UserError } from './errors.js';
import type { Environment, Service } from './config.js';
import type { ImageVersion } from './kustomization.js';
import type { DeploymentRecord } from './deployment-record.js';
import { compareVersions, versionProblem } from './version.js';

export interface PromotionRequest {
  service: Service;
  environment: Environment;
  /** The environment the version is copied from; undefined for the first one in the chain. */
  source?: Environment;
  /** What the caller asked for; required for the first environment. */
  version?: string;
  digest?: string;
  allowDowngrade: boolean;
  /**
   * When the environment already runs a newer version: `refuse` a person's promotion (they asked for
   * this version), `skip` one a release or the chain started, which a newer one overtook on its way.
   */
  whenOvertaken?: 'refuse' | 'skip';
}

export type PromotionPlan =
  | { change: 'none'; target: ImageVersion; current: ImageVersion }
  | { change: 'overtaken'; target: ImageVersion; current: ImageVersion }
  | {
      change: 'upgrade' | 'rollback' | 'first' | 'repin' | 'unordered';
      target: Required<Pick<ImageVersion, 'tag'>> & ImageVersion;
      current: ImageVersion;
    };

/**
 * Decides what one promotion does, from what the environment runs now (read from the default
 * branch) and, for a later environment, the deployments GitHub recorded for the service in the
 * environment before it (newest first): only a version deployed there successfully moves on.
 */
export function planPromotion(
  request: PromotionRequest,
  current: ImageVersion,
  sourceDeployments: readonly DeploymentRecord[] = [],
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
    target = deployedVersion(request, source, sourceDeployments);
  }
  const tag = target.tag!;

  if (current.tag === tag && (target.digest === undefined || current.digest === target.digest)) {
    return { change: 'none', target, current };
  }
  const order = compareVersions(current.tag, tag);
  if (order.kind === 'downgrade' && !request.allowDowngrade) {
    if (request.whenOvertaken === 'skip') return { change: 'overtaken', target, current };
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

/**
 * The version a later environment takes: the one asked for, or else the newest, among the
 * successful deployments of the service that overlay-deploy recorded in `source` (GitHub's
 * deployment record, not the overlay on main: a version merged there may never have deployed).
 * A digest asked for must be the one deployed. What the record names is checked like an input.
 */
export function deployedVersion(
  request: Pick<PromotionRequest, 'service' | 'environment' | 'version' | 'digest'>,
  source: Environment,
  deployments: readonly DeploymentRecord[],
): ImageVersion & { tag: string } {
  const { service, environment } = request;
  const succeeded = deployments.filter(
    (d) => d.succeeded && d.service === service.name && d.environment === source.name,
  );
  const latest = succeeded[0]?.version.tag;
  const chosen = request.version
    ? succeeded.find((d) => d.version.tag === request.version)
    : succeeded.find((d) => d.version.tag !== undefined);
  if (!chosen?.version.tag) {
    if (request.version) {
      throw new UserError(
        `Input 'version': ${service.name} ${request.version} has no successful deployment in '${source.name}' (its deploy failed, was cancelled or has not run): '${environment.name}' takes only a version deployed in '${source.name}'${latest ? `; the newest deployed there is ${latest}` : ''}`,
      );
    }
    throw new UserError(
      `'${service.name}' has no successful deployment in '${source.name}' to promote to '${environment.name}': promote it to '${source.name}' and let its deploy succeed first`,
    );
  }
  const { tag, digest } = chosen.version;
  const recorded = `the deployment of ${service.name} recorded in '${source.name}'`;
  const badTag = versionProblem(tag);
  if (badTag) throw new UserError(`${recorded} names the version ${quoted(tag)}: ${badTag}`);
  const badDigest = digest === undefined ? undefined : digestProblem(digest);
  if (badDigest) throw new UserError(`${recorded} names the digest ${quoted(digest!)}: ${badDigest}`);
  if (request.digest && request.digest !== digest) {
    throw new UserError(
      `Input 'digest': '${source.name}' deployed ${service.name} ${tag} ${digest ? `as ${digest}` : 'without a digest'}, not as ${request.digest}: only the deployed image moves on`,
    );
  }
  return { tag, ...(digest ? { digest } : {}) };
}
