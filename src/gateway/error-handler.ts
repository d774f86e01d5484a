import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance } from 'fastify'
import { isDyadError } from '../shared/errors.ts'

/** Fastify's own 4xx error codes mapped onto Dyad's stable codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
}

export interface ErrorBody {
  [extra: string]: unknown
  statusCode: number
  code: string
  error: string
  message: string
  requestId?: string
  details?: unknown
}

export function errorBody(statusCode: number, code: string, message: string, requestId?: string, details?: unknown): ErrorBody {
  const body: ErrorBody = { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
  if (requestId) body.requestId = requestId
  if (details !== undefined) body.details = details
  return body
}

/**
 * The one place errors become HTTP responses. Known errors keep their status and stable code;
 * anything else is an internal bug: logged with its stack, rendered as a generic 500 so no internal
 * detail (SQL, driver messages, secrets) reaches a client.
 */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let body: ErrorBody
    if (isDyadError(err)) {
      body = { ...errorBody(err.statusCode, err.code, err.message, request.id, err.details), ...(err.extra ?? {}) }
    } else if (err.validation) {
      body = errorBody(400, 'VALIDATION_FAILED', err.message, request.id, { context: err.validationContext, errors: err.validation.map((v) => ({ path: v.instancePath, message: v.message })) })
    } else if (err.code?.startsWith('FST_JWT_') || err.code?.startsWith('FAST_JWT_')) {
      body = errorBody(401, 'UNAUTHENTICATED', 'The bearer token is invalid or expired.', request.id)
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      body = errorBody(err.statusCode, FASTIFY_CODES[err.code] ?? (err.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : err.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST'), err.message, request.id)
    } else {
      request.log.error({ err }, 'unhandled error')
      body = errorBody(500, 'INTERNAL', 'Internal error; the request id identifies it in the logs.', request.id)
    }
    if (body.statusCode >= 500 && isDyadError(err)) request.log.error({ err }, 'dependency error')
    reply.code(body.statusCode).type('application/json; charset=utf-8').send(body)
  })

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(404, 'ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`, request.id))
  })
}
