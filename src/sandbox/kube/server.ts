// A small Kubernetes API stand-in: one per environment, on 127.0.0.1 with an ephemeral port, HTTPS
// with a self-signed certificate (the kubeconfig names it as the cluster's certificate authority)
// and a bearer token (client-go sends a token over TLS only), reached by the real kubectl through a
// kubeconfig. It serves what kubectl
// asks for when it applies, diffs, gets and waits for a rollout (seen with `kubectl -v=8`):
// discovery and OpenAPI (./discovery.ts), server-side apply (./apply.ts), get, list and watch
// (https://kubernetes.io/docs/reference/using-api/api-concepts/), and Deployments that roll out
// (./rollouts.ts). No Kubernetes API server can run on these machines; this one is never kinder:
// what it does not implement (other patch types, create, update, delete) it refuses.
//
// What kubectl 1.32 asks (-v=8): `apply --server-side` GET /version, /openapi/v3 and the document of
// each group version it applies to, /api, /apis, /api/v1, /apis/apps/v1, then one PATCH per object
// (?fieldManager=...&fieldValidation=Strict&force=false; `diff` adds dryRun=All and GETs each
// object); `rollout status` GETs the Deployment, lists it with fieldSelector=metadata.name=<name>,
// and watches from the list's resourceVersion; `get` without -o asks for a Table.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { selfSignedCertificate } from '../certificates.js';
import { serverSideApply } from './apply.js';
import { discovery, groupVersion, openapi, RESOURCE_TYPES, type ResourceType } from './discovery.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { DeploymentController, type RolloutOutcome, type RolloutTiming } from './rollouts.js';
import { metadataOf, ObjectStore, withTypeMeta } from './store.js';
import { matchesSelectors, parseSelectors, type Selectors } from './selectors.js';
import { table, wantsTable } from './tables.js';

export interface KubeClusterOptions {
  /** The environment the cluster stands for: the kubeconfig's cluster and context name. */
  name: string;
  timing?: RolloutTiming;
}

export interface KubeCluster {
  name: string;
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** A kubeconfig for this cluster (cluster, user with a bearer token, context), as a KUBECONFIG secret holds it. */
  kubeconfig: string;
  /** The same kubeconfig in a file, for a KUBECONFIG variable. */
  kubeconfigPath: string;
  /**
   * What a process that runs kubectl against this cluster needs: KUBECONFIG, and KUBECACHEDIR in the
   * cluster's own folder, so kubectl's discovery cache goes with the cluster (never ~/.kube/cache,
   * where a later cluster on the same port could read it).
   */
  env: { KUBECONFIG: string; KUBECACHEDIR: string };
  /** Every request the cluster answered: method, path with query, status. */
  requests: { method: string; path: string; status: number }[];
  /** The next `times` rollouts of the Deployment fail (progress deadline exceeded); default every one. */
  failRollout(namespace: string, name: string, times?: number): void;
  /** The next `times` rollouts of the Deployment never complete; default every one. */
  stallRollout(namespace: string, name: string, times?: number): void;
  close(): Promise<void>;
}

/** Starts a stand-in cluster; close() stops it and removes its kubeconfig. */
export async function startKubeCluster(options: KubeClusterOptions): Promise<KubeCluster> {
  const folder = await mkdtemp(join(tmpdir(), `kube-${options.name}-`));
  const tls = await selfSignedCertificate(folder, {
    name: 'tls',
    subject: '/CN=kube-apiserver',
    days: 1,
    subjectAltName: 'IP:127.0.0.1',
    what: "the cluster's certificate",
  });
  const store = new ObjectStore();
  const controller = new DeploymentController(store, options.timing);
  store.onWrite = (type, object) => controller.observe(type, object);
  const token = randomBytes(24).toString('base64url');
  const requests: KubeCluster['requests'] = [];
  const watches = new Set<ServerResponse>();

  const server = createServer(tls, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const failure =
        error instanceof ApiError
          ? error
          : new ApiError(500, 'InternalError', `stand-in error: ${String(error)}`);
      send(res, failure.code, failure.status);
    });
    // On close, not finish: a watch the client hangs up on is a request too.
    res.on('close', () =>
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', status: res.statusCode }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.headers.authorization !== `Bearer ${token}`)
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    const body = await readBody(req);
    const path = url.pathname.replace(/\/$/, '') || '/';
    const method = req.method ?? 'GET';
    if (method === 'GET' && path.startsWith('/openapi/')) {
      const document = openapi(path);
      if (document === undefined)
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      // Version 2 goes out as JSON only: a client that accepts nothing but protobuf is told so.
      if (path === '/openapi/v2' && !/json|\*\/\*/.test(req.headers.accept ?? '*/*'))
        throw new ApiError(406, 'NotAcceptable', 'only application/json is served for /openapi/v2');
      return send(res, 200, document);
    }
    if (method === 'GET') {
      const answer = discovery(path);
      if (answer !== undefined) return send(res, 200, answer);
    }
    const route = routeOf(path);
    if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const { type, namespace, name, subresource } = route;

    if (method === 'GET' && name === undefined) {
      const selectors = parseSelectors(url.searchParams);
      if (['true', '1'].includes(url.searchParams.get('watch') ?? ''))
        return watch(res, type, namespace, selectors, url.searchParams);
      const items = store.list(type, namespace).filter((object) => matchesSelectors(object, selectors));
      if (wantsTable(req.headers.accept))
        return send(res, 200, table(type, items, String(store.resourceVersion)));
      return send(res, 200, {
        kind: `${type.kind}List`,
        apiVersion: groupVersion(type),
        metadata: { resourceVersion: String(store.resourceVersion) },
        items,
      });
    }
    if (name === undefined) throw methodNotAllowed(method);
    if (method === 'GET') {
      const object = store.get(type, namespace, name);
      if (!object) throw notFound(type.plural, name, type.group);
      if (wantsTable(req.headers.accept))
        return send(res, 200, table(type, [object], String(metadataOf(object)['resourceVersion'])));
      return send(res, 200, withTypeMeta(type, object));
    }
    if (method === 'PATCH' && subresource === undefined) {
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (contentType !== 'application/apply-patch+yaml')
        throw new ApiError(
          415,
          'UnsupportedMediaType',
          `the stand-in cluster takes server-side apply (application/apply-patch+yaml) only, not ${contentType}`,
        );
      let parsed: unknown;
      try {
        parsed = parse(body);
      } catch (error) {
        throw badRequest(`error decoding YAML: ${(error as Error).message}`);
      }
      const dryRun = url.searchParams.getAll('dryRun');
      if (dryRun.some((value) => value !== 'All'))
        throw badRequest(`Unsupported value: "${dryRun.join(',')}": supported values: "All"`);
      const { object, created } = serverSideApply(store, {
        type,
        ...(namespace !== undefined ? { namespace } : {}),
        name,
        body: parsed,
        manager: url.searchParams.get('fieldManager') ?? undefined,
        force: url.searchParams.get('force') === 'true',
        dryRun: dryRun.length > 0,
      });
      return send(res, created ? 201 : 200, withTypeMeta(type, object));
    }
    throw methodNotAllowed(method);
  }

  function watch(
    res: ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    selectors: Selectors,
    query: URLSearchParams,
  ): void {
    const from = Number(query.get('resourceVersion') || store.resourceVersion);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    // A watch with nothing to report yet still answers at once: the client waits for the headers.
    res.flushHeaders();
    watches.add(res);
    const stop = store.watch(from, (event) => {
      if (event.resource !== type) return;
      if (namespace !== undefined && metadataOf(event.object)['namespace'] !== namespace) return;
      if (!matchesSelectors(event.object, selectors)) return;
      res.write(`${JSON.stringify({ type: event.type, object: withTypeMeta(type, event.object) })}\n`);
    });
    const timeout = Number(query.get('timeoutSeconds') ?? 1800);
    const timer = setTimeout(() => res.end(), timeout * 1000);
    res.on('close', () => {
      stop();
      clearTimeout(timer);
      watches.delete(res);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfig = kubeconfigFor(options.name, url, token, tls.cert);
  const kubeconfigPath = join(folder, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
  const ask =
    (outcome: RolloutOutcome) =>
    (namespace: string, name: string, times = Infinity) =>
      controller.ask(namespace, name, outcome, times);

  return {
    name: options.name,
    url,
    kubeconfig,
    kubeconfigPath,
    env: { KUBECONFIG: kubeconfigPath, KUBECACHEDIR: join(folder, 'cache') },
    requests,
    failRollout: ask('fail'),
    stallRollout: ask('stall'),
    async close() {
      controller.stop();
      for (const res of watches) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(folder, { recursive: true, force: true });
    },
  };
}

function kubeconfigFor(name: string, url: string, token: string, ca: Buffer): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${name}`,
    '    cluster:',
    `      server: ${url}`,
    `      certificate-authority-data: ${ca.toString('base64')}`,
    'users:',
    `  - name: ${name}-deployer`,
    '    user:',
    `      token: ${token}`,
    'contexts:',
    `  - name: ${name}`,
    '    context:',
    `      cluster: ${name}`,
    `      user: ${name}-deployer`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** `/api/v1/namespaces/shop-dev/services/orders`, `/apis/apps/v1/deployments`, `/api/v1/namespaces/x`. */
function routeOf(path: string): Route | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let gv: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') [gv, rest] = ['v1', parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 3) [gv, rest] = [`${parts[1]}/${parts[2]}`, parts.slice(3)];
  else return undefined;
  const typeOf = (plural: string | undefined) =>
    RESOURCE_TYPES.find((type) => groupVersion(type) === gv && type.plural === plural);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && typeOf(rest[2])?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = typeOf(rest[0]);
  if (!type || rest.length > 3) return undefined;
  if (rest[2] !== undefined && !type.subresources.includes(rest[2])) return undefined;
  return {
    type,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(rest[1] !== undefined ? { name: rest[1] } : {}),
    ...(rest[2] !== undefined ? { subresource: rest[2] } : {}),
  };
}

const methodNotAllowed = (method: string): ApiError =>
  new ApiError(405, 'MethodNotAllowed', `the stand-in cluster does not implement ${method} here`);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
