/**
 * What a route declares to the gateway (`config: {...}` on the route) and what the gateway sets on
 * each request. Domains declare routes with these fields, so the augmentation lives in the contracts.
 */
import type { Principal } from './principal.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the gateway for every non-public route before the handler runs. */
    principal: Principal
    /**
     * The project the request acts in: the `projectId` path parameter, or for a `projectFromCaller`
     * route the credential's project scope (else the Dyad-Project header). Set before authorization.
     */
    projectId?: string
    /** Set when this request owns an idempotency record that its response must complete. */
    idempotency?: { scope: string; key: string }
  }
  interface FastifyContextConfig {
    /** Action checked by `authorize` (see ACTIONS); required unless `public`. */
    action?: string
    /** No authentication (health, metrics, OpenAPI). */
    public?: boolean
    /**
     * A POST that only reads (OPA's decision and query APIs take their input as a body): it is not
     * a mutation, so it writes no audit entry and takes no Idempotency-Key.
     */
    readOnly?: boolean
    /**
     * The route has no project in its path (OpenAI- and Anthropic-compatible URLs): the project is
     * the project-scoped key's, or the Dyad-Project header's for an unscoped credential, and it is
     * authorized and checked like a path parameter.
     */
    projectFromCaller?: boolean
  }
}

export {}
