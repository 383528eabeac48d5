import { LineCounter, parseDocument } from 'yaml';
import { InputError, UserError, type SourceLocation } from './errors.js';
import { NAME_RULE, isValidName } from './names.js';
import { nodeAt, quickYamlValue, yamlValue, type YamlMap, type YamlPath } from './yaml-values.js';

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

/** A value of the document and the keys and indexes that lead to it, for the error that points there. */
class Place {
  constructor(
    readonly value: unknown,
    private readonly parent?: Place,
    private readonly step?: string | number,
  ) {}

  /** The value under `key` of this mapping; its value is undefined when the key is absent. */
  get(key: string): Place {
    return new Place(this.value instanceof Map ? this.value.get(key) : undefined, this, key);
  }

  item(index: number): Place {
    return new Place(Array.isArray(this.value) ? this.value[index] : undefined, this, index);
  }

  get path(): YamlPath {
    return this.parent ? [...this.parent.path, this.step as string | number] : [];
  }
}

/** A problem of the config at a place in the document, located by the caller (see parseConfigWithPositions). */
class ConfigProblem extends Error {
  constructor(
    message: string,
    readonly path: YamlPath,
    /** The key at the end of `path` is the problem, not its value. */
    readonly atKey = false,
  ) {
    super(message);
  }
}

class ConfigReader {
  fail(place: Place, message: string): never {
    throw new ConfigProblem(message, place.path);
  }

  map(place: Place, key: string): YamlMap {
    if (!(place.value instanceof Map)) this.fail(place, `'${key}' must be a mapping`);
    return place.value as YamlMap;
  }

  /**
   * Refuses keys the schema does not know: a typo must not be silently ignored. `map` holds a
   * mapping, checked before.
   */
  onlyKeys(map: Place, where: string, allowed: readonly string[]): void {
    for (const key of (map.value as YamlMap).keys()) {
      if (!allowed.includes(key)) {
        throw new ConfigProblem(
          `unknown key '${key}' in ${where}; allowed: ${allowed.join(', ')}`,
          [...map.path, key],
          true,
        );
      }
    }
  }

  string(map: Place, key: string, where: string, required: true): string;
  string(map: Place, key: string, where: string, required: false): string | undefined;
  string(map: Place, key: string, where: string, required: boolean): string | undefined {
    const place = map.get(key);
    if (place.value === undefined || place.value === null) {
      if (required) this.fail(map, `'${key}' is required in ${where}`);
      return undefined;
    }
    if (typeof place.value !== 'string' || place.value.trim() === '') {
      this.fail(place, `'${key}' in ${where} must be a non-empty string`);
    }
    return place.value;
  }

  boolean(map: Place, key: string, where: string): boolean {
    const place = map.get(key);
    if (place.value === undefined) return false;
    if (typeof place.value !== 'boolean') this.fail(place, `'${key}' in ${where} must be true or false`);
    return place.value;
  }

  strings(map: Place, key: string, where: string): string[] {
    const place = map.get(key);
    if (place.value === undefined) return [];
    if (!Array.isArray(place.value)) this.fail(place, `'${key}' in ${where} must be a list of strings`);
    return place.value.map((value: unknown, index) => {
      if (typeof value !== 'string' || value === '') {
        this.fail(place.item(index), `'${key}' in ${where} must be a list of non-empty strings`);
      }
      return value;
    });
  }

  /**
   * `users` and/or `teams` of an access list. Strict: a typo here would lock people out or, worse,
   * read as "no restriction", so a malformed entry is an error, never skipped.
   */
  accessList(map: Place, key: string, where: string): AccessList | undefined {
    const list = map.get(key);
    if (list.value === undefined) return undefined;
    this.map(list, key);
    const whose = `'${key}' of ${where}`;
    this.onlyKeys(list, whose, ['users', 'teams']);
    const users = this.strings(list, 'users', whose);
    const teams = this.strings(list, 'teams', whose);
    users.forEach((login, i) => {
      if (!GITHUB_LOGIN.test(login)) {
        this.fail(
          list.get('users').item(i),
          `'${login}' in the users of ${whose} is not a GitHub login: letters, digits and single hyphens, at most 39 characters, no '@' (an App as 'name[bot]')`,
        );
      }
    });
    teams.forEach((slug, i) => {
      if (!TEAM_SLUG.test(slug)) {
        this.fail(
          list.get('teams').item(i),
          `'${slug}' in the teams of ${whose} is not a team slug: lowercase letters, digits, '-' and '_', without '@org/' (teams are read from the organization that owns the repository)`,
        );
      }
    });
    if (users.length + teams.length === 0) {
      this.fail(
        list,
        `${whose} lists nobody: name users and/or teams, or remove '${key}' for no restriction`,
      );
    }
    return { users, teams };
  }

  name(map: Place, where: string, seen: Set<string>): string {
    const name = this.string(map, 'name', where, true);
    if (!isValidName(name))
      this.fail(map.get('name'), `${where} name '${name}' is not valid: use ${NAME_RULE}`);
    if (seen.has(name)) this.fail(map.get('name'), `${where} '${name}' is defined twice`);
    seen.add(name);
    return name;
  }

  relativePath(map: Place, key: string, where: string, fallback: string): string {
    const value = this.string(map, key, where, false) ?? fallback;
    const path = value.replace(/\/+$/, '');
    if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) {
      const place = map.get(key);
      this.fail(
        place.value === undefined ? map : place,
        `'${key}' in ${where} must be a relative path inside the repository, got '${value}'`,
      );
    }
    return path;
  }
}

/** GitHub's login rule, plus the `[bot]` suffix an App acts under. */
const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(\[bot\])?$/;
const TEAM_SLUG = /^[a-z0-9][a-z0-9_-]*$/;

const IMAGE_REFERENCE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/**
 * Parses and validates `.github/promotion.yaml`. Every error names the file, line and key.
 *
 * The quick read (quickYamlValue) takes a config in the plain block style about ten times faster
 * than the yaml library, but without positions, so it only decides acceptance: a text outside its
 * subset, or one the checks refuse, is read again by {@link parseConfigWithPositions}, whose
 * result or error (with its line) is the one given.
 */
export function parseConfig(text: string, file = DEFAULT_CONFIG_PATH): PromotionConfig {
  const quick = quickYamlValue(text);
  if (quick !== undefined) {
    try {
      return readConfig(quick, file);
    } catch (error) {
      if (!(error instanceof ConfigProblem)) throw error;
    }
  }
  return parseConfigWithPositions(text, file);
}

/** {@link parseConfig} with the yaml library only: slower, and every error with its line and column. */
export function parseConfigWithPositions(text: string, file = DEFAULT_CONFIG_PATH): PromotionConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  const firstError = doc.errors[0];
  if (firstError) {
    throw new UserError(`not valid YAML: ${firstError.message.split('\n')[0]}`, at(firstError.pos[0]));
  }
  try {
    return readConfig(yamlValue(doc.contents), file);
  } catch (error) {
    if (!(error instanceof ConfigProblem)) throw error;
    const node = nodeAt(doc.contents, error.path, error.atKey);
    throw new UserError(error.message, at(node?.range?.[0] ?? 0));
  }
}

/** The config in the document's plain values (see YamlMap); a ConfigProblem where it is wrong. */
function readConfig(document: unknown, file: string): PromotionConfig {
  const reader: ConfigReader = new ConfigReader();
  const root = new Place(document);
  if (!(root.value instanceof Map))
    reader.fail(root, 'the file must be a mapping with environments and services');
  reader.onlyKeys(root, 'the top level', ['version', 'release', 'environments', 'services', 'pull-requests']);

  const version = root.get('version');
  if (version.value !== undefined && version.value !== 1) {
    reader.fail(version, "'version' must be 1, the only schema version this suite reads");
  }

  let release: PromotionConfig['release'] = {};
  const releasePlace = root.get('release');
  if (releasePlace.value !== undefined) {
    reader.map(releasePlace, 'release');
    reader.onlyKeys(releasePlace, "'release'", ['allowed']);
    const allowed = reader.accessList(releasePlace, 'allowed', "'release'");
    if (allowed) release = { allowed };
  }

  const environmentsPlace = root.get('environments');
  const environmentItems = environmentsPlace.value;
  if (!Array.isArray(environmentItems) || environmentItems.length === 0) {
    reader.fail(
      environmentsPlace.value === undefined ? root : environmentsPlace,
      "'environments' must be a non-empty list: the promotion chain, in order",
    );
  }
  const envNames = new Set<string>();
  const environments = environmentItems.map((_item: unknown, index): Environment => {
    const map = environmentsPlace.item(index);
    reader.map(map, 'environments[]');
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
    const reviewersPlace = map.get('reviewers');
    let reviewers: Reviewers = { users: [], teams: [] };
    if (reviewersPlace.value !== undefined) {
      reader.map(reviewersPlace, 'reviewers');
      reader.onlyKeys(reviewersPlace, `the reviewers of ${where}`, ['users', 'teams']);
      reviewers = {
        users: reader.strings(reviewersPlace, 'users', `the reviewers of ${where}`),
        teams: reader.strings(reviewersPlace, 'teams', `the reviewers of ${where}`),
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

  const servicesPlace = root.get('services');
  const serviceItems = servicesPlace.value;
  if (!Array.isArray(serviceItems) || serviceItems.length === 0) {
    reader.fail(
      servicesPlace.value === undefined ? root : servicesPlace,
      "'services' must be a non-empty list",
    );
  }
  const serviceNames = new Set<string>();
  const services = serviceItems.map((_item: unknown, index): Service => {
    const map = servicesPlace.item(index);
    reader.map(map, 'services[]');
    reader.onlyKeys(map, 'a service', ['name', 'image', 'kustomize-image', 'context']);
    const name = reader.name(map, 'service', serviceNames);
    const where = `service '${name}'`;
    const image = reader.string(map, 'image', where, true);
    if (!IMAGE_REFERENCE.test(image)) {
      reader.fail(
        map.get('image'),
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
  const pullRequests = root.get('pull-requests');
  if (pullRequests.value !== undefined) {
    reader.map(pullRequests, 'pull-requests');
    reader.onlyKeys(pullRequests, "'pull-requests'", ['merge-method', 'labels']);
    const method = reader.string(pullRequests, 'merge-method', "'pull-requests'", false);
    if (method !== undefined) {
      if (!MERGE_METHODS.includes(method as MergeMethod)) {
        reader.fail(
          pullRequests.get('merge-method'),
          `'merge-method' must be one of ${MERGE_METHODS.join(', ')}`,
        );
      }
      mergeMethod = method as MergeMethod;
    }
    labels = reader.strings(pullRequests, 'labels', "'pull-requests'");
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
