// The protection rules of an environment a job references, applied as GitHub Actions applies them
// before the job's first step ("Managing environments for deployment" and "Deployments and
// environments", docs.github.com/actions): a ref the deployment branch policy does not allow fails
// the job at once (GitHub's message: `Branch "x" is not allowed to deploy to prod due to
// environment protection rules.`); the wait timer delays it; required reviewers make it wait until
// one of them approves through `POST .../actions/runs/{run_id}/pending_deployments`, and a
// rejection fails it. The rules live in the stand-in (src/sandbox/github/environments.ts).
import { deploymentRefusal, findEnvironment, waitForReviewers } from '../github/environments.js';
import type { GitHubStandIn } from '../github/index.js';

/** GitHub's annotation on a job whose reviewers rejected it. */
export const REJECTED = "The deployment was rejected or didn't satisfy other protection rules.";

export interface EnvironmentGate {
  github: GitHubStandIn;
  runId: number;
  /** The run's GITHUB_REF (the caller's, for a job of a called workflow). */
  ref: string;
  /** Who started the run (github.triggering_actor). */
  actor: string;
  /** Waits for the wait timer; the sandbox's runs may pass a faster clock. */
  sleep: (ms: number) => Promise<void>;
  progress: (line: string) => void;
}

/** What the rules decided: undefined when the job may start, else why it fails (GitHub's words). */
export async function passEnvironmentRules(name: string, gate: EnvironmentGate): Promise<string | undefined> {
  const { settings } = gate.github;
  const environment = findEnvironment(settings, name);
  if (!environment) return undefined;
  const refused = deploymentRefusal(environment, gate.ref, (branch) => settings.protections.has(branch));
  if (refused) return refused;
  const started = new Date().toISOString();
  const reviewed =
    environment.reviewers.length > 0
      ? waitForReviewers(
          settings,
          gate.runId,
          environment.name,
          gate.actor,
          environment.waitTimer > 0 ? started : null,
        )
      : Promise.resolve('approved' as const);
  if (environment.reviewers.length > 0)
    gate.progress(`  ⏸ waiting for a reviewer of environment ${environment.name}`);
  if (environment.waitTimer > 0) {
    gate.progress(`  ⏸ wait timer of environment ${environment.name}: ${environment.waitTimer} minutes`);
    await gate.sleep(environment.waitTimer * 60_000);
  }
  return (await reviewed) === 'approved' ? undefined : REJECTED;
}
