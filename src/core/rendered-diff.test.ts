import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fenceFor } from './markdown.js';
import { renderedDiff, unifiedHunks, type RenderedDiffInput } from './rendered-diff.js';
import { diffBlock } from '../../test/support/rendered.js';

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text).length;

function deployment(name: string, tag: string, extraEnv = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop-uat
spec:
  template:
    spec:
      containers:
      - env:
        - name: LOG_LEVEL
          value: info${extraEnv}
        image: ghcr.io/acme/orders:${tag}
        name: ${name}
        ports:
        - containerPort: 8080
`;
}

const service = `apiVersion: v1
kind: Service
metadata:
  name: orders
  namespace: shop-uat
spec:
  ports:
  - port: 80
`;

function input(before: string, after: string): RenderedDiffInput {
  return {
    overlay: 'overlays/uat',
    renderer: 'kubectl kustomize',
    image: 'ghcr.io/acme/orders',
    before: { manifests: before },
    after: { manifests: after },
  };
}

/** What `diff -u` (GNU diffutils) prints after its two file header lines. */
function gnuHunks(a: string[], b: string[]): string[] {
  const folder = mkdtempSync(join(tmpdir(), 'rendered-diff-'));
  try {
    writeFileSync(join(folder, 'a'), a.map((line) => `${line}\n`).join(''));
    writeFileSync(join(folder, 'b'), b.map((line) => `${line}\n`).join(''));
    try {
      execFileSync('diff', ['-u', 'a', 'b'], { cwd: folder, encoding: 'utf8' });
      return [];
    } catch (error) {
      return (error as { stdout: string }).stdout.trimEnd().split('\n').slice(2);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

describe('unified hunks', () => {
  const letters = (text: string) => text.split('');
  it.each([
    ['one changed line', 'abcdefghij', 'abcdeFghij'],
    ['changes far apart make two hunks', 'abcdefghijklmnopqrst', 'aBcdefghijklmnopqrsT'],
    ['changes six lines apart share one hunk', 'abcdefghijkl', 'aBcdefghIjkl'],
    ['changes seven lines apart do not', 'abcdefghijklm', 'aBcdefghiJklm'],
    ['added at the end', 'abcdef', 'abcdefxyz'],
    ['removed at the start', 'abcdef', 'def'],
    ['everything added', '', 'abc'],
    ['everything removed', 'abc', ''],
    ['a moved block', 'abcdefghij', 'abcfghdeij'],
  ])('%s: the same hunks as diff -u', (_name, a, b) => {
    expect(unifiedHunks(letters(a), letters(b))).toEqual(gnuHunks(letters(a), letters(b)));
  });

  it('is empty for equal input', () => {
    expect(unifiedHunks(['a', 'b'], ['a', 'b'])).toEqual([]);
  });
});

describe('rendered diff', () => {
  it('shows only the resources that differ, as a unified diff per kind/namespace/name', () => {
    const diff = renderedDiff(
      input(
        `${service}---\n${deployment('orders', '1.4.2')}`,
        `${service}---\n${deployment('orders', '1.6.0')}`,
      ),
    );
    expect(diff.warning).toBeUndefined();
    const body = diff.appendTo('Head.\n', 65_536, 'Cut.');
    expect(body).toBe(`Head.

### Rendered manifests

\`kubectl kustomize overlays/uat\`, before and after this change: 1 of 2 resources differs (\`Deployment/shop-uat/orders\`).

\`\`\`diff
--- a/Deployment/shop-uat/orders
+++ b/Deployment/shop-uat/orders
@@ -10,7 +10,7 @@
       - env:
         - name: LOG_LEVEL
           value: info
-        image: ghcr.io/acme/orders:1.4.2
+        image: ghcr.io/acme/orders:1.6.0
         name: orders
         ports:
         - containerPort: 8080
\`\`\`
`);
  });

  it('lists added and removed resources whole, and resources whose image changes first', () => {
    const before = [service, deployment('orders', '1.4.2'), deployment('legacy', '1.0.0')].join('---\n');
    const after = [
      deployment('orders', '1.6.0'),
      service.replace('port: 80', 'port: 8080'),
      deployment('worker', '1.6.0'),
    ].join('---\n');
    const { lines } = diffBlock(renderedDiff(input(before, after)).appendTo('', 65_536, 'Cut.'));
    expect(lines.filter((line) => /^(---|\+\+\+) /.test(line))).toEqual([
      '--- a/Deployment/shop-uat/legacy',
      '+++ /dev/null',
      '--- a/Deployment/shop-uat/orders',
      '+++ b/Deployment/shop-uat/orders',
      '--- /dev/null',
      '+++ b/Deployment/shop-uat/worker',
      '--- a/Service/shop-uat/orders',
      '+++ b/Service/shop-uat/orders',
    ]);
    expect(lines).toContain('@@ -1,16 +0,0 @@');
    expect(lines).toContain('@@ -0,0 +1,16 @@');
    expect(lines).toContain('+  - port: 8080');
  });

  it('masks every Secret value before and after, and marks the values that changed', () => {
    const secret = (password: string, token: string) => `apiVersion: v1
kind: Secret
metadata:
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"${password}"}}'
  name: db
  namespace: shop-uat
data:
  password: ${password}
  user: YWRtaW4=
stringData:
  token: |
    first line
    ${token}
type: Opaque
`;
    const before = `${secret('b2xkLXBhc3N3b3Jk', 'old-token')}---\n${deployment('orders', '1.4.2')}`;
    const after = `${secret('bmV3LXBhc3N3b3Jk', 'old-token')}---\n${deployment('orders', '1.6.0')}`;
    const body = renderedDiff(input(before, after)).appendTo('', 65_536, 'Cut.');
    for (const value of ['b2xkLXBhc3N3b3Jk', 'bmV3LXBhc3N3b3Jk', 'YWRtaW4=', 'old-token', 'first line'])
      expect(body).not.toContain(value);
    const { lines } = diffBlock(body);
    expect(lines.filter((line) => /^[-+ ] {2}(password|user|token):/.test(line))).toEqual([
      '-  password: <masked>',
      '+  password: <masked, changed>',
      '   user: <masked>',
      '   token: <masked>',
    ]);
  });

  it('leaves an unchanged Secret out of the diff', () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: c2VjcmV0\n';
    const body = renderedDiff(
      input(
        `${secret}---\n${deployment('orders', '1.4.2')}`,
        `${secret}---\n${deployment('orders', '1.6.0')}`,
      ),
    ).appendTo('', 65_536, 'Cut.');
    expect(body).not.toContain('Secret/db');
    expect(body).toContain('1 of 2 resources differs');
  });

  it('uses a fence longer than any run of backticks in the manifests', () => {
    expect(fenceFor('no ticks')).toBe('```');
    expect(fenceFor('a ``` b ````` c')).toBe('``````');
    const body = renderedDiff(
      input(
        deployment('orders', '1.4.2', '\n        - name: NOTE\n          value: "`````"'),
        deployment('orders', '1.6.0', '\n        - name: NOTE\n          value: "`````"'),
      ),
    ).appendTo('', 65_536, 'Cut.');
    const { fence, lines } = diffBlock(body);
    expect(fence).toBe('``````');
    expect(lines).toContain('           value: "`````"');
    expect(lines).toContain('+        image: ghcr.io/acme/orders:1.6.0');
  });

  describe('a diff too long for its limit', () => {
    const many = (tag: string) =>
      Array.from({ length: 300 }, (_, i) =>
        deployment(`orders-${i}`, tag, '\n        - name: FENCE\n          value: "```"'),
      ).join('---\n');
    const diff = renderedDiff(input(many('1.4.2'), many('1.6.0')));
    const whole = diffBlock(diff.appendTo('', 10_000_000, 'Cut.')).lines;

    it.each([65_536, 20_000, 4_321])(
      'is cut at a line boundary to fit %i bytes, fences closed, with a note',
      (limit) => {
        const head = 'Head with é and 😀.\n';
        const body = diff.appendTo(head, limit, 'The rest is in the job summary.');
        expect(bytes(body)).toBeLessThanOrEqual(limit);
        expect(body.startsWith(`${head}\n### Rendered manifests\n`)).toBe(true);
        const { fence, lines } = diffBlock(body);
        expect(fence).toBe('````');
        expect(lines.length).toBeLessThan(whole.length);
        expect(lines).toEqual(whole.slice(0, lines.length));
        // A resource is never cut right after its header lines.
        expect(lines.at(-1)).not.toMatch(/^(---|\+\+\+|@@) /);
        const shownResources = lines.filter((line) => line.startsWith('--- a/')).length;
        const partial = !/^ {9}- containerPort: 8080$/.test(lines.at(-1)!);
        const untouched = 300 - shownResources;
        expect(body.trimEnd().split('\n').slice(-2)).toEqual([
          '> [!NOTE]',
          `> The diff is cut after line ${lines.length.toLocaleString('en-US')}: ${(whole.length - lines.length).toLocaleString('en-US')} of ${whole.length.toLocaleString('en-US')} lines are not shown (${[
            ...(partial ? [`the end of \`Deployment/shop-uat/orders-${shownResources - 1}\``] : []),
            `${untouched} more resources`,
          ].join(' and ')}). The rest is in the job summary.`,
        ]);
        // No fence is left open anywhere in the body.
        expect(body.split('\n').filter((line) => /^`{3,}/.test(line))).toHaveLength(2);
      },
    );

    it('is whole when it fits', () => {
      const body = diff.appendTo('', 10_000_000, 'Cut.');
      expect(body).not.toContain('[!NOTE]');
      expect(whole).toHaveLength(300 * 11);
      expect(body).toContain(
        '300 of 300 resources differ (`Deployment/shop-uat/orders-0`, `Deployment/shop-uat/orders-1`, `Deployment/shop-uat/orders-2`, `Deployment/shop-uat/orders-3`, `Deployment/shop-uat/orders-4` and 295 more)',
      );
    });

    it('keeps the head alone when not even the note fits', () => {
      expect(diff.appendTo('Head.\n', 100, 'Cut.')).toBe('Head.\n');
    });
  });

  it('warns when the change renders nothing new', () => {
    const same = deployment('orders', '1.4.2');
    const body = renderedDiff({ ...input(same, same), image: 'ghcr.io/acme/billing' }).appendTo(
      '',
      65_536,
      '',
    );
    expect(body).toContain('> [!WARNING]');
    expect(body).toContain('no container in `overlays/uat` uses `ghcr.io/acme/billing`');
  });

  it('says why there is no diff when the change does not render, in a warning that keeps its fence closed', () => {
    const error = `error: accumulating resources: accumulation err='accumulating resources from 'missing.yaml'
\`\`\`\` odd output
${Array.from({ length: 40 }, (_, i) => `detail ${i}`).join('\n')}`;
    const diff = renderedDiff({ ...input(deployment('orders', '1.4.2'), ''), after: { error } });
    expect(diff.warning).toBe(
      "The rendered diff of overlays/uat could not be produced: kustomize fails with this change: error: accumulating resources: accumulation err='accumulating resources from 'missing.yaml'",
    );
    const body = diff.appendTo('Head.\n', 65_536, 'Cut.');
    const lines = body.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'Head.',
      '',
      '### Rendered manifests',
      '',
      '> [!WARNING]',
      '> The rendered diff could not be produced: kustomize fails to render `overlays/uat` with this change. The deploy renders the same overlay and will fail on the same error until the overlay is fixed.',
    ]);
    expect(lines).toContain('> `````text');
    expect(lines).toContain('> detail 17');
    expect(lines).not.toContain('> detail 18');
    expect(lines.filter((line) => line === '> `````')).toHaveLength(1);
    expect(lines.at(-2)).toBe('> `````');
  });

  it("drops kubectl's log header (time, process id), which would change the body on every run", () => {
    const error =
      'E1126 09:48:43.716834   10667 run.go:72] "command failed" err="accumulating resources: lstat overlays/uat/missing.yaml: no such file or directory \\"quoted\\""';
    const diff = renderedDiff({ ...input('', ''), after: { error } });
    expect(diff.warning).toBe(
      'The rendered diff of overlays/uat could not be produced: kustomize fails with this change: accumulating resources: lstat overlays/uat/missing.yaml: no such file or directory "quoted"',
    );
    expect(diff.appendTo('', 65_536, '')).not.toContain('E1126');
  });

  it('says so when the default branch itself does not render', () => {
    const diff = renderedDiff({
      ...input('', deployment('orders', '1.6.0')),
      before: { error: 'error: broken on main' },
    });
    expect(diff.warning).toContain(
      'kustomize fails on the default branch (before this change): error: broken on main',
    );
    expect(diff.appendTo('', 65_536, '')).toContain(
      'With this change it renders, so there is nothing to compare it with.',
    );
  });
});
