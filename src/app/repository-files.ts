import { readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Environment, PromotionConfig } from '../core/config.js';
import { parseConfig, relativePathProblem } from '../core/config.js';
import { deployCallerProblem } from '../core/deploy-caller.js';
import { digestProblem } from '../core/digest.js';
import { InputError, UserError, quoted, type SourceLocation } from '../core/errors.js';
import { CODEOWNERS_PATHS } from '../core/codeowners.js';
import { kustomizationPaths, readImageVersionAt, type ImageVersion } from '../core/kustomization.js';
import { tagProblem, versionProblem } from '../core/version.js';
import type { Git } from '../adapters/git.js';

/** Reads and validates the promotion config from the checkout; a bad `config` input is an InputError. */
export async function loadConfig(workspace: string, path: string): Promise<PromotionConfig> {
  const problem = path === '' ? 'is required, e.g. .github/promotion.yaml' : relativePathProblem(path);
  if (problem) throw new InputError('config', problem);
  let text: string;
  try {
    const [root, file] = await Promise.all([realpath(workspace), realpath(join(workspace, path))]);
    // A committed symbolic link may point anywhere on the runner: only a file of the checkout is read.
    const inside = relative(root, file);
    if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`)) {
      throw new InputError(
        'config',
        `${quoted(path)} is a symbolic link to a file outside the checkout; point 'config' at a file of the repository`,
      );
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      'config',
      `${quoted(path)} does not exist in the checkout at ${workspace}; check out the repository first (actions/checkout) or set 'config'`,
    );
  }
  return parseConfig(text, path);
}

/**
 * An environment's kustomization at a commit, under any of the names kustomize accepts. The overlay
 * folder, its parents and the file must be real folders and files: git does not follow a symbolic
 * link, and kustomize would follow it out of the repository.
 */
export async function readKustomization(
  git: Git,
  commit: string,
  environment: Environment,
  /** Where the config sets the overlay, for the message about a symbolic link. */
  overlayAt?: SourceLocation,
): Promise<{ path: string; text: string }> {
  const parts = environment.overlay.split('/');
  const folders = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  const [link] = await git.symlinks(commit, [...folders, ...kustomizationPaths(environment.overlay)]);
  if (link !== undefined) {
    throw new UserError(
      `the overlay of '${environment.name}' goes through '${link}', a symbolic link at ${commit.slice(0, 12)}: make '${environment.overlay}' a real folder of the repository`,
      overlayAt,
    );
  }
  for (const path of kustomizationPaths(environment.overlay)) {
    const text = await git.readFile(commit, path);
    if (text !== undefined) return { path, text };
  }
  throw new UserError(
    `'${environment.overlay}' has no kustomization.yaml at ${commit.slice(0, 12)}: create the overlay of '${environment.name}' first`,
  );
}

/**
 * The tag and digest a kustomization sets for an image, each held to the rule the inputs follow:
 * `version` for a tag a promotion copies (SemVer, at most 128 characters), `tag` for one an
 * environment runs (any OCI tag). A value that breaks it is a UserError at its file and line, so it
 * never reaches a branch, a pull request or a commit message.
 */
export function readCheckedImageVersion(
  kustomization: { path: string; text: string },
  image: string,
  tagRule: 'version' | 'tag',
): ImageVersion {
  const { version, at } = readImageVersionAt(kustomization.text, image, kustomization.path);
  const badTag =
    version.tag === undefined
      ? undefined
      : tagRule === 'version'
        ? versionProblem(version.tag)
        : tagProblem(version.tag);
  if (badTag) throw new UserError(`'newTag' of ${image}: ${badTag}`, at.tag);
  const badDigest = version.digest === undefined ? undefined : digestProblem(version.digest);
  if (badDigest) throw new UserError(`'digest' of ${image}: ${badDigest}`, at.digest);
  return version;
}

/** The CODEOWNERS file GitHub reads for pull requests into the branch at `commit`, if there is one. */
export async function readCodeOwners(git: Git, commit: string): Promise<string | undefined> {
  for (const path of CODEOWNERS_PATHS) {
    const text = await git.readFile(commit, path);
    if (text !== undefined) return text;
  }
  return undefined;
}

/**
 * The caller of overlay-deploy a GITHUB_TOKEN merge dispatches (`deploy-workflow`), read from the
 * checkout of the default branch (what the dispatch runs); an InputError says what to fix.
 */
export async function requireDeployCaller(
  workspace: string,
  name: string,
  repository: string,
): Promise<void> {
  const text = /^[A-Za-z0-9_.-]+\.ya?ml$/.test(name)
    ? await readFile(join(workspace, '.github', 'workflows', name), 'utf8').catch(() => undefined)
    : undefined;
  const problem = deployCallerProblem(name, text, repository);
  if (problem) throw new InputError('deploy-workflow', problem);
}
