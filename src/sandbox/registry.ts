/**
 * A real OCI registry for tests: Debian's `docker-registry` (distribution v2) on 127.0.0.1 with a
 * free port and a temp storage folder, optionally behind the token authentication GHCR and Docker
 * Hub use (a token service in this process signs the JWTs the registry verifies), plus the
 * containers configuration that lets `buildah` build and push to it as root with no daemon: vfs
 * storage in a temp root, chroot isolation, and this one registry marked insecure (plain http).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createPrivateKey,
  randomBytes,
  randomUUID,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from './certificates.js';
import { runProcess } from './process.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryUser {
  username: string;
  password: string;
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>`, the registry part of an image reference. */
  host: string;
  url: string;
  /** Set when the registry requires a login: the one account the token service accepts. */
  user?: RegistryUser;
  /** Token requests the token service answered (but those of `request`), for tests that check who asked for what. */
  tokenRequests: { account?: string; scope: string[]; authenticated: boolean }[];
  /** A request to the registry API with the test's own credentials (a token for `scope` when needed). */
  request(path: string, init?: { method?: string; accept?: string; scope?: string }): Promise<Response>;
  /** Repositories the registry holds (`GET /v2/_catalog`). */
  catalog(): Promise<string[]>;
  tags(repository: string): Promise<string[]>;
  /** `Docker-Content-Digest` of `HEAD /v2/<repository>/manifests/<tag>`, undefined on 404. */
  digest(repository: string, tag: string): Promise<string | undefined>;
  /** The labels of the image config a tag points at (manifest → config blob → config.Labels). */
  labels(repository: string, tag: string): Promise<Record<string, string>>;
  /** What docker-registry printed. */
  log(): string;
  dispose(): Promise<void>;
}

/** The registry program: Debian names the distribution binary `docker-registry`, upstream `registry`. */
export const REGISTRY_PROGRAMS = ['docker-registry', 'registry'];

import { findOnPath } from '../adapters/path.js';

export { findOnPath };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

interface TokenService {
  url: string;
  close(): Promise<void>;
}

/**
 * The token service of the distribution spec (`docs/spec/auth/token.md`): checks Basic credentials
 * and answers a JWT signed with a key whose certificate the registry trusts (`x5c` header).
 * Anonymous requests get a token with no access, as GHCR gives for a private repository.
 */
async function startTokenService(options: {
  key: KeyObject;
  certificate: X509Certificate;
  issuer: string;
  service: string;
  user: RegistryUser;
  requests: LocalRegistry['tokenRequests'];
}): Promise<TokenService> {
  const server: Server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const header = req.headers.authorization ?? '';
    let authenticated = false;
    if (header.startsWith('Basic ')) {
      const [username, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      if (username !== options.user.username || rest.join(':') !== options.user.password) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'wrong username or password' }] }),
        );
        return;
      }
      authenticated = true;
    }
    const scope = url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter(Boolean);
    // The test's own look-ups (LocalRegistry.request) are not what a test checks.
    if (req.headers['x-sandbox-client'] === undefined)
      options.requests.push({ account: url.searchParams.get('account') ?? undefined, scope, authenticated });
    const access = authenticated
      ? scope.map((s) => {
          const [type, name, actions = ''] = s.split(':');
          return { type, name, actions: actions.split(',') };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const head = { alg: 'ES256', typ: 'JWT', x5c: [options.certificate.raw.toString('base64')] };
    const claims = {
      iss: options.issuer,
      sub: authenticated ? options.user.username : '',
      aud: url.searchParams.get('service') ?? options.service,
      exp: now + 300,
      nbf: now - 30,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const input = `${base64url(JSON.stringify(head))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key: options.key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${input}.${base64url(signature)}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function waitForRegistry(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}):\n${output()}`);
    const answer = await fetch(`${url}/v2/`).catch(() => undefined);
    if (answer && (answer.status === 200 || answer.status === 401)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer ${url}/v2/ within 15 s:\n${output()}`);
}

/** Starts docker-registry on 127.0.0.1; `auth` puts it behind token authentication with one account. */
export async function startRegistry(options: { auth?: RegistryUser } = {}): Promise<LocalRegistry> {
  const program = await findOnPath(REGISTRY_PROGRAMS);
  if (!program) {
    throw new Error(
      'docker-registry is not installed: apt-get install docker-registry (.ci/run does it) to run the release tests',
    );
  }
  const root = await mkdtemp(join(tmpdir(), 'registry-'));
  const storage = join(root, 'storage');
  await mkdir(storage);
  const tokenRequests: LocalRegistry['tokenRequests'] = [];
  let tokens: TokenService | undefined;
  let key: KeyObject | undefined;
  let certificate: X509Certificate | undefined;
  const issuer = 'gitops-promotion-sandbox';
  const service = 'sandbox-registry';
  if (options.auth) {
    const made = await selfSignedCertificate(root, {
      name: 'token',
      subject: '/CN=sandbox token issuer',
      days: 2,
      what: 'the token key',
    });
    key = createPrivateKey(made.key);
    certificate = new X509Certificate(made.cert);
    tokens = await startTokenService({
      key,
      certificate,
      issuer,
      service,
      user: options.auth,
      requests: tokenRequests,
    });
  }

  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storage)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    ...(tokens
      ? [
          'auth:',
          '  token:',
          `    realm: ${tokens.url}`,
          `    service: ${service}`,
          `    issuer: ${issuer}`,
          `    rootcertbundle: ${JSON.stringify(join(root, 'token.crt'))}`,
        ]
      : []),
    '',
  ].join('\n');
  const configFile = join(root, 'config.yml');
  await writeFile(configFile, config);

  let output = '';
  const child = spawn(program, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const dispose = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await tokens?.close();
    await rm(root, { recursive: true, force: true });
  };

  try {
    await waitForRegistry(url, child, () => output);
  } catch (error) {
    await dispose();
    throw error;
  }

  /** A token for one scope, asked with the account's credentials, as a client of the registry would. */
  const tokenFor = async (scope: string): Promise<string> => {
    const tokenUrl = new URL(tokens!.url);
    tokenUrl.searchParams.set('service', service);
    tokenUrl.searchParams.set('scope', scope);
    const basic = Buffer.from(`${options.auth!.username}:${options.auth!.password}`).toString('base64');
    const answer = await fetch(tokenUrl, {
      headers: { authorization: `Basic ${basic}`, 'x-sandbox-client': '1' },
    });
    return ((await answer.json()) as { token: string }).token;
  };

  const request: LocalRegistry['request'] = async (path, init = {}) => {
    const headers: Record<string, string> = init.accept ? { accept: init.accept } : {};
    if (tokens) {
      const repository = /^\/v2\/(.+?)\/(?:manifests|blobs|tags)\//.exec(path)?.[1];
      const scope = init.scope ?? (repository ? `repository:${repository}:pull` : 'registry:catalog:*');
      headers.authorization = `Bearer ${await tokenFor(scope)}`;
    }
    return fetch(`${url}${path}`, { method: init.method ?? 'GET', headers });
  };

  const manifestJson = async (repository: string, reference: string): Promise<Record<string, unknown>> => {
    const answer = await request(`/v2/${repository}/manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    if (!answer.ok) throw new Error(`GET manifest ${repository}:${reference}: HTTP ${answer.status}`);
    return (await answer.json()) as Record<string, unknown>;
  };

  return {
    host,
    url,
    ...(options.auth ? { user: options.auth } : {}),
    tokenRequests,
    request,
    async catalog() {
      const answer = await request('/v2/_catalog');
      if (!answer.ok) throw new Error(`GET /v2/_catalog: HTTP ${answer.status}`);
      return ((await answer.json()) as { repositories: string[] | null }).repositories ?? [];
    },
    async tags(repository) {
      const answer = await request(`/v2/${repository}/tags/list`);
      if (answer.status === 404) return [];
      if (!answer.ok) throw new Error(`GET tags of ${repository}: HTTP ${answer.status}`);
      return ((await answer.json()) as { tags: string[] | null }).tags ?? [];
    },
    async digest(repository, tag) {
      const answer = await request(`/v2/${repository}/manifests/${tag}`, {
        method: 'HEAD',
        accept: MANIFEST_ACCEPT,
      });
      if (answer.status === 404) return undefined;
      if (!answer.ok) throw new Error(`HEAD manifest ${repository}:${tag}: HTTP ${answer.status}`);
      return answer.headers.get('docker-content-digest') ?? undefined;
    },
    async labels(repository, tag) {
      let manifest = await manifestJson(repository, tag);
      if (Array.isArray(manifest.manifests)) {
        const first = (manifest.manifests as { digest: string }[])[0]!;
        manifest = await manifestJson(repository, first.digest);
      }
      const config = manifest.config as { digest: string };
      const blob = await request(`/v2/${repository}/blobs/${config.digest}`);
      if (!blob.ok) throw new Error(`GET config blob ${config.digest}: HTTP ${blob.status}`);
      const json = (await blob.json()) as { config?: { Labels?: Record<string, string> } };
      return json.config?.Labels ?? {};
    },
    log: () => output,
    dispose,
  };
}

export interface BuildahSandbox {
  /** Environment for the action (and for buildah run by a test): see containersEnvironment. */
  env: Record<string, string>;
  root: string;
  dispose(): Promise<void>;
}

/**
 * The containers configuration a runner would have, written to a temp folder, so the action runs
 * buildah with no flag of its own: `CONTAINERS_STORAGE_CONF` (vfs driver, temp graph and run roots),
 * `BUILDAH_ISOLATION=chroot` (no user namespaces, no runc), `CONTAINERS_REGISTRIES_CONF` marking
 * only the test registries insecure (the equivalent of `--tls-verify=false` for them and nothing
 * else), and `REGISTRY_AUTH_FILE` holding the logins (as `buildah login` would write it). `HOME` is
 * a temp folder too, so no login of this machine's user leaks into a test.
 */
export async function createBuildahSandbox(registries: LocalRegistry[]): Promise<BuildahSandbox> {
  const root = await mkdtemp(join(tmpdir(), 'buildah-'));
  const home = join(root, 'home');
  await mkdir(home);
  const storageConf = join(root, 'storage.conf');
  const registriesConf = join(root, 'registries.conf');
  const authFile = join(root, 'auth.json');
  await writeFile(
    storageConf,
    [
      '[storage]',
      'driver = "vfs"',
      `graphroot = ${JSON.stringify(join(root, 'graph'))}`,
      `runroot = ${JSON.stringify(join(root, 'run'))}`,
      '',
    ].join('\n'),
  );
  await writeFile(
    registriesConf,
    registries.map((r) => `[[registry]]\nlocation = ${JSON.stringify(r.host)}\ninsecure = true\n`).join('\n'),
  );
  const auths: Record<string, { auth: string }> = {};
  for (const registry of registries) {
    if (registry.user) {
      auths[registry.host] = {
        auth: Buffer.from(`${registry.user.username}:${registry.user.password}`).toString('base64'),
      };
    }
  }
  await writeFile(authFile, JSON.stringify({ auths }, null, 2), { mode: 0o600 });
  return {
    root,
    env: {
      HOME: home,
      CONTAINERS_STORAGE_CONF: storageConf,
      CONTAINERS_REGISTRIES_CONF: registriesConf,
      BUILDAH_ISOLATION: 'chroot',
      REGISTRY_AUTH_FILE: authFile,
      TMPDIR: join(root),
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/** Runs buildah in the sandbox (to inspect what the action left in local storage). */
export async function buildah(sandbox: BuildahSandbox, ...args: string[]) {
  return runProcess('buildah', args, { env: { ...process.env, ...sandbox.env } });
}
