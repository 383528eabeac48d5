// The workflow overlay-update dispatches after a merge made with GITHUB_TOKEN (which starts no
// workflow itself): the GitOps repository's own caller of the suite's overlay-deploy. It must exist
// on the default branch and accept workflow_dispatch, or GitHub answers the dispatch 404 or 422
// ("Workflow does not have 'workflow_dispatch' trigger") after the merge already happened; so it is
// checked before anything is pushed.
import { parse } from 'yaml';
import { quoted } from './errors.js';

const FILE_NAME = /^[A-Za-z0-9_.-]+\.ya?ml$/;

/**
 * What is wrong with `name` as the deploy caller, given its text in the checkout (undefined: no such
 * file), or undefined when it will take the dispatch.
 */
export function deployCallerProblem(
  name: string,
  text: string | undefined,
  repository: string,
): string | undefined {
  const fix = `name the caller of overlay-deploy.yaml in ${repository} (npm run init writes .github/workflows/overlay-deploy.yaml)`;
  if (!FILE_NAME.test(name))
    return `${quoted(name)} is not a workflow file name (like overlay-deploy.yaml): ${fix}`;
  if (text === undefined)
    return `${quoted(name)} is not a workflow of ${repository} (no .github/workflows/${name}): ${fix}`;
  let on: unknown;
  try {
    on = (parse(text) as { on?: unknown } | null)?.on;
  } catch {
    return `${quoted(name)} (.github/workflows/${name} of ${repository}) is not valid YAML: ${fix}`;
  }
  const triggers =
    typeof on === 'string'
      ? [on]
      : Array.isArray(on)
        ? on
        : on && typeof on === 'object'
          ? Object.keys(on)
          : [];
  if (!triggers.includes('workflow_dispatch'))
    return `${quoted(name)} (.github/workflows/${name} of ${repository}) has no workflow_dispatch trigger, so the deploy of a GITHUB_TOKEN merge cannot be dispatched: ${fix}`;
  return undefined;
}
