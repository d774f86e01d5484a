/**
 * One error model for the whole process, and the registry every error code is declared in.
 *
 * Each area (the gateway and common codes here, PLATFORM_, POLICY_, KV_, ... in their own
 * `errors.ts`) declares its codes once with `errorArea(prefix)`. A declaration is an
 * `@fastify/error` constructor (`createError(code, message, statusCode)`, as platformatic does) wrapped
 * in a small factory so call sites stay `Errors.forbidden('why')`: the factory takes the message
 * that explains this occurrence and optional machine-readable `details`. Comparisons go through
 * the declaration too (`KvErrors.compacted.is(err)` or `=== KvErrors.compacted.code`), so renaming
 * a code is a compile-time change, never a silently dead string comparison.
 *
 * Declaring a code with a second meaning, or outside its area's prefix, throws when the module
 * loads: the registry refuses it at boot rather than letting two meanings share one code that
 * clients switch on.
 *
 * The gateway's error handler renders every DyadError as `{ statusCode, code, error, message,
 * requestId, details? }`; anything else is an internal bug, rendered as a generic 500.
 */
import createError from '@fastify/error'

/**
 * What every registered error is an instance of. The instances are made by @fastify/error
 * constructors whose prototype chain runs through this class, so `instanceof DyadError` holds for
 * all of them; subclasses that keep their own constructor (tests, legacy call sites) still work.
 */
export class DyadError extends Error {
  declare readonly statusCode: number
  declare readonly code: string
  /** Machine-readable context rendered as the body's `details` (validation errors, limits). */
  details?: unknown
  /** Extra top-level fields of the error body, for protocols with their own shape (OPA's `errors`). */
  extra?: Record<string, unknown>

  /** Prefer a registry declaration (`Errors.x(...)`); this is for codes declared elsewhere. */
  constructor(code: string, statusCode: number, message: string, details?: unknown, extra?: Record<string, unknown>) {
    super(message)
    this.name = 'DyadError'
    Object.assign(this, { code, statusCode })
    this.details = details
    this.extra = extra
  }
}

/** One declared error: call it to make an instance; `code` and `statusCode` are its contract. */
export interface ErrorKind<C extends string = string> {
  (message?: string, details?: unknown): DyadError
  readonly code: C
  readonly statusCode: number
  readonly defaultMessage: string
  /** The area that declared it (its prefix, or the area name for unprefixed areas). */
  readonly area: string
  /** True when `err` carries this code, whichever module instance made it. */
  is(err: unknown): boolean
}

const registry = new Map<string, ErrorKind>()

/** Every declared error kind, in declaration order (for tests and documentation). */
export function registeredErrors(): ErrorKind[] {
  return [...registry.values()]
}

export interface AreaOptions {
  /**
   * How codes of this area are spelled. Dyad codes are SCREAMING_SNAKE_CASE; OPA's REST API has
   * its own lower-case codes (`invalid_parameter`) that OPA clients switch on.
   */
  pattern?: RegExp
  /** Name used when the prefix is empty (the gateway's common codes, OPA's codes). */
  name?: string
}

const DYAD_CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]+$/

/**
 * Returns the declaring function of one area. Every code it declares must start with `prefix` and
 * match the area's pattern; a code already declared anywhere else is refused.
 */
export function errorArea(prefix: string, opts: AreaOptions = {}) {
  const pattern = opts.pattern ?? DYAD_CODE
  const area = opts.name ?? prefix
  return function defineError<const C extends string>(code: C, statusCode: number, defaultMessage: string): ErrorKind<C> {
    if (!code.startsWith(prefix) || !pattern.test(code)) throw new Error(`error code ${code} does not belong to area ${area}`)
    // A module evaluated again (a test mock, a reload) redeclares the same thing: tolerated. The same
    // code with another meaning is not. Exact copies are caught by test/gateway/errors.test.ts.
    const known = registry.get(code)
    if (known && (known.area !== area || known.statusCode !== statusCode || known.defaultMessage !== defaultMessage)) {
      throw new Error(`error code ${code} is declared twice (${known.area} and ${area})`)
    }
    // @fastify/error upper-cases codes; OPA's lower-case ones are restored on the instance below.
    const Make = createError(code, defaultMessage, statusCode, DyadError as unknown as ErrorConstructor, true)
    const kind = (message?: string, details?: unknown): DyadError => {
      const err = new Make() as unknown as DyadError
      Object.assign(err, { code, name: 'DyadError' })
      // The message is given whole (it names the failing value); @fastify/error's printf-style
      // arguments would append rather than replace.
      if (message !== undefined) err.message = message
      if (details !== undefined) err.details = details
      return err
    }
    const is = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
    const declared = Object.assign(kind, { code, statusCode, defaultMessage, area, is })
    registry.set(code, declared)
    return declared
  }
}

const define = errorArea('', { name: 'gateway' })

/**
 * The gateway's and every area's common codes (unprefixed: they predate the prefixes, and clients
 * switch on them). Framework-level failures (routing, parsing, oversized requests) are here too, so
 * that a response Fastify or Node would have produced carries one of these codes.
 */
export const Errors = {
  badRequest: define('BAD_REQUEST', 400, 'The request is malformed.'),
  validation: define('VALIDATION_FAILED', 400, 'The request does not match the schema.'),
  malformedBody: define('MALFORMED_BODY', 400, 'The body is not valid JSON; send a JSON document that matches the schema.'),
  bodyTooDeep: define('BODY_TOO_DEEP', 400, 'The JSON body is nested too deeply.'),
  malformedRequest: define('MALFORMED_REQUEST', 400, 'The HTTP request is malformed; the connection is closed.'),
  malformedUrl: define('MALFORMED_URL', 400, 'The URL is not valid percent-encoding; encode reserved and non-ASCII characters as UTF-8.'),
  unauthenticated: define('UNAUTHENTICATED', 401, 'Send a valid API key or bearer token.'),
  forbidden: define('FORBIDDEN', 403, 'The principal is not allowed to do this.'),
  projectRequired: define('PROJECT_REQUIRED', 400, 'Say which project this request acts in: use a project-scoped API key or send the Dyad-Project header.'),
  notFound: define('NOT_FOUND', 404, 'The resource does not exist.'),
  routeNotFound: define('ROUTE_NOT_FOUND', 404, 'No such route; see /openapi.json for the API.'),
  requestTimeout: define('REQUEST_TIMEOUT', 408, 'The request did not arrive in time; send it again.'),
  conflict: define('CONFLICT', 409, 'The resource changed or already exists.'),
  payloadTooLarge: define('PAYLOAD_TOO_LARGE', 413, 'The request body is too large.'),
  uriTooLong: define('URI_TOO_LONG', 414, 'The URL or one of its path segments is too long.'),
  unsupportedMediaType: define('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the body as application/json.'),
  headersTooLarge: define('HEADERS_TOO_LARGE', 431, 'The request headers are too large.'),
  idempotencyKeyInvalid: define('IDEMPOTENCY_KEY_INVALID', 400, 'Idempotency-Key must be 1-255 visible ASCII characters.'),
  idempotencyMismatch: define(
    'IDEMPOTENCY_KEY_REUSED',
    422,
    'This Idempotency-Key was used with a different request; use a new key.',
  ),
  idempotencyInFlight: define(
    'IDEMPOTENCY_KEY_IN_FLIGHT',
    409,
    'A request with this Idempotency-Key is still being processed; retry later.',
  ),
  rateLimited: define('RATE_LIMITED', 429, 'Too many requests; slow down.'),
  quotaExceeded: define('QUOTA_EXCEEDED', 429, "The project's or key's request quota for this period is used up."),
  unavailable: define('DEPENDENCY_UNAVAILABLE', 503, 'A dependency is unavailable; retry later.'),
  internal: define('INTERNAL', 500, 'Internal error; the request id identifies it in the logs.'),
} as const

export function isDyadError(err: unknown): err is DyadError {
  return err instanceof DyadError
}
