/**
 * One error model for the whole process.
 *
 * Services throw `DyadError`s with a stable `code`; the gateway's error handler renders every error
 * as `{ statusCode, code, error, message }`. Codes are prefixed by the owning area (PLATFORM_, KV_,
 * POLICY_, ...) so a client can switch on them without parsing messages. Anything that is not a
 * DyadError (or a Fastify validation/parse error) is an internal bug and is rendered as a 500 with a
 * generic message; its details go to the log only.
 */
export class DyadError extends Error {
  readonly statusCode: number
  readonly code: string
  readonly details?: unknown
  /** Extra top-level fields of the error body, for protocols with their own shape (OPA's `errors`). */
  readonly extra?: Record<string, unknown>

  constructor(code: string, statusCode: number, message: string, details?: unknown, extra?: Record<string, unknown>) {
    super(message)
    this.name = 'DyadError'
    this.code = code
    this.statusCode = statusCode
    this.details = details
    this.extra = extra
  }
}

/** Declares an error kind once; call the result to make an instance with a specific message. */
export function defineError(code: string, statusCode: number, defaultMessage: string) {
  const make = (message: string = defaultMessage, details?: unknown) =>
    new DyadError(code, statusCode, message, details)
  return Object.assign(make, { code, statusCode })
}

export const Errors = {
  badRequest: defineError('BAD_REQUEST', 400, 'The request is malformed.'),
  validation: defineError('VALIDATION_FAILED', 400, 'The request does not match the schema.'),
  unauthenticated: defineError('UNAUTHENTICATED', 401, 'Send a valid API key or bearer token.'),
  forbidden: defineError('FORBIDDEN', 403, 'The principal is not allowed to do this.'),
  notFound: defineError('NOT_FOUND', 404, 'The resource does not exist.'),
  conflict: defineError('CONFLICT', 409, 'The resource changed or already exists.'),
  payloadTooLarge: defineError('PAYLOAD_TOO_LARGE', 413, 'The request body is too large.'),
  unsupportedMediaType: defineError('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the body as application/json.'),
  idempotencyMismatch: defineError(
    'IDEMPOTENCY_KEY_REUSED',
    422,
    'This Idempotency-Key was used with a different request; use a new key.',
  ),
  idempotencyInFlight: defineError(
    'IDEMPOTENCY_KEY_IN_FLIGHT',
    409,
    'A request with this Idempotency-Key is still being processed; retry later.',
  ),
  rateLimited: defineError('RATE_LIMITED', 429, 'Too many requests; slow down.'),
  unavailable: defineError('DEPENDENCY_UNAVAILABLE', 503, 'A dependency is unavailable; retry later.'),
  internal: defineError('INTERNAL', 500, 'Internal error.'),
} as const

export function isDyadError(err: unknown): err is DyadError {
  return err instanceof DyadError
}
