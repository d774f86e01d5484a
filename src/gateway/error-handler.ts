import { STATUS_CODES } from 'node:http'
import { errorCodes, type FastifyError, type FastifyErrorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { Errors, isDyadError, type ErrorKind } from '../shared/errors.ts'
import { acceptedContentTypes } from './content-types.ts'

/**
 * Fastify's own errors mapped onto Dyad's registry, so a client sees one vocabulary whether a route
 * or the framework refused the request. Matched with `instanceof` on Fastify's exported
 * constructors (@fastify/error checks the code), so a renamed Fastify code fails the type check.
 */
const FASTIFY_ERRORS: Array<[FastifyErrorCodes[keyof FastifyErrorCodes], ErrorKind]> = [
  [errorCodes.FST_ERR_CTP_BODY_TOO_LARGE, Errors.payloadTooLarge],
  [errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY, Errors.malformedBody],
  [errorCodes.FST_ERR_CTP_INVALID_JSON_BODY, Errors.malformedBody],
  [errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH, Errors.badRequest],
  [errorCodes.FST_ERR_BAD_URL, Errors.malformedUrl],
  [errorCodes.FST_ERR_MAX_PARAM_LENGTH, Errors.uriTooLong],
]

/** For other framework 4xxs without a mapped code: the registry entry with that status. */
const BY_STATUS: Record<number, ErrorKind> = {
  413: Errors.payloadTooLarge,
  414: Errors.uriTooLong,
  415: Errors.unsupportedMediaType,
  431: Errors.headersTooLarge,
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

function kindBody(kind: ErrorKind, message: string, requestId: string, details?: unknown): ErrorBody {
  return errorBody(kind.statusCode, kind.code, message, requestId, details)
}

/**
 * The one mapping from an error to the body a client sees. Known errors keep their status and
 * stable code; anything else is an internal bug: logged with its stack, rendered as a generic 500
 * so no internal detail (SQL, driver messages, secrets) reaches a client.
 */
export function renderError(err: FastifyError, request: FastifyRequest): ErrorBody {
  const id = String(request.id)
  if (isDyadError(err)) {
    if (err.statusCode >= 500) request.log.error({ err }, 'dependency error')
    return { ...errorBody(err.statusCode, err.code, err.message, id, err.details), ...(err.extra ?? {}) }
  }
  if (err.validation) {
    return kindBody(Errors.validation, err.message, id, { context: err.validationContext, errors: err.validation.map((v) => ({ path: v.instancePath, message: v.message })) })
  }
  if (err.code?.startsWith('FST_JWT_') || err.code?.startsWith('FAST_JWT_')) {
    return kindBody(Errors.unauthenticated, 'The bearer token is invalid or expired.', id)
  }
  if (err instanceof errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE) {
    const accepted = acceptedContentTypes(request)
    const sent = request.headers['content-type'] ?? 'no content type'
    return kindBody(Errors.unsupportedMediaType, `This route does not accept ${sent}; send one of: ${accepted.join(', ')}.`, id, { accepted })
  }
  // The registry's messages say what to do; Fastify's echo the request (a URL can be 100 kB long).
  const mapped = FASTIFY_ERRORS.find(([Fastify]) => err instanceof Fastify)?.[1] ?? (err.statusCode ? BY_STATUS[err.statusCode] : undefined)
  if (mapped === Errors.malformedBody) return kindBody(mapped, `${mapped.defaultMessage} (${err.message})`, id)
  if (mapped) return kindBody(mapped, mapped.defaultMessage, id)
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return errorBody(err.statusCode, Errors.badRequest.code, err.message, id)
  request.log.error({ err }, 'unhandled error')
  return kindBody(Errors.internal, Errors.internal.defaultMessage, id)
}

/** Sends an error body, with the request id header even when the gateway's hooks did not run. */
export function sendError(reply: FastifyReply, body: ErrorBody) {
  reply.header('x-request-id', body.requestId).code(body.statusCode).type('application/json; charset=utf-8').send(body)
}

export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, request, reply) => sendError(reply, renderError(err, request)))

  // A wrong method on a known path lands here too (Fastify has no 405), hence the method in the message.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]
    const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path
    sendError(reply, kindBody(Errors.routeNotFound, `No route ${request.method} ${shown}; see /openapi.json for the API.`, String(request.id)))
  })
}
