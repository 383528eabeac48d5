// The release action: reads its inputs, checks who may release, builds and pushes the image with
// the chosen builder, and writes the outputs and the job summary.
import * as core from '@actions/core';
import { configOnDefaultBranch, requireAccess } from '../../app/access.js';
import { release, validateReleaseInputs, type ReleaseInputs } from '../../app/release.js';
import { runBuilder } from '../../adapters/builder.js';
import { Git } from '../../adapters/git.js';
import { createOctokit, defaultBranchHead, TeamMemberships } from '../../adapters/github.js';
import { findCredentials, RegistryClient } from '../../adapters/registry.js';
import { repositoryContext, runActors } from '../../adapters/runner-context.js';
import { attestationRequired, releaseSourceProblem } from '../../core/config.js';
import { UserError } from '../../core/errors.js';
import { checkReleaseInputs } from '../../core/inputs.js';
import { releaseSummary } from '../../core/release.js';
import {
  booleanInput,
  configInput,
  failStep,
  repositoryInput,
  secretInput,
  setOutputs,
  writeSummary,
} from '../step.js';

/**
 * The inputs, each checked as far as it can be without the config. The token, which reads team
 * membership when release.allowed names teams, may be empty.
 */
export function readInputs(): ReleaseInputs & { token: string; gitopsRepository: string } {
  const token = secretInput('token');
  const push = booleanInput('push', true);
  const gitopsRepository = repositoryInput('gitops-repository');
  return {
    ...checkReleaseInputs({
      service: core.getInput('service'),
      version: core.getInput('version'),
      builder: core.getInput('builder') || 'docker',
    }),
    push,
    config: configInput(),
    token,
    gitopsRepository,
  };
}

async function remoteHead(git: Git, branch: string): Promise<string> {
  const sha = await git.remoteBranchHead(branch);
  if (sha === undefined) throw new UserError(`the default branch ${branch} does not exist on origin`);
  return sha;
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const context = repositoryContext();
    const validated = await validateReleaseInputs(inputs, context.workspace);
    // The config says which repository releases which service: another one builds nothing.
    const problem = releaseSourceProblem(
      validated.config,
      validated.service,
      context.repository,
      inputs.gitopsRepository || context.repository,
    );
    if (problem) throw new UserError(problem);
    // Before anything is built or pushed: only the people release.allowed names may release, as the
    // default branch says (GitHub's head of it; without a token, what the checkout's origin reports).
    // The config of another GitOps repository comes from a checkout of its default branch made by
    // this job, which the ref this run was dispatched on does not touch.
    let teams: TeamMemberships | undefined;
    let client: ReturnType<typeof createOctokit> | undefined;
    const octokit = () => (client ??= createOctokit(inputs.token, core));
    const git = new Git(context.workspace);
    const otherGitOps =
      inputs.gitopsRepository !== '' &&
      inputs.gitopsRepository.toLowerCase() !== context.repository.toLowerCase();
    const { config, where } = otherGitOps
      ? { config: validated.config, where: `${inputs.gitopsRepository}'s default branch` }
      : await configOnDefaultBranch(
          git,
          async () =>
            inputs.token
              ? defaultBranchHead(octokit(), context)
              : { branch: context.defaultBranch, sha: await remoteHead(git, context.defaultBranch) },
          inputs.config,
        ).then(({ config, head }) => ({ config, where: head.sha.slice(0, 12) }));
    await requireAccess(
      {
        heading: `release: who may release \`${validated.service.name}\``,
        subject: {
          action: `run a release of ${validated.service.name}`,
          rule: `release.allowed in ${config.file} (${where})`,
        },
        list: config.release.allowed,
        org: context.owner,
        logins: runActors(),
      },
      {
        membership: inputs.token
          ? (team, login) => (teams ??= new TeamMemberships(octokit(), context.owner)).membership(team, login)
          : undefined,
        writeSummary,
      },
    );

    const result = await release(validated, {
      registry: async (repository) => {
        const found = await findCredentials(repository);
        core.info(
          found
            ? `Registry credentials for ${repository.registry}: from ${found.source}`
            : `No registry credentials for ${repository.registry} on this runner: reading it anonymously`,
        );
        return new RegistryClient(repository, found ? { credentials: found.credentials } : {});
      },
      run: (command) => runBuilder(command, { cwd: context.workspace }),
      log: core,
      facts: { serverUrl: context.serverUrl, repository: context.repository, revision: context.sha },
    });

    setOutputs({
      image: result.reference,
      digest: result.digest ?? '',
      version: result.version,
      'first-overlay': result.firstEnvironment ?? '',
      'image-name': validated.service.image,
      attest: String(attestationRequired(validated.config)),
    });
    await writeSummary(releaseSummary(result));
  } catch (error) {
    failStep(error);
  }
}
