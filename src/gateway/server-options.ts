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
import { MAX_PATH_PARAM_LENGTH } from './path-params.ts'

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/

export function serverOptions(opts: { bodyLimit: number }): FastifyServerOptions {
  return {
    bodyLimit: opts.bodyLimit,
    // The router refuses a longer path parameter with a 414 before any hook runs. It is the limit the
    // gateway's path-parameter check applies to wildcards (which the router does not measure), so
    // "too long" is one number everywhere, above every id schema's maxLength.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
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
