/**
 * anchore/sbom-action (v0.24.0: action.yml and src/github/SyftGithubAction.ts) downloads syft
 * (v1.42.3) from github.com and runs `syft scan <image> -o spdx-json`, which cannot happen here. The
 * stand-in reads the same image from the same registry (the suite's RegistryClient: anonymous, or
 * with the action's `registry-username`/`registry-password`, as syft gets them) and writes an SPDX
 * 2.3 JSON document (https://spdx.github.io/spdx-spec/v2.3/) to `output-file`: the image as the
 * package the document describes, named with the digest the reference resolved to, containing
 * every regular file of its layers (./image-files.ts) with its SHA-1 and SHA-256. It catalogs no
 * packages: it has none of syft's catalogers, and the sample images are FROM scratch with static
 * files, in which syft finds none either. The document's creator says it is the sandbox's stand-in.
 *
 * An image the registry does not serve fails the step as syft fails it ("An error occurred running
 * Syft"). What the sandbox cannot do is refused, never skipped: scanning a folder or a file, a
 * format other than spdx-json, a syft config, the dependency snapshot, and release assets (the real
 * action attaches them only for a release or a tag push). The workflow artifact the action uploads
 * by default is not kept (the sandbox has no artifact storage), which the step's reason says.
 */
import { createHash, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findCredentials, RegistryClient } from '../../adapters/registry.js';
import { imageRepository } from '../../core/manifests.js';
import { parseImageRepository } from '../../core/release.js';
import { readImageFiles, type ImageContents } from '../image-files.js';
import type { StandInAction, StandInContext, StandInOutcome } from './stand-in-types.js';

/** The syft anchore/sbom-action v0.24.0 runs (src/SyftVersion.ts). */
export const SYFT_VERSION = 'v1.42.3';
/** The creator the stand-in's documents name: a tool, not syft. */
export const SBOM_STAND_IN_TOOL = `gitops-promotion-sandbox-syft-stand-in-${SYFT_VERSION}`;

/** An SPDX element id: `SPDXRef-` and letters, digits, `.` and `-` (SPDX 2.3 §3.2). */
const spdxId = (kind: string, text: string): string =>
  `SPDXRef-${kind}-${text.replace(/[^A-Za-z0-9.-]+/g, '-')}`;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
/** A purl qualifier value: percent-encoded but for the separators purl leaves as they are. */
const purlValue = (value: string): string =>
  value.replace(/[^A-Za-z0-9._~/:-]/g, (c) => encodeURIComponent(c));

export interface SpdxFacts {
  /** The reference as the step named it (the document's name, as syft names it). */
  input: string;
  /** The image without tag or digest: `127.0.0.1:5000/acme/orders`. */
  name: string;
  tag: string | undefined;
  contents: ImageContents;
  created: Date;
}

/** The SPDX 2.3 document of an image's contents. */
export function spdxDocument(facts: SpdxFacts): Record<string, unknown> {
  const { contents } = facts;
  const hex = contents.digest.replace(/^sha256:/, '');
  const root = spdxId('DocumentRoot-Image', facts.name);
  const files = contents.files.map((file) => ({
    fileName: `./${file.path}`,
    SPDXID: spdxId('File', `${file.path}-${sha256(file.path).slice(0, 16)}`),
    checksums: [
      { algorithm: 'SHA1', checksumValue: file.sha1 },
      { algorithm: 'SHA256', checksumValue: file.sha256 },
    ],
    licenseConcluded: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
  }));
  // SPDX 2.3 §7.9: the SHA-1 of the sorted SHA-1s of the package's files, concatenated.
  const verification = createHash('sha1')
    .update(
      contents.files
        .map((file) => file.sha1)
        .sort()
        .join(''),
    )
    .digest('hex');
  const arch = contents.platform.split('/')[1];
  const qualifiers = [
    ...(arch ? [`arch=${purlValue(arch)}`] : []),
    `repository_url=${purlValue(facts.name)}`,
    ...(facts.tag ? [`tag=${purlValue(facts.tag)}`] : []),
  ];
  const purl = `pkg:oci/${facts.name.split('/').at(-1)!.toLowerCase()}@${encodeURIComponent(contents.digest)}?${qualifiers.join('&')}`;
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: facts.input,
    documentNamespace: `https://sandbox.invalid/gitops-promotion/syft-stand-in/image/${facts.name}-${randomUUID()}`,
    creationInfo: {
      created: facts.created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      creators: [`Tool: ${SBOM_STAND_IN_TOOL}`],
      comment:
        `Written by the gitops-promotion sandbox's stand-in for anchore/sbom-action (syft ${SYFT_VERSION} cannot ` +
        'run there): the regular files of the image read from its registry, squashed; no package cataloged.',
    },
    packages: [
      {
        name: facts.name,
        SPDXID: root,
        versionInfo: contents.digest,
        supplier: 'NOASSERTION',
        downloadLocation: 'NOASSERTION',
        filesAnalyzed: true,
        packageVerificationCode: { packageVerificationCodeValue: verification },
        checksums: [{ algorithm: 'SHA256', checksumValue: hex }],
        licenseConcluded: 'NOASSERTION',
        licenseDeclared: 'NOASSERTION',
        copyrightText: 'NOASSERTION',
        externalRefs: [
          { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl },
        ],
        primaryPackagePurpose: 'CONTAINER',
        ...(contents.imageDigest !== contents.digest
          ? {
              comment: `The files are those of the ${contents.platform} image ${contents.imageDigest} of the index.`,
            }
          : {}),
      },
    ],
    files,
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relatedSpdxElement: root, relationshipType: 'DESCRIBES' },
      ...files.map((file) => ({
        spdxElementId: root,
        relatedSpdxElement: file.SPDXID,
        relationshipType: 'CONTAINS',
      })),
    ],
  };
}

/** What the real action would do that the sandbox cannot, as one refusal; undefined when nothing. */
function beyondTheSandbox(ctx: StandInContext): string | undefined {
  const { inputs } = ctx;
  if (!inputs['image']) {
    const what = inputs['file'] ? `the file ${inputs['file']}` : `the folder ${inputs['path'] || '.'}`;
    return `the sandbox stands in for anchore/sbom-action with an image only; it cannot scan ${what}`;
  }
  const format = inputs['format'] || 'spdx-json';
  if (format !== 'spdx-json') return `the sandbox's stand-in for syft writes spdx-json only, not ${format}`;
  if (inputs['config']) return 'the sandbox’s stand-in for syft reads no syft configuration (config)';
  if (inputs['dependency-snapshot'] === 'true') {
    return 'the sandbox has no dependency graph: dependency-snapshot: true is not stood in for';
  }
  const event = String(ctx.run.github['event_name']);
  const tagPush = event === 'push' && ctx.run.ref.startsWith('refs/tags/');
  if ((event === 'release' || tagPush) && inputs['upload-release-assets'] !== 'false') {
    return 'the sandbox has no releases: set upload-release-assets: false (the action attaches SBOMs on a release or tag push)';
  }
  return undefined;
}

async function sbomAction(ctx: StandInContext): Promise<StandInOutcome> {
  const fail = (failure: string, log = ''): StandInOutcome => ({
    outputs: {},
    reason: 'anchore/sbom-action',
    log,
    failure,
  });
  const refused = beyondTheSandbox(ctx);
  if (refused) return fail(refused);
  const { inputs } = ctx;
  const input = inputs['image']!;
  const name = imageRepository(input);
  const [named, digest] = input.split('@') as [string, string | undefined];
  const tag = named.length > name.length ? named.slice(name.length + 1) : undefined;
  const repository = parseImageRepository(name);
  const username = inputs['registry-username'];
  // Without the action's login inputs, syft logs in as the runner did (docker login's config.json,
  // containers' auth.json: what docker/login-action and buildah login write).
  const credentials = username
    ? { username, password: inputs['registry-password'] ?? '' }
    : (await findCredentials(repository, ctx.env))?.credentials;
  const client = new RegistryClient(repository, {
    ...(credentials ? { credentials } : {}),
    userAgent: SBOM_STAND_IN_TOOL,
    timeoutMs: 30_000,
  });
  let contents: ImageContents;
  try {
    contents = await readImageFiles(client, digest ?? tag ?? 'latest');
  } catch (error) {
    const message = `could not determine source: ${input}: ${(error as Error).message}`;
    return fail(
      `An error occurred running Syft: ${message}`,
      `[command]syft scan ${input} -o spdx-json\n${message}`,
    );
  }
  const document = spdxDocument({ input, name, tag, contents, created: new Date() });
  const outputFile = inputs['output-file'];
  if (outputFile) {
    try {
      await writeFile(resolve(ctx.workspace, outputFile), `${JSON.stringify(document, null, 2)}\n`);
    } catch (error) {
      return fail((error as Error).message);
    }
  }
  // The artifact name the action would upload under (getArtifactName: the image without its host).
  const parts = input.split('/');
  const artifact =
    inputs['artifact-name'] ||
    `${(parts.length > 2 ? parts.slice(1) : parts).join('-').replace(/[^-a-zA-Z0-9]/g, '_')}.spdx.json`;
  const uploaded = inputs['upload-artifact'] !== 'false';
  const files = `${contents.files.length} file${contents.files.length === 1 ? '' : 's'}`;
  return {
    outputs: {},
    reason:
      `anchore/sbom-action downloads syft from github.com: stood in by an SPDX 2.3 document of ${name}@${contents.digest} ` +
      `(${files} of its layers, no packages cataloged) read from its registry` +
      (outputFile ? `, written to ${outputFile}` : ', written nowhere (no output-file)') +
      (uploaded
        ? `; not uploaded as the workflow artifact ${artifact} (the sandbox keeps no artifacts)`
        : ''),
    log:
      `[command]syft scan ${input} -o spdx-json\n` +
      `${contents.platform} image ${contents.imageDigest}: ${files}, 0 packages`,
  };
}

export const sbomActionStandIn: StandInAction = {
  // anchore/sbom-action v0.24.0 action.yml (it declares no outputs)
  inputs: [
    'path',
    'file',
    'image',
    'registry-username',
    'registry-password',
    'format',
    'github-token',
    'artifact-name',
    'output-file',
    'syft-version',
    'dependency-snapshot',
    'upload-artifact',
    'upload-artifact-retention',
    'upload-release-assets',
    'config',
  ],
  outputs: [],
  run: sbomAction,
};
