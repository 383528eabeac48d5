// `kubectl get` without `-o` asks the server for a Table (Accept: application/json;as=Table;
// v=v1;g=meta.k8s.io) and prints its cells: the columns are the API server's own printers'
// (https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables),
// e.g. NAME READY UP-TO-DATE AVAILABLE AGE for Deployments. Ages are written as kubectl's
// HumanDuration writes them.
import type { ResourceType } from './discovery.js';
import { isObject, type Obj } from './fields.js';
import { metadataOf } from './store.js';

type Cell = string | number;
interface Column {
  name: string;
  type: 'string' | 'integer';
  priority?: number;
  cell: (object: Obj) => Cell;
}

const spec = (object: Obj): Obj => (isObject(object['spec']) ? object['spec'] : {});
const status = (object: Obj): Obj => (isObject(object['status']) ? object['status'] : {});
const count = (value: unknown): number => (typeof value === 'number' ? value : 0);
const containers = (object: Obj): Obj[] => {
  const template = spec(object)['template'];
  const pod = isObject(template) && isObject(template['spec']) ? template['spec'] : {};
  return Array.isArray(pod['containers']) ? (pod['containers'] as unknown[]).filter(isObject) : [];
};
const selector = (value: unknown): string =>
  Object.entries(isObject(value) ? value : {})
    .map(([key, inner]) => `${key}=${String(inner)}`)
    .join(',') || '<none>';
const dataCount = (object: Obj): number =>
  Object.keys(isObject(object['data']) ? object['data'] : {}).length +
  Object.keys(isObject(object['binaryData']) ? object['binaryData'] : {}).length;

const COLUMNS: Record<string, Column[]> = {
  Deployment: [
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => `${count(status(o)['readyReplicas'])}/${count(spec(o)['replicas'])}`,
    },
    { name: 'Up-to-date', type: 'integer', cell: (o) => count(status(o)['updatedReplicas']) },
    { name: 'Available', type: 'integer', cell: (o) => count(status(o)['availableReplicas']) },
    {
      name: 'Containers',
      type: 'string',
      priority: 1,
      cell: (o) =>
        containers(o)
          .map((c) => c['name'])
          .join(','),
    },
    {
      name: 'Images',
      type: 'string',
      priority: 1,
      cell: (o) =>
        containers(o)
          .map((c) => c['image'])
          .join(','),
    },
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      cell: (o) => selector((spec(o)['selector'] as Obj | undefined)?.['matchLabels']),
    },
  ],
  Service: [
    { name: 'Type', type: 'string', cell: (o) => String(spec(o)['type'] ?? '') },
    { name: 'Cluster-IP', type: 'string', cell: (o) => String(spec(o)['clusterIP'] ?? '<none>') },
    { name: 'External-IP', type: 'string', cell: () => '<none>' },
    {
      name: 'Port(s)',
      type: 'string',
      cell: (o) =>
        ((spec(o)['ports'] as Obj[] | undefined) ?? [])
          .map((port) => `${String(port['port'])}/${String(port['protocol'] ?? 'TCP')}`)
          .join(',') || '<none>',
    },
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => selector(spec(o)['selector']) },
  ],
  Namespace: [{ name: 'Status', type: 'string', cell: (o) => String(status(o)['phase'] ?? '') }],
  ConfigMap: [{ name: 'Data', type: 'integer', cell: dataCount }],
  Secret: [
    { name: 'Type', type: 'string', cell: (o) => String(o['type'] ?? 'Opaque') },
    { name: 'Data', type: 'integer', cell: dataCount },
  ],
  ServiceAccount: [
    { name: 'Secrets', type: 'integer', cell: (o) => (o['secrets'] as unknown[] | undefined)?.length ?? 0 },
  ],
};

/** Whether the request's Accept header asks for a Table. */
export const wantsTable = (accept: string | undefined): boolean =>
  /as=Table/.test(accept ?? '') && /g=meta\.k8s\.io/.test(accept ?? '');

export function table(type: ResourceType, objects: Obj[], resourceVersion: string): Obj {
  const columns = COLUMNS[type.kind] ?? [];
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the object.', priority: 0 },
      ...columns
        .filter((column) => !column.priority)
        .map((column) => ({
          name: column.name,
          type: column.type,
          format: '',
          description: '',
          priority: 0,
        })),
      { name: 'Age', type: 'string', format: '', description: 'Time since creation.', priority: 0 },
      ...columns
        .filter((column) => column.priority)
        .map((column) => ({
          name: column.name,
          type: column.type,
          format: '',
          description: '',
          priority: 1,
        })),
    ],
    rows: objects.map((object) => {
      const metadata = metadataOf(object);
      const created = Date.parse(String(metadata['creationTimestamp']));
      return {
        cells: [
          String(metadata['name']),
          ...columns.filter((column) => !column.priority).map((column) => column.cell(object)),
          humanDuration(now - created),
          ...columns.filter((column) => column.priority).map((column) => column.cell(object)),
        ],
        object: {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: { ...metadata, managedFields: undefined },
        },
      };
    }),
  };
}

/** 42s, 5m3s, 17m, 3h5m, 20h, 4d: kubectl's HumanDuration. */
function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
