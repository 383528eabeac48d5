// Which images an environment admits: where `require-attestation` is on, only a digest with a build
// provenance attestation made by the suite's service-release.yaml for the service's repository.
// overlay-deploy asks `gh attestation verify` (https://cli.github.com/manual/gh_attestation_verify),
// which checks the certificate's SourceRepository against --repo and its Subject Alternative Name
// (the job_workflow_ref of the signing job: for a called reusable workflow, the called file) against
// --signer-workflow; this module decides whether to ask, with which arguments, and what a refusal says.
import type { Environment, Service } from './config.js';
import { repositoryProblem } from './config.js';
import { InputError, UserError } from './errors.js';
import type { ImageVersion } from './kustomization.js';

/** The suite's workflow that attests releases, relative to the suite's repository. */
export const SIGNER_WORKFLOW_FILE = '.github/workflows/service-release.yaml';

export interface AttestationCheck {
  /** `oci://<image>@<digest>`: the subject as service-release attested it (image without tag). */
  subject: string;
  /** The repository the attestation must be linked with (its source repository). */
  repository: string;
  /** `<suite owner/repo>/.github/workflows/service-release.yaml`, as gh's --signer-workflow takes it. */
  signerWorkflow: string;
  /** gh's arguments, one each (never a shell line). */
  args: string[];
}

/**
 * What overlay-deploy must verify before it applies `version` of `service` to `environment`, or
 * undefined when the environment does not require attestation. `gitopsRepository` is the repository
 * holding the config (it releases services without `repository`); `suiteRepository` the suite whose
 * service-release.yaml signs. Throws when the check cannot be made: no digest, or no suite named.
 */
export function attestationCheck(
  environment: Environment,
  service: Service,
  version: ImageVersion,
  gitopsRepository: string,
  suiteRepository: string,
): AttestationCheck | undefined {
  if (!environment.requireAttestation) return undefined;
  if (!version.digest) {
    throw new UserError(
      `${environment.name} admits only attested images (require-attestation), but its overlay names ${service.name} ${version.tag ?? ''} without a digest: only a digest can be verified. Promote a release made by service-release, which pins the digest it attested.`,
    );
  }
  const problem = repositoryProblem(suiteRepository);
  if (problem) {
    throw new InputError(
      'suite-repository',
      `${problem}: name the repository of the suite whose ${SIGNER_WORKFLOW_FILE} attests releases (the one the GitOps repository's callers use), needed because ${environment.name} requires attestation`,
    );
  }
  const repository = service.repository ?? gitopsRepository;
  const subject = `oci://${service.image}@${version.digest}`;
  const signerWorkflow = `${suiteRepository}/${SIGNER_WORKFLOW_FILE}`;
  return {
    subject,
    repository,
    signerWorkflow,
    args: ['attestation', 'verify', subject, '--repo', repository, '--signer-workflow', signerWorkflow],
  };
}

/** The last line gh printed that says why (its `Error: ...` line, else its last `✗` line). */
function ghReason(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  const error = lines.filter((line) => line.startsWith('Error:')).pop();
  const cross = lines.filter((line) => line.startsWith('✗')).pop();
  const reason = [cross, error].filter(Boolean).join(': ') || lines.pop() || 'no output';
  return reason.length > 400 ? `${reason.slice(0, 400)}…` : reason;
}

/** The one-line error of a deploy refused for want of a matching attestation. */
export function attestationRefusal(
  check: AttestationCheck,
  environment: Environment,
  service: Service,
  version: ImageVersion,
  ghOutput: string,
): string {
  return (
    `${service.name} ${version.tag ?? ''} (${version.digest ?? ''}) is not admitted to ${environment.name}: ` +
    `it requires a build provenance attestation of ${check.subject} made by ${check.signerWorkflow} for ${check.repository}, ` +
    `and gh attestation verify found none (${ghReason(ghOutput)}). ` +
    `An image pushed by hand or built elsewhere is refused: release it with service-release, ` +
    `or set require-attestation: false for ${environment.name} in .github/promotion.yaml.`
  );
}
