// A scenario of `npm run bench`: many services released into dev at once while the GitHub stand-in
// holds every client to GitHub's secondary limit on content creation (80 a minute, 500 an hour,
// per identity). It measures what GitHub would count (the busiest sliding minute of content-creating
// requests, the 403s the clients waited out) and whether every service still reached dev.
import { cpus } from 'node:os';
import { notPromoted, peakInWindow, type IntoDev } from '../core/bench.js';
import { parseConfig } from '../core/config.js';
import { readImageVersion } from '../core/kustomization.js';
import { GITHUB_CONTENT_LIMITS, type ContentRequest } from '../sandbox/github/index.js';
import { deploymentsIn } from '../sandbox/kube/index.js';
import { startSandbox, type Sandbox } from '../sandbox/demo.js';
import { addServices } from '../sandbox/add-services.js';
import { git } from '../sandbox/process.js';

/**
 * Runs at a time: a 2-core machine cannot build a hundred images at once. The bound slows the
 * releases down, so the figures say what the limit cost at this pace, not at GitHub's.
 */
const PARALLEL_RUNS = Math.max(2, 4 * cpus().length);

export async function releaseIntoDev(options: {
  services: number;
  progress: (line: string) => void;
}): Promise<IntoDev> {
  const version = '7.0.0';
  const sandbox = await startSandbox({
    tokenMode: 'app',
    layout: 'single',
    maxParallelRuns: PARALLEL_RUNS,
    secondaryRateLimit: GITHUB_CONTENT_LIMITS,
  });
  try {
    const seed = ['orders', 'payments', 'catalog'].slice(0, options.services);
    const extra = Array.from({ length: options.services - seed.length }, (_, i) => `bench-${i + 1}`);
    if (extra.length > 0) await addServices(sandbox.repo, extra);
    const services = [...seed, ...extra];
    const firstRequest = sandbox.github.requests.length;
    const since = Date.now();
    const began = performance.now();
    options.progress(
      `release ${services.length} services into dev at once, ${PARALLEL_RUNS} runs at a time ...`,
    );
    for (const service of services)
      await sandbox.github.dispatchWorkflow('service-release.yaml', {
        inputs: { service, version },
        login: 'release-manager',
      });
    // A hundred releases take minutes on a small machine: say how far they are now and then.
    const { runs } = sandbox.dispatcher;
    const { contentCreation } = sandbox.github;
    const ticker = setInterval(() => {
      const finished = runs.filter((run) => run.status === 'completed').length;
      options.progress(
        `    ${Math.round((performance.now() - began) / 1000)} s: ${finished} of ${runs.length} runs finished, ` +
          `${contentCreation.accepted.length} content-creating requests, ${contentCreation.refused.length} answered 403`,
      );
    }, 30_000);
    try {
      await sandbox.dispatcher.idle();
    } finally {
      clearInterval(ticker);
    }
    const seconds = (performance.now() - began) / 1000;
    options.progress(`    done in ${seconds.toFixed(1)} s`);

    const { accepted, refused, limits } = sandbox.github.contentCreation;
    const during = accepted.filter((request) => request.at >= since);
    return {
      services: services.length,
      version,
      maxParallelRuns: PARALLEL_RUNS,
      limits: limits.map((limit) => ({ ...limit })),
      seconds,
      requests: sandbox.github.requests.length - firstRequest,
      contentCreating: during.length,
      ...busiestIdentity(during),
      peakPerMinuteAll: peakInWindow(
        during.map((request) => request.at),
        60_000,
      ),
      refused: refused.filter((request) => request.at >= since).length,
      failedRuns: sandbox.dispatcher.failures().length,
      failedPromotions: await notInFirstEnvironment(sandbox, services, version),
    };
  } finally {
    await sandbox.dispose();
  }
}

/** The identity with the most content-creating requests in a sliding minute, as GitHub counts them. */
function busiestIdentity(requests: ContentRequest[]): { peakPerMinute: number; busiest: string } {
  const buckets = [...new Set(requests.map((request) => request.bucket))];
  const peaks = buckets.map((bucket) => ({
    busiest: bucket,
    peakPerMinute: peakInWindow(
      requests.filter((request) => request.bucket === bucket).map((request) => request.at),
      60_000,
    ),
  }));
  return peaks.sort((a, b) => b.peakPerMinute - a.peakPerMinute)[0] ?? { peakPerMinute: 0, busiest: 'none' };
}

/** Each service whose first environment's overlay on main, or its cluster, lacks `version`, with why. */
async function notInFirstEnvironment(
  sandbox: Sandbox,
  services: string[],
  version: string,
): Promise<string[]> {
  const show = (path: string) => git(sandbox.repo.origin, 'show', `main:${path}`);
  const config = parseConfig(await show('.github/promotion.yaml'));
  const first = config.environments[0]!;
  const overlay = await show(`${first.overlay}/kustomization.yaml`);
  const running = await deploymentsIn(sandbox.clusters[first.name]!);
  return services.flatMap((name) => {
    const service = config.services.find((s) => s.name === name);
    const tag = service ? readImageVersion(overlay, service.kustomizeImage).tag : undefined;
    const images = running.find((deployment) => deployment.name === name)?.images;
    const why = notPromoted(name, version, tag, images);
    return why ? [why] : [];
  });
}
