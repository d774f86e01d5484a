/**
 * Feature flags over the OpenFeature Remote Evaluation Protocol. An OFREP provider's base URL is
 * `<dyad>/v1/projects/<project>/cms/apps/<app>/envs/<env>`; under it:
 *
 *   POST /ofrep/v1/evaluate/flags/{key}   one flag, for the context in the body
 *   POST /ofrep/v1/evaluate/flags         every flag (ETag / If-None-Match -> 304)
 *
 * Both only read (`readOnly`: no Idempotency-Key, no audit entry) and answer from the flag set the
 * cms service keeps in memory. OFREP failures carry OFREP's `errorCode`/`errorDetails` (and `key` on
 * the single-flag route) next to Dyad's `code` and `requestId`; 401, 403 and 429 are the gateway's,
 * which OFREP defines by status alone.
 */
import { createHash } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { IdSchema } from '../../../src/contracts/schemas.ts'
import { canonicalJson } from '../../../src/shared/canonical-json.ts'
import { evaluateAll, evaluateFlag, isFailure, ofrepError, type FlagSet } from '../flags/index.ts'
import { OfrepBulkSchema, OfrepErrorSchema, OfrepRequestSchema, OfrepSuccessSchema } from '../flags/schemas.ts'
import { BASE, NameSchema } from '../schemas.ts'

export interface OfrepRouteOptions {
  /**
   * The published flag set of one environment and its ETag (which changes whenever the set does),
   * from the cms service's in-memory cache; undefined when the environment has no flags. It may
   * throw a Dyad error (an unknown app or environment), which is answered as it is.
   */
  flags(projectId: string, app: string, env: string): { set: FlagSet; etag: string } | undefined
}

const tags = ['cms (OFREP)']
const OFREP = `${BASE}/apps/:app/envs/:env/ofrep/v1/evaluate/flags`
const config = { action: 'cms.flags.evaluate', readOnly: true }
const envParams = { projectId: IdSchema, app: NameSchema, env: NameSchema }

type Params = { projectId: string; app: string; env: string; key?: string }
type Req = FastifyRequest<{ Params: Params; Body: { context?: Record<string, unknown> }; Headers: { 'if-none-match'?: string } }>

/** Schema failures of the body are OFREP's INVALID_CONTEXT; of the path or headers, Dyad's VALIDATION_FAILED. */
function checked(req: Req, key?: string) {
  const err = req.validationError as (FastifyError & { validationContext?: string }) | undefined
  if (!err) return
  if (err.validationContext !== 'body') throw err
  throw ofrepError('INVALID_CONTEXT', `the request is { "context": { ... } }: ${err.message}`, key)
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim()
    return tag === '*' || tag === etag || tag === `W/${etag}`
  })
}

const tag = (...parts: string[]) => `"${createHash('sha256').update(parts.join('\0')).digest('base64url').slice(0, 27)}"`

export async function ofrepRoutes(app: FastifyInstance, opts: OfrepRouteOptions) {
  app.post(`${OFREP}/:key`, {
    config,
    attachValidation: true,
    schema: {
      tags,
      summary: 'OFREP: evaluate one flag',
      description: 'Evaluates the flag for the context. Errors: 404 FLAG_NOT_FOUND, 400 INVALID_CONTEXT or GENERAL (with OFREP\'s `key`, `errorCode` and `errorDetails`).',
      params: { type: 'object', required: ['projectId', 'app', 'env', 'key'], properties: { ...envParams, key: { type: 'string', minLength: 1, maxLength: 1024 } } },
      body: OfrepRequestSchema,
      response: { 200: OfrepSuccessSchema, 400: OfrepErrorSchema, 404: OfrepErrorSchema },
    },
    handler: async (req: Req) => {
      const { projectId, app: appName, env, key } = req.params
      checked(req, key)
      const result = evaluateFlag(opts.flags(projectId, appName, env)?.set, key!, req.body?.context)
      if (isFailure(result)) throw ofrepError(result.errorCode, result.errorDetails, result.key)
      return result
    },
  })

  app.post(OFREP, {
    config,
    attachValidation: true,
    schema: {
      tags,
      summary: 'OFREP: evaluate every flag (ETag / If-None-Match)',
      description: 'Evaluates every flag of the environment for the context. The ETag covers the flag set and the context (and the results, when a rule reads `$flagd.timestamp`): send it back as If-None-Match to get a 304 while nothing changed.',
      params: { type: 'object', required: ['projectId', 'app', 'env'], properties: envParams },
      headers: { type: 'object', properties: { 'if-none-match': { type: 'string', maxLength: 2000 } } },
      body: OfrepRequestSchema,
      response: { 200: OfrepBulkSchema, 304: { type: 'null', description: 'Not modified: the results are those of the ETag sent.' }, 400: OfrepErrorSchema },
    },
    handler: async (req: Req, reply) => {
      checked(req)
      const { projectId, app: appName, env } = req.params
      const found = opts.flags(projectId, appName, env)
      const context = req.body?.context
      // The results are a function of the set and the context, unless a rule reads the clock:
      // then only the results themselves can say whether they changed.
      let etag = found?.set.timeDependent ? undefined : tag(found?.etag ?? '', canonicalJson(context ?? {}))
      reply.header('cache-control', 'no-cache')
      if (etag && matches(req.headers['if-none-match'], etag)) return reply.header('etag', etag).code(304).send()
      const bulk = evaluateAll(found?.set, context)
      if ('errorCode' in bulk) throw ofrepError(bulk.errorCode, bulk.errorDetails)
      const body = JSON.stringify(bulk)
      etag ??= tag(found!.etag, body)
      reply.header('etag', etag)
      if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send()
      return reply.type('application/json; charset=utf-8').send(body)
    },
  })
}
