// Before any test runs: builds the three action bundles from the current source, with the build
// `npm run bundle` uses, into a temporary folder laid out like actions/ (<name>/action.yml and
// <name>/dist/). SUITE_ACTIONS_DIR names it for the tests (suiteActionsDir() in
// src/sandbox/run-action.ts), so the tests that run an action as a runner does, and the sandbox
// repositories seeded from this checkout, run what the source says rather than the committed dist.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACTIONS, buildActions } from '../scripts/bundle.mjs';

const COMMITTED = fileURLToPath(new URL('../actions', import.meta.url));

export default async function setup(): Promise<() => Promise<void>> {
  const started = performance.now();
  const root = await mkdtemp(join(tmpdir(), 'suite-actions-'));
  const folder = join(root, 'actions');
  await buildActions(folder);
  for (const action of ACTIONS)
    await copyFile(join(COMMITTED, action, 'action.yml'), join(folder, action, 'action.yml'));
  process.env.SUITE_ACTIONS_DIR = folder;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Built ${ACTIONS.join(', ')} from the source in ${seconds} s, for the tests: ${folder}`);
  return () => rm(root, { recursive: true, force: true });
}
