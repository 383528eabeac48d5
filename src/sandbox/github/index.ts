// A GitHub REST (and auto-merge GraphQL) stand-in held to GitHub's OpenAPI description.
export { startGitHubStandIn } from './server.js';
export type { GitHubStandIn } from './server.js';
export type { GitHubRepository } from './repository-view.js';
export { isChange, isGraphQLQuery } from './requests.js';
export { GITHUB_CONTENT_LIMITS } from './secondary-limits.js';
export type { ContentCreation, ContentRequest } from './secondary-limits.js';
export type {
  AutoMergeState,
  BranchProtectionState,
  ContentLimit,
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
