// Real parts: a clone of a real bare repository seeded with this repository's base/ and
// overlays/, and the real `kubectl kustomize` (kustomize v5) on PATH.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setImageVersion } from '../core/kustomization.js';
import { Git } from '../adapters/git.js';
import { renderOverlay } from '../adapters/kubernetes.js';
import { git } from '../sandbox/process.js';
import { createSandboxRepository, type SandboxRepository } from '../sandbox/workspace.js';
import { renderPromotion } from './render-promotion.js';

const UAT = 'overlays/uat/kustomization.yaml';
let repo: SandboxRepository;
let workspace: string;

beforeEach(async () => {
  repo = await createSandboxRepository();
  workspace = await repo.checkout();
});

afterEach(async () => {
  await repo.dispose();
});

async function promote(files: Record<string, string> = {}, edit: (text: string) => string = (t) => t) {
  if (Object.keys(files).length > 0) await repo.pushToMain(files, 'Change uat');
  const checkout = new Git(workspace);
  const commit = await checkout.fetchBranch('main');
  const text = await git(repo.origin, 'show', `${commit}:${UAT}`);
  const content = edit(setImageVersion(`${text}\n`, { image: 'ghcr.io/acme/orders', tag: '1.6.0' }, UAT));
  return renderPromotion(
    checkout,
    commit,
    { overlay: 'overlays/uat', path: UAT, content, image: 'ghcr.io/acme/orders' },
    renderOverlay,
  );
}

describe('renderPromotion with kubectl kustomize', () => {
  it('diffs the sample uat overlay: only the orders Deployment, its image line, and the checkout untouched', async () => {
    const before = await readFile(join(workspace, UAT), 'utf8');
    const diff = await promote();
    expect(diff.warning).toBeUndefined();
    const section = diff.appendTo('', 65_536, 'Cut.');
    expect(section).toContain(
      '`kubectl kustomize overlays/uat`, before and after this change: 1 of 7 resources differs (`Deployment/shop-uat/orders`).',
    );
    const changed = section.split('\n').filter((line) => /^[-+]/.test(line));
    expect(changed).toEqual([
      '--- a/Deployment/shop-uat/orders',
      '+++ b/Deployment/shop-uat/orders',
      '-        image: ghcr.io/acme/orders:1.4.2',
      '+        image: ghcr.io/acme/orders:1.6.0',
    ]);
    expect(await git(workspace, 'status', '--porcelain')).toBe('');
    expect(await readFile(join(workspace, UAT), 'utf8')).toBe(before);
    expect((await git(workspace, 'worktree', 'list')).split('\n')).toHaveLength(1);
  });

  it('masks a generated Secret whose value the change also edits', async () => {
    const overlay = await git(repo.origin, 'show', `main:${UAT}`);
    const withSecret = `${overlay}\nsecretGenerator:\n  - name: orders-db\n    literals:\n      - password=hunter2-old\n      - user=orders-user\n    options:\n      disableNameSuffixHash: true\n`;
    const diff = await promote({ [UAT]: withSecret }, (text) => text.replace('hunter2-old', 'hunter2-new'));
    const section = diff.appendTo('', 65_536, 'Cut.');
    for (const value of ['hunter2', 'orders-user', 'aHVudGVyM', 'b3JkZXJzLXVzZXI='])
      expect(section).not.toContain(value);
    expect(section).toContain(
      '2 of 8 resources differ (`Deployment/shop-uat/orders`, `Secret/shop-uat/orders-db`)',
    );
    expect(section.split('\n').filter((line) => /^[-+ ] {2}(password|user):/.test(line))).toEqual([
      '-  password: <masked>',
      '+  password: <masked, changed>',
      '   user: <masked>',
    ]);
  });

  it('reports a broken overlay as a warning with the error relative to the repository, the same on every run', async () => {
    const broken = (text: string) =>
      text.replace('  - namespace.yaml', '  - namespace.yaml\n  - missing.yaml');
    const first = await promote({}, broken);
    const second = await promote({}, broken);
    expect(first.warning).toMatch(
      /^The rendered diff of overlays\/uat could not be produced: kustomize fails with this change: /,
    );
    expect(first.warning).toContain('overlays/uat/missing.yaml');
    const section = first.appendTo('', 65_536, 'Cut.');
    expect(section).toContain('> [!WARNING]');
    expect(section).toContain('will fail on the same error');
    expect(section).not.toMatch(/overlay-update-|\/tmp\//);
    expect(second.appendTo('', 65_536, 'Cut.')).toBe(section);
    expect((await git(workspace, 'worktree', 'list')).split('\n')).toHaveLength(1);
  });
});
