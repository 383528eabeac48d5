// What a recorded request did: GraphQL sends queries and mutations alike as POST /graphql, so the
// method alone does not tell a read from a change.
import type { RecordedRequest } from './types.js';

/** A GraphQL query (not a mutation), sent as POST /graphql. */
export function isGraphQLQuery(request: Pick<RecordedRequest, 'path' | 'body'>): boolean {
  const query = String((request.body as { query?: unknown } | undefined)?.query ?? '');
  return request.path === '/graphql' && !/^\s*mutation\b/.test(query);
}

/** A request that can change something: not a GET, not a GraphQL query. */
export function isChange(request: Pick<RecordedRequest, 'method' | 'path' | 'body'>): boolean {
  return request.method !== 'GET' && !isGraphQLQuery(request);
}
