import { exec } from '@actions/exec';
import { UserError } from '../core/errors.js';
import type { Command } from '../core/release.js';

/**
 * Runs an image builder (docker buildx, buildah, podman) from PATH with an argument array, never
 * a shell, its output streamed to the job log. The builder reads its own configuration from the
 * environment the runner gives it (`DOCKER_CONFIG`, `REGISTRY_AUTH_FILE`, `BUILDAH_ISOLATION`,
 * `CONTAINERS_STORAGE_CONF`, `CONTAINERS_REGISTRIES_CONF`, ...), so the action has no builder flags
 * of its own.
 */
export async function runBuilder(command: Command, options: { cwd: string }): Promise<void> {
  let exitCode: number;
  try {
    exitCode = await exec(command.program, command.args, {
      cwd: options.cwd,
      ignoreReturnCode: true,
      // The runner's environment as it is: the builder's own settings pass through.
      env: process.env as Record<string, string>,
    });
  } catch (error) {
    if (/Unable to locate executable file/i.test((error as Error).message)) {
      throw new UserError(
        `'${command.program}' is not on PATH: install it on the runner or choose another builder (docker, buildah, podman)`,
      );
    }
    throw error;
  }
  if (exitCode !== 0) {
    const verb = command.args
      .filter((arg) => !arg.startsWith('-'))
      .slice(0, command.program === 'docker' ? 2 : 1);
    throw new UserError(
      `${command.program} ${verb.join(' ')} failed with exit code ${exitCode}: see its output above`,
    );
  }
}
