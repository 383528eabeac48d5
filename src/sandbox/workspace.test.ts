import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMITTED_ACTIONS_DIR, suiteActionsDir } from './run-action.js';
import { createSandboxRepository } from './workspace.js';

describe('createSandboxRepository', () => {
  it("seeds actions/ with the bundles the test run's global setup built from the source", async () => {
    expect(process.env.SUITE_ACTIONS_DIR, 'test/global-setup.ts names the built actions').toBeTruthy();
    expect(suiteActionsDir()).not.toBe(COMMITTED_ACTIONS_DIR);
    const repo = await createSandboxRepository({ paths: ['actions'] });
    try {
      const workspace = await repo.checkout();
      for (const action of ['release', 'overlay-update', 'overlay-deploy', 'promotion-status']) {
        for (const file of ['action.yml', 'dist/index.js'])
          expect(await readFile(join(workspace, 'actions', action, file), 'utf8')).toBe(
            await readFile(join(suiteActionsDir(), action, file), 'utf8'),
          );
      }
    } finally {
      await repo.dispose();
    }
  });
});
