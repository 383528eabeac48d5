// A refusal as the API server sends it: a `Status` object with the HTTP code, a reason kubectl
// prints ("Error from server (NotFound): ...") and details
// (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/).
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export const notFound = (plural: string, name: string, group = ''): ApiError =>
  new ApiError(404, 'NotFound', `${group ? `${plural}.${group}` : plural} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: plural,
  });

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

/** 422 with one cause per invalid field, as `<Kind>.<group> "<name>" is invalid: <field>: <detail>`. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: { field: string; message: string }[],
): ApiError {
  const qualified = group ? `${kind}.${group}` : kind;
  const list = causes.map((cause) => `${cause.field}: ${cause.message}`);
  return new ApiError(
    422,
    'Invalid',
    `${qualified} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`,
    {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: causes.map((cause) => ({
        reason: cause.message.startsWith('Required') ? 'FieldValueRequired' : 'FieldValueInvalid',
        message: cause.message,
        field: cause.field,
      })),
    },
  );
}
