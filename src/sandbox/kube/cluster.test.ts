// The Kubernetes API stand-in driven by the real kubectl, as overlay-deploy and a person drive a
// cluster: apply server-side, apply again, two field managers, get, diff, rollout status.
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProcess } from '../process.js';
import { startKubeCluster, type KubeCluster } from './index.js';
import { deploymentsIn, kubectl, kubectlGet } from './kubectl.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const APPLY = ['apply', '--server-side', '--field-manager=gitops-promotion', '-f', '-'];

interface Meta {
  metadata: {
    name: string;
    resourceVersion: string;
    generation?: number;
    managedFields?: { manager: string; operation: string; fieldsV1: Record<string, unknown> }[];
  };
}
interface DeploymentJson extends Meta {
  spec: {
    replicas: number;
    strategy: { type: string };
    template: { spec: { containers: { image: string; imagePullPolicy: string }[] } };
  };
  status?: {
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason: string }[];
  };
}

let cluster: KubeCluster;
let dev: string;

beforeEach(async () => {
  cluster = await startKubeCluster({ name: 'dev' });
  const rendered = await runProcess('kubectl', ['kustomize', `${ROOT}overlays/dev`]);
  expect(rendered.exitCode, rendered.stderr).toBe(0);
  dev = rendered.stdout;
});

afterEach(async () => {
  await cluster.close();
});

const deployment = (name: string) =>
  kubectlGet<DeploymentJson>(cluster, [
    'deployment',
    name,
    '--namespace',
    'shop-dev',
    '--show-managed-fields',
  ]);

async function applyOk(manifests: string, args = APPLY): Promise<string> {
  const result = await kubectl(cluster, args, manifests);
  expect(result.stderr).toBe('');
  expect(result.exitCode).toBe(0);
  return result.stdout;
}

/** Applies and waits for the Deployment controller to finish with orders, so that nothing writes after. */
async function applyAndRollOut(manifests: string): Promise<void> {
  await applyOk(manifests);
  const status = await kubectl(cluster, [
    'rollout',
    'status',
    'deployment/orders',
    '-n',
    'shop-dev',
    '--timeout=20s',
  ]);
  expect(status.exitCode, status.stderr).toBe(0);
}

const configMap = (data: Record<string, string>) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'shop-dev' },
    data,
  });

describe('server-side apply with the real kubectl', () => {
  it('stores what it applies, with its field manager, and reads back with kubectl get', async () => {
    expect(await applyOk(dev)).toBe(
      [
        'namespace/shop-dev serverside-applied',
        'service/catalog serverside-applied',
        'service/orders serverside-applied',
        'service/payments serverside-applied',
        'deployment.apps/catalog serverside-applied',
        'deployment.apps/orders serverside-applied',
        'deployment.apps/payments serverside-applied',
        '',
      ].join('\n'),
    );
    const orders = await deployment('orders');
    expect(orders.spec.template.spec.containers[0]).toMatchObject({
      image: 'ghcr.io/acme/orders:1.5.0',
      imagePullPolicy: 'IfNotPresent',
    });
    expect(orders.spec).toMatchObject({ replicas: 2, strategy: { type: 'RollingUpdate' } });
    expect(orders.metadata.generation).toBe(1);
    const applied = orders.metadata.managedFields?.find((entry) => entry.manager === 'gitops-promotion');
    expect(applied?.operation).toBe('Apply');
    expect(applied?.fieldsV1).toMatchObject({
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': { 'f:containers': { 'k:{"name":"orders"}': { '.': {}, 'f:image': {} } } },
        },
      },
    });
    const running = await deploymentsIn(cluster);
    expect(running.map((d) => `${d.namespace}/${d.name} ${d.images.join(',')}`)).toEqual([
      'shop-dev/catalog ghcr.io/acme/catalog:0.9.4',
      'shop-dev/orders ghcr.io/acme/orders:1.5.0',
      'shop-dev/payments ghcr.io/acme/payments:2.3.1',
    ]);
    const selected = await kubectl(cluster, [
      'get',
      'deployments',
      '--all-namespaces',
      '-l',
      'app.kubernetes.io/name=orders',
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ]);
    expect(selected.stdout).toBe('orders');
  });

  it('applies again idempotently: nothing is written, the resourceVersion and generation stay', async () => {
    await applyAndRollOut(dev);
    // kubectl get without -o prints the server's Table, as for a real cluster.
    const table = await kubectl(cluster, ['get', 'deployment', 'orders', '--namespace', 'shop-dev']);
    expect(table.stdout).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\norders\s+2\/2\s+2\s+2\s+\d+s\n$/,
    );
    const before = await deployment('orders');
    const requests = cluster.requests.length;
    await applyOk(dev);
    expect(
      cluster.requests
        .slice(requests)
        .filter((r) => r.method === 'PATCH')
        .map((r) => r.status),
    ).toEqual(Array(7).fill(200));
    const after = await deployment('orders');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.metadata.generation).toBe(1);
  });

  it('diffs server-side without storing, then a new image raises the generation and rolls out', async () => {
    await applyAndRollOut(dev);
    const before = await deployment('orders');
    const next = dev.replace('ghcr.io/acme/orders:1.5.0', 'ghcr.io/acme/orders:1.6.0');
    const diff = await kubectl(
      cluster,
      ['diff', '--server-side', '--field-manager=gitops-promotion', '-f', '-'],
      next,
    );
    expect(diff.exitCode, diff.stderr).toBe(1);
    expect(diff.stdout).toContain('-        image: ghcr.io/acme/orders:1.5.0');
    expect(diff.stdout).toContain('+        image: ghcr.io/acme/orders:1.6.0');
    expect((await deployment('orders')).metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    await applyOk(next);
    const status = await kubectl(cluster, [
      'rollout',
      'status',
      'deployment/orders',
      '--namespace',
      'shop-dev',
      '--timeout=20s',
    ]);
    expect(status.stdout.trim().split('\n').at(-1)).toBe('deployment "orders" successfully rolled out');
    expect(status.exitCode).toBe(0);
    const after = await deployment('orders');
    expect(after.metadata.generation).toBe(2);
    expect(after.status?.observedGeneration).toBe(2);
    expect(after.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
    expect(after.metadata.managedFields?.map((entry) => [entry.manager, entry.operation])).toEqual([
      ['gitops-promotion', 'Apply'],
      ['kube-controller-manager', 'Update'],
    ]);
  });

  it('answers 409 when another field manager sets a field it does not own to another value', async () => {
    await applyOk(dev);
    // The first Deployment of the rendered overlay is catalog.
    const scaled = dev.replace(/replicas: 2/, 'replicas: 5');
    const conflict = await kubectl(
      cluster,
      ['apply', '--server-side', '--field-manager=hand-scaler', '-f', '-'],
      scaled,
    );
    expect(conflict.exitCode).toBe(1);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "gitops-promotion" using apps/v1: .spec.replicas',
    );
    expect((await deployment('catalog')).spec.replicas).not.toBe(5);

    // The same value is no conflict: both managers own it. --force-conflicts takes a field over.
    await applyOk(dev, ['apply', '--server-side', '--field-manager=co-owner', '-f', '-']);
    await applyOk(scaled, [
      'apply',
      '--server-side',
      '--field-manager=hand-scaler',
      '--force-conflicts',
      '-f',
      '-',
    ]);
    const taken = await deployment('catalog');
    expect(taken.spec.replicas).toBe(5);
    const owners = (taken.metadata.managedFields ?? [])
      .filter((entry) => 'f:replicas' in ((entry.fieldsV1['f:spec'] as object | undefined) ?? {}))
      .map((entry) => entry.manager);
    expect(owners).toEqual(['hand-scaler']);
  });

  it('removes a field the manager stops applying, unless another manager owns it', async () => {
    await applyOk(dev);
    await applyOk(configMap({ LOG_LEVEL: 'info', COLOR: 'blue' }));
    await applyOk(configMap({ COLOR: 'blue' }), [
      'apply',
      '--server-side',
      '--field-manager=other',
      '-f',
      '-',
    ]);
    await applyOk(configMap({ FLAG: 'on' }));
    const data = await kubectlGet<{ data: Record<string, string> }>(cluster, [
      'configmap',
      'settings',
      '--namespace',
      'shop-dev',
    ]);
    expect(data.data).toEqual({ COLOR: 'blue', FLAG: 'on' });
  });

  it('refuses what a real server refuses, and stores nothing', async () => {
    const noNamespace = await kubectl(cluster, APPLY, configMap({ A: 'b' }));
    expect(noNamespace.exitCode).toBe(1);
    expect(noNamespace.stderr).toContain('namespaces "shop-dev" not found');

    await applyOk(dev);
    const typo = await kubectl(cluster, APPLY, dev.replace('readinessProbe:', 'readynessProbe:'));
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toMatch(/readynessProbe: field not declared in schema/);

    const selector = await kubectl(
      cluster,
      APPLY,
      dev.replace(/matchLabels:\n(\s+)app.kubernetes.io\/name: orders/, 'matchLabels:\n$1app: orders'),
    );
    expect(selector.exitCode).toBe(1);
    expect(selector.stderr).toContain('is invalid');
    expect((await deployment('orders')).metadata.generation).toBe(1);

    const stale = await kubectl(
      cluster,
      APPLY,
      dev.replace(/^ {2}name: orders\n/m, '  name: orders\n  resourceVersion: "1"\n'),
    );
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toContain('the object has been modified');

    const stranger = await runProcess('kubectl', ['get', 'deployments', '-A'], {
      env: { ...process.env, KUBECONFIG: '/dev/null' },
    });
    expect(stranger.exitCode).toBe(1);
  });
});

describe('rollouts on request', () => {
  const rolloutStatus = (name: string, timeout = '20s') =>
    kubectl(cluster, [
      'rollout',
      'status',
      `deployment/${name}`,
      '--namespace',
      'shop-dev',
      `--timeout=${timeout}`,
    ]);

  it('fails a rollout asked to fail: progress deadline exceeded, as kubectl reports it', async () => {
    cluster.failRollout('shop-dev', 'orders', 1);
    await applyOk(dev);
    const failed = await rolloutStatus('orders');
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('error: deployment "orders" exceeded its progress deadline');
    expect((await deployment('orders')).status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }),
    );
    // Other deployments roll out, and the next rollout of orders (asked once) succeeds.
    expect((await rolloutStatus('payments')).exitCode).toBe(0);
    await applyOk(dev.replace('ghcr.io/acme/orders:1.5.0', 'ghcr.io/acme/orders:1.6.0'));
    expect((await rolloutStatus('orders')).exitCode).toBe(0);
  });

  it('stalls a rollout asked to stall: rollout status times out', async () => {
    cluster.stallRollout('shop-dev', 'orders');
    await applyOk(dev);
    const stalled = await rolloutStatus('orders', '2s');
    expect(stalled.exitCode).toBe(1);
    expect(stalled.stdout).toContain('Waiting for deployment "orders" rollout to finish');
    expect(stalled.stderr).toContain('timed out waiting for the condition');
    expect((await deployment('orders')).status?.observedGeneration).toBe(1);
  }, 20_000);
});
