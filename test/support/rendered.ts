// Helpers the rendered-diff tests share: reading a diff block back, and manifests large enough to cut.
import { expect } from 'vitest';

/** The diff block of a body or summary: its fence and the lines up to the fence that closes it (which must exist). */
export function diffBlock(markdown: string): { fence: string; lines: string[] } {
  const lines = markdown.split('\n');
  const open = lines.findIndex((line) => /^`{3,}diff$/.test(line));
  expect(open, 'a diff block').toBeGreaterThan(-1);
  const fence = lines[open]!.slice(0, -'diff'.length);
  const close = lines.findIndex(
    (line, i) => i > open && new RegExp(`^ {0,3}\`{${fence.length},}\\s*$`).test(line),
  );
  expect(close, 'the diff block is closed').toBeGreaterThan(open);
  expect(lines[close]).toBe(fence);
  return { fence, lines: lines.slice(open + 1, close) };
}

/** `count` orders Deployments running `tag`, each with `padding` bytes of env value beside the image. */
export function manyDeployments(count: number, tag: string, padding = 0): string {
  const env =
    padding > 0
      ? `      - env:\n        - name: PADDING\n          value: ${'x'.repeat(padding)}\n        image`
      : '      - image';
  return Array.from(
    { length: count },
    (_, i) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders-${i}\nspec:\n  template:\n    spec:\n      containers:\n${env}: ghcr.io/acme/orders:${tag}\n        name: orders\n`,
  ).join('---\n');
}
