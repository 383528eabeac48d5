// A GitHub REST (and auto-merge GraphQL) stand-in held to GitHub's OpenAPI description.
export { startGitHubStandIn } from './server.js';
export type { GitHubStandIn } from './server.js';
export type { GitHubRepository } from './repository-view.js';
export { isChange, isGraphQLQuery } from './requests.js';
export type {
  AutoMergeState,
  BranchProtectionState,
  EnvironmentState,
  PrincipalNames,
  RepoSettingsState,
  CommitStatusState,
  DeploymentState,
  DeploymentStatusState,
  EventMeta,
  HostedRepositoryOptions,
  Identity,
  MergeMethod,
  MergeableState,
  PullState,
  RecordedEvent,
  RecordedRequest,
  ReviewState,
  StandInHooks,
  StandInOptions,
  WorkflowDispatchState,
  WorkflowRunState,
} from './types.js';
