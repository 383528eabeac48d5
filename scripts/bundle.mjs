// Builds each action's committed bundle with ncc; `--check` fails when a committed bundle differs from the source.
import ncc from '@vercel/ncc';
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
  });
  const files = new Map([['index.js', code]]);
  for (const [name, asset] of Object.entries(assets)) files.set(name, asset.source);
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
  console.log(`${outDir}/index.js ${(Buffer.byteLength(code) / 1024).toFixed(0)} KiB`);
}

if (stale.length > 0) {
  console.error(`Committed bundles are out of date; run npm run bundle and commit:\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
