// The errors the stand-in answers with, in GitHub's shapes: REST (status and body) and GraphQL
// (HTTP 200 with `errors[]`). Every rule module throws these; server.ts and graphql.ts turn them
// into responses.

/** An HTTP answer other than success; the server adds documentation_url and status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    const errors = Array.isArray(body['errors'])
      ? body['errors'].map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))
      : [];
    super([String(body['message'] ?? status), ...errors].join(': '));
  }
}

export function validationFailed(
  errors: Record<string, unknown>[],
  message = 'Validation Failed',
): HttpError {
  return new HttpError(422, { message, errors });
}

export const notFound = (): HttpError => new HttpError(404, { message: 'Not Found' });

/** A GraphQL error as GitHub reports it (HTTP 200, `errors[]`). */
export class GraphqlError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
