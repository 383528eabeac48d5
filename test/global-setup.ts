// Before any test runs: builds every action's bundle (ACTIONS) from the current source, with the build
// `npm run bundle` uses, into a folder laid out like actions/ (<name>/action.yml and <name>/dist/).
// SUITE_ACTIONS_DIR names it for the tests (suiteActionsDir() in src/sandbox/run-action.ts), so the
// tests that run an action as a runner does, and the sandbox repositories seeded from this checkout,
// run what the source says rather than the committed dist. The build is kept under
// node_modules/.cache, keyed by a hash of everything it reads, so a rerun on unchanged source skips it.
import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACTIONS, buildActions } from '../scripts/bundle.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What the bundles are built from; tests are not in them, so editing a test rebuilds nothing. */
const INPUTS = ['src', 'scripts', 'package-lock.json', 'tsconfig.json', 'actions'];

async function filesUnder(path: string): Promise<string[]> {
  if (!(await stat(join(ROOT, path))).isDirectory()) return [path];
  const entries = await readdir(join(ROOT, path), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(ROOT.length))
    .filter((file) => !/(^|\/)dist\//.test(file) && !file.endsWith('.test.ts'))
    .sort();
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of INPUTS)
    for (const file of await filesUnder(input))
      hash.update(`${file}\0`).update(await readFile(join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
}

const DAY_MS = 24 * 60 * 60 * 1000;

export default async function setup(): Promise<void> {
  const started = performance.now();
  const cache = join(ROOT, 'node_modules', '.cache', 'gitops-promotion-test-bundles');
  const hash = await sourceHash();
  const folder = join(cache, hash, 'actions');
  process.env.SUITE_ACTIONS_DIR = folder;
  if (await stat(folder).catch(() => undefined)) {
    console.log(`Action bundles of this source, built before: ${folder}`);
    return;
  }
  // Other checkouts may share node_modules and run their tests now: only old builds go.
  for (const entry of await readdir(cache).catch(() => [])) {
    const built = await stat(join(cache, entry));
    if (entry !== hash && Date.now() - built.mtimeMs > DAY_MS)
      await rm(join(cache, entry), { recursive: true, force: true });
  }
  // Built beside its place and renamed into it, so an interrupted build is never reused.
  const building = `${folder}.${process.pid}`;
  await buildActions(building);
  for (const action of ACTIONS)
    await copyFile(join(ROOT, 'actions', action, 'action.yml'), join(building, action, 'action.yml'));
  await rename(building, folder).catch(async (error: NodeJS.ErrnoException) => {
    // Another run built the same source first: its bundles are these.
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    await rm(building, { recursive: true, force: true });
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Built ${ACTIONS.join(', ')} from the source in ${seconds} s, for the tests: ${folder}`);
}
