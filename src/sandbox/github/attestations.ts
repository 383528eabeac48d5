// Artifact attestations of a repository, as GitHub's REST API keeps them
// (https://docs.github.com/rest/repos/attestations): `POST /repos/{owner}/{repo}/attestations` stores
// a Sigstore bundle ("The authenticated user must have write permission to the repository and, if
// using a fine-grained access token, the attestations:write permission is required"), and
// `GET /repos/{owner}/{repo}/attestations/{subject_digest}` lists those whose subject has that digest
// (read access; `attestations:read`), filtered by `predicate_type` (`provenance`, `sbom`, `release`
// or a predicate type URI). GitHub answers 404 "Not Found" when none match, which gh reports as
// "HTTP 404: Not Found" (kedacore/http-add-on#1604). The attest actions make these bundles
// (https://docs.github.com/actions/security-for-github-actions/using-artifact-attestations/using-artifact-attestations-to-establish-provenance-for-builds)
// and `gh attestation verify` checks their certificate (https://cli.github.com/manual/gh_attestation_verify).
//
// Nothing here signs: the sandbox has no Sigstore. Its "Fulcio" is issueSigningCertificate: the
// certificate is the JSON of the fields gh checks, and the stand-in refuses a bundle whose
// certificate it did not issue, so a bundle written by hand cannot pass for a workflow's, as a forged
// signature cannot on GitHub.
import { createHash } from 'node:crypto';
import { HttpError, notFound, validationFailed } from './errors.js';
import type { Handler, RouteContext } from './handler.js';
import { isoNow } from './objects.js';
import { requirePermission } from './permissions.js';
import type { Store } from './store.js';

export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/** The short names the list endpoint takes for `predicate_type`, as the spec describes them. */
const PREDICATE_ALIASES: Record<string, string[]> = {
  provenance: [SLSA_PROVENANCE_V1],
  sbom: ['https://spdx.dev/Document/v2.3', 'https://spdx.dev/Document', 'https://cyclonedx.org/bom'],
  release: ['https://in-toto.io/attestation/release/v0.1'],
};

/**
 * What Fulcio writes into the certificate of a GitHub Actions job (its OIDC token's claims): the
 * fields `gh attestation verify` compares.
 */
export interface SigningIdentity {
  /** `https://github.com/<job_workflow_ref>`: the workflow file that ran the job (a called one's own). */
  subjectAlternativeName: string;
  issuer: string;
  /** `https://github.com/<repository>`: the repository of the run (a caller's, for a called workflow). */
  sourceRepositoryUri: string;
  sourceRepositoryOwnerUri: string;
  sourceRepositoryDigest: string;
  sourceRepositoryRef: string;
  buildSignerUri: string;
  runInvocationUri: string;
  runnerEnvironment: string;
}

const issued = new Set<string>();
const digestOf = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The sandbox's Fulcio: a certificate (base64, as a bundle carries `rawBytes`) for this identity. */
export function issueSigningCertificate(identity: SigningIdentity): string {
  const rawBytes = Buffer.from(
    JSON.stringify({
      sandbox: 'not an X.509 certificate: the fields Fulcio would certify, issued by the sandbox',
      ...identity,
    }),
  ).toString('base64');
  issued.add(digestOf(rawBytes));
  return rawBytes;
}

/** The identity in a certificate the sandbox issued; undefined for any other. */
export function certificateIdentity(rawBytes: unknown): SigningIdentity | undefined {
  if (typeof rawBytes !== 'string' || !issued.has(digestOf(rawBytes))) return undefined;
  return JSON.parse(Buffer.from(rawBytes, 'base64').toString('utf8')) as SigningIdentity;
}

/** An in-toto statement about one or more subjects (https://github.com/in-toto/attestation). */
export interface InTotoStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

/**
 * A Sigstore bundle (v0.3) of a statement, shaped as actions/attest uploads it: the statement as the
 * base64 payload of a DSSE envelope, the certificate as verification material. The signature is not
 * one (nothing here signs) and there is no transparency log entry or timestamp.
 */
export function sandboxBundle(
  statement: InTotoStatement,
  identity: SigningIdentity,
): Record<string, unknown> {
  return {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: {
      certificate: { rawBytes: issueSigningCertificate(identity) },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: {
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: Buffer.from('sandbox: not signed').toString('base64'), keyid: '' }],
    },
  };
}

export interface StoredAttestation {
  id: number;
  bundle: Record<string, unknown>;
  /** The statement's subjects: name and `sha256:<hex>`. */
  subjects: { name: string; digest: string }[];
  predicateType: string;
  /** Who posted it (the job's token). */
  creator: string;
  createdAt: string;
}

const stored = new WeakMap<Store, StoredAttestation[]>();

/** The attestations of one hosted repository, oldest first. */
export function attestationsOf(store: Store): StoredAttestation[] {
  let list = stored.get(store);
  if (!list) stored.set(store, (list = []));
  return list;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The bundle's in-toto statement, or GitHub's 422 for a bundle it cannot read. */
function statementOf(bundle: Record<string, unknown>): {
  subjects: StoredAttestation['subjects'];
  predicateType: string;
} {
  const invalid = (why: string): HttpError =>
    validationFailed([{ resource: 'Attestation', field: 'bundle', code: 'invalid', message: why }]);
  if (
    typeof bundle['mediaType'] !== 'string' ||
    !bundle['mediaType'].startsWith('application/vnd.dev.sigstore.bundle')
  ) {
    throw invalid('bundle.mediaType is not a Sigstore bundle media type');
  }
  const envelope = record(bundle['dsseEnvelope']);
  if (
    !envelope ||
    envelope['payloadType'] !== IN_TOTO_PAYLOAD_TYPE ||
    typeof envelope['payload'] !== 'string'
  ) {
    throw invalid(`bundle.dsseEnvelope must carry a base64 ${IN_TOTO_PAYLOAD_TYPE} payload`);
  }
  let statement: Record<string, unknown> | undefined;
  try {
    statement = record(JSON.parse(Buffer.from(envelope['payload'], 'base64').toString('utf8')));
  } catch {
    statement = undefined;
  }
  if (
    !statement ||
    statement['_type'] !== IN_TOTO_STATEMENT_TYPE ||
    typeof statement['predicateType'] !== 'string'
  ) {
    throw invalid(`the payload is not an in-toto statement (${IN_TOTO_STATEMENT_TYPE}) with a predicateType`);
  }
  const subjects = (Array.isArray(statement['subject']) ? statement['subject'] : []).flatMap((item) => {
    const subject = record(item);
    const sha256 = record(subject?.['digest'])?.['sha256'];
    return typeof subject?.['name'] === 'string' &&
      typeof sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(sha256)
      ? [{ name: subject['name'], digest: `sha256:${sha256}` }]
      : [];
  });
  if (subjects.length === 0) throw invalid('the statement has no subject with a sha256 digest');
  const certificate = record(record(bundle['verificationMaterial'])?.['certificate']);
  if (!certificateIdentity(certificate?.['rawBytes'])) {
    // On GitHub a bundle signed by anything but Fulcio for a workflow fails verification; here the
    // certificate is the only proof, so one the sandbox did not issue is refused outright.
    throw invalid('bundle.verificationMaterial.certificate was not issued for a workflow (sandbox Fulcio)');
  }
  return { subjects, predicateType: statement['predicateType'] };
}

const createAttestation: Handler = async (c) => {
  requirePermission(c.identity, 'attestations', 'write');
  const bundle = record(record(c.body)?.['bundle']);
  if (!bundle) throw validationFailed([{ resource: 'Attestation', field: 'bundle', code: 'missing_field' }]);
  const { subjects, predicateType } = statementOf(bundle);
  const attestation: StoredAttestation = {
    id: c.store.newId(),
    bundle,
    subjects,
    predicateType,
    creator: c.identity.login,
    createdAt: isoNow(),
  };
  attestationsOf(c.store).push(attestation);
  return { status: 201, body: { id: attestation.id } };
};

function predicateMatches(c: RouteContext, predicateType: string): boolean {
  const filter = c.query.get('predicate_type');
  if (filter === null || filter === '') return true;
  return (PREDICATE_ALIASES[filter] ?? [filter]).includes(predicateType);
}

const listAttestations: Handler = async (c) => {
  requirePermission(c.identity, 'attestations', 'read');
  const digest = (c.params['subject_digest'] ?? '').toLowerCase();
  const matching = attestationsOf(c.store)
    .filter((a) => a.subjects.some((s) => s.digest === digest) && predicateMatches(c, a.predicateType))
    .reverse(); // newest first
  if (matching.length === 0) throw notFound();
  const perPage = Math.min(Math.max(Number(c.query.get('per_page') ?? 30) || 30, 1), 100);
  return {
    status: 200,
    body: {
      attestations: matching.slice(0, perPage).map((a) => ({
        bundle: a.bundle,
        repository_id: c.store.ctx.repoId,
      })),
    },
  };
};

export const attestationsHandlers: Record<string, Handler> = {
  'repos/create-attestation': createAttestation,
  'repos/list-attestations': listAttestations,
};
