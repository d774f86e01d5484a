/**
 * The client's one error type. A Dyad answer of 4xx/5xx carries `{ statusCode, code, error, message,
 * requestId, details? }`; the client copies `code`, `requestId` and `details` from it so callers
 * switch on the same stable codes the server declares (`CMS_NOT_PUBLISHED`, `UNAUTHENTICATED`,
 * `KV_UNAVAILABLE`, ...). Failures that never reached Dyad get `status` 0 and a client code.
 */

/** Codes of failures that are not a Dyad error body. */
export const ClientCodes = {
  /** The request did not complete: connection refused or reset, DNS, TLS. */
  network: 'CLIENT_NETWORK_ERROR',
  /** No answer (or, for a watch, no byte) within the configured time. */
  timeout: 'CLIENT_TIMEOUT',
  /** An answer that is not what Dyad sends: a proxy's HTML page, a body that is not the expected JSON. */
  invalidResponse: 'CLIENT_INVALID_RESPONSE',
} as const

export class CmsClientError extends Error {
  override readonly name = 'CmsClientError'
  /** HTTP status, or 0 when no answer came. */
  readonly status: number
  /** Dyad's error code, or one of `ClientCodes`. */
  readonly code: string
  /** Dyad's request id (body `requestId`, else the `x-request-id` header): quote it when reporting. */
  readonly requestId: string | undefined
  readonly details: unknown

  constructor(init: { status: number; code: string; message: string; requestId?: string; details?: unknown; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.status = init.status
    this.code = init.code
    this.requestId = init.requestId
    this.details = init.details
  }

  /**
   * Whether trying again later can help: no answer, a 5xx, or 429. A 4xx other than 429 is the
   * request's own fault and repeats identically.
   */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500
  }
}

/** Builds the error for a non-2xx/304 answer from its body (Dyad's shape when it is one). */
export async function errorFromResponse(res: Response, what: string): Promise<CmsClientError> {
  const headerId = res.headers.get('x-request-id') ?? undefined
  const text = await res.text().catch(() => '')
  let body: { code?: unknown; message?: unknown; requestId?: unknown; details?: unknown } | undefined
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (body && typeof body.code === 'string') {
    return new CmsClientError({
      status: res.status,
      code: body.code,
      message: `${what}: ${typeof body.message === 'string' ? body.message : res.statusText}`,
      requestId: typeof body.requestId === 'string' ? body.requestId : headerId,
      details: body.details,
    })
  }
  return new CmsClientError({ status: res.status, code: `HTTP_${res.status}`, message: `${what}: HTTP ${res.status} ${text.slice(0, 200)}`, requestId: headerId })
}

/** Wraps what `fetch` throws (or an abort by our own timer) into the client's error. */
export function transportError(err: unknown, what: string, timedOut: boolean): CmsClientError {
  if (err instanceof CmsClientError) return err
  const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)
  return timedOut
    ? new CmsClientError({ status: 0, code: ClientCodes.timeout, message: `${what}: no answer in time`, cause: err })
    : new CmsClientError({ status: 0, code: ClientCodes.network, message: `${what}: ${reason}`, cause: err })
}
