// How docker/build-push-action v7.3.0 reads its inputs (src/context.ts, and @docker/actions-toolkit
// 0.92's Util.getInputList and Build.parseSecretKvp as bundled in its dist/index.cjs), as pure
// functions for its sandbox stand-in (./build-push.ts): a list input is CSV, read by the same
// csv-parse with the same options, one item a line or a comma-separated field.
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';

export interface ListOptions {
  /** A line is one item even with commas in it (build-args, labels, secrets, cache-from/to, ...). */
  ignoreComma?: boolean;
  /** Items keep their surrounding blanks (secrets). */
  trimWhitespace?: boolean;
  /** `"` quotes a field (default); `outputs` turns quoting off. */
  quote?: boolean;
}

/** CSV records, read by csv-parse with the options Util.getInputList gives it. */
export function csvRecords(text: string, quote = true): string[][] {
  return parse(text, {
    columns: false,
    relaxQuotes: true,
    relaxColumnCount: true,
    skipEmptyLines: true,
    quote,
  });
}

/** `Util.getInputList`: the input (trimmed as core.getInput does) split into items. */
export function inputList(value: string | undefined, options: ListOptions = {}): string[] {
  const trim = options.trimWhitespace !== false;
  const input = trim ? (value ?? '').trim() : (value ?? '');
  if (input === '') return [];
  const items: string[] = [];
  for (const record of csvRecords(input, options.quote !== false)) {
    if (record.length === 1) items.push(...(options.ignoreComma ? record : record[0]!.split(',')));
    else if (options.ignoreComma) items.push(record.join(','));
    else items.push(...record);
  }
  return items.filter((item) => item).map((item) => (trim ? item.trim() : item));
}

/** `core.getBooleanInput`: YAML 1.2 core schema booleans only. */
export function booleanInput(name: string, value: string | undefined): boolean {
  const text = (value ?? '').trim();
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  throw new TypeError(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
      'Support boolean input list: `true | True | TRUE | false | False | FALSE`',
  );
}

/** A `key=value,key=value` entry (cache-from/to, attests): keys as written, values trimmed. */
export function csvAttributes(entry: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const field of csvRecords(entry)[0] ?? []) {
    const at = field.indexOf('=');
    const key = (at < 0 ? field : field.slice(0, at)).trim();
    if (key) attributes[key] = at < 0 ? '' : field.slice(at + 1).trim();
  }
  return attributes;
}

/** `Build.parseSecretKvp`: `id=value` split at the first `=`; undefined when either side is empty. */
export function secretPair(line: string): { id: string; value: string } | undefined {
  const at = line.indexOf('=');
  const id = at < 0 ? '' : line.slice(0, at);
  const value = at < 0 ? '' : line.slice(at + 1);
  return id && value ? { id, value } : undefined;
}

/** `os/arch[/variant]`, as buildx's platform parser accepts it (lower-case names). */
export const PLATFORM = /^[a-z0-9_]+\/[a-z0-9_]+(\/[a-z0-9_.]+)?$/;

/** The registry host of an image reference (`host[:port]/path[:tag]`); undefined for Docker Hub names. */
export function registryHost(reference: string): string | undefined {
  const slash = reference.indexOf('/');
  if (slash < 0) return undefined;
  const first = reference.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

/** A repository path component the distribution spec allows (`[a-z0-9]+([._-][a-z0-9]+)*`). */
const PATH_COMPONENT = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

/** A cache scope (any text in buildx) as a path component: kept when valid, else made one. */
export function scopeComponent(scope: string): string {
  if (PATH_COMPONENT.test(scope)) return scope;
  const slug = scope
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  // Two scopes that slug alike must not share a cache: a hash of the scope keeps them apart.
  const hex = createHash('sha256').update(scope).digest('hex').slice(0, 12);
  return slug ? `${slug}-${hex}` : `s-${hex}`;
}
