// Field sets as server-side apply keeps them, following
// https://kubernetes.io/docs/reference/using-api/server-side-apply/ (managed fields, merge strategy):
// a manager owns the leaves it set (scalars, atomic lists and maps, empty maps) and the items of
// associative lists (`k:{"name":"orders"}`) and sets (`v:"x"`); maps merge key by key, associative
// lists item by item (by their `x-kubernetes-list-map-keys`), everything else is replaced whole.
// Paths are written as in `metadata.managedFields[].fieldsV1` (`f:spec`, `k:{...}`, `v:...`, `.`).
import { resolve, type Schema } from './schemas.js';

export type Obj = Record<string, unknown>;
/** One step of a path: `f:<field>`, `k:<key object as JSON>` or `v:<value as JSON>`. */
export type FieldPath = string[];
/** Paths as JSON text, so that a Set compares them by value. */
export type FieldSet = Set<string>;

type Shape =
  | { kind: 'map'; child: (key: string) => Schema | undefined }
  | { kind: 'associative'; keys: string[]; item: Schema | undefined }
  | { kind: 'set' }
  | { kind: 'atomic' };

const OPEN: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
export const isObject = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** How a value of this schema merges; an open schema merges maps by key and replaces lists. */
function shapeOf(schema: Schema | undefined, value: unknown): Shape {
  const s = resolve(schema) ?? OPEN;
  if (s['x-kubernetes-map-type'] === 'atomic' || s['x-kubernetes-int-or-string']) return { kind: 'atomic' };
  if (Array.isArray(value) || s['type'] === 'array') {
    if (s['x-kubernetes-list-type'] === 'map')
      return {
        kind: 'associative',
        keys: s['x-kubernetes-list-map-keys'] as string[],
        item: s['items'] as Schema | undefined,
      };
    return s['x-kubernetes-list-type'] === 'set' ? { kind: 'set' } : { kind: 'atomic' };
  }
  if (isObject(value) || s['type'] === 'object') {
    const properties = s['properties'] as Record<string, Schema> | undefined;
    const additional = s['additionalProperties'] as Schema | undefined;
    return {
      kind: 'map',
      child: (key) => properties?.[key] ?? additional ?? (properties ? undefined : OPEN),
    };
  }
  return { kind: 'atomic' };
}

/** The key step of an associative list's item: its key fields, in the schema's order. */
function itemKey(item: unknown, keys: string[]): string {
  const key: Obj = {};
  if (isObject(item)) for (const name of keys) if (item[name] !== undefined) key[name] = item[name];
  return `k:${JSON.stringify(key)}`;
}

const sameKey = (item: unknown, step: string, keys: string[]): boolean => itemKey(item, keys) === step;

/** The fields a value sets, as the manager that applied it would own them. */
export function fieldSet(value: unknown, schema: Schema | undefined, prefix: FieldPath = []): FieldSet {
  const out: FieldSet = new Set();
  const visit = (v: unknown, s: Schema | undefined, path: FieldPath): void => {
    if (v === null || v === undefined) return;
    const shape = shapeOf(s, v);
    if (shape.kind === 'map' && isObject(v)) {
      const entries = Object.entries(v).filter(([, inner]) => inner !== null && inner !== undefined);
      if (entries.length === 0 && path.length > 0) out.add(JSON.stringify(path));
      for (const [key, inner] of entries) visit(inner, shape.child(key), [...path, `f:${key}`]);
    } else if (shape.kind === 'associative' && Array.isArray(v)) {
      for (const item of v) {
        const itemPath = [...path, itemKey(item, shape.keys)];
        out.add(JSON.stringify(itemPath));
        visit(item, shape.item, itemPath);
      }
    } else if (shape.kind === 'set' && Array.isArray(v)) {
      for (const item of v) out.add(JSON.stringify([...path, `v:${JSON.stringify(item)}`]));
    } else {
      out.add(JSON.stringify(path));
    }
  };
  visit(value, schema, prefix);
  return out;
}

/** `config` laid over `live`: maps by key, associative lists by item key, the rest replaced. */
export function merge(live: unknown, config: unknown, schema: Schema | undefined): unknown {
  if (config === null || config === undefined) return live;
  const shape = shapeOf(schema, config);
  if (shape.kind === 'map' && isObject(config)) {
    const result: Obj = isObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(config)) {
      if (value === null || value === undefined) continue;
      result[key] = merge(result[key], value, shape.child(key));
    }
    return result;
  }
  if (shape.kind === 'associative' && Array.isArray(config)) {
    const result = Array.isArray(live) ? [...(live as unknown[])] : [];
    for (const item of config) {
      const step = itemKey(item, shape.keys);
      const index = result.findIndex((existing) => sameKey(existing, step, shape.keys));
      if (index >= 0) result[index] = merge(result[index], item, shape.item);
      else result.push(item);
    }
    return result;
  }
  if (shape.kind === 'set' && Array.isArray(config)) {
    const result = Array.isArray(live) ? [...(live as unknown[])] : [];
    for (const item of config)
      if (!result.some((existing) => JSON.stringify(existing) === JSON.stringify(item))) result.push(item);
    return result;
  }
  return structuredClone(config);
}

/** The value at a path, or undefined. */
export function valueAt(root: unknown, path: FieldPath, schema: Schema | undefined): unknown {
  let value = root;
  let s = schema;
  for (const step of path) {
    const shape = shapeOf(s, value);
    if (step.startsWith('f:') && shape.kind === 'map' && isObject(value)) {
      value = value[step.slice(2)];
      s = shape.child(step.slice(2));
    } else if (step.startsWith('k:') && shape.kind === 'associative' && Array.isArray(value)) {
      value = value.find((item) => sameKey(item, step, shape.keys));
      s = shape.item;
    } else if (step.startsWith('v:') && Array.isArray(value)) {
      value = value.find((item) => `v:${JSON.stringify(item)}` === step);
    } else return undefined;
    if (value === undefined) return undefined;
  }
  return value;
}

/**
 * Removes a path from `root` (in place); a map left empty by it goes too, unless someone still
 * owns the map itself (`kept`), as the API server prunes what no manager owns any more.
 */
export function removePath(root: Obj, path: FieldPath, schema: Schema | undefined, kept: FieldSet): void {
  const parents: { container: unknown; step: string; schema: Schema | undefined }[] = [];
  let value: unknown = root;
  let s = schema;
  for (const step of path) {
    parents.push({ container: value, step, schema: s });
    const shape = shapeOf(s, value);
    if (shape.kind === 'map' && isObject(value)) {
      s = shape.child(step.slice(2));
      value = value[step.slice(2)];
    } else if (shape.kind === 'associative' && Array.isArray(value)) {
      s = shape.item;
      value = value.find((item) => sameKey(item, step, shape.keys));
    } else if (Array.isArray(value)) {
      value = value.find((item) => `v:${JSON.stringify(item)}` === step);
    } else return;
    if (value === undefined) return;
  }
  for (let depth = parents.length - 1; depth >= 0; depth--) {
    const { container, step, schema: containerSchema } = parents[depth]!;
    const shape = shapeOf(containerSchema, container);
    if (isObject(container)) delete container[step.slice(2)];
    else if (Array.isArray(container)) {
      const index = container.findIndex((item) =>
        shape.kind === 'associative' ? sameKey(item, step, shape.keys) : `v:${JSON.stringify(item)}` === step,
      );
      if (index >= 0) container.splice(index, 1);
    }
    const emptied =
      depth > 0 &&
      ((isObject(container) && Object.keys(container).length === 0) ||
        (Array.isArray(container) && container.length === 0));
    if (!emptied || kept.has(JSON.stringify(path.slice(0, depth)))) return;
  }
}

/** A field set as `fieldsV1`: nested `f:`/`k:`/`v:` keys, `.` where an owned item also has children. */
export function toFieldsV1(set: FieldSet): Obj {
  const root: Obj = {};
  const paths = [...set].map((text) => JSON.parse(text) as FieldPath);
  for (const path of paths) {
    let node = root;
    for (const step of path) node = (node[step] ??= {}) as Obj;
  }
  for (const path of paths) {
    let node = root;
    for (const step of path) node = node[step] as Obj;
    if (Object.keys(node).length > 0) node['.'] = {};
  }
  return sortKeys(root) as Obj;
}

function sortKeys(value: unknown): unknown {
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** `.spec.template.spec.containers[name="orders"].image`: a path as the API server's messages print it. */
export function describePath(path: FieldPath): string {
  return path
    .map((step) => {
      if (step.startsWith('f:')) return `.${step.slice(2)}`;
      if (step.startsWith('k:')) {
        const key = JSON.parse(step.slice(2)) as Obj;
        return `[${Object.entries(key)
          .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
          .join(',')}]`;
      }
      return `[=${step.slice(2)}]`;
    })
    .join('');
}
