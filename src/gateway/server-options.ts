/**
 * Options of the Fastify server itself that belong to the request path: request ids, body limits,
 * and how errors raised before routing (bad URL encoding, oversized headers or URLs, malformed
 * HTTP) are rendered, so that they too carry the one error shape with `code` and `requestId`.
 * The composition root spreads these into `Fastify({...})`.
 */
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import type { FastifyError, FastifyServerOptions } from 'fastify'
import { renderError, sendError } from './error-handler.ts'
import { clientErrorHandler } from './client-errors.ts'
import { MAX_PATH_PARAM_LENGTH } from './path-params.ts'

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/

type SerializerFactory = (externalSchemas: unknown, serializerOpts: unknown) => (route: unknown) => (data: unknown) => string
// Fastify's own default serializer compiler, resolved from fastify's location so it is the version
// fastify ships with (it is fastify's dependency, not ours).
const defaultSerializerFactory = (createRequire(createRequire(import.meta.url).resolve('fastify'))('@fastify/fast-json-stringify-compiler') as { SerializerSelector: () => SerializerFactory }).SerializerSelector()

/**
 * The default response serializers, each compiled on its first use instead of all at start-up:
 * fast-json-stringify compiling every route's response schemas took most of the seconds a start
 * costs (also for every app a test builds), while a process uses only some of them. The compiled
 * function is the same one; only when it is built changes.
 */
const lazySerializerFactory: SerializerFactory = (externalSchemas, serializerOpts) => {
  const compile = defaultSerializerFactory(externalSchemas, serializerOpts)
  return (route) => {
    let serialize: ((data: unknown) => string) | undefined
    return (data) => (serialize ??= compile(route))(data)
  }
}

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
    schemaController: { compilersFactory: { buildSerializer: lazySerializerFactory as never } },
    // Router failures (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) skip the error handler: render them here.
    frameworkErrors: (err: FastifyError, request, reply) => sendError(reply, renderError(err, request)),
    clientErrorHandler,
  }
}
