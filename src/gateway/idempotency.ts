/**
 * Idempotency-Key support for every mutating route (POST, PUT, PATCH, DELETE).
 *
 * The first request with a key claims it atomically in the idempotency store (state 'pending'); its
 * response (status < 500) is stored and replayed byte-for-byte to any later request with the same
 * key and the same request (method, path, body). The same key with a different request is 422,
 * and a key whose first request is still running is 409. Keys are scoped to the principal, so two
 * users cannot collide or read each other's responses. A pending claim older than STALE_MS (the
 * process died mid-request) may be taken over.
 */
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { IdempotencyStore } from '../infra/ports/idempotency.ts'
import { canonicalJson } from '../shared/canonical-json.ts'
import { Errors } from '../shared/errors.ts'

export const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const STALE_MS = 60_000
const KEY_RE = /^[\x21-\x7e]{1,255}$/

export function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(request.method)
    .update('\0')
    .update(request.url)
    .update('\0')
    // Canonical: the same JSON with its keys in another order is the same request. Text bodies
    // (Rego modules) are strings and hash as they are.
    .update(request.body === undefined ? '' : Buffer.isBuffer(request.body) ? request.body : canonicalJson(request.body))
    .digest('hex')
}

export function createIdempotencyHooks(platform: IdempotencyStore) {
  async function preHandler(request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers['idempotency-key']
    if (header === undefined || !MUTATING.has(request.method) || request.routeOptions.config?.readOnly) return
    if (typeof header !== 'string' || !KEY_RE.test(header)) {
      throw Errors.idempotencyKeyInvalid()
    }
    const scope = request.principal?.subject ?? 'anonymous'
    const hash = requestHash(request)
    const record = { scope, key: header, requestHash: hash, state: 'pending' as const, createdAt: new Date().toISOString() }
    let claim = await platform.beginIdempotent(record)
    if (!claim.created && claim.existing.state === 'pending' && Date.now() - Date.parse(claim.existing.createdAt) > STALE_MS) {
      await platform.abandonIdempotent(scope, header)
      claim = await platform.beginIdempotent(record)
    }
    if (claim.created) {
      request.idempotency = { scope, key: header }
      return
    }
    const existing = claim.existing
    if (existing.requestHash !== hash) throw Errors.idempotencyMismatch()
    if (existing.state !== 'done') throw Errors.idempotencyInFlight()
    reply
      .code(existing.statusCode ?? 200)
      .header('idempotent-replayed', 'true')
      .type('application/json; charset=utf-8')
    return reply.send(existing.responseBody ?? '')
  }

  async function onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const claim = request.idempotency
    if (!claim) return payload
    request.idempotency = undefined
    if (reply.statusCode >= 500) {
      await platform.abandonIdempotent(claim.scope, claim.key).catch(() => {})
    } else {
      await platform.completeIdempotent(claim.scope, claim.key, reply.statusCode, typeof payload === 'string' ? payload : payload == null ? '' : String(payload))
    }
    return payload
  }

  return { preHandler, onSend }
}
