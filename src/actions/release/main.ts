// The release action, run twice around docker/build-push-action: `plan` checks who may release and
// the tag, and hands the build its inputs; `confirm` checks the pushed digest against the registry.
import * as core from '@actions/core';
import { configOnDefaultBranch, requireAccess } from '../../app/access.js';
import {
  confirmPush,
  planRelease,
  validateReleaseInputs,
  type ReleaseDeps,
  type ReleaseInputs,
  type ValidatedRelease,
} from '../../app/release.js';
import { Git } from '../../adapters/git.js';
import { createOctokit, defaultBranchHead, TeamMemberships } from '../../adapters/github.js';
import { findCredentials, RegistryClient } from '../../adapters/registry.js';
import { repositoryContext, runActors, runnerArchitecture } from '../../adapters/runner-context.js';
import { attestationRequired, releaseSourceProblem } from '../../core/config.js';
import { UserError } from '../../core/errors.js';
import { checkReleaseInputs } from '../../core/inputs.js';
import { releaseSummary, type ReleaseOutcome } from '../../core/release.js';
import { configInput, failStep, repositoryInput, secretInput, setOutputs, writeSummary } from '../step.js';

/**
 * The inputs, each checked as far as it can be without the config. The token, which reads team
 * membership when release.allowed names teams, may be empty.
 */
export function readInputs(): ReleaseInputs & { token: string; gitopsRepository: string } {
  const token = secretInput('token');
  const gitopsRepository = repositoryInput('gitops-repository');
  return {
    ...checkReleaseInputs({
      service: core.getInput('service'),
      version: core.getInput('version'),
      stage: core.getInput('stage') || 'plan',
      digest: core.getInput('digest'),
    }),
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

/**
 * Before anything is built: the config must let this repository release the service, and only the
 * people release.allowed names may release, as the default branch says (GitHub's head of it; without
 * a token, what the checkout's origin reports). The config of another GitOps repository comes from a
 * checkout of its default branch made by this job, which the ref this run was dispatched on does not
 * touch.
 */
async function requireReleaser(
  inputs: ReturnType<typeof readInputs>,
  validated: ValidatedRelease,
  context: ReturnType<typeof repositoryContext>,
): Promise<void> {
  const problem = releaseSourceProblem(
    validated.config,
    validated.service,
    context.repository,
    inputs.gitopsRepository || context.repository,
  );
  if (problem) throw new UserError(problem);
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
}

function outputsOf(outcome: ReleaseOutcome, validated: ValidatedRelease): Record<string, string> {
  const common = {
    image: outcome.reference,
    version: outcome.version,
    'first-overlay': outcome.firstEnvironment ?? '',
    'image-name': validated.service.image,
    attest: String(attestationRequired(validated.config)),
    sbom: String(validated.service.sbom),
  };
  if (outcome.state !== 'planned') return { ...common, build: 'false', digest: outcome.digest };
  const { build } = outcome;
  return {
    ...common,
    build: 'true',
    digest: '',
    context: build.context,
    file: build.file,
    platforms: build.platforms,
    'build-args': build.buildArgs,
    labels: build.labels,
    tags: build.tags,
    'cache-scope': build.cacheScope,
    emulate: build.emulate,
  };
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const context = repositoryContext();
    const validated = await validateReleaseInputs(inputs, context.workspace);
    const deps: ReleaseDeps = {
      registry: async (repository) => {
        const found = await findCredentials(repository);
        core.info(
          found
            ? `Registry credentials for ${repository.registry}: from ${found.source}`
            : `No registry credentials for ${repository.registry} on this runner: reading it anonymously`,
        );
        return new RegistryClient(repository, found ? { credentials: found.credentials } : {});
      },
      log: core,
      facts: { serverUrl: context.serverUrl, repository: context.repository, revision: context.sha },
      architecture: runnerArchitecture(),
    };
    let outcome: ReleaseOutcome;
    if (inputs.stage === 'plan') {
      await requireReleaser(inputs, validated, context);
      outcome = await planRelease(validated, deps);
    } else {
      outcome = await confirmPush(validated, inputs.digest, deps);
    }
    setOutputs(outputsOf(outcome, validated));
    await writeSummary(releaseSummary(outcome));
  } catch (error) {
    failStep(error);
  }
}
