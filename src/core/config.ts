import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { InputError, UserError } from './errors.js';
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
}

export interface Service {
  name: string;
  /** Repository the release pushes to, without tag or digest. */
  image: string;
  /** `images[].name` in the kustomizations: the image as the base manifests name it. */
  kustomizeImage: string;
  /** Build context for the release, relative to the repository root. */
  context: string;
}

export interface PromotionConfig {
  file: string;
  environments: Environment[];
  services: Service[];
  mergeMethod: MergeMethod;
  labels: string[];
  /** Who may run service-release; undefined: no restriction. */
  release: { allowed?: AccessList };
}

/** The place of a node in the file, for errors that point at the line. */
type Locate = (node: Node | null | undefined) => { line: number; column: number };

class ConfigReader {
  constructor(
    readonly file: string,
    private readonly locate: Locate,
  ) {}

  fail(node: Node | null | undefined, message: string): never {
    throw new UserError(message, { file: this.file, ...this.locate(node) });
  }

  map(node: Node | null | undefined, key: string): YAMLMap {
    if (!isMap(node)) this.fail(node, `'${key}' must be a mapping`);
    return node;
  }

  /** Refuses keys the schema does not know: a typo must not be silently ignored. */
  onlyKeys(map: YAMLMap, where: string, allowed: readonly string[]): void {
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!allowed.includes(key)) {
        this.fail(pair.key as Node, `unknown key '${key}' in ${where}; allowed: ${allowed.join(', ')}`);
      }
    }
  }

  string(map: YAMLMap, key: string, where: string, required: true): string;
  string(map: YAMLMap, key: string, where: string, required: false): string | undefined;
  string(map: YAMLMap, key: string, where: string, required: boolean): string | undefined {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined || (isScalar(node) && node.value === null)) {
      if (required) this.fail(map, `'${key}' is required in ${where}`);
      return undefined;
    }
    if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') {
      this.fail(node, `'${key}' in ${where} must be a non-empty string`);
    }
    return node.value;
  }

  boolean(map: YAMLMap, key: string, where: string): boolean {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined) return false;
    if (!isScalar(node) || typeof node.value !== 'boolean')
      this.fail(node, `'${key}' in ${where} must be true or false`);
    return node.value;
  }

  strings(map: YAMLMap, key: string, where: string): string[] {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined) return [];
    if (!isSeq(node)) this.fail(node, `'${key}' in ${where} must be a list of strings`);
    return node.items.map((item) => {
      if (!isScalar(item) || typeof item.value !== 'string' || item.value === '') {
        this.fail(item as Node, `'${key}' in ${where} must be a list of non-empty strings`);
      }
      return item.value;
    });
  }

  /**
   * `users` and/or `teams` of an access list. Strict: a typo here would lock people out or, worse,
   * read as "no restriction", so a malformed entry is an error, never skipped.
   */
  accessList(map: YAMLMap, key: string, where: string): AccessList | undefined {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined) return undefined;
    const list = this.map(node, key);
    const whose = `'${key}' of ${where}`;
    this.onlyKeys(list, whose, ['users', 'teams']);
    const users = this.strings(list, 'users', whose);
    const teams = this.strings(list, 'teams', whose);
    const items = (name: string): Node[] => {
      const seq = list.get(name, true) as Node | undefined;
      return isSeq(seq) ? (seq.items as Node[]) : [];
    };
    users.forEach((login, i) => {
      if (!GITHUB_LOGIN.test(login)) {
        this.fail(
          items('users')[i],
          `'${login}' in the users of ${whose} is not a GitHub login: letters, digits and single hyphens, at most 39 characters, no '@' (an App as 'name[bot]')`,
        );
      }
    });
    teams.forEach((slug, i) => {
      if (!TEAM_SLUG.test(slug)) {
        this.fail(
          items('teams')[i],
          `'${slug}' in the teams of ${whose} is not a team slug: lowercase letters, digits, '-' and '_', without '@org/' (teams are read from the organization that owns the repository)`,
        );
      }
    });
    if (users.length + teams.length === 0) {
      this.fail(
        node,
        `${whose} lists nobody: name users and/or teams, or remove '${key}' for no restriction`,
      );
    }
    return { users, teams };
  }

  name(map: YAMLMap, where: string, seen: Set<string>): string {
    const name = this.string(map, 'name', where, true);
    const node = map.get('name', true) as Node;
    if (!isValidName(name)) this.fail(node, `${where} name '${name}' is not valid: use ${NAME_RULE}`);
    if (seen.has(name)) this.fail(node, `${where} '${name}' is defined twice`);
    seen.add(name);
    return name;
  }

  relativePath(map: YAMLMap, key: string, where: string, fallback: string): string {
    const value = this.string(map, key, where, false) ?? fallback;
    const path = value.replace(/\/+$/, '');
    const node = (map.get(key, true) as Node | undefined) ?? map;
    if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) {
      this.fail(node, `'${key}' in ${where} must be a relative path inside the repository, got '${value}'`);
    }
    return path;
  }
}

/** GitHub's login rule, plus the `[bot]` suffix an App acts under. */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(\[bot\])?$/;
const TEAM_SLUG = /^[a-z0-9][a-z0-9_-]*$/;

const IMAGE_REFERENCE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** Parses and validates `.github/promotion.yaml`. Every error names the file, line and key. */
export function parseConfig(text: string, file = DEFAULT_CONFIG_PATH): PromotionConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locate: Locate = (node) => {
    const offset = node?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = lineCounter.linePos(firstError.pos[0]);
    throw new UserError(`not valid YAML: ${firstError.message.split('\n')[0]}`, {
      file,
      line: pos.line,
      column: pos.col,
    });
  }
  const reader: ConfigReader = new ConfigReader(file, locate);
  const root = doc.contents as Node | null;
  if (!isMap(root)) reader.fail(root, 'the file must be a mapping with environments and services');
  reader.onlyKeys(root, 'the top level', ['version', 'release', 'environments', 'services', 'pull-requests']);

  const versionNode = root.get('version', true) as Node | undefined;
  if (versionNode !== undefined && !(isScalar(versionNode) && versionNode.value === 1)) {
    reader.fail(versionNode, "'version' must be 1, the only schema version this suite reads");
  }

  let release: PromotionConfig['release'] = {};
  const releaseNode = root.get('release', true) as Node | undefined;
  if (releaseNode !== undefined) {
    const releaseMap = reader.map(releaseNode, 'release');
    reader.onlyKeys(releaseMap, "'release'", ['allowed']);
    const allowed = reader.accessList(releaseMap, 'allowed', "'release'");
    if (allowed) release = { allowed };
  }

  const environmentsNode = root.get('environments', true) as Node | undefined;
  if (!isSeq(environmentsNode) || environmentsNode.items.length === 0) {
    reader.fail(
      environmentsNode ?? root,
      "'environments' must be a non-empty list: the promotion chain, in order",
    );
  }
  const envNames = new Set<string>();
  const environments = environmentsNode.items.map((item): Environment => {
    const map = reader.map(item as Node, 'environments[]');
    reader.onlyKeys(map, 'an environment', [
      'name',
      'overlay',
      'merge-without-review',
      'reviewers',
      'labels',
      'promoters',
    ]);
    const name = reader.name(map, 'environment', envNames);
    const where = `environment '${name}'`;
    const reviewersNode = map.get('reviewers', true) as Node | undefined;
    let reviewers: Reviewers = { users: [], teams: [] };
    if (reviewersNode !== undefined) {
      const reviewersMap = reader.map(reviewersNode, 'reviewers');
      reader.onlyKeys(reviewersMap, `the reviewers of ${where}`, ['users', 'teams']);
      reviewers = {
        users: reader.strings(reviewersMap, 'users', `the reviewers of ${where}`),
        teams: reader.strings(reviewersMap, 'teams', `the reviewers of ${where}`),
      };
    }
    const promoters = reader.accessList(map, 'promoters', where);
    return {
      name,
      overlay: reader.relativePath(map, 'overlay', where, `overlays/${name}`),
      mergeWithoutReview: reader.boolean(map, 'merge-without-review', where),
      reviewers,
      labels: reader.strings(map, 'labels', where),
      ...(promoters ? { promoters } : {}),
    };
  });

  const servicesNode = root.get('services', true) as Node | undefined;
  if (!isSeq(servicesNode) || servicesNode.items.length === 0) {
    reader.fail(servicesNode ?? root, "'services' must be a non-empty list");
  }
  const serviceNames = new Set<string>();
  const services = servicesNode.items.map((item): Service => {
    const map = reader.map(item as Node, 'services[]');
    reader.onlyKeys(map, 'a service', ['name', 'image', 'kustomize-image', 'context']);
    const name = reader.name(map, 'service', serviceNames);
    const where = `service '${name}'`;
    const image = reader.string(map, 'image', where, true);
    if (!IMAGE_REFERENCE.test(image)) {
      reader.fail(
        map.get('image', true) as Node,
        `'image' in ${where} must be an image repository without tag or digest (for example ghcr.io/acme/${name}), got '${image}'`,
      );
    }
    return {
      name,
      image,
      kustomizeImage: reader.string(map, 'kustomize-image', where, false) ?? image,
      context: reader.relativePath(map, 'context', where, `services/${name}`),
    };
  });

  let mergeMethod: MergeMethod = 'squash';
  let labels: string[] = [];
  const prNode = root.get('pull-requests', true) as Node | undefined;
  if (prNode !== undefined) {
    const prMap = reader.map(prNode, 'pull-requests');
    reader.onlyKeys(prMap, "'pull-requests'", ['merge-method', 'labels']);
    const method = reader.string(prMap, 'merge-method', "'pull-requests'", false);
    if (method !== undefined) {
      if (!MERGE_METHODS.includes(method as MergeMethod)) {
        reader.fail(
          prMap.get('merge-method', true) as Node,
          `'merge-method' must be one of ${MERGE_METHODS.join(', ')}`,
        );
      }
      mergeMethod = method as MergeMethod;
    }
    labels = reader.strings(prMap, 'labels', "'pull-requests'");
  }

  return { file, environments, services, mergeMethod, labels, release };
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
    `'${name}' is not an environment of ${config.file}; allowed: ${config.environments.map((e) => e.name).join(', ')}`,
  );
}

/** The service an input names, or an InputError that lists the allowed ones. */
export function requireService(config: PromotionConfig, input: string, name: string): Service {
  const service = findService(config, name);
  if (service) return service;
  throw new InputError(
    input,
    `'${name}' is not a service of ${config.file}; allowed: ${config.services.map((s) => s.name).join(', ')}`,
  );
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
