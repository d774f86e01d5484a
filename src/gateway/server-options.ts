/**
 * Options of the Fastify server itself that belong to the request path: request ids, body limits,
 * and how errors raised before routing (bad URL encoding, oversized headers or URLs) are rendered.
 * The composition root spreads these into `Fastify({...})`.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyServerOptions } from 'fastify'

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/

export function serverOptions(opts: { bodyLimit: number }): FastifyServerOptions {
  return {
    bodyLimit: opts.bodyLimit,
    // A caller-supplied request id is kept (so one id follows a request across both DCs' logs) only
    // when it is short and plain; anything else gets a fresh UUID.
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomUUID()
    },
    ajv: { customOptions: { strict: false } },
  }
}
