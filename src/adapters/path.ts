import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The first of the programs found on PATH, as an absolute path; undefined when none is. */
export async function findOnPath(programs: readonly string[]): Promise<string | undefined> {
  for (const program of programs) {
    for (const folder of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const candidate = join(folder, program);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not in this folder
      }
    }
  }
  return undefined;
}
