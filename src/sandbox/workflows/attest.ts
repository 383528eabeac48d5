/**
 * actions/attest-build-provenance (v4: a composite over actions/attest) cannot run here: it signs
 * with a Fulcio certificate bought with the job's OIDC token and logs to Rekor or GitHub's timestamp
 * authority (https://github.com/actions/attest-build-provenance, action.yml of v4.1.0). The stand-in
 * does what GitHub would then see: a Sigstore bundle whose in-toto statement names the subject
 * (image and sha256 digest) with predicate type https://slsa.dev/provenance/v1 and GitHub's
 * workflow build type, certified by the sandbox's Fulcio for the identity GitHub's OIDC token
 * carries (the job's `job_workflow_ref` as the signer, the run's repository as the source), stored
 * with the job's token through the attestations API of the GitHub stand-in
 * (https://docs.github.com/rest/repos/attestations#create-an-attestation).
 *
 * It fails where the real action fails: without `id-token: write` no OIDC token can be requested
 * (@actions/core getIDToken: "Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable"), and the
 * API refuses a token without `attestations: write`
 * (https://docs.github.com/actions/security-for-github-actions/using-artifact-attestations/using-artifact-attestations-to-establish-provenance-for-builds).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GITHUB_OIDC_ISSUER,
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

/** SLSA v1 provenance as actions/attest-build-provenance writes it for a workflow run. */
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

const DIGEST = /^sha256:([0-9a-f]{64})$/;
/** An image name without tag or digest, with its registry (push-to-registry needs it fully qualified). */
const IMAGE_NAME = /^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;

async function attestBuildProvenance(ctx: StandInContext): Promise<StandInOutcome> {
  const reason = 'actions/attest-build-provenance';
  const fail = (failure: string): StandInOutcome => ({ outputs: {}, reason, log: '', failure });
  const { inputs } = ctx;
  const given = ['subject-path', 'subject-digest', 'subject-checksums'].filter((name) => inputs[name]);
  if (given.length !== 1) {
    return fail('One of subject-path, subject-digest, or subject-checksums must be provided');
  }
  if (given[0] !== 'subject-digest') {
    return fail(
      `the sandbox stands in for attest-build-provenance with subject-digest only, not ${given[0]}`,
    );
  }
  const name = inputs['subject-name'] ?? '';
  const digest = (inputs['subject-digest'] ?? '').match(DIGEST);
  if (!name) return fail('One of subject-name or subject-path must be provided when using subject-digest');
  if (!digest) return fail('subject-digest must be in the format "sha256:<hex-digest>"');
  const push = inputs['push-to-registry'] === 'true';
  if (push && !IMAGE_NAME.test(name)) {
    return fail(
      `subject-name must be a fully-qualified image name without tag when pushing to a registry: ${name}`,
    );
  }
  if (!grants(ctx.run.permissions, 'id-token', 'write')) {
    return fail(
      'Error: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable (the job needs `id-token: write`)',
    );
  }
  const identity = jobSigningIdentity(ctx);
  const statement: InTotoStatement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name, digest: { sha256: digest[1]! } }],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: provenance(ctx, identity),
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
  return {
    outputs: {
      'bundle-path': bundlePath,
      'attestation-id': String(answer.id),
      'attestation-url': url,
      'storage-record-ids': '',
    },
    reason:
      `actions/attest-build-provenance signs with Sigstore (none here): stood in by an unsigned bundle of the same ` +
      `SLSA provenance statement for ${name}@${digest[0]}, certified for ${identity.subjectAlternativeName} ` +
      `(source ${ctx.run.repository}) and stored through the attestations API` +
      (push ? '; not pushed to the registry' : ''),
    log: `Attestation created for ${name}@${digest[0]}\n${url}`,
  };
}

export const attestBuildProvenanceStandIn: StandInAction = {
  // actions/attest-build-provenance v4.1.0 action.yml
  inputs: [
    'subject-path',
    'subject-digest',
    'subject-name',
    'subject-checksums',
    'predicate-type',
    'predicate',
    'predicate-path',
    'push-to-registry',
    'create-storage-record',
    'show-summary',
    'github-token',
  ],
  outputs: ['bundle-path', 'attestation-id', 'attestation-url', 'storage-record-ids'],
  run: attestBuildProvenance,
};
