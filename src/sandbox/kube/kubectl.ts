// The real kubectl against a stand-in cluster, for tests and the demo: what a cluster runs is read
// the way one reads it from a real cluster, with `kubectl get`.
import { runProcess, type ProcessResult } from '../process.js';
import type { KubeCluster } from './server.js';

/** Runs kubectl with the cluster's kubeconfig (never a shell); the result whatever the exit code. */
export function kubectl(cluster: KubeCluster, args: string[], input?: string): Promise<ProcessResult> {
  return runProcess('kubectl', args, {
    env: { ...process.env, ...cluster.env },
    ...(input !== undefined ? { input } : {}),
  });
}

/** `kubectl get ... -o json`, parsed; fails with kubectl's stderr when kubectl fails. */
export async function kubectlGet<T = unknown>(cluster: KubeCluster, args: string[]): Promise<T> {
  const result = await kubectl(cluster, ['get', ...args, '-o', 'json']);
  if (result.exitCode !== 0) throw new Error(`kubectl get ${args.join(' ')}: ${result.stderr.trim()}`);
  return JSON.parse(result.stdout) as T;
}

export interface RunningDeployment {
  namespace: string;
  name: string;
  /** The image of each container, in order. */
  images: string[];
  generation: number;
  observedGeneration?: number;
  availableReplicas?: number;
}

/** Every Deployment in the cluster with its images, from `kubectl get deployments -A`. */
export async function deploymentsIn(cluster: KubeCluster): Promise<RunningDeployment[]> {
  const list = await kubectlGet<{ items: DeploymentJson[] }>(cluster, ['deployments', '--all-namespaces']);
  return list.items.map((item) => ({
    namespace: item.metadata.namespace,
    name: item.metadata.name,
    images: item.spec.template.spec.containers.map((container) => container.image),
    generation: item.metadata.generation,
    ...(item.status?.observedGeneration !== undefined
      ? { observedGeneration: item.status.observedGeneration }
      : {}),
    ...(item.status?.availableReplicas !== undefined
      ? { availableReplicas: item.status.availableReplicas }
      : {}),
  }));
}

interface DeploymentJson {
  metadata: { namespace: string; name: string; generation: number };
  spec: { template: { spec: { containers: { image: string }[] } } };
  status?: { observedGeneration?: number; availableReplicas?: number };
}

/** What each environment's cluster runs, as `namespace/name image` lines, read with kubectl get. */
export async function whatRuns(clusters: Record<string, KubeCluster>): Promise<Record<string, string[]>> {
  const entries = await Promise.all(
    Object.entries(clusters).map(
      async ([environment, cluster]) =>
        [
          environment,
          (await deploymentsIn(cluster)).map((d) => `${d.namespace}/${d.name} ${d.images.join(',')}`),
        ] as const,
    ),
  );
  return Object.fromEntries(entries);
}
