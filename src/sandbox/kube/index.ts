export { startKubeCluster, type KubeCluster, type KubeClusterOptions } from './server.js';
export { startEnvironmentClusters, type EnvironmentClusters } from './clusters.js';
export { deploymentsIn, kubectl, kubectlGet, whatRuns, type RunningDeployment } from './kubectl.js';
export type { RolloutTiming } from './rollouts.js';
