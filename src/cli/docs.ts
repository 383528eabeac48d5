// Regenerates the input and output tables of docs/actions.md from each actions/*/action.yml;
// `--check` exits 1 when the committed document differs (the docs-drift check).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { withActionTables, type ActionMetadata } from '../core/action-docs.js';
import { startedAsProgram } from './args.js';

export const DOCUMENT = 'docs/actions.md';

export async function renderActionDocs(root = process.cwd()): Promise<string> {
  let document = await readFile(join(root, DOCUMENT), 'utf8').catch(() => '# Action reference\n');
  const actions = (await readdir(join(root, 'actions'), { withFileTypes: true })).filter((entry) =>
    entry.isDirectory(),
  );
  for (const action of actions.map((entry) => entry.name).sort()) {
    const metadata = parse(
      await readFile(join(root, 'actions', action, 'action.yml'), 'utf8'),
    ) as ActionMetadata;
    document = withActionTables(document, action, metadata);
  }
  return document;
}

if (startedAsProgram(import.meta.url)) {
  const expected = await renderActionDocs();
  if (process.argv.includes('--check')) {
    const actual = await readFile(DOCUMENT, 'utf8').catch(() => '');
    if (actual !== expected) {
      console.error(`${DOCUMENT} is out of date with actions/*/action.yml: run npm run docs and commit`);
      process.exit(1);
    }
  } else {
    await writeFile(DOCUMENT, expected);
    console.log(`wrote ${DOCUMENT}`);
  }
}
