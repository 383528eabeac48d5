/**
 * actions/attest (v4.2.2) and actions/attest-build-provenance (v4.1.0, a composite that passes its
 * inputs to actions/attest) cannot run here: they sign with a Fulcio certificate bought with the
 * job's OIDC token and log to Rekor or GitHub's timestamp authority
 * (https://github.com/actions/attest, action.yml and src/ of v4.2.2; attest-build-provenance's
 * action.yml of v4.1.0). actions/attest-sbom is deprecated in favour of actions/attest with
 * `sbom-path` (its README), so that is the SBOM action stood in for here. The stand-in does what
 * GitHub would then see: a Sigstore bundle whose in-toto statement names the subject (image and
 * sha256 digest) with, by the action's mode, SLSA provenance v1 and GitHub's workflow build type,
 * or the SBOM itself (`https://spdx.dev/Document/v<version>` for SPDX, `https://cyclonedx.org/bom`
 * for CycloneDX, as src/sbom.ts names them), certified by the sandbox's Fulcio for the identity
 * GitHub's OIDC token carries (the job's `job_workflow_ref` as the signer, the run's repository as
 * the source), stored with the job's token through the attestations API of the GitHub stand-in
 * (https://docs.github.com/rest/repos/attestations#create-an-attestation).
 *
 * It fails where the real action fails, with its messages: without `id-token: write` the runner
 * gives no ACTIONS_ID_TOKEN_REQUEST_URL, the API refuses a token without `attestations: write`
 * (https://docs.github.com/actions/security-for-github-actions/using-artifact-attestations/using-artifact-attestations-to-establish-provenance-for-builds),
 * and an SBOM that is missing, over 16 MB, not JSON, or neither SPDX nor CycloneDX is refused.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  GITHUB_OIDC_ISSUER,
  IN_TOTO_STATEMENT_TYPE,
  SLSA_PROVENANCE_V1,
  sandboxBundle,
  type InTotoStatement,
  type SigningIdentity,
} from '../github/attestations.js';
import { grants } from './job-identity.js';
import type { StandInAction, StandInContext, StandInOutcome } from './stand-in-types.js';

/** The host Fulcio names in a github.com job's certificate (the sandbox plays github.com). */
export const CERTIFICATE_HOST = 'https://github.com';
/** GitHub's build type for provenance of a workflow run (actions/attest's predicate). */
const WORKFLOW_BUILD_TYPE = 'https://actions.github.io/buildtypes/workflow/v1';
/** actions/attest src/sbom.ts: "SBOMs cannot exceed 16MB." */
export const MAX_SBOM_SIZE_BYTES = 16 * 1024 * 1024;

/** The identity GitHub's OIDC token gives this job, as Fulcio would certify it. */
export function jobSigningIdentity(ctx: StandInContext): SigningIdentity {
  const { github } = ctx.run;
  const repository = ctx.run.repository;
  const signer = `${CERTIFICATE_HOST}/${ctx.run.workflowRef}`;
  return {
    subjectAlternativeName: signer,
    issuer: GITHUB_OIDC_ISSUER,
    sourceRepositoryUri: `${CERTIFICATE_HOST}/${repository}`,
    sourceRepositoryOwnerUri: `${CERTIFICATE_HOST}/${repository.split('/')[0]}`,
    sourceRepositoryDigest: ctx.run.sha,
    sourceRepositoryRef: ctx.run.ref,
    buildSignerUri: signer,
    runInvocationUri: `${CERTIFICATE_HOST}/${repository}/actions/runs/${String(github['run_id'])}/attempts/${String(github['run_attempt'])}`,
    runnerEnvironment: 'github-hosted',
  };
}

/** SLSA v1 provenance as actions/attest writes it for a workflow run. */
function provenance(ctx: StandInContext, identity: SigningIdentity): Record<string, unknown> {
  const { github } = ctx.run;
  // The workflow the run started from (the caller's, for a called workflow): `owner/repo/path@ref`.
  const workflowRef = String(github['workflow_ref']);
  const path = workflowRef.slice(ctx.run.repository.length + 1, workflowRef.lastIndexOf('@'));
  return {
    buildDefinition: {
      buildType: WORKFLOW_BUILD_TYPE,
      externalParameters: {
        workflow: { ref: ctx.run.ref, repository: identity.sourceRepositoryUri, path },
      },
      internalParameters: {
        github: {
          event_name: String(github['event_name']),
          repository_id: String(github['repository_id']),
          repository_owner_id: String(github['repository_owner_id']),
          runner_environment: identity.runnerEnvironment,
        },
      },
      resolvedDependencies: [
        {
          uri: `git+${identity.sourceRepositoryUri}@${ctx.run.ref}`,
          digest: { gitCommit: ctx.run.sha },
        },
      ],
    },
    runDetails: {
      builder: { id: identity.buildSignerUri },
      metadata: { invocationId: identity.runInvocationUri },
    },
  };
}

/** actions/attest src/subject.ts: the digest lengths of the algorithms it accepts. */
const DIGEST_LENGTHS: Record<string, number> = {
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
  sha512_224: 56,
  sha512_256: 64,
};
/** An image name (tag and digest dropped), with its registry: push-to-registry needs it fully qualified. */
const IMAGE_NAME = /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;

/** `name[:tag][@digest]` → `name`, as actions/attest's bareImageName (a registry port stays). */
function bareImageName(name: string): string {
  const ref = name.split('@')[0]!;
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
}

/** The one subject of `subject-name` and `subject-digest`, checked as actions/attest checks them. */
function digestSubject(
  inputs: Record<string, string>,
  push: boolean,
): { name: string; sha256: string } | string {
  const given = ['subject-path', 'subject-digest', 'subject-checksums'].filter((name) => inputs[name]);
  // With none, the real action reads the runner's $GITHUB_ARTIFACTS_LIST, which the sandbox's runner does not write.
  if (given.length === 0) return 'One of subject-path, subject-digest, or subject-checksums must be provided';
  if (given.length > 1)
    return 'Only one of subject-path, subject-digest, or subject-checksums may be provided';
  if (given[0] !== 'subject-digest') {
    return `the sandbox stands in for the attest actions with subject-digest only, not ${given[0]}`;
  }
  const rawName = inputs['subject-name'] ?? '';
  if (!rawName) return 'subject-name must be provided when using subject-digest';
  const name = push ? rawName.toLowerCase() : rawName;
  const digest = /^([^:]+):([^:]+)$/.exec(inputs['subject-digest']!);
  if (!digest) return 'subject-digest must be in the format "algorithm:hex_digest"';
  const [, algorithm, hex] = digest as unknown as [string, string, string];
  const length = DIGEST_LENGTHS[algorithm];
  if (length === undefined) return `subject-digest has unsupported algorithm "${algorithm}"`;
  if (!/^[0-9a-fA-F]+$/.test(hex)) return 'subject-digest has invalid hex digits';
  if (hex.length !== length) {
    return `subject-digest has invalid length for algorithm "${algorithm}" (expected ${length}, got ${hex.length})`;
  }
  if (algorithm !== 'sha256') {
    return push
      ? `push-to-registry requires a subject with a SHA-256 digest but the subject has: ${algorithm}`
      : `the sandbox's attestations API keeps sha256 subjects only, not ${algorithm}`;
  }
  if (push && !IMAGE_NAME.test(bareImageName(name))) {
    return `subject-name must be a fully-qualified image name when pushing to a registry: ${name}`;
  }
  return { name, sha256: hex };
}

/** actions/attest src/sbom.ts: the SBOM at `path` as a predicate, or why it is refused. */
async function sbomPredicate(
  path: string,
): Promise<{ predicateType: string; predicate: Record<string, unknown> } | string> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'SBOM file not found';
    return (error as Error).message;
  }
  if (size > MAX_SBOM_SIZE_BYTES)
    return `SBOM file exceeds maximum allowed size: ${MAX_SBOM_SIZE_BYTES} bytes`;
  let sbom: Record<string, unknown> | null;
  try {
    sbom = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown> | null;
  } catch (error) {
    // What JSON.parse throws is the action's message too (SyntaxError: Unexpected token ...).
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  if (sbom?.['spdxVersion'] && sbom['SPDXID']) {
    // "SPDX-2.3" → https://spdx.dev/Document/v2.3 (in-toto's SPDX predicate).
    const version = String(sbom['spdxVersion']).split('-')[1];
    return { predicateType: `https://spdx.dev/Document/v${version}`, predicate: sbom };
  }
  if (sbom?.['bomFormat'] && sbom['serialNumber'] && sbom['specVersion']) {
    return { predicateType: 'https://cyclonedx.org/bom', predicate: sbom };
  }
  return 'Unsupported SBOM format. Must be valid SPDX or CycloneDX JSON.';
}

/**
 * actions/attest for one action's step: its mode from the inputs (SBOM with `sbom-path`, build
 * provenance with no predicate input; custom predicates are not stood in for), then the signed
 * statement stored for the run's repository.
 */
async function attest(ctx: StandInContext, action: string): Promise<StandInOutcome> {
  const fail = (failure: string): StandInOutcome => ({ outputs: {}, reason: action, log: '', failure });
  const { inputs } = ctx;
  if (!grants(ctx.run.permissions, 'id-token', 'write')) {
    return fail('missing "id-token" permission. Please add "permissions: id-token: write" to your workflow.');
  }
  const sbomPath = inputs['sbom-path'] ?? '';
  const custom = ['predicate-type', 'predicate', 'predicate-path'].filter((name) => inputs[name]);
  if (sbomPath && custom.length > 0) {
    return fail('Cannot specify sbom-path together with predicate-type, predicate, or predicate-path');
  }
  if ((inputs['predicate'] || inputs['predicate-path']) && !inputs['predicate-type']) {
    return fail('predicate-type is required when using predicate or predicate-path');
  }
  if (custom.length > 0) {
    return fail(
      `the sandbox stands in for ${action} with build provenance or sbom-path, not ${custom.join(', ')}`,
    );
  }
  const push = inputs['push-to-registry'] === 'true';
  const subject = digestSubject(inputs, push);
  if (typeof subject === 'string') return fail(subject);
  const identity = jobSigningIdentity(ctx);
  const made = sbomPath
    ? await sbomPredicate(resolve(ctx.workspace, sbomPath))
    : { predicateType: SLSA_PROVENANCE_V1, predicate: provenance(ctx, identity) };
  if (typeof made === 'string') return fail(made);
  const statement: InTotoStatement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: subject.name, digest: { sha256: subject.sha256 } }],
    ...made,
  };
  const bundle = sandboxBundle(statement, identity);
  const token = inputs['github-token'] || ctx.run.token;
  const response = await fetch(`${ctx.github.url}/repos/${ctx.run.repository}/attestations`, {
    method: 'POST',
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `token ${token}`,
      'content-type': 'application/json',
      'x-github-api-version': '2022-11-28',
    },
    body: JSON.stringify({ bundle }),
  });
  const answer = (await response.json().catch(() => ({}))) as { id?: number; message?: string };
  if (response.status !== 201 || answer.id === undefined) {
    return fail(`Failed to persist attestation: ${answer.message ?? `HTTP ${response.status}`}`);
  }
  const bundlePath = join(ctx.temp, `attestation-${answer.id}.json`);
  await writeFile(bundlePath, `${JSON.stringify(bundle)}\n`);
  const url = `${ctx.serverUrl}/${ctx.run.repository}/attestations/${answer.id}`;
  const image = `${subject.name}@sha256:${subject.sha256}`;
  const what = sbomPath ? `SBOM statement (${made.predicateType})` : 'SLSA provenance statement';
  return {
    outputs: {
      'bundle-path': bundlePath,
      'attestation-id': String(answer.id),
      'attestation-url': url,
      'storage-record-ids': '',
    },
    reason:
      `${action} signs with Sigstore (none here): stood in by an unsigned bundle of the same ${what} for ` +
      `${image}, certified for ${identity.subjectAlternativeName} (source ${ctx.run.repository}) and stored ` +
      `through the attestations API` +
      (push ? '; not pushed to the registry' : ''),
    log: `Attestation type: ${sbomPath ? 'SBOM' : 'Build Provenance'}\nAttestation created for ${image}\n${url}`,
  };
}

const OUTPUTS = ['bundle-path', 'attestation-id', 'attestation-url', 'storage-record-ids'];

/** actions/attest v4.2.2 action.yml. */
const ATTEST_INPUTS = [
  'subject-path',
  'subject-digest',
  'subject-name',
  'subject-checksums',
  'subject-version',
  'sbom-path',
  'predicate-type',
  'predicate',
  'predicate-path',
  'push-to-registry',
  'create-storage-record',
  'show-summary',
  'github-token',
];

export const attestStandIn: StandInAction = {
  inputs: ATTEST_INPUTS,
  outputs: OUTPUTS,
  run: (ctx) => attest(ctx, 'actions/attest'),
};

export const attestBuildProvenanceStandIn: StandInAction = {
  // actions/attest-build-provenance v4.1.0 action.yml: actions/attest's inputs but these two.
  inputs: ATTEST_INPUTS.filter((input) => input !== 'subject-version' && input !== 'sbom-path'),
  outputs: OUTPUTS,
  run: (ctx) => attest(ctx, 'actions/attest-build-provenance'),
};
