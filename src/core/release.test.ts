import { describe, expect, it } from 'vitest';
import {
  buildInputs,
  platformsToEmulate,
  describeSize,
  formatBytes,
  isLoopbackRegistry,
  isSafeRealm,
  layersSize,
  matchAuthKey,
  ociLabels,
  parseChallenge,
  parseImageRepository,
  platformImages,
  readManifest,
  registryBaseUrl,
  releaseSummary,
  type Manifest,
} from './release.js';

describe('image repositories', () => {
  it.each([
    ['ghcr.io/acme/orders', 'ghcr.io', 'ghcr.io', 'acme/orders'],
    ['127.0.0.1:5000/acme/orders', '127.0.0.1:5000', '127.0.0.1:5000', 'acme/orders'],
    ['localhost/orders', 'localhost', 'localhost', 'orders'],
    ['registry.example.com:8443/a/b/c', 'registry.example.com:8443', 'registry.example.com:8443', 'a/b/c'],
    ['acme/orders', 'docker.io', 'registry-1.docker.io', 'acme/orders'],
    ['nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx'],
    ['docker.io/nginx', 'docker.io', 'registry-1.docker.io', 'library/nginx'],
    ['index.docker.io/acme/orders', 'docker.io', 'registry-1.docker.io', 'acme/orders'],
  ])('%s is %s (API %s), repository %s', (image, registry, apiHost, path) => {
    expect(parseImageRepository(image)).toEqual({ image, registry, apiHost, path });
  });

  it('speaks plain http only to loopback registries', () => {
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(registryBaseUrl('[::1]:5000')).toBe('http://[::1]:5000');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('127.0.0.1.nip.io:5000')).toBe('https://127.0.0.1.nip.io:5000');
    expect(registryBaseUrl('10.0.0.1:5000')).toBe('https://10.0.0.1:5000');
    expect(isLoopbackRegistry('localhost.example.com')).toBe(false);
  });

  it('trusts a token realm with credentials only over https or on loopback', () => {
    expect(isSafeRealm('https://ghcr.io/token')).toBe(true);
    expect(isSafeRealm('http://127.0.0.1:4000/token')).toBe(true);
    expect(isSafeRealm('http://auth.example.com/token')).toBe(false);
    expect(isSafeRealm('not a url')).toBe(false);
  });

  it('finds the auth entry of a registry, the most specific namespace first', () => {
    const ghcr = parseImageRepository('ghcr.io/acme/orders');
    expect(matchAuthKey(['docker.io', 'ghcr.io'], ghcr)).toBe('ghcr.io');
    expect(matchAuthKey(['https://ghcr.io'], ghcr)).toBe('https://ghcr.io');
    expect(matchAuthKey(['ghcr.io', 'ghcr.io/acme', 'ghcr.io/other'], ghcr)).toBe('ghcr.io/acme');
    expect(matchAuthKey(['ghcr.io/acme/orders', 'ghcr.io/acme'], ghcr)).toBe('ghcr.io/acme/orders');
    expect(matchAuthKey(['ghcr.io/acmecorp'], ghcr)).toBeUndefined();
    expect(matchAuthKey(['ghcr.io.evil.example'], ghcr)).toBeUndefined();
    const hub = parseImageRepository('acme/orders');
    expect(matchAuthKey(['https://index.docker.io/v1/'], hub)).toBe('https://index.docker.io/v1/');
    expect(matchAuthKey(['127.0.0.1:5000'], parseImageRepository('127.0.0.1:5000/acme/orders'))).toBe(
      '127.0.0.1:5000',
    );
    expect(
      matchAuthKey(['127.0.0.1:5001'], parseImageRepository('127.0.0.1:5000/acme/orders')),
    ).toBeUndefined();
  });

  it('reads WWW-Authenticate challenges, quoted commas included', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/orders:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://ghcr.io/token',
        service: 'ghcr.io',
        scope: 'repository:acme/orders:pull,push',
      },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe('manifests', () => {
  const layer = (size: number, n: number) => ({
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    digest: `sha256:${String(n).repeat(64)}`,
    size,
  });
  const image = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${'c'.repeat(64)}`,
      size: 300,
    },
    layers: [layer(1000, 1), layer(2500, 2)],
  };

  it('sums the layers of an image manifest', () => {
    const manifest = readManifest(image);
    expect(manifest.kind).toBe('image');
    expect(layersSize(manifest as Extract<Manifest, { kind: 'image' }>)).toBe(3500);
  });

  it('takes the media type from the Content-Type when the body has none', () => {
    const bare: Partial<typeof image> = { ...image };
    delete bare.mediaType;
    expect(readManifest(bare, 'application/vnd.docker.distribution.manifest.v2+json').mediaType).toBe(
      'application/vnd.docker.distribution.manifest.v2+json',
    );
  });

  it('keeps the platform images of an index and drops buildx attestations', () => {
    const index = readManifest({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { ...layer(500, 3), platform: { os: 'linux', architecture: 'amd64' } },
        { ...layer(500, 4), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        {
          ...layer(800, 5),
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
        },
      ],
    });
    expect(index.kind).toBe('index');
    expect(platformImages(index as Extract<Manifest, { kind: 'index' }>).map((m) => m.digest)).toEqual([
      `sha256:${'3'.repeat(64)}`,
      `sha256:${'4'.repeat(64)}`,
    ]);
  });

  it('refuses what is not a manifest', () => {
    expect(() => readManifest({ schemaVersion: 1, fsLayers: [] })).toThrow(/unsupported type/);
    expect(() => readManifest({ config: { digest: 'nope', size: 1 }, layers: [] })).toThrow(/malformed/);
    expect(() => readManifest('text')).toThrow(/not a JSON object/);
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50.0 MiB');
    expect(describeSize({ platforms: [] })).toBe('—');
    expect(
      describeSize({
        platforms: [
          { platform: 'linux/amd64', bytes: 2048 },
          { platform: 'linux/arm64', bytes: 4096 },
        ],
      }),
    ).toBe('2.00 KiB (`linux/amd64`), 4.00 KiB (`linux/arm64`)');
  });
});

describe('the build', () => {
  it('labels the image with the OCI source, revision, version and creation time', () => {
    expect(
      ociLabels({
        version: '1.2.3',
        created: new Date('2026-11-25T10:00:00.123Z'),
        serverUrl: 'https://github.com/',
        repository: 'acme/platform',
        revision: 'a'.repeat(40),
      }),
    ).toEqual({
      'org.opencontainers.image.source': 'https://github.com/acme/platform',
      'org.opencontainers.image.revision': 'a'.repeat(40),
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.created': '2026-11-25T10:00:00Z',
    });
    expect(Object.keys(ociLabels({ version: '1.2.3', created: new Date(0) }))).toEqual([
      'org.opencontainers.image.version',
      'org.opencontainers.image.created',
    ]);
  });

  it('hands build-push-action its inputs: one line per build argument and label, a scope per service', () => {
    const build = buildInputs({
      service: 'orders',
      reference: 'ghcr.io/acme/orders:1.2.3',
      context: 'services/orders',
      file: 'services/orders/Dockerfile',
      platforms: ['linux/amd64', 'linux/arm64'],
      buildArgs: { GO_VERSION: '1.25', NOTE: 'a, b; $(id)' },
      labels: {
        'org.opencontainers.image.version': '1.2.3',
        'org.opencontainers.image.source': 'https://x/y',
      },
      architecture: 'amd64',
    });
    expect(build).toEqual({
      context: 'services/orders',
      file: 'services/orders/Dockerfile',
      platforms: 'linux/amd64,linux/arm64',
      buildArgs: 'GO_VERSION=1.25\nNOTE=a, b; $(id)',
      labels: 'org.opencontainers.image.version=1.2.3\norg.opencontainers.image.source=https://x/y',
      tags: 'ghcr.io/acme/orders:1.2.3',
      cacheScope: 'orders',
      emulate: 'arm64',
    });
    expect(buildInputs({ ...request, buildArgs: {}, platforms: ['linux/amd64'] }).buildArgs).toBe('');
  });
});

const request = {
  service: 'orders',
  reference: 'ghcr.io/acme/orders:1.2.3',
  context: 'services/orders',
  file: 'services/orders/Dockerfile',
  platforms: ['linux/amd64'],
  buildArgs: { GO_VERSION: '1.25' },
  labels: { 'org.opencontainers.image.version': '1.2.3' },
  architecture: 'amd64',
};

describe('platforms to emulate', () => {
  it('names the architectures the runner cannot build natively, once each', () => {
    expect(platformsToEmulate(['linux/amd64'], 'amd64')).toEqual([]);
    expect(platformsToEmulate(['linux/amd64', 'linux/386'], 'amd64')).toEqual([]);
    expect(
      platformsToEmulate(['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6'], 'amd64'),
    ).toEqual(['arm64', 'arm']);
    expect(platformsToEmulate(['linux/amd64', 'linux/arm64'], 'arm64')).toEqual(['amd64']);
  });
});

describe('the summary', () => {
  const base = {
    service: 'orders',
    reference: 'ghcr.io/acme/orders:1.2.3',
    version: '1.2.3',
    firstEnvironment: 'dev',
  };
  const digest = `sha256:${'d'.repeat(64)}`;

  it('shows what build-push-action is about to build, with the labels', () => {
    const summary = releaseSummary({
      ...base,
      state: 'planned',
      build: buildInputs(request),
      labels: request.labels,
    });
    expect(summary).toContain('| Context | `services/orders` |');
    expect(summary).toContain('| Dockerfile | `services/orders/Dockerfile` |');
    expect(summary).toContain('| Platforms | `linux/amd64` |');
    expect(summary).toContain('| Build arguments | `GO_VERSION=1.25` |');
    expect(summary).toContain('| Layer cache | `type=gha,scope=orders` |');
    expect(summary).toContain('docker/build-push-action builds and pushes it next');
    expect(summary).toContain('`org.opencontainers.image.version`: `1.2.3`');
    expect(summary).not.toContain('Digest');
  });

  it('shows image, digest and size of a confirmed push', () => {
    const summary = releaseSummary({
      ...base,
      state: 'pushed',
      digest,
      size: { platforms: [{ platform: 'image', bytes: 3 * 1024 * 1024 }] },
    });
    expect(summary).toContain('| Image | `ghcr.io/acme/orders:1.2.3` |');
    expect(summary).toContain(`| Digest | \`${digest}\` |`);
    expect(summary).toContain('| Size | 3.00 MiB (compressed layers) |');
    expect(summary).toContain('the registry serves this digest for the tag');
    expect(summary).toContain('| Next | promotion to `dev` |');
  });

  it('says when the tag was already there', () => {
    const summary = releaseSummary({ ...base, state: 'existed', digest });
    expect(summary).toContain(
      '| Result | already in the registry: tags are immutable, nothing was built or pushed |',
    );
    expect(summary).toContain('| Size | — |');
  });
});
