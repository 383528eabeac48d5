import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Builds the action bundles from the source first: the tests run those, not the committed dist.
    globalSetup: ['test/global-setup.ts'],
    // Integration tests start git, kustomize and node processes; two cores on CI.
    testTimeout: 60_000,
    // Those files mostly wait (on child processes, and on Octokit spacing writes a second apart as
    // GitHub asks), so four at a time on two cores halves the wall time (~11 to ~5 minutes).
    maxWorkers: 4,
    minWorkers: 1,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
