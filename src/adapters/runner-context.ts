// What a step learns from the runner that @actions/core does not read: the repository, the event
// and the run (the GITHUB_* variables and the event file), and who started the run. Read when
// called, not when the module loads, so that a test can set the variables first.
import { readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';

export interface RepositoryContext {
  owner: string;
  repo: string;
  /** `owner/repo`, as GITHUB_REPOSITORY gives it. */
  repository: string;
  workspace: string;
  defaultBranch: string;
  eventName: string;
  event: Record<string, unknown>;
  /** GITHUB_WORKFLOW_REF: `owner/repo/.github/workflows/<file>@<ref>`; empty when not set. */
  workflowRef: string;
  serverUrl?: string;
  /** GITHUB_SHA: the commit the run is for. */
  sha?: string;
  /** GITHUB_REF: the ref the run is for (`refs/heads/main`); empty when not set. */
  ref: string;
  runUrl?: string;
}

/** The repository and run, from the GITHUB_* variables and the event file. */
export function repositoryContext(env: NodeJS.ProcessEnv = process.env): RepositoryContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  if (!owner || !repo)
    throw new UserError('GITHUB_REPOSITORY is not set: run this action in a GitHub Actions job');
  const event = env.GITHUB_EVENT_PATH
    ? (JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Record<string, unknown>)
    : {};
  const defaultBranch = (event.repository as { default_branch?: string } | undefined)?.default_branch;
  const serverUrl = env.GITHUB_SERVER_URL || undefined;
  const runId = env.GITHUB_RUN_ID;
  return {
    owner,
    repo,
    repository,
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    defaultBranch: defaultBranch ?? 'main',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    event,
    workflowRef: env.GITHUB_WORKFLOW_REF ?? '',
    ref: env.GITHUB_REF ?? '',
    ...(serverUrl ? { serverUrl } : {}),
    ...(env.GITHUB_SHA ? { sha: env.GITHUB_SHA } : {}),
    ...(serverUrl && runId ? { runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${runId}` } : {}),
  };
}

/**
 * Who started the run, for access checks: GITHUB_ACTOR first and, on a re-run by someone else,
 * GITHUB_TRIGGERING_ACTOR.
 */
export function runActors(env: NodeJS.ProcessEnv = process.env): string[] {
  const actor = env.GITHUB_ACTOR ?? '';
  const triggering = env.GITHUB_TRIGGERING_ACTOR ?? '';
  return triggering && triggering.toLowerCase() !== actor.toLowerCase() ? [actor, triggering] : [actor];
}

/** GitHub's RUNNER_ARCH values (and Node's process.arch, for a run outside a runner) as OCI arch names. */
const OCI_ARCH: Record<string, string> = {
  X64: 'amd64',
  X86: '386',
  ARM64: 'arm64',
  ARM: 'arm',
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

/** The runner's OCI architecture (`amd64`, `arm64`, ...): what it builds without emulation. */
export function runnerArchitecture(env: NodeJS.ProcessEnv = process.env): string {
  return OCI_ARCH[env.RUNNER_ARCH ?? ''] ?? OCI_ARCH[process.arch] ?? process.arch;
}
