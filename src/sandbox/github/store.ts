// The stand-in's repository: its state (store-state.ts) and every operation the routes, GraphQL and
// the test helpers perform on it, each carried out by the module that owns the rule. Each module
// names the REST operations it follows by operationId; GitHub's docs page for one is the
// documentation_url the server answers with, from GitHub's OpenAPI description (spec.ts).
import * as deployments from './deployments.js';
import * as dispatches from './dispatches.js';
import * as merges from './merges.js';
import * as pulls from './pulls.js';
import * as reviews from './reviews.js';
import * as statuses from './statuses.js';
import { StoreState } from './store-state.js';
import type {
  CommitStatusState,
  DeploymentState,
  DeploymentStatusState,
  Identity,
  PullState,
  ReviewState,
  WorkflowDispatchState,
} from './types.js';

export class Store extends StoreState {
  /** Reads the branches from the bare repository and recomputes what GitHub would show. */
  refresh(pr: PullState): Promise<void> {
    return merges.refresh(this, pr);
  }

  reviewDecision(pr: PullState): 'APPROVED' | 'CHANGES_REQUESTED' | 'REVIEW_REQUIRED' | null {
    return merges.reviewDecision(this, pr);
  }

  createPull(actor: Identity, input: pulls.NewPull): Promise<PullState> {
    return pulls.createPull(this, actor, input);
  }

  updatePull(actor: Identity, pr: PullState, input: pulls.PullUpdate): Promise<void> {
    return pulls.updatePull(this, actor, pr, input);
  }

  addLabels(pr: PullState, names: string[]): void {
    pulls.addLabels(this, pr, names);
  }

  mergePull(actor: Identity, pr: PullState, request: merges.MergeRequest): Promise<string> {
    return merges.mergePull(this, actor, pr, request);
  }

  enableAutoMerge(
    actor: Identity,
    pullRequestId: string,
    input: merges.AutoMergeRequest,
  ): Promise<PullState> {
    return merges.enableAutoMerge(this, actor, pullRequestId, input);
  }

  requestReviewers(pr: PullState, reviewers: string[], teams: string[]): void {
    reviews.requestReviewers(pr, reviewers, teams);
  }

  createReview(actor: Identity, pr: PullState, input: reviews.NewReview): Promise<ReviewState> {
    return reviews.createReview(this, actor, pr, input);
  }

  dismissReview(
    actor: Identity,
    pr: PullState,
    reviewId: number,
    input: { message?: unknown },
  ): Promise<ReviewState> {
    return reviews.dismissReview(this, actor, pr, reviewId, input);
  }

  createCommitStatus(
    actor: Identity,
    sha: string,
    input: statuses.NewCommitStatus,
  ): Promise<CommitStatusState> {
    return statuses.createCommitStatus(this, actor, sha, input);
  }

  createDeployment(actor: Identity, input: deployments.NewDeployment): Promise<DeploymentState> {
    return deployments.createDeployment(this, actor, input);
  }

  createDeploymentStatus(
    actor: Identity,
    deployment: DeploymentState,
    input: deployments.NewDeploymentStatus,
  ): DeploymentStatusState {
    return deployments.createDeploymentStatus(this, actor, deployment, input);
  }

  dispatchWorkflow(
    actor: Identity,
    workflowId: string,
    input: dispatches.DispatchRequest,
  ): Promise<WorkflowDispatchState> {
    return dispatches.dispatchWorkflow(this, actor, workflowId, input);
  }
}
