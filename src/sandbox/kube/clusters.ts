// One stand-in cluster per environment of a promotion chain, each reached as a real deploy job
// reaches its cluster: through the environment's KUBECONFIG secret
// (a job that names an environment gets its secrets:
// https://docs.github.com/en/actions/using-jobs/using-environments-for-jobs).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeCluster, type KubeCluster } from './server.js';

export interface EnvironmentClusters {
  /** The cluster of each environment, by environment name. */
  byEnvironment: Record<string, KubeCluster>;
  /** The environments' secrets, as the workflow runner takes them: KUBECONFIG per environment. */
  environments: Record<string, { secrets: Record<string, string> }>;
  /** For the runner machine: kubectl's cache in a folder of the sandbox's own (see KubeCluster.env). */
  env: { KUBECACHEDIR: string };
  close(): Promise<void>;
}

export async function startEnvironmentClusters(names: string[]): Promise<EnvironmentClusters> {
  const clusters = await Promise.all(names.map((name) => startKubeCluster({ name })));
  const cache = await mkdtemp(join(tmpdir(), 'kube-cache-'));
  const byEnvironment = Object.fromEntries(clusters.map((cluster) => [cluster.name, cluster]));
  return {
    byEnvironment,
    environments: Object.fromEntries(
      clusters.map((cluster) => [cluster.name, { secrets: { KUBECONFIG: cluster.kubeconfig } }]),
    ),
    env: { KUBECACHEDIR: cache },
    async close() {
      await Promise.all(clusters.map((cluster) => cluster.close()));
      await rm(cache, { recursive: true, force: true });
    },
  };
}
