/**
 * Traffic control per project, on top of the process-wide per-principal limit (rate-limit.ts):
 *
 * - **Rate limits** (`rateLimits`): token buckets per project or per principal within a project,
 *   optionally for some routes only, each `limit` requests per `windowSeconds` with bursts up to
 *   `burst`. Enforced in memory by each process, so with both DCs serving a client it may get up to
 *   twice a limit; that is the price of not coordinating every request across datacenters.
 *   Responses carry the IETF `RateLimit-Policy` and `RateLimit` headers
 *   (draft-ietf-httpapi-ratelimit-headers), and a 429 `Retry-After`.
 * - **Durable quotas** (`quotas`): requests per UTC day per project and per API key, enforced by
 *   both DCs against one count in the SQL store through the quota pool (blocks leased, not a write
 *   per request).
 *
 * The configuration is a document per project in the KV port (`gateway/traffic/<projectId>`),
 * served from memory; a platform admin sets it (it protects the platform from the tenant), and
 * platform admins' own requests are not limited by it.
 *
 * @fastify/rate-limit was considered: it keeps one limit per route registration, while a request
 * here is checked against several limits chosen per project at run time from etcd, and it emits an
 * older draft's headers; the bucket arithmetic below is the small part it would have replaced.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Principal } from '../contracts/principal.ts'
import type { KvDocCache } from '../infra/kv/doc-cache.ts'
import type { QuotaPool } from '../infra/quota/pool.ts'
import { Errors } from '../shared/errors.ts'

export interface RateRule {
  name: string
  scope: 'project' | 'principal'
  limit: number
  windowSeconds: number
  burst?: number
  /** Route patterns as declared (`/llm/v1/chat/completions`), or prefixes ending in `*`; all routes when absent. */
  routes?: string[]
  methods?: string[]
}

export interface TrafficConfig {
  rateLimits?: RateRule[]
  quotas?: { requestsPerDay?: number; keyRequestsPerDay?: number }
}

const NAME = '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$'

export const TrafficConfigSchema = {
  $id: 'TrafficConfig',
  type: 'object',
  additionalProperties: false,
  properties: {
    rateLimits: {
      type: 'array',
      maxItems: 32,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'scope', 'limit', 'windowSeconds'],
        properties: {
          name: { type: 'string', pattern: NAME },
          scope: { type: 'string', enum: ['project', 'principal'] },
          limit: { type: 'integer', minimum: 1, maximum: 1e9 },
          windowSeconds: { type: 'integer', minimum: 1, maximum: 86_400 },
          burst: { type: 'integer', minimum: 1, maximum: 1e9 },
          routes: { type: 'array', maxItems: 64, items: { type: 'string', minLength: 1, maxLength: 512, pattern: '^/' } },
          methods: { type: 'array', maxItems: 8, items: { type: 'string', enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] } },
        },
      },
    },
    quotas: {
      type: 'object',
      additionalProperties: false,
      properties: { requestsPerDay: { type: 'integer', minimum: 0, maximum: 1e12 }, keyRequestsPerDay: { type: 'integer', minimum: 0, maximum: 1e12 } },
    },
  },
} as const

interface Bucket {
  tokens: number
  at: number
}

function applies(rule: RateRule, method: string, route: string): boolean {
  if (rule.methods && !rule.methods.includes(method)) return false
  if (!rule.routes) return true
  return rule.routes.some((r) => (r.endsWith('*') ? route.startsWith(r.slice(0, -1)) : r === route))
}

export function createTrafficControl(opts: { configs: KvDocCache<TrafficConfig>; pool: QuotaPool; now?: () => number }) {
  const now = opts.now ?? Date.now
  const buckets = new Map<string, Bucket>()
  let lastSweep = now()

  function sweep(t: number) {
    if (t - lastSweep < 60_000) return
    lastSweep = t
    // A bucket untouched for a day is full again whatever its window: drop it.
    for (const [k, b] of buckets) if (t - b.at > 86_400_000) buckets.delete(k)
  }

  async function quota(cfg: TrafficConfig, projectId: string, principal: Principal) {
    const q = cfg.quotas
    if (!q || (q.requestsPerDay === undefined && q.keyRequestsPerDay === undefined)) return
    const day = new Date(now()).toISOString().slice(0, 10)
    const who = principal.keyId ? `key:${principal.keyId}` : `sub:${principal.subject}`
    const items = []
    if (q.requestsPerDay !== undefined) items.push({ bucket: `${projectId}|project|api-requests|${day}`, projectId, amount: 1, limit: q.requestsPerDay })
    if (q.keyRequestsPerDay !== undefined) items.push({ bucket: `${projectId}|${who}|api-requests|${day}`, projectId, amount: 1, limit: q.keyRequestsPerDay })
    let r
    try {
      r = await opts.pool.reserve(items)
    } catch {
      throw Errors.unavailable('The request quota ledger cannot be reached.')
    }
    if (!r) throw Errors.quotaExceeded(`The request quota for ${day} (UTC) is used up.`, { period: day })
  }

  return {
    /**
     * Checks the project's rate limits and quotas for one authorized request; sets the headers;
     * throws 429 when a limit or quota refuses it.
     */
    check(request: FastifyRequest, reply: FastifyReply, projectId: string, principal: Principal): void | Promise<void> {
      // Platform admins are the operators who set these limits: a project that used up its limits
      // must still be administrable.
      if (principal.platformAdmin && principal.projectScope === null) return
      const got = opts.configs.get(projectId)
      // Before the first load (the store was down at start) a project's limits are not known: the
      // request is let through rather than refused for a limit that may not exist.
      if (got instanceof Promise) return got.then((cfg) => cfg && apply(cfg, request, reply, projectId, principal), () => undefined)
      if (got) return apply(got, request, reply, projectId, principal)
    },
  }

  function apply(cfg: TrafficConfig, request: FastifyRequest, reply: FastifyReply, projectId: string, principal: Principal): void | Promise<void> {
      const rules = cfg.rateLimits
      if (rules?.length) {
        const t = now()
        sweep(t)
        const method = request.method
        const route = request.routeOptions.url ?? ''
        const policies: string[] = []
        let tightest: { name: string; remaining: number; reset: number } | undefined
        let refused: { name: string; retryAfter: number } | undefined
        for (const rule of rules) {
          if (!applies(rule, method, route)) continue
          const capacity = rule.burst ?? rule.limit
          const perMs = rule.limit / (rule.windowSeconds * 1000)
          const key = `${projectId}\0${rule.name}\0${rule.scope === 'principal' ? principal.subject : ''}`
          const b = buckets.get(key) ?? { tokens: capacity, at: t }
          b.tokens = Math.min(capacity, b.tokens + (t - b.at) * perMs)
          b.at = t
          buckets.set(key, b)
          policies.push(`"${rule.name}";q=${rule.limit};w=${rule.windowSeconds}${rule.burst ? `;burst=${rule.burst}` : ''}`)
          if (b.tokens < 1) {
            const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000))
            if (!refused || retryAfter > refused.retryAfter) refused = { name: rule.name, retryAfter }
            continue
          }
          const remaining = Math.floor(b.tokens - 1)
          const reset = Math.ceil((capacity - (b.tokens - 1)) / perMs / 1000)
          if (!tightest || remaining < tightest.remaining) tightest = { name: rule.name, remaining, reset }
        }
        if (policies.length) reply.header('ratelimit-policy', policies.join(', '))
        if (refused) {
          reply.header('ratelimit', `"${refused.name}";r=0;t=${refused.retryAfter}`)
          reply.header('retry-after', String(refused.retryAfter))
          throw Errors.rateLimited(`Rate limit ${refused.name} of project ${projectId} exceeded; retry in ${refused.retryAfter} s.`, { policy: refused.name, retryAfter: refused.retryAfter })
        }
        // Only an allowed request spends: take the token from every bucket that applies.
        for (const rule of rules) {
          if (!applies(rule, method, route)) continue
          buckets.get(`${projectId}\0${rule.name}\0${rule.scope === 'principal' ? principal.subject : ''}`)!.tokens -= 1
        }
        if (tightest) reply.header('ratelimit', `"${tightest.name}";r=${tightest.remaining};t=${tightest.reset}`)
      }
      if (cfg.quotas) return quota(cfg, projectId, principal)
  }
}

export type TrafficControl = ReturnType<typeof createTrafficControl>
