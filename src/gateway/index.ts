/**
 * The embedded gateway layer: request ids, identity, authorization of every request, rate limits,
 * idempotency, audit of every mutation, and HTTP metrics. Registered once by the composition root
 * around all domain plugins (it is not encapsulated, so its hooks apply to every route); domain
 * plugins declare it as a dependency by name (GATEWAY_PLUGIN).
 *
 * Hook order per request: onRequest (authenticate -> path parameters -> rate limit -> authorize ->
 * the project exists -> the project's rate limits and quotas) -> body parsing, body depth and schema validation -> preHandler (idempotency)
 * -> handler -> onSend (idempotency record, audit) -> onResponse (metrics). The body, idempotency
 * and audit hooks are route hooks, attached only to mutating routes. Authentication runs before
 * validation so an anonymous caller learns nothing about a route's schema; authorization runs before
 * the existence check so a caller learns whether a project exists only if it may act on it.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Authorizer, Decision } from '../contracts/authorization.ts'
import { GATEWAY_PLUGIN } from '../contracts/domain.ts'
import type { PrincipalDirectory } from '../contracts/directory.ts'
import type { Metrics } from '../contracts/metrics.ts'
import type { Principal, Resource } from '../contracts/principal.ts'
import type { AuditLog } from '../infra/ports/audit.ts'
import type { IdempotencyStore } from '../infra/ports/idempotency.ts'
import { Errors } from '../shared/errors.ts'
import { assertBodyDepth } from '../shared/json-depth.ts'
import { createIdempotencyHooks, MUTATING } from './idempotency.ts'
import type { Authenticate } from './identity/authenticate.ts'
import { checkPathParams } from './path-params.ts'
import type { RateLimiter } from './rate-limit.ts'
import type { TrafficControl } from './traffic.ts'
import '../contracts/route-config.ts'

export { GATEWAY_PLUGIN }

export interface GatewayOptions {
  dc: string
  directory: PrincipalDirectory
  authenticate: Authenticate
  authorizer: Authorizer
  audit: AuditLog
  idempotency: IdempotencyStore
  rateLimiter: RateLimiter
  /** Per-project rate limits and durable request quotas. */
  traffic?: TrafficControl
  metrics: Metrics
}

/** The resource an action is about: its type is the action's first segment (`member` of `member.write`). */
/**
 * A route's own hooks (absent, one function or a list) followed by the gateway's. Typed loosely:
 * Fastify types each hook slot separately, and these are the functions written for that slot.
 */
function append(existing: unknown, ...hooks: unknown[]): never {
  return [...(existing === undefined ? [] : [existing].flat()), ...hooks] as never
}

function resourceOf(params: Record<string, string>, projectId: string | undefined, action: string): Resource {
  const dot = action.indexOf('.')
  return { type: dot < 0 ? action : action.slice(0, dot), projectId, id: params.id ?? params.subject ?? params.keyId }
}

/** The project of a `projectFromCaller` route: the key's scope wins over the header, so a scoped key cannot name another project. */
function callerProject(request: FastifyRequest, principal: Principal): string {
  if (principal.projectScope !== null) return principal.projectScope
  const header = request.headers['dyad-project']
  if (typeof header !== 'string' || header === '') throw Errors.projectRequired()
  checkPathParams({ projectId: header })
  return header
}

async function gateway(app: FastifyInstance, opts: GatewayOptions) {
  const requests = opts.metrics.counter('dyad_http_requests_total', 'HTTP requests by route, method and status.', ['method', 'route', 'status'])
  const durations = opts.metrics.histogram('dyad_http_request_duration_seconds', 'HTTP request latency.', ['method', 'route'])
  const denials = opts.metrics.counter('dyad_authz_denied_total', 'Requests refused by authorization.', ['action'])
  const limited = opts.metrics.counter('dyad_rate_limited_total', 'Requests refused by a rate limit or a request quota, by kind (principal: the process-wide limit; rate, quota: a project\'s).', ['kind'])
  const idempotency = createIdempotencyHooks(opts.idempotency)

  app.decorateRequest('principal', null as never)
  app.decorateRequest('idempotency', undefined)
  app.decorateRequest('projectId', undefined)

  function refuse(request: FastifyRequest, principal: Principal, action: string, decision: Decision): never {
    denials.inc({ action })
    request.log.info({ action, subject: principal.subject, reason: decision.reason }, 'authorization denied')
    throw Errors.forbidden(`Not allowed to ${action}: ${decision.reason}.`)
  }

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    reply.header('x-dyad-dc', opts.dc)
    const config = request.routeOptions.config
    if (config?.public || request.routeOptions.url === undefined) return
    const authenticated = opts.authenticate(request)
    const principal = authenticated instanceof Promise ? await authenticated : authenticated
    request.principal = principal
    const params = (request.params ?? {}) as Record<string, string>
    checkPathParams(params)
    const wait = opts.rateLimiter.take(principal.subject)
    if (wait > 0) {
      limited.inc({ kind: 'principal' })
      reply.header('retry-after', String(wait))
      throw Errors.rateLimited(`Rate limit exceeded; retry in ${wait} s.`)
    }
    const action = config?.action
    if (!action) throw Errors.forbidden('This route declares no action; refusing by default.')
    const projectId = config?.projectFromCaller ? callerProject(request, principal) : params.projectId
    request.projectId = projectId
    const decided = opts.authorizer.authorize(principal, action, resourceOf(params, projectId, action))
    const decision = decided instanceof Promise ? await decided : decided
    if (!decision.allow) refuse(request, principal, action, decision)
    if (projectId !== undefined) {
      const exists = opts.directory.assertProject(projectId)
      if (exists instanceof Promise) await exists
      try {
        const checked = opts.traffic?.check(request, reply, projectId, principal)
        if (checked) await checked
      } catch (err) {
        if (Errors.rateLimited.is(err) || Errors.quotaExceeded.is(err)) limited.inc({ kind: Errors.rateLimited.is(err) ? 'rate' : 'quota' })
        throw err
      }
    }
  })

  // Audit every mutation by an authenticated principal, allowed or not, before the response leaves:
  // an acknowledged mutation always has its audit entry.
  async function audit(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    if (!request.principal) return payload
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
      projectId: request.projectId ?? null,
      outcome: reply.statusCode < 400 ? ('success' as const) : ('failure' as const),
      details: { method: request.method, statusCode: reply.statusCode, via: request.principal.via, ...(request.principal.keyId ? { keyId: request.principal.keyId } : {}) },
    } as const
    try {
      await opts.audit.appendAudit(entry)
    } catch (err) {
      // A success must not be acknowledged without its audit entry: fail the request (the error
      // response passes through here again). A response that already reports a failure is kept
      // as it is, and the lost entry is logged in full so it can be recovered from the logs.
      request.log.error({ err, audit: entry }, 'audit write failed')
      if (reply.statusCode < 400) throw err
    }
    return payload
  }

  // The body-depth check, idempotency and audit hooks are attached to the routes that need them
  // (routes with a body; mutations), not to every request: a GET runs none of them.
  const bodyDepth = async (request: FastifyRequest) => assertBodyDepth(request.body)
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method)
    const mutating = methods.some((m) => MUTATING.has(m))
    if (mutating) route.preValidation = append(route.preValidation, bodyDepth)
    if (!mutating || route.config?.public || route.config?.readOnly) return
    route.preHandler = append(route.preHandler, idempotency.preHandler)
    route.onSend = append(route.onSend, idempotency.onSend, audit)
  })

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    requests.inc({ method: request.method, route, status: String(reply.statusCode) })
    durations.observe({ method: request.method, route }, reply.elapsedTime / 1000)
  })
}

export const gatewayPlugin = fp(gateway, { name: GATEWAY_PLUGIN, fastify: '5.x' })
