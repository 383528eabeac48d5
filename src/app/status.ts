// What each environment's overlay names, read from a checkout: the part of `npm run status` (and of
// the demo's closing table) that needs no GitHub; and with GitHub's facts added (open promotion PRs,
// recorded deployments) and the problems they show: what `npm run status -- --repo` and the
// promotion-status action report.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CONFIG_PATH, parseConfig, type PromotionConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { kustomizationPaths, readImageVersion, type ImageVersion } from '../core/kustomization.js';
import {
  statusFindings,
  statusMatrix,
  withGitHub,
  type StatusProblem,
  type StatusRow,
  type StatusSource,
} from '../core/status.js';
import { readGitHubFacts } from '../adapters/github-status.js';
import type { Octokit, Repo } from '../adapters/github.js';

/** The config of the checkout at `root` and, for each service, the version each overlay names. */
export async function readStatus(
  root: string,
  configPath = DEFAULT_CONFIG_PATH,
): Promise<{
  config: PromotionConfig;
  rows: StatusRow[];
  /** The kustomization file read for each environment; undefined when it has none. */
  overlays: Map<string, string | undefined>;
}> {
  const text = await readFile(join(root, configPath), 'utf8').catch((error: unknown) => {
    throw new UserError(
      `cannot read the configuration ${configPath}: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  const config = parseConfig(text, configPath);
  const overlays = new Map<string, { path: string; text: string } | undefined>();
  for (const environment of config.environments) {
    let found: { path: string; text: string } | undefined;
    for (const path of kustomizationPaths(environment.overlay)) {
      const text = await readFile(join(root, path), 'utf8').catch(() => undefined);
      if (text !== undefined) {
        found = { path, text };
        break;
      }
    }
    overlays.set(environment.name, found);
  }
  const versions = (environment: string, service: string): ImageVersion => {
    const overlay = overlays.get(environment);
    const image = config.services.find((s) => s.name === service)!.kustomizeImage;
    return overlay ? readImageVersion(overlay.text, image, overlay.path) : {};
  };
  return {
    config,
    rows: statusMatrix(config, versions),
    overlays: new Map([...overlays].map(([environment, found]) => [environment, found?.path])),
  };
}

export interface RepositoryStatus extends Awaited<ReturnType<typeof readStatus>> {
  problems: StatusProblem[];
  source: StatusSource;
  /** Environments whose deployment history was cut off before every service's last success. */
  truncated?: string[];
}

/**
 * The status of the checkout at `root` with what GitHub knows about `repo` added: the open promotion
 * PRs (aged against `maxAgeHours` at `now`) and the deployments recorded, in one GraphQL request for
 * a repository with up to 100 open PRs and 100 deployments per environment.
 */
export async function readRepositoryStatus(
  octokit: Octokit,
  repo: Repo,
  options: { root: string; configPath?: string; apiUrl: string; now: number; maxAgeHours: number },
): Promise<RepositoryStatus> {
  const local = await readStatus(options.root, options.configPath);
  let requests = 0;
  octokit.hook.before('request', () => {
    requests++;
  });
  const facts = await readGitHubFacts(
    octokit,
    repo,
    local.config.environments.map((e) => e.name),
    local.config.services.map((s) => s.name),
  );
  const rows = withGitHub(local.rows, facts, { now: options.now, maxAgeHours: options.maxAgeHours });
  return {
    ...local,
    rows,
    problems: statusFindings(rows, facts),
    source: {
      repository: `${repo.owner}/${repo.repo}`,
      apiUrl: options.apiUrl,
      requests,
      pulls: facts.pulls.length,
      deployments: facts.deployments.length,
    },
    ...(facts.truncated ? { truncated: facts.truncated } : {}),
  };
}
