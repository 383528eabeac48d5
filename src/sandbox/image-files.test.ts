// What the SBOM stand-in reads of an image, against the real docker-registry: two layers packed by
// GNU tar (pax long names, a hard link) and pushed through the distribution API, the upper one with
// a whiteout and an opaque directory, read back squashed as a scanner sees the image.
import { createHash } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../adapters/registry.js';
import { parseImageRepository } from '../core/release.js';
import { hostPlatform, readImageFiles } from './image-files.js';
import { runProcess } from './process.js';
import { startRegistry, type LocalRegistry } from './registry.js';

const sha = (algorithm: string, data: Buffer | string): string =>
  createHash(algorithm).update(data).digest('hex');
const LONG = `deep/${'n'.repeat(120)}/file.txt`;

let registry: LocalRegistry;
let work: string;

/** A gzip'd POSIX tar of `files` (path → content; `=> target` makes a hard link to target). */
async function layer(name: string, files: Record<string, string>): Promise<Buffer> {
  const dir = join(work, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    if (content.startsWith('=> ')) await link(join(dir, content.slice(3)), join(dir, path));
    else await writeFile(join(dir, path), content);
  }
  const archive = join(work, `${name}.tar.gz`);
  const packed = await runProcess('tar', ['--format=posix', '-czf', archive, '-C', dir, '.']);
  expect(packed.exitCode, packed.stderr).toBe(0);
  return readFile(archive);
}

async function pushBlob(repository: string, data: Buffer): Promise<string> {
  const digest = `sha256:${sha('sha256', data)}`;
  const started = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(started.headers.get('location')!, registry.url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: data });
  expect(put.status).toBe(201);
  return digest;
}

/** Pushes an image manifest of these layers under `tag`; answers the manifest digest. */
async function pushImage(repository: string, tag: string, layers: Buffer[]): Promise<string> {
  const { os, architecture } = hostPlatform();
  const config = Buffer.from(
    JSON.stringify({
      os,
      architecture,
      rootfs: { type: 'layers', diff_ids: layers.map(() => `sha256:${'0'.repeat(64)}`) },
    }),
  );
  const descriptor = (mediaType: string, data: Buffer, digest: string) => ({
    mediaType,
    digest,
    size: data.length,
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: descriptor(
      'application/vnd.oci.image.config.v1+json',
      config,
      await pushBlob(repository, config),
    ),
    layers: await Promise.all(
      layers.map(async (data) =>
        descriptor('application/vnd.oci.image.layer.v1.tar+gzip', data, await pushBlob(repository, data)),
      ),
    ),
  });
  const put = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  expect(put.status).toBe(201);
  return `sha256:${sha('sha256', manifest)}`;
}

const client = () => new RegistryClient(parseImageRepository(`${registry.host}/acme/layers`));

beforeAll(async () => {
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'image-files-'));
}, 30_000);

afterAll(async () => {
  await registry?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('readImageFiles', () => {
  it('applies the layers in order with their whiteouts, and hashes every regular file', async () => {
    const lower = await layer('lower', {
      'etc/keep.conf': 'keep\n',
      'etc/gone.conf': 'gone\n',
      'opaque/old.txt': 'old\n',
      [LONG]: 'long name\n',
      'bin/tool': 'tool v1\n',
      'bin/tool-alias': '=> bin/tool',
    });
    const upper = await layer('upper', {
      'etc/.wh.gone.conf': '',
      'opaque/.wh..wh..opq': '',
      'opaque/new.txt': 'new\n',
      'bin/tool': 'tool v2\n',
    });
    const digest = await pushImage('acme/layers', 'v1', [lower, upper]);
    const contents = await readImageFiles(client(), 'v1');
    expect(contents).toMatchObject({ digest, imageDigest: digest });
    expect(contents.platform).toBe(`${hostPlatform().os}/${hostPlatform().architecture}`);
    const expected = (path: string, content: string) => ({
      path,
      size: Buffer.byteLength(content),
      sha1: sha('sha1', content),
      sha256: sha('sha256', content),
    });
    expect(contents.files).toEqual([
      // The hard link keeps the content of the lower layer's tool; the upper layer replaced bin/tool.
      expected('bin/tool', 'tool v2\n'),
      expected('bin/tool-alias', 'tool v1\n'),
      expected(LONG, 'long name\n'),
      expected('etc/keep.conf', 'keep\n'),
      expected('opaque/new.txt', 'new\n'),
    ]);
    // By digest, as the SBOM step names the image.
    expect((await readImageFiles(client(), digest)).files).toHaveLength(5);
  });

  it('fails with the registry’s answer for an image it does not serve', async () => {
    await expect(readImageFiles(client(), `sha256:${'e'.repeat(64)}`)).rejects.toThrow(
      /GET manifest sha256:e+ of 127\.0\.0\.1:\d+\/acme\/layers answered HTTP 404: MANIFEST_UNKNOWN/,
    );
  });

  it('refuses a layer that is not a tar archive', async () => {
    await pushImage('acme/layers', 'broken', [Buffer.from('not a tar archive, not gzip either'.repeat(20))]);
    await expect(readImageFiles(client(), 'broken')).rejects.toThrow(
      /^layer sha256:[0-9a-f]{64} of 127\.0\.0\.1:\d+\/acme\/layers is not a tar archive \(Invalid tar header\b.*\)$/,
    );
  });
});
