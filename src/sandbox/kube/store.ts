// The objects one stand-in cluster holds, with what an API server keeps beside them: a
// resourceVersion that grows with every write, the field managers of each object, and the events
// a watch replays (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
// a watch from a resourceVersion gets every change after it, ADDED for a new object, MODIFIED after.
import { groupVersion, type ResourceType } from './discovery.js';
import { toFieldsV1, type FieldSet, type Obj } from './fields.js';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: FieldSet;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
  resourceVersion: number;
  resource: ResourceType;
}

type Listener = (event: WatchEvent) => void;

const keyOf = (type: ResourceType, namespace: string | undefined, name: string): string =>
  `${type.plural}.${type.group}/${namespace ?? ''}/${name}`;

export const metadataOf = (object: Obj): Obj => (object['metadata'] ??= {}) as Obj;

export class ObjectStore {
  private readonly objects = new Map<string, { type: ResourceType; object: Obj; managers: ManagerEntry[] }>();
  private readonly history: WatchEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private revision = 1;
  /** Called after every write, e.g. by the Deployment controller. */
  onWrite: (type: ResourceType, object: Obj) => void = () => undefined;

  get resourceVersion(): number {
    return this.revision;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): Obj | undefined {
    const found = this.objects.get(keyOf(type, namespace, name));
    return found && structuredClone(found.object);
  }

  managers(type: ResourceType, namespace: string | undefined, name: string): ManagerEntry[] {
    return (this.objects.get(keyOf(type, namespace, name))?.managers ?? []).map((entry) => ({
      ...entry,
      fields: new Set(entry.fields),
    }));
  }

  /** The objects of a type, in one namespace or all, ordered by namespace and name as the server lists them. */
  list(type: ResourceType, namespace?: string): Obj[] {
    return [...this.objects.values()]
      .filter((entry) => entry.type === type)
      .map((entry) => entry.object)
      .filter((object) => namespace === undefined || metadataOf(object)['namespace'] === namespace)
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
      .map((object) => structuredClone(object));
  }

  /** Stores an object with its managers: a new resourceVersion, managedFields written from the managers. */
  put(type: ResourceType, object: Obj, managers: ManagerEntry[]): Obj {
    const metadata = metadataOf(object);
    const namespace = type.namespaced ? String(metadata['namespace']) : undefined;
    const key = keyOf(type, namespace, String(metadata['name']));
    const existed = this.objects.has(key);
    this.revision++;
    metadata['resourceVersion'] = String(this.revision);
    metadata['managedFields'] = renderManagedFields(managers);
    const stored = structuredClone(object);
    this.objects.set(key, {
      type,
      object: stored,
      managers: managers.filter((entry) => entry.fields.size > 0),
    });
    const event: WatchEvent = {
      type: existed ? 'MODIFIED' : 'ADDED',
      object: structuredClone(stored),
      resourceVersion: this.revision,
      resource: type,
    };
    this.history.push(event);
    for (const listener of this.listeners) listener(event);
    this.onWrite(type, structuredClone(stored));
    return structuredClone(stored);
  }

  /** Every event after `resourceVersion`, then each new one as it happens, until the returned stop is called. */
  watch(resourceVersion: number, listener: Listener): () => void {
    for (const event of this.history) if (event.resourceVersion > resourceVersion) listener(event);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Managers as `metadata.managedFields` shows them; one that owns nothing any more is dropped. */
export function renderManagedFields(managers: ManagerEntry[]): Obj[] {
  return managers
    .filter((entry) => entry.fields.size > 0)
    .map((entry) => ({
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      time: entry.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(entry.fields),
      ...(entry.subresource ? { subresource: entry.subresource } : {}),
    }));
}

function sortKey(object: Obj): string {
  const metadata = metadataOf(object);
  return `${String(metadata['namespace'] ?? '')}/${String(metadata['name'])}`;
}

/** The object as a response carries it: with its apiVersion and kind first. */
export function withTypeMeta(type: ResourceType, object: Obj): Obj {
  return { apiVersion: groupVersion(type), kind: type.kind, ...object };
}
