// Builds each action's committed bundle with ncc; `--check` fails when a committed bundle differs from the source.
// Modules the entry points import with `await import()` (Octokit, @actions/exec) become chunk files
// next to index.js, loaded only on the path that needs them; they are written and checked like it.
import ncc from '@vercel/ncc';
import { transform } from 'esbuild';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const ACTIONS = ['overlay-update', 'overlay-deploy', 'release'];
const check = process.argv.includes('--check');
let stale = [];

for (const action of ACTIONS) {
  const outDir = join('actions', action, 'dist');
  const { code, assets } = await ncc(join(process.cwd(), 'src', 'actions', `${action}.ts`), {
    minify: true,
    sourceMap: false,
    license: 'licenses.txt',
    quiet: true,
    target: 'es2022',
    // CommonJS starts faster than an ES module on node (no ESM loader before the first line).
    esm: false,
  });
  const files = new Map([['index.js', code]]);
  for (const [name, asset] of Object.entries(assets)) {
    // ncc minifies index.js only; its chunks come out as written.
    const chunk = name.endsWith('.index.js');
    files.set(name, chunk ? (await transform(asset.source.toString(), { minify: true })).code : asset.source);
  }
  // The repository's package.json says "type": "module"; this one makes node read the bundle as CommonJS.
  files.set('package.json', '{\n  "type": "commonjs"\n}\n');
  if (check) {
    const committed = await readdir(outDir, { recursive: true }).catch(() => []);
    for (const name of new Set([...files.keys(), ...committed.filter((n) => !n.endsWith('/'))])) {
      const expected = files.get(name);
      const actual = await readFile(join(outDir, name)).catch(() => undefined);
      if (expected === undefined || actual === undefined || !Buffer.from(expected).equals(actual))
        stale.push(join(outDir, name));
    }
    continue;
  }
  await rm(outDir, { recursive: true, force: true });
  for (const [name, content] of files) {
    await mkdir(dirname(join(outDir, name)), { recursive: true });
    await writeFile(join(outDir, name), content);
  }
  const chunks = [...files].filter(([name]) => name.endsWith('.index.js'));
  const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  console.log(
    `${outDir}/index.js ${kib(Buffer.byteLength(code))}, ${chunks.length} chunks ${kib(
      chunks.reduce((sum, [, content]) => sum + Buffer.byteLength(content), 0),
    )}`,
  );
}

if (stale.length > 0) {
  console.error(`Committed bundles are out of date; run npm run bundle and commit:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
