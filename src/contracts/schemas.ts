/** Schemas shared by every domain (registered once with `$id`, referenced as `{ $ref: 'Name#' }`). */
export const ErrorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error response. `code` is stable; switch on it, not on `message`.',
  required: ['statusCode', 'code', 'error', 'message', 'requestId'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', examples: ['VALIDATION_FAILED'] },
    error: { type: 'string' },
    message: { type: 'string' },
    requestId: { type: 'string' },
    details: {},
    errors: { type: 'array', description: 'OPA-compatible routes: the individual errors (e.g. compile errors with locations).', items: { type: 'object', additionalProperties: true } },
  },
} as const

/** Standard error responses added to every route's schema by the composition root. */
export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  403: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  409: { $ref: 'Error#' },
  413: { $ref: 'Error#' },
  414: { $ref: 'Error#' },
  415: { $ref: 'Error#' },
  422: { $ref: 'Error#' },
  429: { $ref: 'Error#' },
  431: { $ref: 'Error#' },
  500: { $ref: 'Error#' },
  503: { $ref: 'Error#' },
} as const

/** Path segment ids: lowercase slugs, so they are safe in URLs, keys and logs. */
export const IdSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } as const
/** Subjects come from identity providers (emails, UUIDs, `service:x`). */
export const SubjectSchema = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9@._:+-]+$' } as const
