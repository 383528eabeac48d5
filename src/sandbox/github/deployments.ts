// Deployments and their statuses (REST operations repos/create-deployment and
// repos/create-deployment-status), as the suite creates them and as GitHub Actions records them
// for a job's `environment:`. The environments themselves are settings.ts.
import { HttpError, validationFailed } from './errors.js';
import { isoNow, nodeId } from './objects.js';
import type { StoreState } from './store-state.js';
import type { DeploymentState, DeploymentStatusState, Identity } from './types.js';

// Request bodies are type aliases: routes.ts casts a JSON object (Record<string, unknown>) to
// them, which TypeScript refuses for an interface with required members.
export type NewDeployment = {
  ref: string;
  task?: string;
  auto_merge?: boolean;
  required_contexts?: string[];
  payload?: Record<string, unknown> | string;
  environment?: string;
  description?: string | null;
  transient_environment?: boolean;
  production_environment?: boolean;
};

export type NewDeploymentStatus = {
  state: DeploymentStatusState['state'];
  target_url?: string;
  log_url?: string;
  description?: string;
  environment?: string;
  environment_url?: string;
  auto_inactive?: boolean;
};

export async function createDeployment(
  store: StoreState,
  actor: Identity,
  input: NewDeployment,
): Promise<DeploymentState> {
  if (
    input.auto_merge !== false ||
    !Array.isArray(input.required_contexts) ||
    input.required_contexts.length > 0
  ) {
    store.violations.push(
      `repos/create-deployment: deployment created without auto_merge:false / required_contexts:[] (sent auto_merge=${JSON.stringify(input.auto_merge)}, required_contexts=${JSON.stringify(input.required_contexts)}); GitHub may answer 409 or merge ${store.ctx.defaultBranch} into ${input.ref}`,
    );
  }
  const sha = await store.git.resolveCommit(input.ref);
  if (!sha) throw new HttpError(422, { message: `No ref found for: ${input.ref}` });
  // Without required_contexts GitHub requires every context reported on the commit to pass.
  const contexts = input.required_contexts ?? [
    ...new Set(store.commitStatuses.filter((s) => s.sha === sha).map((s) => s.context)),
  ];
  const failing = contexts.filter((c) => store.latestStatus(sha, c)?.state !== 'success');
  if (failing.length > 0)
    throw new HttpError(409, { message: `Conflict: Commit status checks failed for ${input.ref}.` });
  const id = store.newId();
  const now = isoNow();
  const environment = input.environment ?? 'production';
  const deployment: DeploymentState = {
    id,
    nodeId: nodeId('DE', id),
    sha,
    ref: input.ref,
    task: input.task ?? 'deploy',
    payload: input.payload ?? {},
    environment,
    originalEnvironment: environment,
    description: input.description ?? null,
    creator: actor,
    createdAt: now,
    updatedAt: now,
    transientEnvironment: input.transient_environment ?? false,
    productionEnvironment: input.production_environment ?? environment === 'production',
    requested: {
      ...(input.auto_merge !== undefined ? { autoMerge: input.auto_merge } : {}),
      ...(input.required_contexts !== undefined ? { requiredContexts: input.required_contexts } : {}),
    },
    statuses: [],
  };
  store.deployments.push(deployment);
  return deployment;
}

export function createDeploymentStatus(
  store: StoreState,
  actor: Identity,
  deployment: DeploymentState,
  input: NewDeploymentStatus,
): DeploymentStatusState {
  if (input.description !== undefined && input.description.length > 140) {
    throw validationFailed([
      {
        resource: 'DeploymentStatus',
        field: 'description',
        code: 'custom',
        message: 'description is too long (maximum is 140 characters)',
      },
    ]);
  }
  const now = isoNow();
  if (input.environment !== undefined) deployment.environment = input.environment;
  const make = (
    state: DeploymentStatusState['state'],
    creator: Identity,
    extra: Partial<DeploymentStatusState> = {},
  ): DeploymentStatusState => {
    const id = store.newId();
    return {
      id,
      nodeId: nodeId('DES', id),
      state,
      creator,
      description: '',
      environment: deployment.environment,
      targetUrl: '',
      logUrl: '',
      environmentUrl: '',
      createdAt: now,
      updatedAt: now,
      ...extra,
    };
  };
  const status = make(input.state, actor, {
    description: input.description ?? '',
    // GitHub fills log_url from target_url and the other way round.
    targetUrl: input.target_url ?? input.log_url ?? '',
    logUrl: input.log_url ?? input.target_url ?? '',
    environmentUrl: input.environment_url ?? '',
  });
  deployment.statuses.push(status);
  deployment.updatedAt = now;
  // auto_inactive (default true): a new success retires earlier non-transient, non-production
  // deployments of the environment (GitHub's description of the parameter).
  if (input.state === 'success' && input.auto_inactive !== false) {
    for (const other of store.deployments) {
      if (
        other === deployment ||
        other.environment !== deployment.environment ||
        other.transientEnvironment ||
        other.productionEnvironment
      )
        continue;
      if (other.statuses.at(-1)?.state === 'success') {
        other.statuses.push(make('inactive', actor, { environment: other.environment }));
        other.updatedAt = now;
      }
    }
  }
  return status;
}
