// Webhook events: each is recorded, checked against GitHub's webhook schema (spec.ts), and handed
// to the hook, which starts the workflow runs (workflows/dispatcher.ts).
import { pullRequestEventPayload } from './objects.js';
import { validateComponent } from './spec.js';
import type { StoreState } from './store-state.js';
import type { EventMeta, Identity, PullState } from './types.js';

/** Records a `pull_request` event, checks it against GitHub's webhook schema, tells the hook. */
export function emitPullRequestEvent(
  store: StoreState,
  action: string,
  pr: PullState,
  actor: Identity,
): void {
  const payload = pullRequestEventPayload(
    store.ctx,
    action,
    store.pullJson(pr),
    store.repository(),
    actor,
    store.installationId,
  );
  for (const problem of validateComponent(`webhook-pull-request-${action}`, payload)) {
    store.violations.push(`pull_request.${action} event payload: ${problem}`);
  }
  deliverEvent(store, 'pull_request', action, payload, { actor, triggersWorkflows: !actor.isGithubToken });
}

/** Records an event and hands it to the hook (whose failures never break the request). */
export function deliverEvent(
  store: StoreState,
  name: string,
  action: string,
  payload: Record<string, unknown>,
  meta: EventMeta,
): void {
  store.events.push({ name, action, payload, ...meta });
  try {
    const result = store.hooks.onEvent?.(name, payload, meta);
    if (result instanceof Promise) result.catch((error: unknown) => store.hookErrors.push(error));
  } catch (error) {
    store.hookErrors.push(error);
  }
}
