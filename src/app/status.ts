// What each environment's overlay names, read from a checkout: the part of `npm run status` (and of
// the demo's closing table) that needs no GitHub.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CONFIG_PATH, parseConfig, type PromotionConfig } from '../core/config.js';
import { UserError } from '../core/errors.js';
import { kustomizationPaths, readImageVersion, type ImageVersion } from '../core/kustomization.js';
import { statusMatrix, type StatusRow } from '../core/status.js';

/** The config of the checkout at `root` and, for each service, the version each overlay names. */
export async function readStatus(
  root: string,
  configPath = DEFAULT_CONFIG_PATH,
): Promise<{ config: PromotionConfig; rows: StatusRow[] }> {
  const text = await readFile(join(root, configPath), 'utf8').catch((error: unknown) => {
    throw new UserError(
      `cannot read the configuration ${configPath}: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  const config = parseConfig(text, configPath);
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
