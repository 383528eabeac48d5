// One repository of the GitHub stand-in as tests and the sandbox see it: its store (its own settings,
// pull requests, deployments, dispatches and events) and what a person does to it in the UI
// (approve, merge, close, "Run workflow"). server.ts serves several and routes each request by
// /repos/{owner}/{repo}; events of one repository reach only that repository's hook, as GitHub
// starts only the workflows of the repository where an event happened
// (https://docs.github.com/actions/using-workflows/events-that-trigger-workflows).
import { attestationsOf, type StoredAttestation } from './attestations.js';
import { BareRepo } from './git.js';
import { idForLogin, isoNow } from './objects.js';
import type { RepoContext } from './objects.js';
import { recordWorkflowRun } from './runs.js';
import { Store } from './store.js';
import type { IdCounter } from './store-state.js';
import type {
  CommitStatusState,
  DeploymentState,
  HostedRepositoryOptions,
  Identity,
  MergeMethod,
  PullState,
  RecordedEvent,
  RepoSettingsState,
  StandInHooks,
  StandInOptions,
  WorkflowDispatchState,
  WorkflowRunState,
} from './types.js';

export interface GitHubRepository {
  /** `owner/repo` as hosted. */
  fullName: string;
  pulls: PullState[];
  deployments: DeploymentState[];
  commitStatuses: CommitStatusState[];
  /** Webhook events emitted, with the identity that caused them. */
  events: RecordedEvent[];
  /** Workflow permissions, branch protection and environments, as the last writes left them. */
  settings: RepoSettingsState;
  /** Workflow dispatches accepted (`POST .../actions/workflows/{id}/dispatches`), in order. */
  dispatches: WorkflowDispatchState[];
  /** Workflow runs (`GET .../actions/runs`), as the dispatcher last recorded each. */
  workflowRuns: WorkflowRunState[];
  /** Artifact attestations stored for this repository (`POST .../attestations`), oldest first. */
  attestations: readonly StoredAttestation[];
  /** Adds a workflow run, or updates the one of that id (status, conclusion, a new attempt). */
  recordWorkflowRun(run: WorkflowRunState): void;
  /** Exceptions thrown by hooks.onEvent (they never break the request that caused them). */
  hookErrors: unknown[];
  /** This repository's events only. */
  hooks: StandInHooks;
  /** Plays a reviewer approving in the UI; runs auto-merge if that was the last requirement. */
  approve(number: number, login: string): Promise<void>;
  /** Plays CI reporting a commit status (what a required check needs). */
  reportStatus(
    sha: string,
    context: string,
    state: CommitStatusState['state'],
    login?: string,
  ): Promise<void>;
  /** Plays a person pressing the merge button; rejects with GitHub's message when GitHub would. */
  mergePull(number: number, options?: { login?: string; mergeMethod?: MergeMethod }): Promise<string>;
  /** Plays a person pressing "Close pull request": closed without merging, a `closed` event. */
  closePull(number: number, options?: { login?: string }): Promise<void>;
  /**
   * Plays a person pressing "Run workflow" in the Actions tab: the same checks and event as the
   * REST call. Rejects with GitHub's message when GitHub would refuse.
   */
  dispatchWorkflow(
    workflowId: string,
    options?: { ref?: string; inputs?: Record<string, string>; login?: string },
  ): Promise<WorkflowDispatchState>;
  /**
   * What GitHub Actions records by itself when a job references an `environment:` (unless it says
   * `deployment: false`): a deployment made by the job's identity, then its statuses. Returns its id.
   */
  recordEnvironmentDeployment(
    environment: string,
    options: { ref: string; creator: Identity; logUrl?: string },
  ): Promise<number>;
  /** A status on a deployment {@link recordEnvironmentDeployment} made (auto_inactive as GitHub). */
  recordEnvironmentDeploymentStatus(
    id: number,
    state: DeploymentState['statuses'][number]['state'],
    options: { creator: Identity; logUrl?: string; environmentUrl?: string },
  ): Promise<void>;
}

/** A repository's store, checked to be a bare repository. `origin` is the API origin once known. */
export async function createRepositoryStore(
  options: HostedRepositoryOptions,
  tokens: StandInOptions['tokens'],
  violations: string[],
  ids: IdCounter,
  origin = '',
): Promise<Store> {
  const git = new BareRepo(options.bareRepo);
  if ((await git.git(['rev-parse', '--is-bare-repository'])).trim() !== 'true') {
    throw new Error(`${options.bareRepo} is not a bare git repository`);
  }
  const now = isoNow();
  const allowed = options.allowedMergeMethods ?? ['merge', 'squash', 'rebase'];
  const ctx: RepoContext = {
    api: origin,
    html: origin,
    owner: options.owner,
    ownerType: options.ownerType ?? 'Organization',
    repo: options.repo,
    repoId: idForLogin(`repo:${options.owner}/${options.repo}`),
    ownerId: idForLogin(options.owner),
    defaultBranch: options.defaultBranch ?? 'main',
    createdAt: now,
    pushedAt: now,
    allowAutoMerge: options.allowAutoMerge ?? false,
    allowMergeCommit: allowed.includes('merge'),
    allowSquashMerge: allowed.includes('squash'),
    allowRebaseMerge: allowed.includes('rebase'),
    deleteBranchOnMerge: options.deleteBranchOnMerge ?? false,
  };
  return new Store({ ...options, ...(tokens ? { tokens } : {}) }, git, ctx, violations, ids);
}

/** The per-repository part of the stand-in over one store; `person` turns a login into an identity. */
export function repositoryView(store: Store, person: (login: string) => Identity): GitHubRepository {
  const quiet = <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => undefined); // callers that do not await must not crash the process
    return promise;
  };
  return {
    fullName: `${store.ctx.owner}/${store.ctx.repo}`,
    pulls: store.pulls,
    deployments: store.deployments,
    commitStatuses: store.commitStatuses,
    events: store.events,
    settings: store.settings,
    dispatches: store.dispatches,
    workflowRuns: store.workflowRuns,
    attestations: attestationsOf(store),
    recordWorkflowRun: (run) => recordWorkflowRun(store.workflowRuns, run),
    hookErrors: store.hookErrors,
    hooks: store.hooks,
    approve(number, login) {
      const pr = store.findPull(number);
      return quiet(
        store.serial(async () => {
          await store.createReview(person(login), pr, { event: 'APPROVE' });
        }),
      );
    },
    reportStatus(sha, context, state, login = 'ci-bot[bot]') {
      return quiet(
        store.serial(async () => {
          await store.createCommitStatus(person(login), sha, { state, context });
        }),
      );
    },
    mergePull(number, mergeOptions = {}) {
      const pr = store.findPull(number);
      return store.serial(() =>
        store.mergePull(
          person(mergeOptions.login ?? 'octocat'),
          pr,
          mergeOptions.mergeMethod ? { merge_method: mergeOptions.mergeMethod } : {},
        ),
      );
    },
    closePull(number, closeOptions = {}) {
      const pr = store.findPull(number);
      return store.serial(() =>
        store.updatePull(person(closeOptions.login ?? 'octocat'), pr, { state: 'closed' }),
      );
    },
    dispatchWorkflow(workflowId, dispatchOptions = {}) {
      return store.serial(() =>
        store.dispatchWorkflow(person(dispatchOptions.login ?? 'octocat'), workflowId, {
          ref: dispatchOptions.ref ?? store.ctx.defaultBranch,
          ...(dispatchOptions.inputs ? { inputs: dispatchOptions.inputs } : {}),
        }),
      );
    },
    recordEnvironmentDeployment(environment, deploymentOptions) {
      return store.serial(async () => {
        const deployment = await store.createDeployment(deploymentOptions.creator, {
          ref: deploymentOptions.ref,
          environment,
          auto_merge: false,
          required_contexts: [],
          payload: {},
          description: null,
        });
        return deployment.id;
      });
    },
    recordEnvironmentDeploymentStatus(id, state, statusOptions) {
      return store.serial(async () => {
        store.createDeploymentStatus(statusOptions.creator, store.findDeployment(id), {
          state,
          ...(statusOptions.logUrl ? { log_url: statusOptions.logUrl } : {}),
          ...(statusOptions.environmentUrl ? { environment_url: statusOptions.environmentUrl } : {}),
        });
      });
    },
  };
}
