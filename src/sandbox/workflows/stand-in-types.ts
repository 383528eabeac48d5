// The contract between the sandbox runner and a stand-in for a third-party action (stand-ins.ts).
import type { GitHubStandIn } from '../github/index.js';
import type { RepositoryHost } from '../hosted-repositories.js';
import type { SandboxRepository } from '../workspace.js';
import type { ContextValue } from './expressions.js';
import type { DeclaredPermissions } from './job-identity.js';

/** The GitHub App the sandbox plays (what `tokenMode: 'app'` puts into the secrets). */
export interface SandboxApp {
  slug: string;
  clientId: string;
  privateKey: string;
  /**
   * What the App was granted (GitHub's names: contents, pull_requests, members, ...). Default: the
   * permissions docs/setup.md lists as required.
   */
  permissions?: Record<string, 'read' | 'write'>;
  /** `owner/repo` of the repositories the App is installed on; default: every hosted one. */
  installedOn?: string[];
}

export interface StandInContext {
  inputs: Record<string, string>;
  workspace: string;
  repository: SandboxRepository;
  /** Every repository the stand-in hosts (checkout's `repository:` input reads from them). */
  host: RepositoryHost;
  github: GitHubStandIn;
  app: SandboxApp;
  /** The run's `github` context values the stand-ins need, and who the job is. */
  run: {
    repository: string;
    ref: string;
    sha: string;
    token: string;
    /** The job's `permissions:` in effect (job-identity.ts). */
    permissions: DeclaredPermissions | undefined;
    /** `job_workflow_ref` of the job. */
    workflowRef: string;
    /** The job's whole `github` context. */
    github: Record<string, ContextValue>;
  };
  /** The job's RUNNER_TEMP. */
  temp: string;
  /** GITHUB_SERVER_URL, for git's messages. */
  serverUrl: string;
  /** Registers a value the runner then masks in every log (`::add-mask::`). */
  mask(value: string): void;
  /**
   * The environment the real action's process would get: the runner machine's (buildah's settings:
   * CONTAINERS_REGISTRIES_CONF, REGISTRY_AUTH_FILE, BUILDAH_ISOLATION, HOME, TMPDIR, PATH), then
   * the `env` context, then the runner's GITHUB_* and RUNNER_* variables.
   */
  env: Record<string, string>;
  /** The job's steps that ran (or were skipped) before this one, in order. */
  earlierSteps: readonly EarlierStep[];
}

/** What a later step can know of an earlier one (a step's record in the run's result). */
export interface EarlierStep {
  uses?: string;
  status: string;
  /** With secret values masked. */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
}

/** `owner/repo[/path]@ref` → `owner/repo[/path]`, lower-case: the key of a stand-in. */
export function actionName(uses: string): string {
  const at = uses.indexOf('@');
  return (at >= 0 ? uses.slice(0, at) : uses).toLowerCase();
}

export interface StandInOutcome {
  outputs: Record<string, string>;
  /** Why and how the step was stood in for, shown in the run's list of stand-ins. */
  reason: string;
  log: string;
  /** Set when the real action would have failed too; the step fails with this message. */
  failure?: string;
}

export interface StandInAction {
  /** Inputs the real action declares (names; a trailing `*` matches a prefix). */
  inputs: string[];
  /** Outputs the real action declares. */
  outputs: string[];
  run(context: StandInContext): Promise<StandInOutcome>;
}
