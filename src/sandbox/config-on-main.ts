// The promotion config on main of a sandbox repository, edited as a person would for a scenario: keys
// of one service or environment entry set with the yaml library (comments and order kept).
import { parseDocument } from 'yaml';
import { DEFAULT_CONFIG_PATH } from '../core/config.js';
import { git } from './process.js';
import type { SandboxRepository } from './workspace.js';

/** The config on main with `values` set on the entry `name` of `services` or `environments`. */
export async function configOnMainWith(
  repository: SandboxRepository,
  list: 'services' | 'environments',
  name: string,
  values: Record<string, unknown>,
): Promise<string> {
  const config = parseDocument(await git(repository.origin, 'show', `main:${DEFAULT_CONFIG_PATH}`));
  const names = (config.toJS() as Record<typeof list, { name: string }[]>)[list].map((entry) => entry.name);
  const index = names.indexOf(name);
  if (index < 0) throw new Error(`${DEFAULT_CONFIG_PATH} on main has no ${list} entry '${name}'`);
  for (const [key, value] of Object.entries(values)) config.setIn([list, index, key], value);
  return config.toString();
}
