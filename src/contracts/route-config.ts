import type { Principal } from '../contracts/principal.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the gateway for every non-public route before the handler runs. */
    principal: Principal
    /** Set when this request owns an idempotency record that its response must complete. */
    idempotency?: { scope: string; key: string }
  }
  interface FastifyContextConfig {
    /** Action checked by `authorize` (see ACTIONS); required unless `public`. */
    action?: string
    /** No authentication (health, metrics, OpenAPI). */
    public?: boolean
  }
}

export {}
