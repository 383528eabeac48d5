import type { Environment, PromotionConfig, Service } from './config.js';
import { findEnvironment, findService, requireEnvironment, requireService } from './config.js';
import { deploysMergedBranch } from './inputs.js';
import { parsePromotionBranch } from './names.js';
import { parsePromotionRecord, type PromotionRecord } from './pull-request.js';

export type DeployTarget =
  | {
      kind: 'deploy';
      environment: Environment;
      service: Service;
      /** The commit to deploy; undefined: the head of the default branch. */
      commit?: string;
      /** The merged promotion PR, when a merge triggered the deploy. */
      pull?: { number: number; url: string; record?: PromotionRecord };
    }
  | { kind: 'skip'; reason: string };

interface PullRequestEvent {
  action?: string;
  pull_request?: {
    number: number;
    html_url: string;
    merged?: boolean;
    merge_commit_sha?: string | null;
    body?: string | null;
    head: { ref: string };
    base: { ref: string };
  };
}

/**
 * What a run of overlay-deploy deploys. A pull_request event deploys only the
 * merge of a known promotion branch into the default branch; anything else is
 * a skip with a reason. Explicit inputs (dispatch, workflow_call) redeploy.
 */
export function deployTarget(
  eventName: string,
  event: unknown,
  inputs: { overlay: string; service: string },
  config: PromotionConfig,
  defaultBranch: string,
): DeployTarget {
  if (deploysMergedBranch(eventName)) {
    const pull = (event as PullRequestEvent).pull_request;
    if (!pull) return { kind: 'skip', reason: 'the event carries no pull request' };
    if (pull.merged !== true)
      return { kind: 'skip', reason: `#${pull.number} was closed without merging: nothing to deploy` };
    if (pull.base.ref !== defaultBranch) {
      return { kind: 'skip', reason: `#${pull.number} merged into ${pull.base.ref}, not ${defaultBranch}` };
    }
    const branch = parsePromotionBranch(pull.head.ref);
    if (!branch)
      return {
        kind: 'skip',
        reason: `#${pull.number} comes from ${pull.head.ref}, not a release/<service>/<env> branch`,
      };
    const environment = findEnvironment(config, branch.environment);
    const service = findService(config, branch.service);
    if (!environment)
      return {
        kind: 'skip',
        reason: `'${branch.environment}' (from ${pull.head.ref}) is not an environment of ${config.file}`,
      };
    if (!service)
      return {
        kind: 'skip',
        reason: `'${branch.service}' (from ${pull.head.ref}) is not a service of ${config.file}`,
      };
    const record = parsePromotionRecord(pull.body);
    return {
      kind: 'deploy',
      environment,
      service,
      ...(pull.merge_commit_sha ? { commit: pull.merge_commit_sha } : {}),
      pull: { number: pull.number, url: pull.html_url, ...(record ? { record } : {}) },
    };
  }

  // The inputs are valid names already (checkOverlayDeployInputs): here they must name the config's.
  const environment = requireEnvironment(config, 'overlay', inputs.overlay);
  const service = requireService(config, 'service', inputs.service);
  return { kind: 'deploy', environment, service };
}
