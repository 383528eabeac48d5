// A workflow file written into a checkout and run as a `workflow_dispatch` on main would run it:
// how the workflow tests try one caller at a time against the repositories the stand-in hosts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitHubStandIn } from '../github/index.js';
import type { RepositoryHost } from '../hosted-repositories.js';
import type { SandboxRepository } from '../workspace.js';
import type { WorkflowRunResult } from './types.js';
import { runWorkflow } from './workflow-run.js';

export async function runDispatched(options: {
  /** A checkout of `repository`, with a `.github/workflows` folder. */
  workspace: string;
  name: string;
  content: string;
  repository: SandboxRepository;
  repositories: RepositoryHost;
  github: GitHubStandIn;
  /** The runner machine's environment (e.g. buildah's settings). */
  env?: Record<string, string>;
}): Promise<WorkflowRunResult> {
  const { workspace, name, repository } = options;
  const file = join(workspace, '.github/workflows', name);
  await writeFile(file, options.content);
  return runWorkflow({
    file,
    event: {
      name: 'workflow_dispatch',
      payload: {
        ref: 'refs/heads/main',
        repository: { default_branch: 'main', full_name: `${repository.owner}/${repository.repo}` },
        sender: { login: 'mona', id: 1 },
        workflow: `.github/workflows/${name}`,
      },
    },
    repository,
    repositories: options.repositories,
    github: options.github,
    tokenMode: 'github-token',
    ...(options.env ? { env: options.env } : {}),
  });
}
