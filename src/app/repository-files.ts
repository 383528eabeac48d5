import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Environment, PromotionConfig } from '../core/config.js';
import { parseConfig } from '../core/config.js';
import { InputError, UserError } from '../core/errors.js';
import { CODEOWNERS_PATHS } from '../core/codeowners.js';
import { kustomizationPaths } from '../core/kustomization.js';
import type { Git } from '../adapters/git.js';

/** Reads and validates the promotion config from the checkout; a bad `config` input is an InputError. */
export async function loadConfig(workspace: string, path: string): Promise<PromotionConfig> {
  if (path === '' || path.split('/').includes('..') || path.startsWith('/')) {
    throw new InputError(
      'config',
      `'${path}' must be a path inside the repository, e.g. .github/promotion.yaml`,
    );
  }
  let text: string;
  try {
    text = await readFile(join(workspace, path), 'utf8');
  } catch {
    throw new InputError(
      'config',
      `'${path}' does not exist in the checkout at ${workspace}; check out the repository first (actions/checkout) or set 'config'`,
    );
  }
  return parseConfig(text, path);
}

/** An environment's kustomization at a commit, under any of the names kustomize accepts. */
export async function readKustomization(
  git: Git,
  commit: string,
  environment: Environment,
): Promise<{ path: string; text: string }> {
  for (const path of kustomizationPaths(environment.overlay)) {
    const text = await git.readFile(commit, path);
    if (text !== undefined) return { path, text };
  }
  throw new UserError(
    `'${environment.overlay}' has no kustomization.yaml at ${commit.slice(0, 12)}: create the overlay of '${environment.name}' first`,
  );
}

/** The CODEOWNERS file GitHub reads for pull requests into the branch at `commit`, if there is one. */
export async function readCodeOwners(git: Git, commit: string): Promise<string | undefined> {
  for (const path of CODEOWNERS_PATHS) {
    const text = await git.readFile(commit, path);
    if (text !== undefined) return text;
  }
  return undefined;
}
