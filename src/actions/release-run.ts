// What the release action does once its plain inputs passed: release.ts loads this module only then.
import { requireAccess } from '../app/access.js';
import { release, validateReleaseInputs, type ReleaseInputs } from '../app/release.js';
import { runBuilder } from '../adapters/builder.js';
import type { TeamMemberships } from '../adapters/github.js';
import { findCredentials, RegistryClient } from '../adapters/registry.js';
import { log, runActors, secretInput, setOutputs, writeSummary } from '../adapters/runner.js';
import { releaseSummary } from '../core/release.js';

export async function runRelease(inputs: ReleaseInputs): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const validated = await validateReleaseInputs(inputs, workspace);
  // Before anything is built or pushed: only the people release.allowed names may release.
  const org = (process.env.GITHUB_REPOSITORY ?? '').split('/')[0] ?? '';
  const token = secretInput('token');
  let teams: TeamMemberships | undefined;
  await requireAccess(
    {
      heading: `release: who may release \`${validated.service.name}\``,
      subject: {
        action: `run a release of ${validated.service.name}`,
        rule: `release.allowed in ${validated.config.file}`,
      },
      list: validated.config.release.allowed,
      org,
      logins: runActors(),
    },
    {
      // Octokit is loaded only when a team must be asked about.
      membership: token
        ? async (team, login) => {
            const { createOctokit, TeamMemberships } = await import('../adapters/github.js');
            teams ??= new TeamMemberships(createOctokit(token, log), org);
            return teams.membership(team, login);
          }
        : undefined,
      writeSummary,
    },
  );

  const result = await release(validated, {
    registry: async (repository) => {
      const found = await findCredentials(repository);
      log.info(
        found
          ? `Registry credentials for ${repository.registry}: from ${found.source}`
          : `No registry credentials for ${repository.registry} on this runner: reading it anonymously`,
      );
      return new RegistryClient(repository, found ? { credentials: found.credentials } : {});
    },
    run: (command) => runBuilder(command, { cwd: workspace }),
    log,
    facts: {
      serverUrl: process.env.GITHUB_SERVER_URL,
      repository: process.env.GITHUB_REPOSITORY,
      revision: process.env.GITHUB_SHA,
    },
  });

  setOutputs({
    image: result.reference,
    digest: result.digest ?? '',
    version: result.version,
    'first-overlay': result.firstEnvironment ?? '',
  });
  await writeSummary(releaseSummary(result));
}
