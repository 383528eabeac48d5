// The caller workflows `npm run init` writes: each calls one of the suite's reusable workflows at a
// tag, owns the triggers, grants exactly the permissions the called jobs need and passes the secrets
// by name. Pure: the suite's ref in, workflow text out.
/** `owner/repo@ref` of the suite the callers use. */
export interface SuiteRef {
  owner: string;
  repo: string;
  ref: string;
}

/**
 * One caller workflow per reusable workflow of the suite. `permissions` is what the called workflow's
 * jobs ask for (nested calls included): a called workflow's GITHUB_TOKEN can only keep or lower the
 * caller job's permissions ("Reusing workflow configurations", GitHub Docs), so the caller grants
 * exactly these. scaffold.test.ts derives them from the suite's workflow files.
 */
export interface CallerSpec {
  /** File name in the GitOps repository and in the suite: the suite dispatches overlay-deploy.yaml by name. */
  file: string;
  permissions: Record<string, 'read' | 'write'>;
  secrets: readonly string[];
  /** Why each permission is granted, where it differs from {@link PERMISSION_REASONS}. */
  reasons?: Record<string, string>;
}

const PROMOTION_SECRETS = [
  'PROMOTION_APP_CLIENT_ID',
  'PROMOTION_APP_PRIVATE_KEY',
  'PROMOTION_TOKEN',
] as const;

export const CALLERS: readonly CallerSpec[] = [
  {
    file: 'service-release.yaml',
    permissions: {
      actions: 'write',
      attestations: 'write',
      contents: 'write',
      deployments: 'read',
      'id-token': 'write',
      packages: 'write',
      'pull-requests': 'write',
    },
    // BUILD_SECRETS: build secrets for RUN --mount=type=secret; empty when the repository has none.
    secrets: [...PROMOTION_SECRETS, 'BUILD_SECRETS'],
  },
  {
    file: 'overlay-update.yaml',
    permissions: { actions: 'write', contents: 'write', deployments: 'read', 'pull-requests': 'write' },
    secrets: PROMOTION_SECRETS,
  },
  {
    file: 'overlay-deploy.yaml',
    permissions: {
      actions: 'write',
      attestations: 'read',
      contents: 'write',
      deployments: 'write',
      'pull-requests': 'write',
    },
    secrets: ['KUBECONFIG', ...PROMOTION_SECRETS],
  },
  {
    file: 'promotion-status.yaml',
    permissions: { contents: 'read', deployments: 'read', 'pull-requests': 'read' },
    secrets: [],
    reasons: {
      contents: 'check out the default branch: the config and the overlays',
      deployments: 'read the deployments overlay-deploy recorded',
      'pull-requests': 'read the open promotion pull requests and their reviews',
    },
  },
];

/** Why each permission is granted, as the comment next to it. */
const PERMISSION_REASONS: Record<string, string> = {
  actions: 'dispatch the deploy of a merge made with GITHUB_TOKEN',
  attestations: 'store (release) or verify (deploy) the build provenance attestation of the image',
  'id-token': 'sign the attestation with Sigstore (an OIDC token; the attest job only)',
  contents: 'check out; push release/<service>/<env>',
  deployments: 'read the deployments a promotion starts from; record a deploy',
  packages: 'push the image to ghcr.io with GITHUB_TOKEN',
  'pull-requests': 'open, label and merge promotion pull requests',
};

export const suiteName = (suite: SuiteRef): string => `${suite.owner}/${suite.repo}`;
const usesOf = (suite: SuiteRef, file: string): string =>
  `${suiteName(suite)}/.github/workflows/${file}@${suite.ref}`;

const NO_EDIT = `# It needs no edit when an environment or a service is added: they come from .github/promotion.yaml.`;

/** The parts in which the callers differ; {@link callerWorkflow} adds the rest. */
interface CallerParts {
  /** The suite's workflow it calls, also this caller's file name and `name:`. */
  file: string;
  /** What it does, as comment lines. */
  header: string;
  runName: string;
  /** The `on:` mapping, indented. */
  on: string;
  jobName: string;
  /** Extra lines of the calling job before its permissions (`if:` with its comment). */
  condition?: string;
  secretsNote?: string;
  /** The `with:` entries, indented. */
  with: string;
}

function callerWorkflow(suite: SuiteRef, parts: CallerParts): string {
  const spec = CALLERS.find((c) => c.file === parts.file)!;
  const permissions = Object.entries(spec.permissions)
    .map(
      ([scope, access]) =>
        `      ${scope}: ${access} # ${spec.reasons?.[scope] ?? PERMISSION_REASONS[scope]}`,
    )
    .join('\n');
  // A called workflow gets no secret it is not passed; one that declares none is passed none.
  const secrets =
    spec.secrets.length === 0
      ? ''
      : `    # Passed by name, never 'secrets: inherit': the suite gets these and nothing else.${parts.secretsNote ?? ''}
    secrets:
${spec.secrets.map((name) => `      ${name}: \${{ secrets.${name} }}`).join('\n')}
`;
  const name = parts.file.replace(/\.yaml$/, '');
  return `${parts.header}
${NO_EDIT}
name: ${name}
run-name: ${parts.runName}

on:
${parts.on}
permissions: {}

jobs:
  ${name.split('-').at(-1)}:
    name: ${parts.jobName}
${parts.condition ?? ''}    # Exactly what the suite's jobs ask for: a called workflow can only keep or lower these.
    permissions:
${permissions}
    uses: ${usesOf(suite, parts.file)}
${secrets}    with:
${parts.with}
`;
}

/** The `workflow_dispatch` trigger with its inputs: [name, description, type, required or default]. */
function dispatchInputs(inputs: [string, string, 'string' | 'boolean', string][]): string {
  return `  workflow_dispatch:
    inputs:
${inputs
  .map(
    ([name, description, type, last]) => `      ${name}:
        description: ${description}
        type: ${type}
        ${last}`,
  )
  .join('\n')}
`;
}

const REQUIRED = 'required: true';

function releaseCaller(suite: SuiteRef): string {
  return callerWorkflow(suite, {
    file: 'service-release.yaml',
    header: `# Releases one version of one service: calls service-release.yaml of ${suiteName(suite)} at
# ${suite.ref}, which builds and pushes <image>:<version> from the service's build context, then opens
# (and merges) the promotion of the first environment of .github/promotion.yaml.`,
    runName: 'Release ${{ inputs.service }} ${{ inputs.version }}',
    on: dispatchInputs([
      ['service', 'Service to release (as named in .github/promotion.yaml).', 'string', REQUIRED],
      [
        'version',
        'SemVer version, the image tag (e.g. 1.4.2 or 2.0.0-rc.1; no leading v).',
        'string',
        REQUIRED,
      ],
    ]),
    jobName: 'Release',
    with: `      service: \${{ inputs.service }}
      version: \${{ inputs.version }}`,
  });
}

function updateCaller(suite: SuiteRef): string {
  return callerWorkflow(suite, {
    file: 'overlay-update.yaml',
    header: `# Promotes one service to one environment by hand: calls overlay-update.yaml of ${suiteName(suite)}
# at ${suite.ref}, which edits overlays/<env>/kustomization.yaml on release/<service>/<env> and opens the
# pull request (merged at once where the environment merges without review).`,
    runName: 'Promote ${{ inputs.service }} to ${{ inputs.overlay }}',
    on: dispatchInputs([
      ['overlay', 'Environment to promote to (as named in .github/promotion.yaml).', 'string', REQUIRED],
      ['service', 'Service to promote.', 'string', REQUIRED],
      [
        'version',
        'SemVer version; required for the first environment. A later one takes it only if the previous environment deployed it; empty takes the newest deployed there.',
        'string',
        "default: ''",
      ],
      [
        'digest',
        'Image digest that pins the version; for a later environment, the one the previous deployed.',
        'string',
        "default: ''",
      ],
      [
        'allow-downgrade',
        'Allow a version lower than the environment runs (rollback).',
        'boolean',
        'default: false',
      ],
    ]),
    jobName: 'Promote',
    with: `      overlay: \${{ inputs.overlay }}
      service: \${{ inputs.service }}
      version: \${{ inputs.version }}
      digest: \${{ inputs.digest }}
      allow-downgrade: \${{ inputs.allow-downgrade }}`,
  });
}

function deployCaller(suite: SuiteRef): string {
  return callerWorkflow(suite, {
    file: 'overlay-deploy.yaml',
    header: `# Deploys an environment when its promotion pull request (release/<service>/<env>) merges into main,
# or when dispatched by hand: calls overlay-deploy.yaml of ${suiteName(suite)} at ${suite.ref}, which
# renders and applies the overlay, records a GitHub deployment and opens the next environment's
# promotion. Keep this file's name: without an App or a PAT the suite dispatches overlay-deploy.yaml.`,
    runName: `>-
  \${{ github.event_name == 'pull_request'
  && format('Deploy {0} (#{1})', github.event.pull_request.head.ref, github.event.pull_request.number)
  || format('Deploy {0} to {1}', inputs.service, inputs.overlay) }}`,
    on: `  pull_request:
    types: [closed]
    branches: [main]
${dispatchInputs([
  ['overlay', 'Environment to deploy (as named in .github/promotion.yaml).', 'string', REQUIRED],
  ['service', 'Service to deploy.', 'string', REQUIRED],
  ['dry-run', 'Render and diff without applying.', 'boolean', 'default: false'],
])}`,
    jobName: 'Deploy',
    condition: `    # Merged promotion branches of this repository only (the suite checks again); a pull request
    # closed without merging starts nothing.
    if: >-
      github.event_name != 'pull_request'
      || (github.event.pull_request.merged == true
      && startsWith(github.event.pull_request.head.ref, 'release/')
      && github.event.pull_request.head.repo.full_name == github.repository)
`,
    secretsNote: `
    # KUBECONFIG: a secret of each GitHub environment (dev, uat, ...) wins over the one passed here.`,
    with: `      # Empty on a merge: the suite reads both from the branch release/<service>/<env>.
      overlay: \${{ inputs.overlay }}
      service: \${{ inputs.service }}
      dry-run: \${{ inputs.dry-run == true }}
      # The suite whose service-release.yaml signs releases: where an environment has
      # require-attestation, only images it attested are deployed.
      suite-repository: ${suiteName(suite)}`,
  });
}

function statusCaller(suite: SuiteRef): string {
  return callerWorkflow(suite, {
    file: 'promotion-status.yaml',
    header: `# Checks what runs where every weekday morning: calls promotion-status.yaml of ${suiteName(suite)} at
# ${suite.ref}, which writes the version each overlay names, the open promotion pull requests and the
# recorded deployments to the job summary, and fails (so GitHub notifies) when an environment drifts
# from its last successful deployment or a promotion pull request waits longer than max-age-hours.`,
    runName: 'Promotion status',
    on: `  schedule:
    # Weekdays at 06:17 UTC: off the full hour, when GitHub delays scheduled runs the most.
    - cron: '17 6 * * 1-5'
${dispatchInputs([
  [
    'max-age-hours',
    'How long a promotion pull request may wait before it is reported, in hours.',
    'string',
    "default: '72'",
  ],
])}`,
    jobName: 'Promotion status',
    with: `      # Empty on a schedule: the suite's default, 72 hours.
      max-age-hours: \${{ inputs.max-age-hours }}`,
  });
}

/**
 * The caller a service repository keeps (`.github/workflows/release.yaml`): it releases its one
 * service from its own checkout and opens the promotion in the GitOps repository, which must name
 * this repository as the service's (services[].repository in its .github/promotion.yaml).
 */
export function serviceRepositoryCaller(suite: SuiteRef, service: string, gitopsRepository: string): string {
  return callerWorkflow(suite, {
    file: 'service-release.yaml',
    header: `# Releases ${service}: calls service-release.yaml of ${suiteName(suite)} at ${suite.ref}, which builds and
# pushes the image from this repository's checkout, reads .github/promotion.yaml of ${gitopsRepository}
# and opens the promotion of the first environment there, with an App token minted for it only.`,
    runName: `Release ${service} \${{ inputs.version }}`,
    on: dispatchInputs([
      [
        'version',
        'SemVer version, the image tag (e.g. 1.4.2 or 2.0.0-rc.1; no leading v).',
        'string',
        REQUIRED,
      ],
    ]),
    jobName: `Release ${service}`,
    secretsNote: `
    # The App must be installed on ${gitopsRepository}: GITHUB_TOKEN reaches only this repository.`,
    with: `      service: ${service}
      version: \${{ inputs.version }}
      gitops-repository: ${gitopsRepository}`,
  });
}

/** The caller workflows, by path in the GitOps repository. */
export function callerFiles(suite: SuiteRef): [string, string][] {
  return [
    ['.github/workflows/service-release.yaml', releaseCaller(suite)],
    ['.github/workflows/overlay-update.yaml', updateCaller(suite)],
    ['.github/workflows/overlay-deploy.yaml', deployCaller(suite)],
    ['.github/workflows/promotion-status.yaml', statusCaller(suite)],
  ];
}
