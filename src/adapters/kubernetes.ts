import { getExecOutput } from '@actions/exec';
import { CommandError } from '../core/errors.js';
import type { Workload } from '../core/manifests.js';
import { findOnPath } from './path.js';

/** The field manager of every apply, so server-side apply knows which fields the suite owns. */
export const FIELD_MANAGER = 'gitops-promotion';

async function run(
  program: string,
  args: string[],
  input?: string,
  okExitCodes: number[] = [0],
): Promise<string> {
  const result = await getExecOutput(program, args, {
    silent: true,
    ignoreReturnCode: true,
    ...(input !== undefined ? { input: Buffer.from(input) } : {}),
  });
  if (!okExitCodes.includes(result.exitCode)) {
    throw new CommandError(`${program} ${args.join(' ')}`, result.exitCode, result.stderr || result.stdout);
  }
  return result.stdout;
}

/** Renders an overlay: a standalone `kustomize` when the runner has one, else the one built into kubectl. */
export async function renderOverlay(dir: string): Promise<{ manifests: string; renderer: string }> {
  const kustomize = await findOnPath(['kustomize']);
  if (kustomize) return { manifests: await run(kustomize, ['build', dir]), renderer: 'kustomize build' };
  const kubectl = await findOnPath(['kubectl']);
  if (!kubectl)
    throw new CommandError(
      'kustomize',
      127,
      'neither kustomize nor kubectl is on PATH: install one of them on the runner',
    );
  return { manifests: await run(kubectl, ['kustomize', dir]), renderer: 'kubectl kustomize' };
}

/** Server-side apply of the given manifests; the kubeconfig comes from the environment (KUBECONFIG). */
export async function applyManifests(manifests: string): Promise<string> {
  return run('kubectl', ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], manifests);
}

/** What an apply would change in the cluster, without changing it (`kubectl diff` exits 1 when there are differences). */
export async function diffManifests(manifests: string): Promise<string> {
  return run(
    'kubectl',
    ['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'],
    manifests,
    [0, 1],
  );
}

export async function waitForRollout(workload: Workload, timeoutSeconds: number): Promise<string> {
  return run('kubectl', [
    'rollout',
    'status',
    `${workload.kind.toLowerCase()}/${workload.name}`,
    ...(workload.namespace ? ['--namespace', workload.namespace] : []),
    `--timeout=${timeoutSeconds}s`,
  ]);
}
