// What a recorded request did: GraphQL sends queries and mutations alike as POST /graphql, so the
// method alone does not tell a read from a change. GitHub's secondary limit counts the changes
// ("content-creating requests": POST, PATCH, PUT, DELETE, and GraphQL mutations).
import { getOperationAST, parse } from 'graphql';
import type { RecordedRequest } from './types.js';

/** A GraphQL request whose operation (the one `operationName` picks) is a mutation. */
function isGraphQLMutation(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { query, operationName } = body as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return false;
  try {
    const name = typeof operationName === 'string' ? operationName : undefined;
    return getOperationAST(parse(query), name)?.operation === 'mutation';
  } catch {
    return false; // a document that does not parse creates nothing: GitHub answers its errors
  }
}

/** Whether GitHub counts a request against the content-creation limit: whether it can change something. */
export function isContentCreating(method: string, path: string, body: unknown): boolean {
  if (path === '/graphql') return method === 'POST' && isGraphQLMutation(body);
  return !['GET', 'HEAD', 'OPTIONS'].includes(method);
}

/** A recorded request that can change something: {@link isContentCreating}. */
export function isChange(request: Pick<RecordedRequest, 'method' | 'path' | 'body'>): boolean {
  return isContentCreating(request.method, request.path, request.body);
}

/** A GraphQL query (not a mutation), sent as POST /graphql. */
export function isGraphQLQuery(request: Pick<RecordedRequest, 'path' | 'body'>): boolean {
  return request.path === '/graphql' && !isGraphQLMutation(request.body);
}
