// What kubectl reads before it touches an object: the version (`/version`), the API groups and
// their resources (`/api`, `/api/v1`, `/apis`, `/apis/apps/v1`) and the OpenAPI documents
// (`/openapi/v3` and one per group version; `/openapi/v2` in JSON). It follows
// https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api and
// https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-interface-definition.
//
// The stand-in answers discovery unaggregated, as an API server before 1.26 (or with
// AggregatedDiscoveryEndpoint off) does: kubectl asks for the aggregated form first and, when the
// answer is a plain APIGroupList, reads each group version's resource list instead. Each PATCH
// operation in the OpenAPI v3 documents lists `fieldValidation`, as a real server's do: kubectl reads
// that to leave validation to the server (it then sends fieldValidation=Strict with the apply).
import { createHash } from 'node:crypto';
import { reachable, type Schema } from './schemas.js';

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** The plural, the resource's name in URLs. */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** The OpenAPI definition of the kind. */
  definition: string;
  /** `status` when the kind has the status subresource. */
  subresources: string[];
  /** `all` for the kinds `kubectl get all` lists. */
  categories?: string[];
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCE_TYPES: ResourceType[] = [
  core('Namespace', 'namespaces', false, ['ns'], ['status']),
  core('ConfigMap', 'configmaps', true, ['cm']),
  core('Secret', 'secrets', true, []),
  { ...core('Service', 'services', true, ['svc'], ['status']), categories: ['all'] },
  core('ServiceAccount', 'serviceaccounts', true, ['sa']),
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    namespaced: true,
    shortNames: ['deploy'],
    definition: 'io.k8s.api.apps.v1.Deployment',
    subresources: ['status'],
    categories: ['all'],
  },
];

function core(
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[],
  subresources: string[] = [],
): ResourceType {
  return {
    group: '',
    version: 'v1',
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    definition: `io.k8s.api.core.v1.${kind}`,
    subresources,
  };
}

/** The version the stand-in reports: the API server of the kubectl it is tested with. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export const groupVersion = (type: Pick<ResourceType, 'group' | 'version'>): string =>
  type.group ? `${type.group}/${type.version}` : type.version;

/** The resource type of an `apiVersion` and `kind`, as a manifest names it. */
export function typeOfKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((type) => groupVersion(type) === apiVersion && type.kind === kind);
}

const GROUPS = [...new Set(RESOURCE_TYPES.filter((t) => t.group).map((t) => t.group))];

/** The discovery answer for a path, or undefined when the path is not a discovery path. */
export function discovery(path: string): unknown {
  if (path === '/version') return SERVER_VERSION;
  if (path === '/api')
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
    };
  if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(apiGroup) };
  const group = /^\/apis\/([^/]+)$/.exec(path)?.[1];
  if (group && GROUPS.includes(group)) return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
  const version = /^\/api\/(v1)$|^\/apis\/([^/]+\/[^/]+)$/.exec(path);
  if (version) {
    const name = version[1] ?? version[2]!;
    const types = RESOURCE_TYPES.filter((type) => groupVersion(type) === name);
    if (types.length > 0) return resourceList(name, types);
  }
  return undefined;
}

function apiGroup(name: string) {
  const preferred = { groupVersion: `${name}/v1`, version: 'v1' };
  return { name, versions: [preferred], preferredVersion: preferred };
}

function resourceList(name: string, types: ResourceType[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: name,
    resources: types.flatMap((type) => [
      {
        name: type.plural,
        singularName: type.singular,
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: VERBS,
        ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
        ...(type.categories ? { categories: type.categories } : {}),
        storageVersionHash: Buffer.from(`${name}/${type.kind}`).toString('base64').slice(0, 11),
      },
      ...type.subresources.map((sub) => ({
        name: `${type.plural}/${sub}`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['get', 'patch', 'update'],
      })),
    ]),
  };
}

/** `api/v1`, `apis/apps/v1`: the OpenAPI v3 paths, one per group version. */
const V3_PATHS = [
  ...new Set(RESOURCE_TYPES.map((type) => (type.group ? `apis/${groupVersion(type)}` : 'api/v1'))),
];

/** A stable hash per document, as the server publishes in `/openapi/v3` for clients to cache by. */
const hashOf = (path: string): string =>
  createHash('sha512')
    .update(JSON.stringify(v3Document(path)))
    .digest('hex')
    .toUpperCase();

/** The OpenAPI answer for a path (v3 root, a v3 group version, v2), or undefined. */
export function openapi(path: string): unknown {
  if (path === '/openapi/v3')
    return {
      paths: Object.fromEntries(
        V3_PATHS.map((p) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(p)}` }]),
      ),
    };
  const v3 = /^\/openapi\/v3\/(.+)$/.exec(path)?.[1];
  if (v3 && V3_PATHS.includes(v3)) return v3Document(v3);
  if (path === '/openapi/v2') return v2Document();
  return undefined;
}

const queryParameter = (name: string, description: string): Schema => ({
  name,
  in: 'query',
  description,
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
});

const PATCH_PARAMETERS = [
  queryParameter('dryRun', 'When present, indicates that modifications should not be persisted.'),
  queryParameter('fieldManager', 'The name of the actor or entity making these changes.'),
  queryParameter('fieldValidation', 'Ignore, Warn or Strict: what to do with unknown or duplicate fields.'),
  queryParameter('force', 'Force is going to "force" Apply requests.'),
];

function operations(type: ResourceType, prefix: string): Record<string, Schema> {
  const gvk = { group: type.group, version: type.version, kind: type.kind };
  const content = (schema: Schema) => ({
    content: { 'application/json': { schema }, 'application/yaml': { schema } },
  });
  const one = { $ref: `#/components/schemas/${type.definition}` };
  const op = (verb: string, action: string, extra: Schema = {}): Schema => ({
    operationId: `${verb}${type.namespaced ? 'Namespaced' : ''}${type.kind}`,
    responses: { '200': { description: 'OK', ...content(one) } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  const namespace = type.namespaced ? '/namespaces/{namespace}' : '';
  const collection = `/${prefix}${namespace}/${type.plural}`;
  return {
    [collection]: { get: op('list', 'list'), post: op('create', 'post') },
    [`${collection}/{name}`]: {
      get: op('read', 'get'),
      put: op('replace', 'put'),
      delete: op('delete', 'delete'),
      patch: op('patch', 'patch', {
        parameters: PATCH_PARAMETERS,
        requestBody: {
          content: Object.fromEntries(
            [
              'application/apply-patch+yaml',
              'application/json-patch+json',
              'application/merge-patch+json',
              'application/strategic-merge-patch+json',
            ].map((mime) => [mime, { schema: { type: 'object' } }]),
          ),
          required: true,
        },
      }),
    },
  };
}

function v3Document(path: string): Schema {
  const types = RESOURCE_TYPES.filter((type) =>
    type.group ? path === `apis/${groupVersion(type)}` : path === 'api/v1',
  );
  const schemas = reachable(types.map((type) => type.definition));
  for (const type of types) {
    const name = type.definition;
    schemas[name] = {
      ...schemas[name],
      'x-kubernetes-group-version-kind': [{ group: type.group, version: type.version, kind: type.kind }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths: Object.assign({}, ...types.map((type) => operations(type, path))),
    components: { schemas },
  };
}

function v2Document(): Schema {
  const definitions = reachable(RESOURCE_TYPES.map((type) => type.definition));
  // Version 2 names its definitions under `#/definitions/`; the schemas are the same otherwise.
  const text = JSON.stringify(definitions).replaceAll('#/components/schemas/', '#/definitions/');
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths: {},
    definitions: JSON.parse(text) as Schema,
  };
}
