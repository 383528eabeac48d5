// The real docker-registry the release tests push to, and the action's registry client against it:
// anonymous on plain http, and behind the token authentication GHCR and Docker Hub use; then a small
// stand-in for what other registries do (Basic auth, 503s, blob redirects to another origin).
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findCredentials, RegistryClient } from '../adapters/registry.js';
import { parseImageRepository } from '../core/release.js';
import {
  buildah,
  createBuildahSandbox,
  freePort,
  startRegistry,
  type BuildahSandbox,
  type LocalRegistry,
} from './registry.js';

const USER = { username: 'release-bot', password: 'registry-s3cret-Pa55' };

async function pushSample(
  registry: LocalRegistry,
  sandbox: BuildahSandbox,
  repository: string,
  tag: string,
): Promise<string> {
  const context = await mkdtemp(join(tmpdir(), 'context-'));
  try {
    await writeFile(join(context, 'payload.txt'), `${repository}:${tag}\n`);
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY payload.txt /payload.txt\n');
    const reference = `${registry.host}/${repository}:${tag}`;
    const built = await buildah(sandbox, 'build', '--quiet', `--tag=${reference}`, context);
    expect(built.exitCode, built.stderr).toBe(0);
    const pushed = await buildah(sandbox, 'push', '--quiet', reference, `docker://${reference}`);
    expect(pushed.exitCode, pushed.stderr).toBe(0);
    return reference;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

describe('a registry without authentication', () => {
  let registry: LocalRegistry;
  let sandbox: BuildahSandbox;
  beforeAll(async () => {
    registry = await startRegistry();
    sandbox = await createBuildahSandbox([registry]);
  });
  afterAll(async () => {
    await registry?.dispose();
    await sandbox?.dispose();
  });

  it('answers /v2/ on 127.0.0.1 and starts empty', async () => {
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
    expect(await registry.catalog()).toEqual([]);
    expect(await registry.tags('acme/orders')).toEqual([]);
    expect(await registry.digest('acme/orders', '1.0.0')).toBeUndefined();
  });

  it('takes a buildah push, and the client reads the digest the registry serves', async () => {
    await pushSample(registry, sandbox, 'acme/plain', '1.0.0');
    expect(await registry.catalog()).toEqual(['acme/plain']);
    const served = await registry.digest('acme/plain', '1.0.0');
    expect(served).toMatch(/^sha256:[0-9a-f]{64}$/);

    const client = new RegistryClient(parseImageRepository(`${registry.host}/acme/plain`));
    expect(await client.tagDigest('1.0.0')).toBe(served);
    expect(await client.tagDigest('9.9.9')).toBeUndefined();
    const { manifest, digest } = await client.manifest('1.0.0');
    expect(digest).toBe(served);
    expect(manifest.kind).toBe('image');
    const size = await client.imageSize(served!);
    expect(size.platforms).toHaveLength(1);
    expect(size.platforms[0]!.bytes).toBeGreaterThan(0);
  });

  it('stops on dispose', async () => {
    const other = await startRegistry();
    await other.dispose();
    await expect(fetch(`${other.url}/v2/`)).rejects.toThrow();
  });
});

describe('a registry behind token authentication', () => {
  let registry: LocalRegistry;
  let sandbox: BuildahSandbox;
  let pushed: string;
  beforeAll(async () => {
    registry = await startRegistry({ auth: USER });
    sandbox = await createBuildahSandbox([registry]);
    pushed = await pushSample(registry, sandbox, 'acme/private', '2.0.0');
  });
  afterAll(async () => {
    await registry?.dispose();
    await sandbox?.dispose();
  });
  afterEach(() => {
    registry.tokenRequests.length = 0;
  });

  it('refuses anonymous reads with a Bearer challenge', async () => {
    const answer = await fetch(`${registry.url}/v2/acme/private/manifests/2.0.0`, { method: 'HEAD' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/token"/,
    );
    expect(pushed).toBe(`${registry.host}/acme/private:2.0.0`);
  });

  it('the client finds the login in REGISTRY_AUTH_FILE and does the token dance', async () => {
    const repository = parseImageRepository(`${registry.host}/acme/private`);
    const found = await findCredentials(repository, { HOME: sandbox.env.HOME, ...sandbox.env });
    expect(found?.source).toBe(sandbox.env.REGISTRY_AUTH_FILE);
    expect(found?.credentials).toEqual({ username: USER.username, password: USER.password });

    const client = new RegistryClient(repository, { credentials: found!.credentials });
    const digest = await client.tagDigest('2.0.0');
    expect(digest).toBe(await registry.digest('acme/private', '2.0.0'));
    expect(registry.tokenRequests[0]).toEqual({
      account: USER.username,
      scope: ['repository:acme/private:pull'],
      authenticated: true,
    });
    // The token is reused for the next requests of the same repository.
    const asked = registry.tokenRequests.length;
    await client.imageSize(digest!);
    expect(registry.tokenRequests).toHaveLength(asked);
  });

  it('reads docker login’s config.json too, and prefers containers’ auth files', async () => {
    const home = await mkdtemp(join(tmpdir(), 'home-'));
    try {
      const repository = parseImageRepository(`${registry.host}/acme/private`);
      await mkdir(join(home, '.docker'));
      const dockerConfig = join(home, '.docker', 'config.json');
      const auth = (password: string) =>
        JSON.stringify({
          auths: {
            [`http://${registry.host}`]: {
              auth: Buffer.from(`${USER.username}:${password}`).toString('base64'),
            },
          },
        });
      await writeFile(dockerConfig, auth(USER.password));
      expect((await findCredentials(repository, { HOME: home }))?.source).toBe(dockerConfig);
      await writeFile(join(home, 'auth.json'), auth('from-registry-auth-file'));
      const preferred = await findCredentials(repository, {
        HOME: home,
        REGISTRY_AUTH_FILE: join(home, 'auth.json'),
      });
      expect(preferred?.credentials.password).toBe('from-registry-auth-file');
      expect(
        await findCredentials(parseImageRepository('ghcr.io/acme/orders'), { HOME: home }),
      ).toBeUndefined();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('says the credentials were refused, without printing them', async () => {
    const repository = parseImageRepository(`${registry.host}/acme/private`);
    const client = new RegistryClient(repository, {
      credentials: { username: USER.username, password: 'wrong-Pa55' },
    });
    const error = await client.tagDigest('2.0.0').catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/token service .* refused the runner’s credentials \(HTTP 401/);
    expect((error as Error).message).not.toContain('wrong-Pa55');
  });

  it('anonymous: a strict read fails clearly, a lenient existence check says "not there"', async () => {
    const client = new RegistryClient(parseImageRepository(`${registry.host}/acme/private`));
    await expect(client.tagDigest('2.0.0')).rejects.toThrow(
      /refused reading 2\.0\.0 without credentials \(HTTP 401/,
    );
    expect(await client.tagDigest('2.0.0', { lenient: true })).toBeUndefined();
  });
});

describe('the client against what other registries do', () => {
  // A registry stand-in for behaviour docker-registry does not show: Basic auth, 503s, blob
  // redirects to another origin (S3, a CDN), a HEAD without Docker-Content-Digest.
  const seen: { path: string; authorization?: string; port: number }[] = [];
  let servers: Server[] = [];
  let storage: string;
  let registryHost: string;
  let unavailable = 0;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${'c'.repeat(64)}`,
      size: 2,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: `sha256:${'1'.repeat(64)}`,
        size: 42,
      },
    ],
  });
  const basic = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;

  async function listen(
    handler: (req: IncomingMessage, res: ServerResponse, port: number) => void,
  ): Promise<number> {
    const server = createServer((req, res) => {
      const port = (server.address() as AddressInfo).port;
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, port });
      handler(req, res, port);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    const storagePort = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"config":{"Labels":{"a":"b"}}}');
    });
    storage = `127.0.0.1:${storagePort}`;
    const port = await listen((req, res) => {
      if (req.headers.authorization !== basic) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="stand-in"' });
        res.end();
        return;
      }
      if (unavailable > 0) {
        unavailable--;
        res.writeHead(503, { 'retry-after': '0' });
        res.end();
        return;
      }
      if (req.url?.startsWith('/v2/acme/orders/blobs/')) {
        res.writeHead(307, { location: `http://${storage}/blob?signature=abc` });
        res.end();
        return;
      }
      if (req.url === '/v2/acme/orders/manifests/1.0.0') {
        // No Docker-Content-Digest: the client takes the digest of the bytes served.
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        res.end(req.method === 'HEAD' ? undefined : manifest);
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    });
    registryHost = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    servers = [];
  });
  afterEach(() => {
    seen.length = 0;
  });

  const client = () =>
    new RegistryClient(parseImageRepository(`${registryHost}/acme/orders`), {
      credentials: { username: USER.username, password: USER.password },
      sleep: async () => undefined,
    });

  it('answers a Basic challenge, and digests the served bytes when HEAD has no digest header', async () => {
    const expected = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    expect(await client().tagDigest('1.0.0')).toBe(expected);
    expect(await client().tagDigest('2.0.0')).toBeUndefined();
    const { manifest: read } = await client().manifest('1.0.0');
    expect(read.kind === 'image' && read.layers[0]!.size).toBe(42);
  });

  it('follows a blob redirect to another origin without the registry credentials', async () => {
    expect(await client().blobJson(`sha256:${'c'.repeat(64)}`)).toEqual({ config: { Labels: { a: 'b' } } });
    const atStorage = seen.filter((request) => `127.0.0.1:${request.port}` === storage);
    expect(atStorage).toEqual([
      expect.objectContaining({ path: '/blob?signature=abc', authorization: undefined }),
    ]);
  });

  it('tries again when the registry is briefly unavailable', async () => {
    unavailable = 2;
    expect(await client().tagDigest('2.0.0')).toBeUndefined();
    expect(unavailable).toBe(0);
    unavailable = 5;
    await expect(client().tagDigest('2.0.0')).rejects.toThrow(/answered HTTP 503/);
    unavailable = 0;
  });

  it('reports an unreachable registry in one line', async () => {
    const port = await freePort();
    const gone = new RegistryClient(parseImageRepository(`127.0.0.1:${port}/acme/orders`), {
      sleep: async () => undefined,
    });
    await expect(gone.tagDigest('1.0.0')).rejects.toThrow(
      `Cannot reach the registry at http://127.0.0.1:${port}: ECONNREFUSED`,
    );
  });
});
