import { summarySection } from './summary.js';

/**
 * The pure part of a release: which registry an image lives in, how to talk to it,
 * what docker/build-push-action is asked to build, and what the job summary says. No I/O here.
 */

// ---------------------------------------------------------------------------------------------
// Image references and registries

export interface ImageRepository {
  /** As the config names it, e.g. ghcr.io/acme/orders. */
  image: string;
  /** The registry as named in the reference and in auth files: ghcr.io, 127.0.0.1:5000, docker.io. */
  registry: string;
  /** Host (and port) that serves the registry API: registry-1.docker.io for docker.io. */
  apiHost: string;
  /** The repository inside the registry: acme/orders, library/nginx. */
  path: string;
}

const DOCKER_HUB = 'docker.io';

/**
 * Splits an image repository the way docker and containers/image do: the first path component is a
 * registry when it has a '.' or a ':' or is `localhost`; otherwise the image is on Docker Hub.
 */
export function parseImageRepository(image: string): ImageRepository {
  const slash = image.indexOf('/');
  const first = slash === -1 ? '' : image.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    const registry = first === 'index.docker.io' ? DOCKER_HUB : first;
    const path = image.slice(slash + 1);
    return {
      image,
      registry,
      apiHost: registry === DOCKER_HUB ? 'registry-1.docker.io' : registry,
      path: registry === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path,
    };
  }
  return {
    image,
    registry: DOCKER_HUB,
    apiHost: 'registry-1.docker.io',
    path: image.includes('/') ? image : `library/${image}`,
  };
}

/** The host part of `host[:port]`, without IPv6 brackets. */
function hostname(hostPort: string): string {
  const bracketed = /^\[([^\]]+)\](:\d+)?$/.exec(hostPort);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return hostPort.replace(/:\d+$/, '').toLowerCase();
}

/** Registries on this machine's loopback interface: the only ones spoken to over plain http. */
export function isLoopbackRegistry(hostPort: string): boolean {
  const host = hostname(hostPort);
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** `https://<host>` for every registry but a loopback one (tests, a local mirror), which gets http. */
export function registryBaseUrl(hostPort: string): string {
  return `${isLoopbackRegistry(hostPort) ? 'http' : 'https'}://${hostPort}`;
}

/** A token realm is trusted with credentials only over https, or over http on the loopback interface. */
export function isSafeRealm(realm: string): boolean {
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackRegistry(url.host));
}

/**
 * The entry of an auth file (docker's `config.json` or containers' `auth.json`) that applies to a
 * repository. Keys may carry a scheme and a path (`https://index.docker.io/v1/`), and containers'
 * files may scope an entry to a namespace (`ghcr.io/acme`): the most specific match wins.
 */
export function matchAuthKey(keys: readonly string[], repository: ImageRepository): string | undefined {
  const dockerHubAliases = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
  let best: { key: string; specificity: number } | undefined;
  for (const key of keys) {
    const bare = key.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
    const [host = '', ...rest] = bare.split('/');
    const hostMatches =
      host.toLowerCase() === repository.registry.toLowerCase() ||
      (repository.registry === DOCKER_HUB && dockerHubAliases.includes(host.toLowerCase()));
    if (!hostMatches) continue;
    // docker's own form `https://index.docker.io/v1/` names the whole registry, not a namespace.
    const namespace = rest.join('/').replace(/^v[12]$/, '');
    if (namespace && !(repository.path === namespace || repository.path.startsWith(`${namespace}/`)))
      continue;
    const specificity = namespace ? namespace.split('/').length : 0;
    if (!best || specificity > best.specificity) best = { key, specificity };
  }
  return best?.key;
}

/** Server names a docker credential helper may know the registry by, most likely first. */
export function credentialHelperServers(repository: ImageRepository): string[] {
  return repository.registry === DOCKER_HUB
    ? ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io']
    : [repository.registry, `https://${repository.registry}`];
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Reads `WWW-Authenticate: Bearer realm="...",service="...",scope="repository:a/b:pull,push"`. */
export function parseChallenge(header: string | null | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const param of match[2]!.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[param[1]!.toLowerCase()] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : param[3]!;
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

// ---------------------------------------------------------------------------------------------
// Manifests

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** The Accept header of a manifest request: every image and index type this suite understands. */
export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.dockerList,
  MEDIA_TYPES.dockerManifest,
].join(', ');

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

export type Manifest =
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] }
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] };

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isImageDigest(value: string): boolean {
  return DIGEST.test(value);
}

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (!d || typeof d.digest !== 'string' || !isImageDigest(d.digest) || typeof d.size !== 'number') {
    throw new Error(`the registry's manifest has a malformed descriptor in ${where}`);
  }
  return d as Descriptor;
}

/** Reads a manifest body; the media type comes from the body or, failing that, the Content-Type. */
export function readManifest(body: unknown, contentType = ''): Manifest {
  const json = body as {
    mediaType?: string;
    manifests?: unknown[];
    config?: unknown;
    layers?: unknown[];
  } | null;
  if (!json || typeof json !== 'object') throw new Error("the registry's manifest is not a JSON object");
  const mediaType = json.mediaType ?? contentType.split(';')[0]!.trim();
  if (Array.isArray(json.manifests)) {
    return {
      kind: 'index',
      mediaType,
      manifests: json.manifests.map((m, i) => descriptor(m, `manifests[${i}]`)),
    };
  }
  if (json.config !== undefined && Array.isArray(json.layers)) {
    return {
      kind: 'image',
      mediaType,
      config: descriptor(json.config, 'config'),
      layers: json.layers.map((l, i) => descriptor(l, `layers[${i}]`)),
    };
  }
  throw new Error(`the registry answered a manifest of an unsupported type '${mediaType || 'unknown'}'`);
}

/** The images of an index, without the attestation manifests buildx adds (platform unknown/unknown). */
export function platformImages(index: Extract<Manifest, { kind: 'index' }>): Descriptor[] {
  return index.manifests.filter(
    (m) =>
      m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' &&
      !(m.platform?.os === 'unknown' && m.platform?.architecture === 'unknown'),
  );
}

export function platformName(d: Descriptor): string {
  const p = d.platform;
  if (!p?.os || !p.architecture) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** What pulling an image transfers: the sum of its (compressed) layers as the manifest lists them. */
export function layersSize(manifest: Extract<Manifest, { kind: 'image' }>): number {
  return manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

// ---------------------------------------------------------------------------------------------
// The build

export interface OciLabelFacts {
  version: string;
  created: Date;
  /** GITHUB_SERVER_URL and GITHUB_REPOSITORY, when the runner gives them. */
  serverUrl?: string;
  repository?: string;
  /** GITHUB_SHA, when the runner gives it. */
  revision?: string;
}

/** The OCI annotation keys (image-spec `annotations.md`) the release sets as image labels. */
export function ociLabels(facts: OciLabelFacts): Record<string, string> {
  const labels: Record<string, string> = {};
  if (facts.serverUrl && facts.repository) {
    labels['org.opencontainers.image.source'] = `${facts.serverUrl.replace(/\/+$/, '')}/${facts.repository}`;
  }
  if (facts.revision) labels['org.opencontainers.image.revision'] = facts.revision;
  labels['org.opencontainers.image.version'] = facts.version;
  labels['org.opencontainers.image.created'] = facts.created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return labels;
}

/** What the release hands to docker/build-push-action, each as that action reads its inputs. */
export interface BuildInputs {
  /** Relative to the workspace, as build-push-action takes a path context. */
  context: string;
  file: string;
  /** Comma-separated, e.g. `linux/amd64,linux/arm64`. */
  platforms: string;
  /** One `NAME=value` per line (build-push-action splits build-args and labels on line breaks). */
  buildArgs: string;
  labels: string;
  tags: string;
  /** The `type=gha` cache scope: one per service, so services of one repository never evict each other. */
  cacheScope: string;
  /** Comma-separated architectures for docker/setup-qemu-action; empty when the runner builds them all. */
  emulate: string;
}

/**
 * The platforms a runner of `architecture` cannot run natively, by the names docker/setup-qemu-action
 * takes (`arm64`, `arm`): a Dockerfile's RUN steps for them need its emulators.
 */
export function platformsToEmulate(platforms: readonly string[], architecture: string): string[] {
  const foreign = platforms
    .map((platform) => platform.split('/')[1]!)
    .filter((arch) => arch !== architecture && !(architecture === 'amd64' && arch === '386'));
  return [...new Set(foreign)];
}

export function buildInputs(request: {
  service: string;
  /** `<image>:<version>`. */
  reference: string;
  context: string;
  file: string;
  platforms: readonly string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** The runner's OCI architecture. */
  architecture: string;
}): BuildInputs {
  const lines = (entries: Record<string, string>): string =>
    Object.entries(entries)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n');
  return {
    context: request.context,
    file: request.file,
    platforms: request.platforms.join(','),
    buildArgs: lines(request.buildArgs),
    labels: lines(request.labels),
    tags: request.reference,
    cacheScope: request.service,
    emulate: platformsToEmulate(request.platforms, request.architecture).join(','),
  };
}

// ---------------------------------------------------------------------------------------------
// The summary

export interface ImageSize {
  /** One entry per platform image (one for a single-platform image). */
  platforms: { platform: string; bytes: number }[];
}

/**
 * Where a release stands: the tag was already in the registry (nothing is built), the build is
 * planned for docker/build-push-action, or its push is confirmed against the registry.
 */
export type ReleaseOutcome = {
  service: string;
  reference: string;
  version: string;
  firstEnvironment?: string;
} & (
  | { state: 'existed'; digest: string; size?: ImageSize }
  | { state: 'planned'; build: BuildInputs; labels: Record<string, string> }
  | { state: 'pushed'; digest: string; size?: ImageSize }
);

export function describeSize(size: ImageSize | undefined): string {
  if (!size || size.platforms.length === 0) return '—';
  if (size.platforms.length === 1) return formatBytes(size.platforms[0]!.bytes);
  return size.platforms.map((p) => `${formatBytes(p.bytes)} (\`${p.platform}\`)`).join(', ');
}

const code = (value: string): string => (value ? `\`${value}\`` : '—');

/** The job summary of one release step, as Markdown. */
export function releaseSummary(outcome: ReleaseOutcome): string {
  const heading = `release: \`${outcome.service}\` ${outcome.version}`;
  const rows: [string, string][] = [
    ['Service', code(outcome.service)],
    ['Image', code(outcome.reference)],
  ];
  if (outcome.state === 'planned') {
    const { build } = outcome;
    rows.push(
      ['Context', code(build.context)],
      ['Dockerfile', code(build.file)],
      ['Platforms', code(build.platforms)],
      ['Build arguments', build.buildArgs ? build.buildArgs.split('\n').map(code).join(', ') : '—'],
      ['Layer cache', code(`type=gha,scope=${build.cacheScope}`)],
      ['Result', 'not in the registry yet: docker/build-push-action builds and pushes it next'],
    );
    const labels = Object.entries(outcome.labels);
    return [
      ...summarySection(heading, rows),
      '<details><summary>Labels</summary>',
      '',
      ...labels.map(([key, value]) => `- \`${key}\`: \`${value}\``),
      '',
      '</details>',
      '',
    ].join('\n');
  }
  rows.push(
    ['Digest', code(outcome.digest)],
    ['Size', `${describeSize(outcome.size)}${outcome.size ? ' (compressed layers)' : ''}`],
    [
      'Result',
      outcome.state === 'existed'
        ? 'already in the registry: tags are immutable, nothing was built or pushed'
        : 'built and pushed by docker/build-push-action; the registry serves this digest for the tag',
    ],
    ['Next', outcome.firstEnvironment ? `promotion to \`${outcome.firstEnvironment}\`` : '—'],
  );
  return summarySection(heading, rows).join('\n');
}
