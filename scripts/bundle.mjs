// Builds each action's bundle with ncc, from src/actions/<name>/index.ts into actions/<name>/dist;
// `--check` fails when a committed bundle differs from a fresh build of the source. The tests'
// global setup (test/global-setup.ts) builds them with buildActions into a folder of its own.
// `--cli` builds the published package's program instead (src/cli/bin.ts into CLI_BUNDLE); npm
// runs it before packing, and it is not committed.
import ncc from '@vercel/ncc';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ACTIONS = ['overlay-update', 'overlay-deploy', 'release', 'promotion-status'];

/** The files of an action's dist/ folder, by name, built from the source. */
export async function buildAction(action) {
  const { code, assets } = await ncc(join(ROOT, 'src', 'actions', action, 'index.ts'), {
    minify: true,
    sourceMap: false,
    license: 'licenses.txt',
    quiet: true,
    target: 'es2022',
    esm: false,
  });
  const files = new Map([['index.js', code]]);
  for (const [name, asset] of Object.entries(assets)) files.set(name, asset.source);
  // The repository's package.json says "type": "module"; this one makes node read the bundle as CommonJS.
  files.set('package.json', '{\n  "type": "commonjs"\n}\n');
  return files;
}

/** Where the published package's `gitops-promotion` program is built (package.json `bin`). */
export const CLI_BUNDLE = 'bin/gitops-promotion.mjs';

/** Builds the `gitops-promotion` program, one ES module with its dependencies, into `file`. */
export async function buildCli(file = join(ROOT, CLI_BUNDLE)) {
  const { code } = await ncc(join(ROOT, 'src', 'cli', 'bin.ts'), {
    minify: true,
    sourceMap: false,
    quiet: true,
    target: 'es2022',
    esm: true,
  });
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `#!/usr/bin/env node\n${code}`, { mode: 0o755 });
  return file;
}

/** Builds every action into `<folder>/<name>/dist`, replacing what was there; returns the files by action. */
export async function buildActions(folder) {
  const built = new Map();
  for (const action of ACTIONS) {
    const files = await buildAction(action);
    const outDir = join(folder, action, 'dist');
    await rm(outDir, { recursive: true, force: true });
    for (const [name, content] of files) {
      await mkdir(dirname(join(outDir, name)), { recursive: true });
      await writeFile(join(outDir, name), content);
    }
    built.set(action, files);
  }
  return built;
}

/** The committed files of actions/<name>/dist that differ from a fresh build, are missing or are extra. */
async function staleFiles() {
  const stale = [];
  for (const action of ACTIONS) {
    const outDir = join(ROOT, 'actions', action, 'dist');
    const files = await buildAction(action);
    const committed = await readdir(outDir, { recursive: true }).catch(() => []);
    for (const name of new Set([...files.keys(), ...committed.filter((n) => !n.endsWith('/'))])) {
      const expected = files.get(name);
      const actual = await readFile(join(outDir, name)).catch(() => undefined);
      if (expected === undefined || actual === undefined || !Buffer.from(expected).equals(actual))
        stale.push(join('actions', action, 'dist', name));
    }
  }
  return stale;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes('--cli')) {
    console.log(`${relative(ROOT, await buildCli())}: the gitops-promotion program`);
  } else if (process.argv.includes('--check')) {
    const stale = await staleFiles();
    if (stale.length > 0) {
      console.error(
        `Committed bundles are out of date; run npm run bundle and commit:\n  ${stale.join('\n  ')}`,
      );
      process.exit(1);
    }
  } else {
    const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
    for (const [action, files] of await buildActions(join(ROOT, 'actions'))) {
      const sizes = [...files].map(([name, content]) => `${name} ${kib(Buffer.byteLength(content))}`);
      console.log(`actions/${action}/dist: ${sizes.filter((s) => s.includes('.js ')).join(', ')}`);
    }
  }
}
