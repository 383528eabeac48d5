import { spawn } from 'node:child_process';
import { lstat, readlink } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SHIM_PATH,
  createRecordingKubectl,
  findRealKubectl,
  type RecordingKubectl,
  type RecordingKubectlOptions,
} from './kubectl-recorder.js';
import { runProcess, type ProcessResult } from './process.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  namespace: shop-dev
spec:
  template:
    spec:
      containers:
        - name: orders
          image: ghcr.io/acme/orders:1.6.0
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: orders
  namespace: shop-dev
`;

const recorders: RecordingKubectl[] = [];

async function recorder(options?: RecordingKubectlOptions): Promise<RecordingKubectl> {
  const created = await createRecordingKubectl(options);
  recorders.push(created);
  return created;
}

/** Runs `kubectl` by name, so it is found through PATH exactly as the actions would find it. */
function kubectl(
  rec: RecordingKubectl,
  args: string[],
  input?: string,
  extraEnv: Record<string, string> = {},
) {
  return runProcess('kubectl', args, {
    cwd: repoRoot,
    env: { ...process.env, ...rec.env, ...extraEnv },
    input,
  });
}

afterEach(async () => {
  await Promise.all(recorders.splice(0).map((rec) => rec.dispose()));
});

describe('createRecordingKubectl', () => {
  it('puts a link to the shim first on PATH and finds the real kubectl before that', async () => {
    const rec = await recorder();
    expect(rec.env.PATH!.split(delimiter)[0]).toBe(rec.binDir);
    const link = join(rec.binDir, 'kubectl');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(SHIM_PATH);
    expect(rec.realKubectl).toBeDefined();
    expect(rec.realKubectl!.startsWith(rec.binDir)).toBe(false);
    expect(rec.env.RECORDING_KUBECTL_REAL).toBe(rec.realKubectl);
    // Searching the shim's PATH skips the shim and lands on the same real kubectl.
    expect(await findRealKubectl(rec.env.PATH)).toBe(rec.realKubectl);
    expect(rec.env.RECORDING_KUBECTL_FAIL_APPLY).toBe('');
    expect(rec.env.RECORDING_KUBECTL_FAIL_ROLLOUT).toBe('');
  });

  it('removes its folder on dispose', async () => {
    const rec = await createRecordingKubectl();
    await rec.dispose();
    await expect(lstat(rec.binDir)).rejects.toThrow(/ENOENT/);
  });
});

describe('kubectl kustomize and version go to the real kubectl', () => {
  it('renders overlays/dev with the real kustomize and records nothing', async () => {
    const rec = await recorder();
    const result = await kubectl(rec, ['kustomize', 'overlays/dev']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/image: ghcr\.io\/acme\/orders:\S+/);
    expect(result.stdout).toContain('namespace: shop-dev');
    expect(await rec.calls()).toEqual([]);
  });

  it('passes the real exit code and stderr through', async () => {
    const rec = await recorder();
    const result = await kubectl(rec, ['kustomize', 'overlays/no-such-overlay']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/no-such-overlay/);
    expect(await rec.calls()).toEqual([]);
  });

  it('reaches kustomize through the shim (a missing RECORDING_KUBECTL_REAL fails there)', async () => {
    const rec = await recorder();
    const result = await kubectl(rec, ['kustomize', 'overlays/dev'], undefined, {
      RECORDING_KUBECTL_REAL: join(rec.binDir, 'no-such-kubectl'),
    });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toContain('recording kubectl: cannot run');
  });

  it('finds the real kubectl on PATH when RECORDING_KUBECTL_REAL is empty, skipping the shim', async () => {
    const rec = await recorder();
    const result = await kubectl(rec, ['version', '--client'], undefined, { RECORDING_KUBECTL_REAL: '' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Client Version: v\d+\.\d+/);
    expect(await rec.calls()).toEqual([]);
  });
});

describe('kubectl apply is recorded', () => {
  it('records argv, stdin and KUBECONFIG and prints one serverside-applied line per document', async () => {
    const rec = await recorder();
    const argv = ['apply', '--server-side', '--field-manager=x', '-f', '-'];
    const stdin = `${DEPLOYMENT}---\n${SERVICE}`;
    const result = await kubectl(rec, argv, stdin, { KUBECONFIG: '/tmp/dev-kubeconfig' });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      'deployment.apps/orders serverside-applied\nservice/orders serverside-applied\n',
    );

    const calls = await rec.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.argv).toEqual(argv);
    expect(calls[0]!.stdin).toBe(stdin);
    expect(calls[0]!.env).toEqual({ KUBECONFIG: '/tmp/dev-kubeconfig' });
    expect(calls[0]!.documents).toEqual([
      expect.objectContaining({ kind: 'Deployment', metadata: { name: 'orders', namespace: 'shop-dev' } }),
      expect.objectContaining({ kind: 'Service', metadata: { name: 'orders', namespace: 'shop-dev' } }),
    ]);
  });

  it('applies the rendered overlay: one line per rendered object, manifests recorded verbatim', async () => {
    const rec = await recorder();
    const rendered = await kubectl(rec, ['kustomize', 'overlays/dev']);
    expect(rendered.exitCode).toBe(0);
    const result = await kubectl(
      rec,
      ['apply', '--server-side', '--field-manager=gitops-promotion', '-n', 'shop-dev', '-f', '-'],
      rendered.stdout,
    );
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('namespace/shop-dev serverside-applied');
    expect(lines).toContain('deployment.apps/orders serverside-applied');
    expect(lines).toContain('service/orders serverside-applied');

    const [call] = await rec.calls();
    expect(call!.stdin).toBe(rendered.stdout);
    expect(call!.documents).toHaveLength(lines.length);
    const orders = call!.documents.find(
      (doc) => (doc as { kind: string }).kind === 'Deployment' && JSON.stringify(doc).includes('"orders"'),
    );
    expect(JSON.stringify(orders)).toMatch(/ghcr\.io\/acme\/orders:/);
  });

  it('marks dry runs and client-side applies as kubectl does', async () => {
    const rec = await recorder();
    const dryRun = await kubectl(rec, ['apply', '--server-side', '--dry-run=server', '-f', '-'], SERVICE);
    expect(dryRun.stdout).toBe('service/orders serverside-applied (server dry run)\n');
    const clientSide = await kubectl(rec, ['apply', '--filename=-'], DEPLOYMENT);
    expect(clientSide.stdout).toBe('deployment.apps/orders configured\n');
    expect((await rec.calls()).map((call) => call.documents.length)).toEqual([1, 1]);
  });

  it('fails every apply with failApply, and still records it', async () => {
    const rec = await recorder({ failApply: 'error: the server rejected the request' });
    const result = await kubectl(rec, ['apply', '--server-side', '-f', '-'], DEPLOYMENT);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error: the server rejected the request\n');
    const calls = await rec.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.stdin).toBe(DEPLOYMENT);
  });
});

describe('kubectl rollout status is recorded', () => {
  it('reports a successful rollout', async () => {
    const rec = await recorder();
    const argv = ['rollout', 'status', 'deployment/orders', '-n', 'shop-dev', '--timeout=300s'];
    const result = await kubectl(rec, argv);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('deployment "orders" successfully rolled out\n');
    expect(await rec.calls()).toEqual([{ argv, stdin: '', documents: [], env: expect.any(Object) }]);
  });

  it('fails only the workloads named in failRollout', async () => {
    const rec = await recorder({ failRollout: ['deployment/orders'] });
    const orders = await kubectl(rec, ['rollout', 'status', 'deployment/orders', '-n', 'shop-dev']);
    expect(orders.exitCode).toBe(1);
    expect(orders.stdout).toBe('');
    expect(orders.stderr).toBe('error: deployment "orders" exceeded its progress deadline\n');
    // Same workload, other spellings of its kind: still fails.
    const ordersAgain = await kubectl(rec, ['rollout', 'status', '-n', 'shop-dev', 'deploy', 'orders']);
    expect(ordersAgain.exitCode).toBe(1);

    const payments = await kubectl(rec, ['rollout', 'status', 'deployment/payments', '-n', 'shop-dev']);
    expect(payments.exitCode).toBe(0);
    expect(payments.stdout).toBe('deployment "payments" successfully rolled out\n');
    expect((await rec.calls()).map((call) => call.argv[2])).toEqual([
      'deployment/orders',
      '-n',
      'deployment/payments',
    ]);
  });

  it('fails a workload only in the namespace a namespace/kind/name entry names', async () => {
    const rec = await recorder({ failRollout: ['shop-uat/deployment/orders'] });
    const inUat = await kubectl(rec, ['rollout', 'status', 'deployment/orders', '--namespace=shop-uat']);
    expect(inUat.exitCode).toBe(1);
    expect(inUat.stderr).toBe('error: deployment "orders" exceeded its progress deadline\n');
    const inDev = await kubectl(rec, ['rollout', 'status', 'deployment/orders', '-n', 'shop-dev']);
    expect(inDev.exitCode).toBe(0);
    const noNamespace = await kubectl(rec, ['rollout', 'status', 'deployment/orders']);
    expect(noNamespace.exitCode).toBe(0);
  });

  it("fails every rollout with failRollout: '*'", async () => {
    const rec = await recorder({ failRollout: '*' });
    const result = await kubectl(rec, ['rollout', 'status', 'deployment/catalog', '--timeout=5s']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('error: deployment "catalog" exceeded its progress deadline\n');
  });
});

describe('other calls', () => {
  it('records unknown subcommands and answers nothing', async () => {
    const rec = await recorder();
    const result = await kubectl(rec, ['--context', 'dev', 'get', 'pods', '-n', 'shop-dev']);
    expect(result).toEqual<ProcessResult>({ exitCode: 0, stdout: '', stderr: '' });
    expect((await rec.calls()).map((call) => call.argv)).toEqual([
      ['--context', 'dev', 'get', 'pods', '-n', 'shop-dev'],
    ]);
  });

  it('does not wait for stdin unless told to read manifests from it', async () => {
    const rec = await recorder();
    // stdin stays open, as @actions/exec leaves it when given no input.
    const child = spawn('kubectl', ['rollout', 'status', 'deployment/orders'], {
      env: { ...process.env, ...rec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('the shim waited for stdin'));
      }, 10_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    child.stdin.destroy();
    expect(exitCode).toBe(0);
    expect(await rec.calls()).toHaveLength(1);
  });
});
