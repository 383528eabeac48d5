/**
 * What an image holds, read from its registry as a scanner sees it with syft's default `squashed`
 * scope: the image for one platform, its layers applied in order with the OCI whiteouts
 * (https://github.com/opencontainers/image-spec/blob/main/layer.md: `.wh.<name>` removes <name> of
 * the lower layers, `.wh..wh..opq` every lower entry of its directory), each regular file with its
 * size, SHA-1 and SHA-256. Layers are tar (read by tar-stream), gzip-compressed or not; zstd layers are refused, node:zlib of Node 20 cannot read them. The
 * layers are read whole into memory: the sandbox's images are small.
 */
import { runnerArchitecture } from '../adapters/runner-context.js';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import type { RegistryClient } from '../adapters/registry.js';
import { platformImages, platformName } from '../core/release.js';

export interface ImageFile {
  /** Relative to the image's root, without a leading `/`: `srv/orders/index.html`. */
  path: string;
  size: number;
  sha1: string;
  sha256: string;
}

export interface ImageContents {
  /** The digest the reference names (an index or an image). */
  digest: string;
  /** The image manifest whose layers were read (the platform's, for an index). */
  imageDigest: string;
  /** `os/arch[/variant]` of the image, from its config. */
  platform: string;
  /** Regular files, by path. */
  files: ImageFile[];
}

/** The platform a scanner on this machine picks from an index (Go's GOOS/GOARCH names). */
export function hostPlatform(): { os: string; architecture: string } {
  return { os: 'linux', architecture: runnerArchitecture({}) };
}

interface TarEntry {
  path: string;
  kind: 'file' | 'hardlink' | 'directory' | 'other';
  link: string;
  content: Buffer;
}

/** `a/./b/` → `a/b`; undefined for a path that climbs out of the root. */
function normalPath(name: string): string | undefined {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  return parts.includes('..') ? undefined : parts.join('/');
}

/** The entries of a layer, read by tar-stream (ustar, pax records, GNU long names). */
async function tarEntries(archive: Buffer, what: string): Promise<TarEntry[]> {
  const read: { header: tarStream.Header; content: Buffer }[] = [];
  const extract = tarStream.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      read.push({ header: entry.header, content: Buffer.concat(chunks) });
    }
  })();
  extract.end(archive);
  await reading.catch((error: Error) => {
    throw new Error(`${what} is not a tar archive (${error.message})`);
  });
  return read.map(({ header, content }) => {
    const path = normalPath(header.name);
    if (path === undefined) throw new Error(`${what} has an entry outside the image root: ${header.name}`);
    const { type } = header;
    return {
      path,
      kind:
        type === 'file' || type === 'contiguous-file'
          ? 'file'
          : type === 'link'
            ? 'hardlink'
            : type === 'directory'
              ? 'directory'
              : 'other',
      link: header.linkname ?? '',
      content,
    };
  });
}

/** A layer blob as a tar archive. */
function layerTar(blob: Buffer, what: string): Buffer {
  if (blob[0] === 0x1f && blob[1] === 0x8b) return gunzipSync(blob);
  if (blob.length >= 4 && blob.readUInt32LE(0) === 0xfd2fb528) {
    throw new Error(`${what} is zstd-compressed: the sandbox reads gzip and uncompressed layers only`);
  }
  return blob;
}

const removeUnder = (files: Map<string, ImageFile>, dir: string): void => {
  for (const path of files.keys()) if (dir === '' || path.startsWith(`${dir}/`)) files.delete(path);
};

const hash = (algorithm: string, content: Buffer): string =>
  createHash(algorithm).update(content).digest('hex');

/**
 * The files of the image `reference` (a tag or a digest) names, for `platform` when it names an
 * index. Throws the registry's error for a reference it does not serve.
 */
export async function readImageFiles(
  client: RegistryClient,
  reference: string,
  platform = hostPlatform(),
): Promise<ImageContents> {
  const top = await client.manifest(reference);
  let image = top;
  if (top.manifest.kind === 'index') {
    const children = platformImages(top.manifest);
    const match = children.find(
      (child) => child.platform?.os === platform.os && child.platform?.architecture === platform.architecture,
    );
    if (!match) {
      throw new Error(
        `${client.repository.image}@${top.digest} has no image for ${platform.os}/${platform.architecture} ` +
          `(it has ${children.map(platformName).join(', ') || 'none'})`,
      );
    }
    image = await client.manifest(match.digest);
  }
  if (image.manifest.kind !== 'image') {
    throw new Error(`${client.repository.image}@${image.digest} is an index inside an index`);
  }
  const config = (await client.blobJson(image.manifest.config.digest)) as {
    os?: string;
    architecture?: string;
    variant?: string;
  };
  const files = new Map<string, ImageFile>();
  for (const layer of image.manifest.layers) {
    const what = `layer ${layer.digest} of ${client.repository.image}`;
    const entries = await tarEntries(layerTar(await client.blob(layer.digest), what), what);
    const base = (path: string): [string, string] => {
      const slash = path.lastIndexOf('/');
      return [path.slice(0, Math.max(slash, 0)), path.slice(slash + 1)];
    };
    // Whiteouts hide what the lower layers hold, never this layer's own entries.
    for (const entry of entries) {
      const [dir, name] = base(entry.path);
      if (name === '.wh..wh..opq') removeUnder(files, dir);
      else if (name.startsWith('.wh.')) {
        const hidden = dir ? `${dir}/${name.slice(4)}` : name.slice(4);
        files.delete(hidden);
        removeUnder(files, hidden);
      }
    }
    for (const entry of entries) {
      if (base(entry.path)[1].startsWith('.wh.')) continue;
      if (entry.kind === 'file') {
        const { content } = entry;
        files.set(entry.path, {
          path: entry.path,
          size: content.length,
          sha1: hash('sha1', content),
          sha256: hash('sha256', content),
        });
      } else if (entry.kind === 'hardlink') {
        const target = files.get(normalPath(entry.link) ?? '');
        if (target) files.set(entry.path, { ...target, path: entry.path });
      } else {
        // A directory, symbolic link or device replaces a lower file of that name (not a directory's files).
        files.delete(entry.path);
        if (entry.kind !== 'directory') removeUnder(files, entry.path);
      }
    }
  }
  return {
    digest: top.digest,
    imageDigest: image.digest,
    platform: [config.os, config.architecture, config.variant].filter(Boolean).join('/'),
    files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}
