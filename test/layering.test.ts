// The architecture the guide sets, checked on every run: layers import downwards only, no module
// imports itself through a circle, and no source file grows past one concern's worth of lines.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAX_LINES = 600;

/** Which source layers each layer may import: `src/core` decides, the rest builds on it. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: ['core'],
  adapters: ['core', 'adapters'],
  app: ['core', 'adapters', 'app'],
  actions: ['core', 'adapters', 'app', 'actions'],
  sandbox: ['core', 'adapters', 'app', 'sandbox'],
  cli: ['core', 'adapters', 'app', 'sandbox', 'cli'],
};

const layerOf = (file: string): string => file.split('/')[0]!;
const isTest = (file: string): boolean => file.endsWith('.test.ts');

let graph: Record<string, string[]>;
let circles: string[][];

beforeAll(async () => {
  // madge's TypeScript reader uses a property typescript-estree has deprecated: its warnings, once per
  // file, would bury the test output, and they are about madge, not this code.
  const warned = process.noDeprecation;
  process.noDeprecation = true;
  try {
    const result = await madge(`${root}src`, {
      fileExtensions: ['ts'],
      tsConfig: `${root}tsconfig.json`,
      excludeRegExp: [/\.test\.ts$/],
    });
    graph = result.obj();
    circles = result.circular();
  } finally {
    process.noDeprecation = warned;
  }
}, 60_000);

describe('source layout', () => {
  it('has no import circle', () => {
    expect(circles).toEqual([]);
  });

  it('imports only from its own layer or a lower one', () => {
    const wrong = Object.entries(graph).flatMap(([file, imports]) =>
      imports
        .filter((target) => !MAY_IMPORT[layerOf(file)]?.includes(layerOf(target)))
        .map((target) => `${file} -> ${target}`),
    );
    expect(wrong).toEqual([]);
  });

  it('keeps src/core free of @actions/* and of the runner, so every decision is testable alone', () => {
    const wrong = Object.keys(graph)
      .filter((file) => layerOf(file) === 'core')
      .filter((file) => /from '@actions\//.test(readFileSync(`${root}src/${file}`, 'utf8')));
    expect(wrong).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines`, () => {
    const long = Object.keys(graph)
      .filter((file) => !isTest(file))
      .map((file) => ({ file, lines: readFileSync(`${root}src/${file}`, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
