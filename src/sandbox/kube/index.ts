export { startKubeCluster, type KubeCluster, type KubeClusterOptions } from './server.js';
export type { RolloutTiming } from './rollouts.js';
