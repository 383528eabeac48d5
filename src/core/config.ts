import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { InputError, UserError, quoted, type SourceLocation } from './errors.js';
import { NAME_RULE, isValidName } from './names.js';

export const DEFAULT_CONFIG_PATH = '.github/promotion.yaml';

export type MergeMethod = 'merge' | 'squash' | 'rebase';
const MERGE_METHODS: readonly MergeMethod[] = ['merge', 'squash', 'rebase'];

export interface Reviewers {
  users: string[];
  teams: string[];
}

/** People allowed to do something: GitHub logins, and slugs of teams of the repository owner's organization. */
export interface AccessList {
  users: string[];
  teams: string[];
}

export interface Environment {
  name: string;
  /** Folder of the overlay, relative to the repository root, no trailing slash. */
  overlay: string;
  mergeWithoutReview: boolean;
  reviewers: Reviewers;
  labels: string[];
  /** Who may dispatch overlay-update for this environment by hand; undefined: no restriction. */
  promoters?: AccessList;
  /**
   * The deploy admits only an image with a build provenance attestation made by the suite's release
   * workflow for the service's repository. Default: true for the last environment, false before it.
   */
  requireAttestation: boolean;
}

export interface Service {
  name: string;
  /** Repository the release pushes to, without tag or digest. */
  image: string;
  /** `images[].name` in the kustomizations: the image as the base manifests name it. */
  kustomizeImage: string;
  /**
   * Build context for the release, relative to the root of the repository that releases the service
   * (`.` for that root).
   */
  context: string;
  /**
   * `owner/repo` of the service repository that releases it (its source and Dockerfile live there);
   * undefined: the repository holding this config releases it (the single-repository layout).
   */
  repository?: string;
  /** Platforms the image is built for, `os/arch[/variant]` (build-push-action's `platforms`). */
  platforms: string[];
  /** Build arguments, by name (build-push-action's `build-args`). */
  buildArgs: Record<string, string>;
  /** Whether the release also attests an SBOM of the image. */
  sbom: boolean;
}

export interface PromotionConfig {
  file: string;
  environments: Environment[];
  services: Service[];
  mergeMethod: MergeMethod;
  labels: string[];
  /** Who may run service-release; undefined: no restriction. */
  release: { allowed?: AccessList };
  /** Where each environment's overlay is set (its entry when defaulted), by environment name. */
  overlayAt?: Record<string, SourceLocation>;
}

/** GitHub refuses a label name longer than this ("name is too long (maximum is 50 characters)"). */
export const MAX_LABEL_LENGTH = 50;

export const LABEL_RULE = `a GitHub label: 1 to ${MAX_LABEL_LENGTH} characters, no line break or other control character`;

export function labelProblem(label: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if ([...label].length > MAX_LABEL_LENGTH || /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(label)) {
    return `${quoted(label)} is not ${LABEL_RULE}`;
  }
  return undefined;
}

export const PATH_RULE =
  "a clean relative path inside the repository: folders of letters, digits, '.', '_' and '-' joined by single '/', no '.' or '..' folder, not starting with '/'";

/**
 * What is wrong with a path in the repository (an overlay, a build context, the config input), or
 * undefined when it is clean. One trailing '/' is allowed; the caller drops it.
 */
export function relativePathProblem(value: string): string | undefined {
  const parts = value.replace(/\/$/, '').split('/');
  const clean = parts.every((part) => /^[A-Za-z0-9._-]+$/.test(part) && part !== '.' && part !== '..');
  return clean ? undefined : `${quoted(value)} is not ${PATH_RULE}`;
}

/** How a key is named in messages and looked up: a scalar's value as text, '' for a collection. */
function keyText(key: unknown): string {
  const value = isScalar(key) ? key.value : key;
  return value !== null && typeof value === 'object' ? '' : String(value);
}

/**
 * The value of the first key with this text (yaml keeps `1` and `'1'` apart; messages cannot);
 * undefined when the key is absent or has no value (`? key`).
 */
function valueOf(map: YAMLMap, key: string): Node | undefined {
  const pair = map.items.find((item) => keyText(item.key) === key);
  return (pair?.value as Node | null | undefined) ?? undefined;
}

/** A string scalar's value; undefined for anything else. */
function stringOf(node: Node | undefined): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

/** Reads values from the document's nodes and stops at the first problem with a UserError at its node. */
class ConfigReader {
  constructor(
    private readonly file: string,
    private readonly lineCounter: LineCounter,
  ) {}

  fail(node: Node | null | undefined, message: string): never {
    const pos = this.lineCounter.linePos(node?.range?.[0] ?? 0);
    throw new UserError(message, { file: this.file, line: pos.line, column: pos.col });
  }

  map(node: Node | undefined, key: string): YAMLMap {
    if (!isMap(node)) this.fail(node, `'${key}' must be a mapping`);
    return node;
  }

  /** Refuses keys the schema does not know: a typo must not be silently ignored. */
  onlyKeys(map: YAMLMap, where: string, allowed: readonly string[]): void {
    for (const pair of map.items) {
      const key = keyText(pair.key);
      if (!allowed.includes(key)) {
        this.fail(
          pair.key as Node | null,
          `unknown key '${key}' in ${where}; allowed: ${allowed.join(', ')}`,
        );
      }
    }
  }

  string(map: YAMLMap, key: string, where: string, required: true): string;
  string(map: YAMLMap, key: string, where: string, required: false): string | undefined;
  string(map: YAMLMap, key: string, where: string, required: boolean): string | undefined {
    const node = valueOf(map, key);
    if (node === undefined || (isScalar(node) && node.value === null)) {
      if (required) this.fail(map, `'${key}' is required in ${where}`);
      return undefined;
    }
    const value = stringOf(node);
    if (value === undefined || value.trim() === '') {
      this.fail(node, `'${key}' in ${where} must be a non-empty string`);
    }
    return value;
  }

  boolean(map: YAMLMap, key: string, where: string, fallback = false): boolean {
    const node = valueOf(map, key);
    if (node === undefined) return fallback;
    if (!isScalar(node) || typeof node.value !== 'boolean') {
      this.fail(node, `'${key}' in ${where} must be true or false`);
    }
    return node.value;
  }

  strings(map: YAMLMap, key: string, where: string): string[] {
    const node = valueOf(map, key);
    if (node === undefined) return [];
    if (!isSeq(node)) this.fail(node, `'${key}' in ${where} must be a list of strings`);
    return node.items.map((item) => {
      const value = stringOf(item as Node);
      if (!value) this.fail(item as Node, `'${key}' in ${where} must be a list of non-empty strings`);
      return value;
    });
  }

  /** A list of label names, each one GitHub takes. */
  labels(map: YAMLMap, key: string, where: string): string[] {
    const labels = this.strings(map, key, where);
    labels.forEach((label, i) => {
      const problem = labelProblem(label);
      if (problem)
        this.fail((valueOf(map, key) as YAMLSeq).items[i] as Node, `'${key}' in ${where}: ${problem}`);
    });
    return labels;
  }

  /** `users` (GitHub logins) and `teams` (slugs) of a list of people; either may be absent. */
  people(list: YAMLMap, whose: string): AccessList {
    const users = this.strings(list, 'users', whose);
    const teams = this.strings(list, 'teams', whose);
    // Both are lists now: strings() refused anything else.
    const item = (name: string, index: number) => (valueOf(list, name) as YAMLSeq).items[index] as Node;
    users.forEach((login, i) => {
      if (!GITHUB_LOGIN.test(login)) {
        this.fail(
          item('users', i),
          `${quoted(login)} in the users of ${whose} is not a GitHub login: letters, digits and single hyphens, at most 39 characters, no '@' (an App as 'name[bot]')`,
        );
      }
    });
    teams.forEach((slug, i) => {
      if (!TEAM_SLUG.test(slug)) {
        this.fail(
          item('teams', i),
          `${quoted(slug)} in the teams of ${whose} is not a team slug: lowercase letters, digits, '-' and '_', without '@org/' (teams are read from the organization that owns the repository)`,
        );
      }
    });
    return { users, teams };
  }

  /**
   * `users` and/or `teams` of an access list. Strict: a typo here would lock people out or, worse,
   * read as "no restriction", so a malformed entry is an error, never skipped.
   */
  accessList(map: YAMLMap, key: string, where: string): AccessList | undefined {
    const node = valueOf(map, key);
    if (node === undefined) return undefined;
    const list = this.map(node, key);
    const whose = `'${key}' of ${where}`;
    this.onlyKeys(list, whose, ['users', 'teams']);
    const { users, teams } = this.people(list, whose);
    if (users.length + teams.length === 0) {
      this.fail(
        list,
        `${whose} lists nobody: name users and/or teams, or remove '${key}' for no restriction`,
      );
    }
    return { users, teams };
  }

  /** `platforms`: a non-empty list of distinct `os/arch[/variant]`. */
  platforms(map: YAMLMap, where: string): string[] {
    const node = valueOf(map, 'platforms');
    if (node === undefined) return [...DEFAULT_PLATFORMS];
    const platforms = this.strings(map, 'platforms', where);
    if (platforms.length === 0) {
      this.fail(
        node,
        `'platforms' in ${where} must list at least one platform, or be left out for ${DEFAULT_PLATFORMS.join(', ')}`,
      );
    }
    platforms.forEach((platform, i) => {
      const at = (node as YAMLSeq).items[i] as Node;
      if (!PLATFORM.test(platform))
        this.fail(at, `'platforms' in ${where}: ${quoted(platform)} is not ${PLATFORM_RULE}`);
      if (platforms.indexOf(platform) !== i)
        this.fail(at, `'platforms' in ${where} lists ${quoted(platform)} twice`);
    });
    return platforms;
  }

  /** `build-args`: a mapping of identifier to a one-line string. */
  buildArgs(map: YAMLMap, where: string): Record<string, string> {
    const node = valueOf(map, 'build-args');
    if (node === undefined) return {};
    const args = this.map(node, 'build-args');
    const result: Record<string, string> = {};
    for (const pair of args.items) {
      const name = keyText(pair.key);
      if (!BUILD_ARG_NAME.test(name)) {
        this.fail(
          pair.key as Node | null,
          `'build-args' in ${where}: ${quoted(name)} is not ${BUILD_ARG_RULE}`,
        );
      }
      const value = pair.value as Node | null;
      // A number or boolean would reach the build spelled as yaml reads it (1.10 as 1.1): quote it.
      if (!isScalar(value) || typeof value.value !== 'string') {
        this.fail(
          value ?? (pair.key as Node),
          `'build-args' in ${where}: the value of ${name} must be a string (quote numbers and booleans)`,
        );
      }
      // build-push-action reads build-args one per line: a line break would start another argument.
      if (/[\r\n]/.test(value.value)) {
        this.fail(value, `'build-args' in ${where}: the value of ${name} must be one line`);
      }
      result[name] = value.value;
    }
    return result;
  }

  name(map: YAMLMap, where: string, seen: Set<string>): string {
    const name = this.string(map, 'name', where, true);
    if (!isValidName(name))
      this.fail(valueOf(map, 'name'), `${where} name ${quoted(name)} is not valid: use ${NAME_RULE}`);
    if (seen.has(name)) this.fail(valueOf(map, 'name'), `${where} '${name}' is defined twice`);
    seen.add(name);
    return name;
  }

  /** Where a key's value is (the map's when the key is absent), for a message about it later. */
  locate(map: YAMLMap, key: string): SourceLocation {
    const node = valueOf(map, key) ?? map;
    const pos = this.lineCounter.linePos(node.range?.[0] ?? 0);
    return { file: this.file, line: pos.line, column: pos.col };
  }

  relativePath(map: YAMLMap, key: string, where: string, fallback: string, root = false): string {
    const value = this.string(map, key, where, false) ?? fallback;
    // `.` is the repository's root, where a service repository keeps its Dockerfile.
    const problem = root && value === '.' ? undefined : relativePathProblem(value);
    if (problem) this.fail(valueOf(map, key) ?? map, `'${key}' in ${where}: ${problem}`);
    return value.replace(/\/$/, '');
  }
}

/** GitHub's login rule, plus the `[bot]` suffix an App acts under. */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(\[bot\])?$/;
const TEAM_SLUG = /^[a-z0-9][a-z0-9_-]*$/;

/** `owner/name` as GitHub allows them. */
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9_.-]{1,100}$/;

/** What is wrong with an `owner/name` value, or undefined. */
export function repositoryProblem(value: string): string | undefined {
  return REPOSITORY.test(value)
    ? undefined
    : `${quoted(value)} is not owner/name of a repository (for example acme/gitops)`;
}

export const DEFAULT_PLATFORMS: readonly string[] = ['linux/amd64'];
/** An OCI platform as buildx takes it: `os/arch` with an optional variant (`linux/arm/v7`). */
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
const PLATFORM_RULE =
  'a platform os/arch[/variant] in lowercase (for example linux/amd64, linux/arm64, linux/arm/v7)';
/** A Dockerfile ARG name. */
const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BUILD_ARG_RULE = 'a build argument name: a letter or _, then letters, digits and _';

const IMAGE_REFERENCE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** Parses and validates `.github/promotion.yaml`. Every error names the file, line, column and key. */
export function parseConfig(text: string, file = DEFAULT_CONFIG_PATH): PromotionConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = lineCounter.linePos(firstError.pos[0]);
    throw new UserError(`not valid YAML: ${firstError.message.split('\n')[0]}`, {
      file,
      line: pos.line,
      column: pos.col,
    });
  }
  const reader: ConfigReader = new ConfigReader(file, lineCounter);
  const root = doc.contents;
  if (!isMap(root)) reader.fail(root, 'the file must be a mapping with environments and services');
  reader.onlyKeys(root, 'the top level', ['version', 'release', 'environments', 'services', 'pull-requests']);

  const version = valueOf(root, 'version');
  if (version !== undefined && !(isScalar(version) && version.value === 1)) {
    reader.fail(version, "'version' must be 1, the only schema version this suite reads");
  }

  let release: PromotionConfig['release'] = {};
  const releaseNode = valueOf(root, 'release');
  if (releaseNode !== undefined) {
    const releaseMap = reader.map(releaseNode, 'release');
    reader.onlyKeys(releaseMap, "'release'", ['allowed']);
    const allowed = reader.accessList(releaseMap, 'allowed', "'release'");
    if (allowed) release = { allowed };
  }

  const environmentsNode = valueOf(root, 'environments');
  if (!isSeq(environmentsNode) || environmentsNode.items.length === 0) {
    reader.fail(
      environmentsNode ?? root,
      "'environments' must be a non-empty list: the promotion chain, in order",
    );
  }
  const envNames = new Set<string>();
  const overlayAt: Record<string, SourceLocation> = {};
  const overlayOwner = new Map<string, string>();
  const lastEnvironment = environmentsNode.items.length - 1;
  const environments = environmentsNode.items.map((item, index): Environment => {
    const map = reader.map(item as Node, 'environments[]');
    reader.onlyKeys(map, 'an environment', [
      'name',
      'overlay',
      'merge-without-review',
      'reviewers',
      'labels',
      'promoters',
      'require-attestation',
    ]);
    const name = reader.name(map, 'environment', envNames);
    const where = `environment '${name}'`;
    const reviewersNode = valueOf(map, 'reviewers');
    let reviewers: Reviewers = { users: [], teams: [] };
    if (reviewersNode !== undefined) {
      const reviewersMap = reader.map(reviewersNode, 'reviewers');
      reader.onlyKeys(reviewersMap, `the reviewers of ${where}`, ['users', 'teams']);
      reviewers = reader.people(reviewersMap, `the reviewers of ${where}`);
    }
    const promoters = reader.accessList(map, 'promoters', where);
    const overlay = reader.relativePath(map, 'overlay', where, `overlays/${name}`);
    const owner = overlayOwner.get(overlay);
    if (owner !== undefined) {
      reader.fail(
        valueOf(map, 'overlay') ?? map,
        `${where} uses the overlay folder '${overlay}' of environment '${owner}': each environment needs its own folder`,
      );
    }
    overlayOwner.set(overlay, name);
    overlayAt[name] = reader.locate(map, 'overlay');
    return {
      name,
      overlay,
      mergeWithoutReview: reader.boolean(map, 'merge-without-review', where),
      reviewers,
      labels: reader.labels(map, 'labels', where),
      ...(promoters ? { promoters } : {}),
      requireAttestation: reader.boolean(map, 'require-attestation', where, index === lastEnvironment),
    };
  });

  const servicesNode = valueOf(root, 'services');
  if (!isSeq(servicesNode) || servicesNode.items.length === 0) {
    reader.fail(servicesNode ?? root, "'services' must be a non-empty list");
  }
  const serviceNames = new Set<string>();
  const services = servicesNode.items.map((item): Service => {
    const map = reader.map(item as Node, 'services[]');
    reader.onlyKeys(map, 'a service', [
      'name',
      'image',
      'kustomize-image',
      'context',
      'repository',
      'platforms',
      'build-args',
      'sbom',
    ]);
    const name = reader.name(map, 'service', serviceNames);
    const where = `service '${name}'`;
    const image = reader.string(map, 'image', where, true);
    if (!IMAGE_REFERENCE.test(image)) {
      reader.fail(
        valueOf(map, 'image'),
        `'image' in ${where} must be an image repository without tag or digest (for example ghcr.io/acme/${name}), got ${quoted(image)}`,
      );
    }
    const kustomizeImage = reader.string(map, 'kustomize-image', where, false) ?? image;
    if (!IMAGE_REFERENCE.test(kustomizeImage)) {
      reader.fail(
        valueOf(map, 'kustomize-image'),
        `'kustomize-image' in ${where} must be an image name as the base manifests write it, without tag or digest (for example ghcr.io/acme/${name}), got ${quoted(kustomizeImage)}`,
      );
    }
    const repository = reader.string(map, 'repository', where, false);
    if (repository !== undefined && !REPOSITORY.test(repository)) {
      reader.fail(
        valueOf(map, 'repository'),
        `'repository' in ${where} must be owner/name of the repository that releases it (for example acme/${name}), got ${quoted(repository)}`,
      );
    }
    return {
      name,
      image,
      kustomizeImage,
      context: repository
        ? reader.relativePath(map, 'context', where, '.', true)
        : reader.relativePath(map, 'context', where, `services/${name}`),
      ...(repository ? { repository } : {}),
      platforms: reader.platforms(map, where),
      buildArgs: reader.buildArgs(map, where),
      sbom: reader.boolean(map, 'sbom', where),
    };
  });

  let mergeMethod: MergeMethod = 'squash';
  let labels: string[] = [];
  const pullRequestsNode = valueOf(root, 'pull-requests');
  if (pullRequestsNode !== undefined) {
    const pullRequests = reader.map(pullRequestsNode, 'pull-requests');
    reader.onlyKeys(pullRequests, "'pull-requests'", ['merge-method', 'labels']);
    const method = reader.string(pullRequests, 'merge-method', "'pull-requests'", false);
    if (method !== undefined) {
      if (!MERGE_METHODS.includes(method as MergeMethod)) {
        reader.fail(
          valueOf(pullRequests, 'merge-method'),
          `'merge-method' must be one of ${MERGE_METHODS.join(', ')}`,
        );
      }
      mergeMethod = method as MergeMethod;
    }
    labels = reader.labels(pullRequests, 'labels', "'pull-requests'");
  }

  return { file, environments, services, mergeMethod, labels, release, overlayAt };
}

export function findEnvironment(config: PromotionConfig, name: string): Environment | undefined {
  return config.environments.find((env) => env.name === name);
}

export function findService(config: PromotionConfig, name: string): Service | undefined {
  return config.services.find((service) => service.name === name);
}

/** The environment an input names, or an InputError that lists the allowed ones. */
export function requireEnvironment(config: PromotionConfig, input: string, name: string): Environment {
  const environment = findEnvironment(config, name);
  if (environment) return environment;
  throw new InputError(
    input,
    `${quoted(name)} is not an environment of ${config.file}; allowed: ${config.environments.map((e) => e.name).join(', ')}`,
  );
}

/** The service an input names, or an InputError that lists the allowed ones. */
export function requireService(config: PromotionConfig, input: string, name: string): Service {
  const service = findService(config, name);
  if (service) return service;
  throw new InputError(
    input,
    `${quoted(name)} is not a service of ${config.file}; allowed: ${config.services.map((s) => s.name).join(', ')}`,
  );
}

/**
 * Why the repository `releasing` may not release `service` with the config read from `gitops`, or
 * undefined when it may: a service is released by the repository its `repository` names, and
 * without one by the repository holding the config. Checked before anything is built or pushed.
 */
export function releaseSourceProblem(
  config: PromotionConfig,
  service: Service,
  releasing: string,
  gitops: string,
): string | undefined {
  const expected = service.repository ?? gitops;
  if (expected.toLowerCase() === releasing.toLowerCase()) return undefined;
  const where = `${config.file} of ${gitops}`;
  return service.repository
    ? `${releasing} may not release '${service.name}': ${where} names ${service.repository} as the repository that releases it (services[].repository)`
    : `${releasing} may not release '${service.name}': ${where} names no repository for it, so only ${gitops} may; add 'repository: ${releasing}' to the service there to allow it`;
}

/** Whether any environment admits only attested images: then every release must attest its image. */
export function attestationRequired(config: PromotionConfig): boolean {
  return config.environments.some((env) => env.requireAttestation);
}

/** The environment a version comes from, or undefined for the first one in the chain. */
export function previousEnvironment(config: PromotionConfig, name: string): Environment | undefined {
  const index = config.environments.findIndex((env) => env.name === name);
  return index > 0 ? config.environments[index - 1] : undefined;
}

/** The environment a successful deploy promotes to, or undefined after the last one. */
export function nextEnvironment(config: PromotionConfig, name: string): Environment | undefined {
  const index = config.environments.findIndex((env) => env.name === name);
  return index >= 0 ? config.environments[index + 1] : undefined;
}

export function kustomizationPath(environment: Environment): string {
  return `${environment.overlay}/kustomization.yaml`;
}
