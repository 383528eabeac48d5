// Label and field selectors of list and watch requests, as
// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors and
// .../field-selectors/ define them: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`
// for labels; `metadata.name` and `metadata.namespace` with `=`, `==`, `!=` for fields (the ones
// every kind supports). Anything else is refused with 400, as the API server does.
import { badRequest } from './errors.js';
import type { Obj } from './fields.js';
import { metadataOf } from './store.js';

type Requirement = (values: Record<string, string>) => boolean;

export interface Selectors {
  labels: Requirement[];
  fields: Requirement[];
}

/** Splits at commas outside parentheses. */
const terms = (text: string): string[] =>
  text
    .split(/,(?![^(]*\))/)
    .map((term) => term.trim())
    .filter(Boolean);

function labelRequirement(term: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const [, key, operator, list] = set;
    const values = list!.split(',').map((value) => value.trim());
    return (labels) => (operator === 'in') === (labels[key!] !== undefined && values.includes(labels[key!]!));
  }
  const compare = /^([^=!]+?)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (compare) {
    const [, key, operator, value] = compare;
    return (labels) => (operator === '!=') !== (labels[key!] === value);
  }
  const exists = /^(!?)([A-Za-z0-9][-A-Za-z0-9_./]*)$/.exec(term);
  if (exists) return (labels) => (exists[1] === '!') === (labels[exists[2]!] === undefined);
  throw badRequest(`unable to parse requirement: ${JSON.stringify(term)}`);
}

function fieldRequirement(term: string): Requirement {
  const compare = /^([^=!]+?)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (!compare || !['metadata.name', 'metadata.namespace'].includes(compare[1]!))
    throw badRequest(`"${term}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
  const [, key, operator, value] = compare;
  return (fields) => (operator === '!=') !== (fields[key!] === value);
}

export function parseSelectors(query: URLSearchParams): Selectors {
  return {
    labels: terms(query.get('labelSelector') ?? '').map(labelRequirement),
    fields: terms(query.get('fieldSelector') ?? '').map(fieldRequirement),
  };
}

export function matchesSelectors(object: Obj, selectors: Selectors): boolean {
  const metadata = metadataOf(structuredClone(object));
  const labels = (metadata['labels'] ?? {}) as Record<string, string>;
  const fields = {
    'metadata.name': String(metadata['name']),
    'metadata.namespace': String(metadata['namespace'] ?? ''),
  };
  return selectors.labels.every((test) => test(labels)) && selectors.fields.every((test) => test(fields));
}
