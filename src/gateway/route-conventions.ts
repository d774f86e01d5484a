/**
 * Conventions applied to every route as it is declared, before the OpenAPI generator sees it:
 * the shared error responses, and the Idempotency-Key header on mutating routes. Registered by the
 * composition root ahead of every plugin so that no route can opt out by accident.
 */
import type { FastifyInstance } from 'fastify'
import { MUTATING } from './idempotency.ts'
import { errorResponses } from '../contracts/schemas.ts'

/** The credentials every non-public route takes, as OpenAPI security schemes (see identity/authenticate.ts). */
export const SECURITY_SCHEMES = {
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (dyad_<id>_<secret>) or a JWT.' },
  apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
  basicAuth: { type: 'http', scheme: 'basic', description: 'An API key as the password (any user name), for clients that only speak basic auth.' },
} as const

export function applyRouteConventions(app: FastifyInstance, opts: { publicPrefixes: string[] }) {
  app.addHook('onRoute', (route) => {
    // Routes added by third-party plugins (the docs UI) carry no Dyad config: mark them public here.
    if (opts.publicPrefixes.some((p) => route.url.startsWith(p))) route.config = { ...(route.config ?? {}), public: true }
    if (route.schema?.hide) return
    const schema = (route.schema ??= {}) as { response?: Record<string, unknown>; headers?: any; security?: unknown }
    schema.response = { ...errorResponses, ...(schema.response ?? {}) }
    if (route.config?.public) return
    schema.security ??= Object.keys(SECURITY_SCHEMES).map((name) => ({ [name]: [] }))
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
