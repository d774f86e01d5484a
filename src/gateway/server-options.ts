/**
 * Options of the Fastify server itself that belong to the request path: request ids, body limits,
 * and how errors raised before routing (bad URL encoding, oversized headers or URLs, malformed
 * HTTP) are rendered, so that they too carry the one error shape with `code` and `requestId`.
 * The composition root spreads these into `Fastify({...})`.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyError, FastifyServerOptions } from 'fastify'
import { renderError, sendError } from './error-handler.ts'
import { clientErrorHandler } from './client-errors.ts'

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Longest path parameter the router matches; a longer one is a 414 before any hook runs. It sits
 * above every id schema's maxLength (subjects allow 200) so that a merely too-long id still gets
 * the schema's precise 400, and far below anything a store or log line should carry.
 */
export const MAX_PARAM_LENGTH = 512

export function serverOptions(opts: { bodyLimit: number }): FastifyServerOptions {
  return {
    bodyLimit: opts.bodyLimit,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // A caller-supplied request id is kept (so one id follows a request across both DCs' logs) only
    // when it is short and plain; anything else gets a fresh UUID.
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID()
    },
    ajv: { customOptions: { strict: false } },
    // Router failures (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) skip the error handler: render them here.
    frameworkErrors: (err: FastifyError, request, reply) => sendError(reply, renderError(err, request)),
    clientErrorHandler,
  }
}
