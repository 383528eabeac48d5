import { getExecOutput } from '@actions/exec';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import * as core from '@actions/core';
import {
  credentialHelperServers,
  isSafeRealm,
  layersSize,
  MANIFEST_ACCEPT,
  matchAuthKey,
  parseChallenge,
  platformImages,
  platformName,
  readManifest,
  registryBaseUrl,
  type Challenge,
  type ImageRepository,
  type ImageSize,
  type Manifest,
} from '../core/release.js';

/**
 * A small client of the OCI distribution API (the `/v2/` endpoints), enough to ask which digest a
 * tag points at and how big the image is. Credentials come from the files `docker login`,
 * `buildah login` and `podman login` write; they are masked and never printed.
 */

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (`identitytoken`), exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token to send as is (`registrytoken`). */
  registryToken?: string;
}

export interface FoundCredentials {
  credentials: Credentials;
  /** Where they came from (a file path or a credential helper), for the log. Never the secret. */
  source: string;
}

/**
 * The auth files a runner may hold, in the order containers-auth.json(5) reads them, docker's last:
 * `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`, `$XDG_CONFIG_HOME/containers/auth.json`,
 * `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`).
 */
export function authFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME || homedir();
  const files = [
    env.REGISTRY_AUTH_FILE,
    env.XDG_RUNTIME_DIR && join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'),
    join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'),
    join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json'),
  ];
  return [...new Set(files.filter((file): file is string => Boolean(file)))];
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Masks a secret in the job log from here on (a workflow command, so only on a runner). */
function maskSecret(secret: string | undefined): void {
  if (secret && process.env.GITHUB_ACTIONS === 'true') core.setSecret(secret);
}

function mask(credentials: Credentials): Credentials {
  for (const secret of [credentials.password, credentials.identityToken, credentials.registryToken]) {
    maskSecret(secret);
  }
  return credentials;
}

function fromEntry(entry: AuthEntry): Credentials | undefined {
  if (entry.registrytoken) return { registryToken: entry.registrytoken };
  if (entry.identitytoken) return { identityToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

/** Asks `docker-credential-<helper> get`, the protocol docker's `credsStore`/`credHelpers` use. */
async function fromHelper(helper: string, repository: ImageRepository): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) return undefined;
  for (const server of credentialHelperServers(repository)) {
    const result = await getExecOutput(`docker-credential-${helper}`, ['get'], {
      input: Buffer.from(server),
      silent: true,
      ignoreReturnCode: true,
    }).catch(() => undefined);
    if (!result || result.exitCode !== 0) continue;
    try {
      const { Username, Secret } = JSON.parse(result.stdout) as { Username?: string; Secret?: string };
      if (!Secret) continue;
      return Username === '<token>'
        ? { identityToken: Secret }
        : { username: Username ?? '', password: Secret };
    } catch {
      continue;
    }
  }
  return undefined;
}

/** The credentials the runner holds for a repository, or undefined (anonymous access). */
export async function findCredentials(
  repository: ImageRepository,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FoundCredentials | undefined> {
  for (const file of authFiles(env)) {
    let parsed: AuthFile;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8')) as AuthFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      core.warning(`Ignoring the registry auth file ${file}: it is not valid JSON`);
      continue;
    }
    const helperKey = matchAuthKey(Object.keys(parsed.credHelpers ?? {}), repository);
    const helper = helperKey ? parsed.credHelpers![helperKey] : undefined;
    if (helper) {
      const credentials = await fromHelper(helper, repository);
      if (credentials) return { credentials: mask(credentials), source: `docker-credential-${helper}` };
    }
    const key = matchAuthKey(Object.keys(parsed.auths ?? {}), repository);
    const entry = key ? parsed.auths![key] : undefined;
    const credentials = entry && fromEntry(entry);
    if (credentials) return { credentials: mask(credentials), source: file };
    if (key && parsed.credsStore) {
      const stored = await fromHelper(parsed.credsStore, repository);
      if (stored) return { credentials: mask(stored), source: `docker-credential-${parsed.credsStore}` };
    }
  }
  return undefined;
}

/** The registry answered something other than what the protocol allows (printed without a stack). */
export class RegistryError extends UserError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface RegistryOptions {
  credentials?: Credentials;
  fetch?: typeof fetch;
  userAgent?: string;
  /** Pause between attempts after a network error, a 429 or a 5xx. */
  sleep?: (ms: number) => Promise<void>;
  /** Per request; a registry that hangs must not hold the job until its timeout. */
  timeoutMs?: number;
}

type Method = 'GET' | 'HEAD';

const MAX_REDIRECTS = 5;
/** Attempts of one request when the registry is briefly unavailable (network error, 429, 5xx). */
const ATTEMPTS = 3;
const TRANSIENT = new Set([429, 500, 502, 503, 504]);

/** The first message of a distribution error body: `{"errors":[{"code":"DENIED","message":"..."}]}`. */
async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const first = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
    if (first) return `${first.code ?? ''}${first.message ? `: ${first.message}` : ''}`;
  } catch {
    /* not JSON */
  }
  return text.slice(0, 200).trim();
}

export class RegistryClient {
  private readonly base: string;
  private readonly fetch: typeof fetch;
  /** The Authorization header that worked for this repository, reused for the next requests. */
  private authorization: string | undefined;

  constructor(
    readonly repository: ImageRepository,
    private readonly options: RegistryOptions = {},
  ) {
    this.base = registryBaseUrl(repository.apiHost);
    this.fetch = options.fetch ?? fetch;
  }

  /** One fetch, tried again after a network error, a 429 or a 5xx (GET and HEAD are idempotent). */
  private async attempt(method: Method, url: string, headers: Record<string, string>): Promise<Response> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.fetch(url, {
          method,
          headers,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
        });
        if (!TRANSIENT.has(response.status) || attempt === ATTEMPTS) return response;
        const retryAfter = Number(response.headers.get('retry-after'));
        await response.body?.cancel();
        await sleep(
          Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 10) * 1000 : 1000 * attempt,
        );
      } catch (error) {
        if (attempt === ATTEMPTS) {
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          throw new RegistryError(
            `Cannot reach the registry at ${new URL(url).origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
          );
        }
        await sleep(1000 * attempt);
      }
    }
  }

  /** Sends one request, following redirects itself so that credentials never leave the registry's origin. */
  private async send(method: Method, url: string, headers: Record<string, string>): Promise<Response> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sent: Record<string, string> = {
        'user-agent': this.options.userAgent ?? 'gitops-promotion-release',
        ...headers,
      };
      // A redirect to blob storage (S3, a CDN) gets no registry credentials.
      if (new URL(current).origin !== new URL(this.base).origin) delete sent.authorization;
      const response = await this.attempt(method, current, sent);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        current = new URL(location, current).toString();
        continue;
      }
      return response;
    }
    throw new RegistryError(`too many redirects from ${url}`);
  }

  /** A request to `/v2/<path>/...`, answering an authentication challenge once. */
  private async request(method: Method, suffix: string, accept?: string): Promise<Response> {
    const url = `${this.base}/v2/${this.repository.path}/${suffix}`;
    const headers = (): Record<string, string> => ({
      ...(accept ? { accept } : {}),
      ...(this.authorization ? { authorization: this.authorization } : {}),
    });
    let response = await this.send(method, url, headers());
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    await response.body?.cancel();
    const authorization = await this.authenticate(challenge);
    if (authorization === undefined || authorization === this.authorization) return response;
    this.authorization = authorization;
    response = await this.send(method, url, headers());
    return response;
  }

  private async authenticate(challenge: Challenge | undefined): Promise<string | undefined> {
    const credentials = this.options.credentials;
    if (challenge?.scheme === 'basic') {
      if (!credentials?.username || credentials.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    if (challenge?.scheme !== 'bearer') return undefined;
    if (credentials?.registryToken) return `Bearer ${credentials.registryToken}`;
    return `Bearer ${await this.token(challenge)}`;
  }

  /** The token dance of the distribution spec (`docs/spec/auth/token.md`, `oauth.md`). */
  private async token(challenge: Challenge): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm)
      throw new RegistryError(`${this.repository.registry} sent a Bearer challenge without a realm`);
    if (!isSafeRealm(realm)) {
      throw new UserError(
        `${this.repository.registry} asks for a token at ${realm}, which is not https: refusing to send credentials there`,
      );
    }
    const service = challenge.params.service;
    const scope = challenge.params.scope ?? `repository:${this.repository.path}:pull`;
    const credentials = this.options.credentials;
    let response: Response;
    try {
      if (credentials?.identityToken) {
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: credentials.identityToken,
          client_id: 'gitops-promotion',
          scope,
          ...(service ? { service } : {}),
        });
        response = await this.fetch(realm, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
        });
      } else {
        const url = new URL(realm);
        if (service) url.searchParams.set('service', service);
        for (const part of scope.split(' ')) url.searchParams.append('scope', part);
        const headers: Record<string, string> = {};
        if (credentials?.username && credentials.password !== undefined) {
          url.searchParams.set('account', credentials.username);
          headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
        }
        response = await this.fetch(url, { headers });
      }
    } catch (error) {
      throw new UserError(
        `Cannot reach the token service ${new URL(realm).origin}: ${(error as Error).message}`,
      );
    }
    if (!response.ok) {
      const detail = await errorDetail(response);
      throw new UserError(
        `The token service of ${this.repository.registry} refused ${credentials ? 'the runner’s credentials' : 'anonymous access'} (HTTP ${response.status}${detail ? `, ${detail}` : ''}); log in to the registry first (docker/login-action, buildah login)`,
      );
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError(`the token service of ${this.repository.registry} answered no token`);
    maskSecret(token);
    return token;
  }

  private refused(response: Response, what: string, detail: string): UserError {
    const who = this.options.credentials ? 'with the runner’s credentials' : 'without credentials';
    return new UserError(
      `${this.repository.registry} refused ${what} ${who} (HTTP ${response.status}${detail ? `, ${detail}` : ''}): log in first (docker/login-action, buildah login) with a token that may read ${this.repository.path}`,
    );
  }

  /**
   * The digest the registry serves for a tag (its `Docker-Content-Digest`), or undefined when the tag
   * does not exist. `lenient`: a 401/403 also counts as "not there" (registries that hide what a
   * client may not read answer so for a repository that does not exist yet).
   */
  async tagDigest(tag: string, options: { lenient?: boolean } = {}): Promise<string | undefined> {
    const head = await this.request('HEAD', `manifests/${encodeURIComponent(tag)}`, MANIFEST_ACCEPT);
    if (head.status === 404) return undefined;
    if ((head.status === 401 || head.status === 403) && options.lenient) return undefined;
    if (head.status === 401 || head.status === 403) throw this.refused(head, `reading ${tag}`, '');
    if (!head.ok) {
      throw new RegistryError(
        `HEAD ${this.repository.registry}/v2/${this.repository.path}/manifests/${tag} answered HTTP ${head.status}`,
        head.status,
      );
    }
    const digest = head.headers.get('docker-content-digest');
    if (digest) return digest;
    // A registry that leaves the header off a HEAD: the digest of the exact bytes it serves.
    const get = await this.manifest(tag);
    return get.digest;
  }

  /** A manifest by tag or digest, with the digest of its exact bytes. */
  async manifest(reference: string): Promise<{ manifest: Manifest; digest: string }> {
    const response = await this.request('GET', `manifests/${encodeURIComponent(reference)}`, MANIFEST_ACCEPT);
    if (response.status === 401 || response.status === 403) {
      throw this.refused(response, `reading the manifest ${reference}`, await errorDetail(response));
    }
    if (!response.ok) {
      throw new RegistryError(
        `GET manifest ${reference} of ${this.repository.image} answered HTTP ${response.status}: ${await errorDetail(response)}`,
        response.status,
      );
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    // node:crypto (and the streams it loads) only when the registry does not name the digest.
    const digest =
      response.headers.get('docker-content-digest') ??
      `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    return {
      manifest: readManifest(JSON.parse(bytes.toString('utf8')), response.headers.get('content-type') ?? ''),
      digest,
    };
  }

  private async getBlob(digest: string): Promise<Response> {
    const response = await this.request('GET', `blobs/${digest}`);
    if (!response.ok) {
      throw new RegistryError(
        `GET blob ${digest} of ${this.repository.image} answered HTTP ${response.status}: ${await errorDetail(response)}`,
        response.status,
      );
    }
    return response;
  }

  /** A blob (an image config) as JSON. */
  async blobJson(digest: string): Promise<unknown> {
    return (await this.getBlob(digest)).json();
  }

  /** A blob's bytes (a layer), refused unless they hash to its sha256 digest, as a pull checks. */
  async blob(digest: string): Promise<Buffer> {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new RegistryError(`blob ${digest} of ${this.repository.image}: only sha256 digests are read`);
    }
    const bytes = Buffer.from(await (await this.getBlob(digest)).arrayBuffer());
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest) {
      throw new RegistryError(`blob ${digest} of ${this.repository.image} arrived as ${actual}`);
    }
    return bytes;
  }

  /** The compressed size of each platform image behind a digest (an image or an index). */
  async imageSize(digest: string): Promise<ImageSize> {
    const { manifest } = await this.manifest(digest);
    if (manifest.kind === 'image') return { platforms: [{ platform: 'image', bytes: layersSize(manifest) }] };
    const platforms: ImageSize['platforms'] = [];
    for (const child of platformImages(manifest)) {
      const { manifest: image } = await this.manifest(child.digest);
      if (image.kind === 'image') platforms.push({ platform: platformName(child), bytes: layersSize(image) });
    }
    return { platforms };
  }
}
