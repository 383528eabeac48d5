import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderedDiff, type RenderedDiff, type RenderResult } from '../core/rendered-diff.js';
import type { Git } from '../adapters/git.js';
import { CommandError } from '../core/errors.js';

export type Render = (dir: string) => Promise<{ manifests: string; renderer: string }>;

export interface PromotionEdit {
  /** The overlay folder, e.g. overlays/uat. */
  overlay: string;
  /** The kustomization file the promotion edits, and its new content. */
  path: string;
  content: string;
  /** The service's image as the kustomization names it. */
  image: string;
}

/**
 * Renders the overlay as the default branch has it and with the promotion's
 * edit, in a temporary checkout of `commit` (the user's checkout is left alone),
 * and diffs the two. A render that fails is part of the result, not an error:
 * the promotion goes ahead and its pull request says why there is no diff.
 */
export async function renderPromotion(
  git: Git,
  commit: string,
  edit: PromotionEdit,
  render: Render,
): Promise<RenderedDiff> {
  const folder = await mkdtemp(join(tmpdir(), 'overlay-update-'));
  const tree = join(folder, 'tree');
  let renderer = 'kustomize';
  // kustomize names files by absolute path: shown relative to the repository, the error is the same on every run.
  const roots = [tree, join(await realpath(folder), 'tree')].map((root) => `${root}/`);
  const attempt = async (): Promise<RenderResult> => {
    try {
      const rendered = await render(join(tree, edit.overlay));
      renderer = rendered.renderer;
      return { manifests: rendered.manifests };
    } catch (error) {
      const message =
        error instanceof CommandError ? error.stderr : error instanceof Error ? error.message : String(error);
      return { error: roots.reduce((text, root) => text.replaceAll(root, ''), message) };
    }
  };
  try {
    await git.addWorktree(commit, tree);
    const before = await attempt();
    await writeFile(join(tree, edit.path), edit.content);
    const after = await attempt();
    return renderedDiff({ overlay: edit.overlay, renderer, image: edit.image, before, after });
  } finally {
    await git.removeWorktree(tree);
    await rm(folder, { recursive: true, force: true });
  }
}
