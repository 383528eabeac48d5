// A deploy as overlay-deploy records it, for tests that start a promotion from a later environment:
// the same adapter and payload, through the GitHub stand-in's REST API, so what overlay-update reads
// back (GraphQL) is what GitHub would hold after a real deploy.
import { createOctokit, Deployments } from '../adapters/github.js';
import { deploymentPayload } from '../core/deployment-record.js';
import type { ImageVersion } from '../core/kustomization.js';
import { git } from './process.js';
import type { SandboxRepository } from './workspace.js';

export interface RecordedDeploy {
  apiUrl: string;
  token: string;
  /** The sandbox repository the deploy is recorded in. */
  repository: SandboxRepository;
  environment: string;
  service: string;
  version: ImageVersion & { tag: string };
  /** Its outcome (default success). */
  state?: 'success' | 'failure';
}

export async function recordDeploy(deploy: RecordedDeploy): Promise<number> {
  const octokit = createOctokit(deploy.token, { warning: () => undefined }, deploy.apiUrl);
  const { owner, repo, origin } = deploy.repository;
  const deployments = new Deployments(octokit, { owner, repo });
  const image = `ghcr.io/${owner}/${deploy.service}:${deploy.version.tag}`;
  const id = await deployments.create({
    // The head of main, as a deploy of a merged promotion deploys it.
    ref: await git(origin, 'rev-parse', 'main'),
    environment: deploy.environment,
    description: `${deploy.service} ${deploy.version.tag}`,
    payload: deploymentPayload(deploy.service, deploy.version, image),
    production: false,
  });
  await deployments.setStatus(id, deploy.state ?? 'success', `${deploy.service} ${deploy.version.tag}`);
  return id;
}
