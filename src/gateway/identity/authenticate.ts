/**
 * Establishes the principal of a request from `Authorization: Bearer <credential>` or `X-API-Key`
 * (one of them: both at once is refused, rather than silently preferring one). `Authorization:
 * Basic` is taken too, with an API key as the password (any user name), for clients that only
 * speak basic auth (Spring Cloud Config's `username`/`password`, package managers). Credentials of the
 * form `dyad_<id>_<secret>` are project/platform API keys; anything else is treated as a JWT when
 * JWT verification is configured. Keys and admin flags come from the principal directory, which
 * answers known callers from memory: the common case awaits nothing.
 */
import type { FastifyRequest } from 'fastify'
import type { ApiKeyView, PrincipalDirectory } from '../../contracts/directory.ts'
import type { Principal } from '../../contracts/principal.ts'
import { parseApiKey, secretMatches } from '../../shared/api-key.ts'
import { Errors } from '../../shared/errors.ts'

export type Authenticate = (request: FastifyRequest) => Principal | Promise<Principal>

const BEARER_RE = /^Bearer\s+(\S+)$/i
const BASIC_RE = /^Basic\s+([A-Za-z0-9+/]+={0,2})$/i

const MAX_GROUPS = 256

/** The `groups` claim when it is a list of strings (bounded: it feeds every read-policy input); anything else is ignored. */
function jwtGroups(claim: unknown): string[] | undefined {
  if (!Array.isArray(claim)) return undefined
  const groups = claim.filter((g): g is string => typeof g === 'string' && g.length > 0 && g.length <= 256).slice(0, MAX_GROUPS)
  return groups.length > 0 ? groups : undefined
}

export function createAuthenticator(deps: { directory: PrincipalDirectory; jwtEnabled: boolean; now?: () => Date }): Authenticate {
  const { directory } = deps
  const now = deps.now ?? (() => new Date())
  // One message for every failure, so a caller cannot probe which key ids exist.
  const invalid = () => Errors.unauthenticated('The API key is invalid, revoked or expired.')

  function principalOf(key: ApiKeyView | undefined, secret: string): Principal | Promise<Principal> {
    if (!key || !secretMatches(secret, key.secretHash)) throw invalid()
    const at = now()
    if (key.revokedAt) throw invalid()
    if (key.expiresAt && Date.parse(key.expiresAt) <= at.getTime()) throw invalid()
    directory.touchApiKey(key.id, at)
    const make = (platformAdmin: boolean): Principal => ({ subject: key.subject, via: 'api-key', keyId: key.id, projectScope: key.projectId, platformAdmin })
    const admin = directory.isPlatformAdmin(key.subject)
    return typeof admin === 'boolean' ? make(admin) : admin.then(make)
  }

  function fromApiKey(token: string): Principal | Promise<Principal> {
    const parsed = parseApiKey(token)
    if (!parsed) throw Errors.unauthenticated('The API key is malformed.')
    const key = directory.apiKey(parsed.id)
    return key instanceof Promise ? key.then((k) => principalOf(k, parsed.secret)) : principalOf(key, parsed.secret)
  }

  function fromBasic(auth: string): Principal | Promise<Principal> {
    const basic = BASIC_RE.exec(auth)
    if (!basic) throw Errors.unauthenticated('Use the Bearer scheme: Authorization: Bearer <credential> (or Basic with an API key as the password).')
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const password = decoded.slice(colon + 1)
    if (colon < 0 || !password.startsWith('dyad_')) throw Errors.unauthenticated('Basic auth takes a Dyad API key as the password.')
    return fromApiKey(password)
  }

  async function fromJwt(request: FastifyRequest): Promise<Principal> {
    let payload: { sub?: unknown; groups?: unknown }
    try {
      payload = await request.jwtVerify<{ sub?: unknown; groups?: unknown }>()
    } catch (err) {
      if (Errors.unauthenticated.is(err)) throw err
      throw Errors.unauthenticated('The bearer token is invalid or expired.')
    }
    if (typeof payload.sub !== 'string' || !payload.sub) throw Errors.unauthenticated('The bearer token has no subject.')
    const principal: Principal = { subject: payload.sub, via: 'jwt', projectScope: null, platformAdmin: await directory.isPlatformAdmin(payload.sub) }
    const groups = jwtGroups(payload.groups)
    if (groups) principal.groups = groups
    return principal
  }

  return (request) => {
    const apiKeyHeader = request.headers['x-api-key']
    const auth = request.headers.authorization
    if (apiKeyHeader !== undefined && auth !== undefined) {
      throw Errors.badRequest('Send one credential: either Authorization or X-API-Key, not both.')
    }
    if (typeof apiKeyHeader === 'string' && apiKeyHeader) return fromApiKey(apiKeyHeader)
    if (!auth) throw Errors.unauthenticated()
    const m = BEARER_RE.exec(auth)
    if (!m) return fromBasic(auth)
    if (m[1].startsWith('dyad_')) return fromApiKey(m[1])
    if (!deps.jwtEnabled) throw Errors.unauthenticated('Bearer JWTs are not configured on this server; use an API key.')
    return fromJwt(request)
  }
}
