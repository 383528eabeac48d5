// What `npm run init` writes into a new GitOps repository: the thin caller workflows that call the
// suite's reusable workflows at a tag, a starting .github/promotion.yaml, .github/CODEOWNERS, base/
// and overlays/. Pure: options in, a map of path to content out; the command does the file work.
import { DEFAULT_CONFIG_PATH } from './config.js';
import { InputError } from './errors.js';
import { checkName } from './names.js';
import { checkVersion } from './version.js';
import { callerFiles, serviceRepositoryCaller, suiteName, type SuiteRef } from './scaffold-callers.js';

/** A CODEOWNERS owner as written: `@login` or `@org/team-slug`. */
export type Owner = string;

export interface ScaffoldOptions {
  suite: SuiteRef;
  /** The promotion chain, in order; the first merges without review. */
  environments: string[];
  services: string[];
  /** Registry and namespace the images live under: `<prefix>/<service>`. */
  imagePrefix: string;
  /** The organization that owns the GitOps repository: promotion.yaml names its teams by slug. */
  org: string;
  /** Owners of base/, .github/ and CODEOWNERS itself. */
  owners: Owner[];
  /** Owners of each reviewed environment's overlay (every environment but the first). */
  approvers: Record<string, Owner[]>;
  /** The tag each overlay starts with, until the first release of the service. */
  initialVersion: string;
  /** True when owners or approvers are the generated placeholders (the files say so). */
  placeholders: boolean;
}

/** What a person gives, as text; {@link resolveScaffoldOptions} checks it. */
export interface ScaffoldInput {
  suite?: string;
  environments?: string;
  services?: string;
  imagePrefix?: string;
  org?: string;
  owners?: string;
  /**
   * `OWNER/REPO` of the GitOps repository: init then writes a service repository's caller of
   * service-release (for the one service in `services`) instead of a GitOps repository.
   */
  gitopsRepository?: string;
  /** `ENV=OWNER[,OWNER...]`, one per reviewed environment. */
  approvers?: string[];
  initialVersion?: string;
}

export const DEFAULT_ENVIRONMENTS = ['dev', 'uat', 'prod'] as const;
export const DEFAULT_INITIAL_VERSION = '0.0.0';
/** `ghcr.io/<org>`: GitHub Packages of the organization, which the release pushes to with GITHUB_TOKEN. */
export const defaultImagePrefix = (org: string): string => `ghcr.io/${org.toLowerCase()}`;

// --- checking the input ---------------------------------------------------------------------------

const LOGIN = '[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}';
const SUITE = new RegExp(`^(${LOGIN})/([A-Za-z0-9_.-]{1,100})@([A-Za-z0-9._/-]{1,255})$`);
const OWNER = new RegExp(`^@(${LOGIN})(?:/([a-z0-9][a-z0-9_-]*))?$`);
/** The image repository rule of config.ts (`services[].image`), for the prefix part. */
const IMAGE_PREFIX = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

export function parseSuiteRef(input: string, value: string): SuiteRef {
  const match = SUITE.exec(value);
  const ref = match?.[3] ?? '';
  if (!match || ref.includes('..') || ref.includes('//') || /^[/.]|[/.]$|\.lock$/.test(ref)) {
    throw new InputError(
      input,
      `'${value}' is not OWNER/REPO@REF: the suite's repository and the tag, branch or commit to call, for example acme/gitops-promotion@v1`,
    );
  }
  return { owner: match[1]!, repo: match[2]!, ref };
}

/** A comma-separated list of names: each valid (names.ts), none twice, at least one. */
function nameList(input: string, value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new InputError(input, `'${value}' has an empty entry: give names separated by commas`);
  }
  names.forEach((name) => checkName(input, name));
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new InputError(input, `'${twice}' is given twice`);
  return names;
}

function ownerList(input: string, value: string): Owner[] {
  const owners = value.split(',').map((owner) => owner.trim());
  for (const owner of owners) {
    if (!OWNER.test(owner)) {
      throw new InputError(
        input,
        `'${owner}' is not a code owner: use @login or @org/team-slug (lowercase slug), separated by commas`,
      );
    }
  }
  const twice = owners.find((owner, i) => owners.indexOf(owner) !== i);
  if (twice !== undefined) throw new InputError(input, `'${twice}' is given twice`);
  return owners;
}

/** The organization of an `@org/team` owner; undefined for a user. */
function orgOf(owner: Owner): string | undefined {
  const match = OWNER.exec(owner);
  return match?.[2] ? match[1] : undefined;
}

/** Checks everything a person gives and fills in the defaults; an InputError names the input at fault. */
export function resolveScaffoldOptions(input: ScaffoldInput): ScaffoldOptions {
  if (input.suite === undefined) {
    throw new InputError('--suite', 'is required: OWNER/REPO@REF, for example acme/gitops-promotion@v1');
  }
  const suite = parseSuiteRef('--suite', input.suite);
  const environments = nameList('--environments', input.environments ?? DEFAULT_ENVIRONMENTS.join(','));
  if (input.services === undefined) {
    throw new InputError(
      '--services',
      'is required: the services, separated by commas (e.g. orders,payments)',
    );
  }
  const services = nameList('--services', input.services);

  const givenOwners = input.owners === undefined ? undefined : ownerList('--owners', input.owners);
  if (input.org !== undefined && !new RegExp(`^${LOGIN}$`).test(input.org)) {
    throw new InputError(
      '--org',
      `'${input.org}' is not an organization name: letters, digits and single hyphens`,
    );
  }
  const org = input.org ?? givenOwners?.map(orgOf).find((o) => o !== undefined) ?? suite.owner;
  const owners = givenOwners ?? [`@${org}/platform`];

  const reviewed = environments.slice(1);
  const approvers: Record<string, Owner[]> = {};
  for (const entry of input.approvers ?? []) {
    const eq = entry.indexOf('=');
    const env = eq < 0 ? '' : entry.slice(0, eq).trim();
    if (!reviewed.includes(env)) {
      throw new InputError(
        '--approvers',
        `'${entry}' must be ENV=OWNER[,OWNER...] for a reviewed environment: ${reviewed.join(', ') || 'none (only one environment)'}`,
      );
    }
    if (approvers[env]) throw new InputError('--approvers', `environment '${env}' is given twice`);
    approvers[env] = ownerList('--approvers', entry.slice(eq + 1));
  }
  for (const [env, list] of Object.entries(approvers)) {
    const other = list.find((owner) => (orgOf(owner) ?? org).toLowerCase() !== org.toLowerCase());
    if (other !== undefined) {
      throw new InputError(
        '--approvers',
        `'${other}' for ${env} is a team of another organization than ${org}: .github/promotion.yaml requests teams of the organization that owns the repository (set it with --org)`,
      );
    }
  }
  const placeholders = givenOwners === undefined || reviewed.some((env) => !approvers[env]);
  for (const env of reviewed) approvers[env] ??= [`@${org}/${env}-approvers`];

  const imagePrefix = (input.imagePrefix ?? defaultImagePrefix(org)).replace(/\/+$/, '');
  if (!IMAGE_PREFIX.test(imagePrefix)) {
    throw new InputError(
      '--image-prefix',
      `'${input.imagePrefix}' is not an image repository prefix: lowercase registry host and path without tag, for example ghcr.io/acme`,
    );
  }
  const initialVersion = checkVersion('--initial-version', input.initialVersion ?? DEFAULT_INITIAL_VERSION);
  return { suite, environments, services, imagePrefix, org, owners, approvers, initialVersion, placeholders };
}

/** Splits `@org/team` and `@user` owners into promotion.yaml's reviewers (team slugs of `org`, logins). */
function reviewersOf(owners: Owner[]): { users: string[]; teams: string[] } {
  const users: string[] = [];
  const teams: string[] = [];
  for (const owner of owners) {
    const match = OWNER.exec(owner)!;
    if (match[2]) teams.push(match[2]);
    else users.push(match[1]!);
  }
  return { users, teams };
}

function promotionConfig(o: ScaffoldOptions): string {
  const [first, ...reviewed] = o.environments;
  const environments = [
    `  # name: the environment; also the last part of the branch release/<service>/<env>
  # overlay: optional, default overlays/<name>
  - name: ${first}
    # merge-without-review: the suite merges the promotion PR itself (default false): the first
    # environment deploys a release with nobody in the loop
    merge-without-review: true`,
    ...reviewed.map((env, i) => {
      const { users, teams } = reviewersOf(o.approvers[env]!);
      const lines = [`  - name: ${env}`];
      if (i === 0) {
        lines.push(
          '    # reviewers: requested on the promotion PR: users: [...] and/or teams: [...] (slugs of this',
          "    # organization's teams); keep them in step with the owners of the overlay in .github/CODEOWNERS,",
          '    # which are the approvals the merge needs',
        );
      }
      lines.push('    reviewers:');
      if (users.length) lines.push(`      users: [${users.join(', ')}]`);
      if (teams.length) lines.push(`      teams: [${teams.join(', ')}]`);
      if (i === 0) lines.push('    # labels: optional, added to the promotion PR');
      lines.push(`    labels: [promotion, ${env}]`);
      if (i === 0) {
        lines.push(
          '    # promoters: optional, who may dispatch overlay-update for this environment by hand, for example',
          `    #   promoters:`,
          `    #     teams: [${teams[0] ?? `${env}-approvers`}]`,
          '    # Without it, anyone who may run the workflow may promote by hand.',
        );
      }
      return lines.join('\n');
    }),
  ];
  const services = o.services.map(
    (name) => `  - name: ${name}
    image: ${o.imagePrefix}/${name}
    context: services/${name}`,
  );
  return `# Configuration of the GitOps promotion suite (${suiteName(o.suite)}): read by its release,
# overlay-update and overlay-deploy workflows, which the callers in .github/workflows/ run.
# Adding an environment or a service is a change to this file plus a folder
# (overlays/<env>/ or base/<service>/), never a change to a workflow.

# schema version of this file
version: 1

# Who may run service-release. Without 'release', anyone who may run the workflow may release.
# To restrict it (reading team membership needs the App with "Members: read" or a read:org PAT):
# release:
#   allowed:
#     users: [release-manager]
#     teams: [release-managers]

# The promotion chain, in order. A release updates the first environment; each merge of
# release/<service>/<env> deploys that environment and opens the next one's pull request.
environments:
${environments.join('\n')}

# The services that can be released and promoted.
services:
  # name: the service; also the middle part of the branch release/<service>/<env>
  # image: repository the release pushes; also the kustomize images[].name in every overlay
  # context: build context (Dockerfile inside) when a release runs in this repository
${services.join('\n')}

# How the suite opens and merges promotion pull requests.
pull-requests:
  # merge-method: merge | squash | rebase (the method must be allowed in the repository settings)
  merge-method: squash
`;
}

function codeowners(o: ScaffoldOptions): string {
  const [first, ...reviewed] = o.environments;
  const overlayLines = reviewed.map((env) => `/overlays/${env}/ ${o.approvers[env]!.join(' ')}`);
  const owners = o.owners.join(' ');
  const placeholder = o.placeholders
    ? `#
# Generated placeholders: replace the owners that do not exist in your organization (see
# \`npm run init -- --help\`: --owners, --approvers).`
    : '';
  return `# Who must approve a change to main. GitHub reads this file from the base branch of each pull
# request (main), so an edit here takes effect only after it is merged.
#
# main is protected with required approvals at 0 plus "Require review from Code Owners" (the suite's
# docs/setup.md; its \`npm run setup-repo\` applies it): a pull request needs an approval only when it
# touches a path owned below. That is what lets the suite merge ${first} promotions by itself while
# the other environments wait for their owners. So: no catch-all "*" line, and no line for
# /overlays/${first}/.
#
# Each team needs write access to the repository, or GitHub ignores it as an owner. Keep the overlay
# owners in step with the reviewers in .github/promotion.yaml. The last matching line wins.${placeholder ? `\n${placeholder}` : ''}
${
  overlayLines.length
    ? `
# Promotion pull requests into ${reviewed.join(', ').replace(/, ([^,]*)$/, ' and $1')} need an approval from that environment's owners.
${overlayLines.join('\n')}
`
    : ''
}
# The shared manifests every environment renders: a change there reaches every environment.
/base/ ${owners}

# The caller workflows, the promotion config (which also says who may release and promote by hand)
# and this file: nobody changes the rules without review.
/.github/ ${owners}
/.github/CODEOWNERS ${owners}
`;
}

function baseFiles(o: ScaffoldOptions): [string, string][] {
  const files: [string, string][] = [
    [
      'base/kustomization.yaml',
      `# The shared base: one folder per service. Overlays (overlays/<env>/) include this folder and add
# the namespace, the environment label and each service's image tag. To add a service, add its
# folder here and list it under services: in .github/promotion.yaml.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
${o.services.map((s) => `  - ${s}`).join('\n')}
`,
    ],
  ];
  for (const name of o.services) {
    const label = `app.kubernetes.io/name: ${name}`;
    files.push(
      [
        `base/${name}/kustomization.yaml`,
        `# Base for the ${name} service: the manifests every environment shares. Environment differences
# (namespace, image tag, replicas) belong in overlays/<env>/, never here.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
`,
      ],
      [
        `base/${name}/deployment.yaml`,
        `# ${name}: a starting Deployment (HTTP on 8080); adapt the probes, resources and environment.
# The image has no tag on purpose: each overlay pins it through its images: list.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    ${label}
spec:
  replicas: 1
  selector:
    matchLabels:
      ${label}
  template:
    metadata:
      labels:
        ${label}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: ${name}
          image: ${o.imagePrefix}/${name}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              memory: 256Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
`,
      ],
      [
        `base/${name}/service.yaml`,
        `# ${name}: in-cluster endpoint; other services call http://${name} on port 80.
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
    ${label}
spec:
  type: ClusterIP
  selector:
    ${label}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
`,
      ],
    );
  }
  return files;
}

function overlayFiles(o: ScaffoldOptions): [string, string][] {
  return o.environments.flatMap((env, index): [string, string][] => {
    const role =
      index === 0
        ? 'First in the chain: a release merges its PR here without review and deploys at once.'
        : `Promoted from ${o.environments[index - 1]}: each PR copies the version ${o.environments[index - 1]} runs and needs an approval.`;
    const images = o.services
      .map(
        (name) => `  # ${name}: set by the promotion suite; do not edit by hand on main
  - name: ${o.imagePrefix}/${name}
    newTag: ${o.initialVersion}`,
      )
      .join('\n');
    return [
      [
        `overlays/${env}/kustomization.yaml`,
        `# ${env} overlay: the services as they run in the ${env} environment.
# ${role}
# Render locally with: kubectl kustomize overlays/${env}
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization

# Every resource below is placed in this namespace (namespace.yaml creates it).
namespace: ${env}

resources:
  - ../../base
  - namespace.yaml

# Added to every resource and pod template, but not to selectors: selectors are
# immutable, so changing them here would break rollouts of existing Deployments.
labels:
  - pairs:
      environment: ${env}
    includeSelectors: false
    includeTemplates: true

# Image tags per service. The promotion suite rewrites one entry per promotion PR
# (newTag, plus digest when it is known) and leaves the rest of this file untouched.
# ${o.initialVersion} is a placeholder until the service's first release reaches ${env}.
images:
${images}
`,
      ],
      [
        `overlays/${env}/namespace.yaml`,
        `# The namespace this environment deploys into; must match namespace: in kustomization.yaml.
apiVersion: v1
kind: Namespace
metadata:
  name: ${env}
  labels:
    environment: ${env}
`,
      ],
    ];
  });
}

/** Every file of a new GitOps repository, by path relative to its root (forward slashes), sorted. */
const REPOSITORY = new RegExp(`^${LOGIN}/[A-Za-z0-9_.-]{1,100}$`);

/**
 * What a service repository keeps (`--gitops-repository`): one caller of the suite's
 * service-release that releases the service into that GitOps repository. Options a GitOps
 * repository takes are refused here, so that nothing given is silently ignored.
 */
export function serviceScaffoldFiles(input: ScaffoldInput): ReadonlyMap<string, string> {
  const gitops = input.gitopsRepository ?? '';
  if (!REPOSITORY.test(gitops) || gitops.includes('..')) {
    throw new InputError('--gitops-repository', `'${gitops}' is not OWNER/REPO, for example acme/gitops`);
  }
  if (input.suite === undefined) {
    throw new InputError('--suite', 'is required: OWNER/REPO@REF, for example acme/gitops-promotion@v1');
  }
  const suite = parseSuiteRef('--suite', input.suite);
  const services = input.services === undefined ? [] : nameList('--services', input.services);
  if (services.length !== 1) {
    throw new InputError('--services', 'names the one service this repository releases (e.g. orders)');
  }
  const extra = (
    ['environments', 'imagePrefix', 'org', 'owners', 'approvers', 'initialVersion'] as const
  ).find((key) => input[key] !== undefined);
  if (extra) {
    throw new InputError(
      `--${extra.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      "is for a GitOps repository; with --gitops-repository init writes only the service's caller",
    );
  }
  return new Map([['.github/workflows/release.yaml', serviceRepositoryCaller(suite, services[0]!, gitops)]]);
}

export function scaffoldFiles(options: ScaffoldOptions): ReadonlyMap<string, string> {
  const entries: [string, string][] = [
    ...callerFiles(options.suite),
    [DEFAULT_CONFIG_PATH, promotionConfig(options)],
    ['.github/CODEOWNERS', codeowners(options)],
    ...baseFiles(options),
    ...overlayFiles(options),
  ];
  return new Map(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
