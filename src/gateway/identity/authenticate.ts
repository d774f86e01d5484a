/**
 * Establishes the principal of a request from `Authorization: Bearer <credential>` (or
 * `X-API-Key`). Credentials of the form `dyad_<id>_<secret>` are project/platform API keys; anything
 * else is treated as a JWT when JWT verification is configured.
 */
import type { FastifyRequest } from 'fastify'
import type { PlatformStore } from '../../infra/ports/platform.ts'
import { parseApiKey, secretMatches } from '../../shared/api-key.ts'
import { Errors } from '../../shared/errors.ts'
import type { Principal } from '../../contracts/principal.ts'

export type Authenticate = (request: FastifyRequest) => Promise<Principal>

/** Don't write `lastUsedAt` on every request: once per interval is enough for humans to read. */
const TOUCH_INTERVAL_MS = 5 * 60_000

export function createAuthenticator(deps: { platform: PlatformStore; jwtEnabled: boolean; now?: () => Date }): Authenticate {
  const now = deps.now ?? (() => new Date())

  async function fromApiKey(token: string): Promise<Principal> {
    const parsed = parseApiKey(token)
    if (!parsed) throw Errors.unauthenticated('The API key is malformed.')
    const key = await deps.platform.getApiKey(parsed.id)
    // One message for every failure, so a caller cannot probe which key ids exist.
    const invalid = () => Errors.unauthenticated('The API key is invalid, revoked or expired.')
    if (!key || !secretMatches(parsed.secret, key.secretHash)) throw invalid()
    const at = now()
    if (key.revokedAt) throw invalid()
    if (key.expiresAt && Date.parse(key.expiresAt) <= at.getTime()) throw invalid()
    if (!key.lastUsedAt || at.getTime() - Date.parse(key.lastUsedAt) > TOUCH_INTERVAL_MS) {
      deps.platform.touchApiKey(key.id, at.toISOString()).catch(() => {})
    }
    return {
      subject: key.subject,
      via: 'api-key',
      keyId: key.id,
      projectScope: key.projectId,
      platformAdmin: await deps.platform.isPlatformAdmin(key.subject),
    }
  }

  async function fromJwt(request: FastifyRequest): Promise<Principal> {
    let payload: { sub?: unknown }
    try {
      payload = await request.jwtVerify<{ sub?: unknown }>()
    } catch (err) {
      if ((err as { code?: string }).code === 'UNAUTHENTICATED') throw err
      throw Errors.unauthenticated('The bearer token is invalid or expired.')
    }
    if (typeof payload.sub !== 'string' || !payload.sub) throw Errors.unauthenticated('The bearer token has no subject.')
    return { subject: payload.sub, via: 'jwt', projectScope: null, platformAdmin: await deps.platform.isPlatformAdmin(payload.sub) }
  }

  return async (request) => {
    const apiKeyHeader = request.headers['x-api-key']
    if (typeof apiKeyHeader === 'string' && apiKeyHeader) return fromApiKey(apiKeyHeader)
    const auth = request.headers.authorization
    if (!auth) throw Errors.unauthenticated()
    const m = /^Bearer\s+(\S+)$/i.exec(auth)
    if (!m) throw Errors.unauthenticated('Use the Bearer scheme: Authorization: Bearer <credential>.')
    if (m[1].startsWith('dyad_')) return fromApiKey(m[1])
    if (!deps.jwtEnabled) throw Errors.unauthenticated('Bearer JWTs are not configured on this server; use an API key.')
    return fromJwt(request)
  }
}
