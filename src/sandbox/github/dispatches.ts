// Workflow dispatches (REST operation actions/create-workflow-dispatch, and "Run workflow" in the
// Actions tab): GitHub's checks of the ref, the workflow file and its inputs, then the
// `workflow_dispatch` event.
import { parse as parseYaml } from 'yaml';
import { HttpError, notFound } from './errors.js';
import { deliverEvent } from './events.js';
import { isoNow, workflowDispatchEventPayload, workflowIdFor } from './objects.js';
import { validateComponent } from './spec.js';
import type { StoreState } from './store-state.js';
import type { Identity, WorkflowDispatchState } from './types.js';

export type DispatchRequest = {
  ref: string;
  inputs?: Record<string, unknown>;
};

/**
 * `POST .../actions/workflows/{workflow_id}/dispatches`: GitHub's checks (the ref, the workflow
 * file at that ref, its `workflow_dispatch` trigger and declared inputs), then a
 * `workflow_dispatch` event. Dispatches are the exception to the GITHUB_TOKEN rule: the event
 * starts the workflow whoever sent it.
 */
export async function dispatchWorkflow(
  store: StoreState,
  actor: Identity,
  workflowId: string,
  input: DispatchRequest,
): Promise<WorkflowDispatchState> {
  const ref = await qualifyRef(store, input.ref);
  const sha = ref === undefined ? undefined : await store.git.resolveCommit(ref);
  if (ref === undefined || !sha) throw new HttpError(422, { message: `No ref found for: ${input.ref}` });
  const path = await workflowPath(store, sha, workflowId);
  if (path === undefined) throw notFound();
  const text = await store.git.git(['show', `${sha}:${path}`]);
  let on: unknown;
  try {
    on = (parseYaml(text) as { on?: unknown } | null)?.on;
  } catch {
    on = undefined;
  }
  const triggers =
    typeof on === 'string'
      ? { [on]: null }
      : Array.isArray(on)
        ? Object.fromEntries(on.map((name) => [String(name), null]))
        : typeof on === 'object' && on !== null
          ? (on as Record<string, unknown>)
          : {};
  if (!('workflow_dispatch' in triggers)) {
    throw new HttpError(422, { message: "Workflow does not have 'workflow_dispatch' trigger" });
  }
  const definitions = ((triggers['workflow_dispatch'] as { inputs?: unknown } | null)?.inputs ??
    {}) as Record<string, { required?: boolean; default?: unknown; type?: string; options?: unknown[] }>;
  const given = input.inputs ?? {};
  const unexpected = Object.keys(given).filter((name) => !(name in definitions));
  if (unexpected.length > 0) {
    throw new HttpError(422, { message: `Unexpected inputs provided: ${JSON.stringify(unexpected)}` });
  }
  const inputs: Record<string, string> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    const value = given[name] ?? definition?.default;
    if (value === undefined || value === null) {
      if (definition?.required)
        throw new HttpError(422, { message: `Required input '${name}' not provided` });
      continue;
    }
    const text = String(value);
    if (definition?.type === 'choice' && !(definition.options ?? []).map(String).includes(text)) {
      throw new HttpError(422, {
        message: `Provided value '${text}' for input '${name}' not in the list of allowed values`,
      });
    }
    inputs[name] = text;
  }
  const dispatch: WorkflowDispatchState = {
    runId: store.newId(),
    workflowId,
    path,
    ref,
    sha,
    inputs,
    actor,
    createdAt: isoNow(),
  };
  store.dispatches.push(dispatch);
  const payload = workflowDispatchEventPayload(
    store.ctx,
    dispatch,
    store.repository(),
    actor,
    store.installationId,
  );
  for (const problem of validateComponent('webhook-workflow-dispatch', payload)) {
    store.violations.push(`workflow_dispatch event payload: ${problem}`);
  }
  // Dispatches start workflows even when GITHUB_TOKEN made them (GitHub's documented exception).
  deliverEvent(store, 'workflow_dispatch', '', payload, {
    actor,
    triggersWorkflows: true,
    workflowRunId: dispatch.runId,
  });
  return dispatch;
}

/** A branch or tag name (or a full refs/heads/, refs/tags/ ref) as GitHub qualifies it. */
async function qualifyRef(store: StoreState, ref: string): Promise<string | undefined> {
  if (ref.startsWith('refs/heads/') || ref.startsWith('refs/tags/')) {
    return (await store.git.resolveCommit(ref)) ? ref : undefined;
  }
  for (const candidate of [`refs/heads/${ref}`, `refs/tags/${ref}`]) {
    if (await store.git.resolveCommit(candidate)) return candidate;
  }
  return undefined;
}

/** `.github/workflows/<file>` for a file name or a numeric workflow id, when it exists at sha. */
async function workflowPath(store: StoreState, sha: string, workflowId: string): Promise<string | undefined> {
  const listing = await store.git.git(['ls-tree', '--name-only', `${sha}:.github/workflows`]).catch(() => '');
  const files = listing
    .split('\n')
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `.github/workflows/${name}`);
  return files.find(
    (path) => path === `.github/workflows/${workflowId}` || String(workflowIdFor(path)) === workflowId,
  );
}
