// `npm run status`: which version of each service runs in each environment, read from a checkout's
// overlays; needs no token. `--json` prints the same for scripts, `--root <dir>` reads another checkout.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig, type PromotionConfig } from '../core/config.js';
import { kustomizationPaths, readImageVersion, type ImageVersion } from '../core/kustomization.js';
import { statusMatrix, statusTable, type StatusRow } from '../core/status.js';

export async function readStatus(
  root: string,
  configPath = '.github/promotion.yaml',
): Promise<{ config: PromotionConfig; rows: StatusRow[] }> {
  const config = parseConfig(await readFile(join(root, configPath), 'utf8'), configPath);
  const overlays = new Map<string, { path: string; text: string } | undefined>();
  for (const environment of config.environments) {
    let found: { path: string; text: string } | undefined;
    for (const path of kustomizationPaths(environment.overlay)) {
      const text = await readFile(join(root, path), 'utf8').catch(() => undefined);
      if (text !== undefined) {
        found = { path, text };
        break;
      }
    }
    overlays.set(environment.name, found);
  }
  const versions = (environment: string, service: string): ImageVersion => {
    const overlay = overlays.get(environment);
    const image = config.services.find((s) => s.name === service)!.kustomizeImage;
    return overlay ? readImageVersion(overlay.text, image, overlay.path) : {};
  };
  return { config, rows: statusMatrix(config, versions) };
}

if (process.argv[1]?.endsWith('status.ts') || process.argv[1]?.endsWith('status.js')) {
  const args = process.argv.slice(2);
  const rootIndex = args.indexOf('--root');
  const root = rootIndex >= 0 ? (args[rootIndex + 1] ?? '.') : '.';
  try {
    const { config, rows } = await readStatus(root);
    console.log(
      args.includes('--json')
        ? JSON.stringify({ environments: config.environments.map((e) => e.name), services: rows }, null, 2)
        : statusTable(config, rows),
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
