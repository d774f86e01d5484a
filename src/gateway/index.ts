/**
 * The embedded gateway layer: request ids, identity, authorization of every request, rate limits,
 * idempotency, audit of every mutation, and HTTP metrics. Registered once by the composition root
 * around all domain plugins (it is not encapsulated, so its hooks apply to every route).
 *
 * Hook order per request: onRequest (authenticate -> rate limit -> authorize) -> body parsing and
 * schema validation -> preHandler (idempotency) -> handler -> onSend (idempotency record, audit) ->
 * onResponse (metrics). Authentication runs before validation so an anonymous caller learns
 * nothing about a route's schema.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { PlatformStore } from '../infra/ports/platform.ts'
import { Errors } from '../shared/errors.ts'
import type { Authorizer } from '../contracts/authorization.ts'
import { assertBodyDepth } from '../shared/json-depth.ts'
import { createIdempotencyHooks, MUTATING } from './idempotency.ts'
import type { Authenticate } from './identity/authenticate.ts'
import type { MetricsRegistry } from './metrics.ts'
import type { Resource } from '../contracts/principal.ts'
import type { RateLimiter } from './rate-limit.ts'
import './types.ts'

export interface GatewayOptions {
  dc: string
  platform: PlatformStore
  authenticate: Authenticate
  authorizer: Authorizer
  rateLimiter: RateLimiter
  metrics: MetricsRegistry
}

function resourceOf(request: FastifyRequest, action: string): Resource {
  const params = (request.params ?? {}) as Record<string, string>
  return { type: action.split('.')[0], projectId: params.projectId, id: params.id ?? params.subject ?? params.keyId }
}

async function gateway(app: FastifyInstance, opts: GatewayOptions) {
  const requests = opts.metrics.counter('dyad_http_requests_total', 'HTTP requests by route, method and status.')
  const durations = opts.metrics.histogram('dyad_http_request_duration_seconds', 'HTTP request latency.')
  const denials = opts.metrics.counter('dyad_authz_denied_total', 'Requests refused by authorization.')
  const idempotency = createIdempotencyHooks(opts.platform)

  app.decorateRequest('principal', null as never)
  app.decorateRequest('idempotency', undefined)

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    reply.header('x-dyad-dc', opts.dc)
    const config = request.routeOptions.config
    if (config?.public || request.routeOptions.url === undefined) return
    const principal = await opts.authenticate(request)
    request.principal = principal
    const wait = opts.rateLimiter.take(principal.subject)
    if (wait > 0) {
      reply.header('retry-after', String(wait))
      throw Errors.rateLimited(`Rate limit exceeded; retry in ${wait} s.`)
    }
    const action = config?.action
    if (!action) throw Errors.forbidden('This route declares no action; refusing by default.')
    const decision = await opts.authorizer.authorize(principal, action, resourceOf(request, action))
    if (!decision.allow) {
      denials.inc({ action })
      request.log.info({ action, subject: principal.subject, reason: decision.reason }, 'authorization denied')
      throw Errors.forbidden(`Not allowed to ${action}: ${decision.reason}.`)
    }
  })

  app.addHook('preValidation', async (request) => assertBodyDepth(request.body))
  app.addHook('preHandler', idempotency.preHandler)
  app.addHook('onSend', idempotency.onSend)

  // Audit every mutation by an authenticated principal, allowed or not, before the response leaves:
  // an acknowledged mutation always has its audit entry.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!MUTATING.has(request.method) || !request.principal || request.routeOptions.config?.public) return payload
    const action = request.routeOptions.config?.action ?? 'unknown'
    const params = (request.params ?? {}) as Record<string, string>
    const entry = {
      id: `${Date.now().toString(36)}-${request.id}`,
      at: new Date().toISOString(),
      dc: opts.dc,
      requestId: String(request.id),
      actor: request.principal.subject,
      action,
      resource: request.url.split('?')[0],
      projectId: params.projectId ?? null,
      outcome: reply.statusCode < 400 ? ('success' as const) : ('failure' as const),
      details: { method: request.method, statusCode: reply.statusCode, via: request.principal.via, ...(request.principal.keyId ? { keyId: request.principal.keyId } : {}) },
    } as const
    try {
      await opts.platform.appendAudit(entry)
    } catch (err) {
      // A success must not be acknowledged without its audit entry: fail the request (the error
      // response passes through here again). A response that already reports a failure is kept
      // as it is, and the lost entry is logged in full so it can be recovered from the logs.
      request.log.error({ err, audit: entry }, 'audit write failed')
      if (reply.statusCode < 400) throw err
    }
    return payload
  })

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const labels = { method: request.method, route, status: String(reply.statusCode) }
    requests.inc(labels)
    durations.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })
}

export const gatewayPlugin = fp(gateway, { name: 'dyad-gateway', fastify: '5.x' })
