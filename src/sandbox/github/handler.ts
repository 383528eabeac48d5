// What a REST handler is given and answers. routes.ts, settings.ts and teams.ts hold the handlers,
// server.ts calls them; apart from both so that neither side imports the other's module.
import type { Store } from './store.js';
import type { Identity } from './types.js';

export interface RouteContext {
  store: Store;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  identity: Identity;
  /** Request path without the query, for Link headers. */
  path: string;
  /** Recorded as a violation but answered (things GitHub silently ignores). */
  note: (text: string) => void;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One REST operation, keyed by the spec's operationId. */
export type Handler = (c: RouteContext) => Promise<RouteResult>;
