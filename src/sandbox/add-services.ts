// More services for the scenarios and the benchmark: copies of a sample service whose build context
// lives in the GitOps repository, so that many services can be released at once in either layout.
import { parseDocument } from 'yaml';
import { parseConfig } from '../core/config.js';
import { setImageVersion } from '../core/kustomization.js';
import { git } from './process.js';
import type { SandboxRepository } from './workspace.js';

/** The sample service copied: its build context stays in the GitOps repository in both layouts. */
const TEMPLATE = 'payments';

/**
 * Adds services cloned from `payments` (base manifests, build context, config entry, an image entry at
 * 1.0.0 in every overlay) to main of the GitOps repository, in one push.
 */
export async function addServices(repository: SandboxRepository, names: string[]): Promise<void> {
  const show = (path: string) => git(repository.origin, 'show', `main:${path}`);
  const files: Record<string, string> = {};
  const config = parseDocument(await show('.github/promotion.yaml'));
  const template = (config.toJS() as { services: { name: string; image: string }[] }).services.find(
    (service) => service.name === TEMPLATE,
  )!;
  const imageOf = (name: string) => template.image.replace(new RegExp(`${TEMPLATE}$`), name);
  const copied = (
    await git(
      repository.origin,
      'ls-tree',
      '-r',
      '--name-only',
      'main',
      `base/${TEMPLATE}`,
      `services/${TEMPLATE}`,
    )
  )
    .split('\n')
    .filter(Boolean);
  const base = await show('base/kustomization.yaml');
  const parsed = parseConfig(await show('.github/promotion.yaml'));
  const overlays = Object.fromEntries(
    await Promise.all(
      parsed.environments.map(async (env) => {
        const path = `${env.overlay}/kustomization.yaml`;
        return [path, await show(path)] as const;
      }),
    ),
  );
  const word = new RegExp(`\\b${TEMPLATE}\\b`, 'g');
  for (const name of names) {
    config.addIn(['services'], { name, image: imageOf(name), context: `services/${name}` });
    for (const path of copied)
      files[path.replace(`/${TEMPLATE}/`, `/${name}/`)] = (await show(path)).replace(word, name);
    for (const [path, text] of Object.entries(overlays))
      overlays[path] = setImageVersion(text, { image: imageOf(name), tag: '1.0.0' });
  }
  files['.github/promotion.yaml'] = config.toString();
  files['base/kustomization.yaml'] = base.replace(
    new RegExp(`^(\\s*)- ${TEMPLATE}$`, 'm'),
    (line, indent: string) => [line, ...names.map((name) => `${indent}- ${name}`)].join('\n'),
  );
  Object.assign(files, overlays);
  await repository.pushToMain(files, `Add ${names.length} services`);
}
