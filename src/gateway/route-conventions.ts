/**
 * Conventions applied to every route as it is declared, before the OpenAPI generator sees it:
 * the shared error responses, and the Idempotency-Key header on mutating routes. Registered by the
 * composition root ahead of every plugin so that no route can opt out by accident.
 */
import type { FastifyInstance } from 'fastify'
import { MUTATING } from './idempotency.ts'
import { errorResponses } from '../contracts/schemas.ts'

export function applyRouteConventions(app: FastifyInstance, opts: { publicPrefixes: string[] }) {
  app.addHook('onRoute', (route) => {
    // Routes added by third-party plugins (the docs UI) carry no Dyad config: mark them public here.
    if (opts.publicPrefixes.some((p) => route.url.startsWith(p))) route.config = { ...(route.config ?? {}), public: true }
    if (route.schema?.hide) return
    const schema = (route.schema ??= {}) as { response?: Record<string, unknown>; headers?: any; security?: unknown }
    schema.response = { ...errorResponses, ...(schema.response ?? {}) }
    if (route.config?.public) return
    schema.security ??= [{ bearerAuth: [] }, { apiKeyHeader: [] }, { basicAuth: [] }]
    const methods = ([] as string[]).concat(route.method)
    if (!methods.some((m) => MUTATING.has(m))) return
    const headers = schema.headers ?? { type: 'object', properties: {} }
    headers.properties = {
      ...headers.properties,
      'idempotency-key': {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        description: 'Retrying the same request with the same key replays the stored response; reusing a key for a different request is a 422.',
      },
    }
    schema.headers = headers
  })
}
