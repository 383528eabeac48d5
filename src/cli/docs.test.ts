import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { actionTables, withActionTables } from '../core/action-docs.js';
import { callerFiles, serviceRepositoryCaller } from '../core/scaffold-callers.js';
import { DOCUMENT, renderActionDocs } from './docs.js';

describe('action reference', () => {
  it('matches every action.yml (run npm run docs when this fails)', async () => {
    expect(await readFile(DOCUMENT, 'utf8')).toBe(await renderActionDocs());
  });

  it('replaces only the generated block and escapes pipes', () => {
    const metadata = {
      name: 'x',
      description: 'Does x',
      inputs: { a: { description: 'one | two', required: true } },
      outputs: { b: { description: 'B' } },
    };
    const document = withActionTables('# Title\n\nIntro kept.\n', 'x', metadata);
    expect(document).toContain('Intro kept.');
    expect(document).toContain('| `a` | yes |  | one \\| two |');
    const changed = withActionTables(document, 'x', { ...metadata, outputs: { c: { description: 'C' } } });
    expect(changed).toContain('| `c` | C |');
    expect(changed).not.toContain('| `b` | B |');
    expect(changed.match(/action-docs:x:begin/g)).toHaveLength(1);
    expect(actionTables({ name: 'y', description: 'Y' })).toContain('| output | description |');
  });
});

describe('docs/adopting.md', () => {
  it("shows the service repository's caller exactly as the scaffold writes it (setup.md too)", async () => {
    const guide = await readFile(new URL('../../docs/adopting.md', import.meta.url), 'utf8');
    const caller = serviceRepositoryCaller(
      { owner: 'acme', repo: 'gitops-promotion', ref: 'v1' },
      'orders',
      'acme/gitops',
    );
    expect(guide).toContain('```yaml\n' + caller + '```\n');
    const setup = await readFile(new URL('../../docs/setup.md', import.meta.url), 'utf8');
    expect(setup).toContain('```yaml\n' + caller + '```\n');
  });

  it("shows the GitOps repository's status caller exactly as the scaffold writes it", async () => {
    const guide = await readFile(new URL('../../docs/adopting.md', import.meta.url), 'utf8');
    const callers = new Map(callerFiles({ owner: 'acme', repo: 'gitops-promotion', ref: 'v1' }));
    const caller = callers.get('.github/workflows/promotion-status.yaml');
    expect(caller).toContain('uses: acme/gitops-promotion/.github/workflows/promotion-status.yaml@v1');
    expect(guide).toContain('```yaml\n' + caller + '```\n');
  });
});
