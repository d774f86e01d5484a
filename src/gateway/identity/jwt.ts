/**
 * Bearer JWT verification with @fastify/jwt. The verification key is chosen from the token's own
 * `alg` family and never crosses families: an HS token is checked only against the shared secret
 * and an RS/ES token only against public keys. That closes algorithm confusion (an attacker
 * signing HS256 with the public key as secret) and `alg: none` is never in the accepted list.
 */
import fastifyJwt from '@fastify/jwt'
import { readFileSync, existsSync } from 'node:fs'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { JwtConfig } from '../../config/types.ts'
import { Errors } from '../../shared/errors.ts'
import { createJwksClient } from './jwks.ts'

export function jwtEnabled(config: JwtConfig): boolean {
  return Boolean(config.secret || config.publicKey || config.jwksUrl)
}

function loadPem(value: string): string {
  return value.includes('-----BEGIN') ? value : existsSync(value) ? readFileSync(value, 'utf8') : value
}

export async function registerJwt(app: FastifyInstance, config: JwtConfig) {
  const publicKey = config.publicKey ? loadPem(config.publicKey) : undefined
  const jwks = config.jwksUrl ? createJwksClient(config.jwksUrl) : undefined
  const accepted = config.algorithms.filter((a) => a !== 'none')

  const keyFor = async (_request: FastifyRequest, tokenOrHeader: any): Promise<string> => {
    const header = 'header' in tokenOrHeader ? tokenOrHeader.header : tokenOrHeader
    const alg = String(header?.alg ?? '')
    if (!accepted.includes(alg)) throw Errors.unauthenticated(`Token algorithm ${alg || '(none)'} is not accepted.`)
    if (alg.startsWith('HS')) {
      if (!config.secret) throw Errors.unauthenticated('HMAC-signed tokens are not accepted here.')
      return config.secret
    }
    if (jwks) return jwks.keyFor(header.kid, alg).catch(() => Promise.reject(Errors.unauthenticated('No verification key for this token.')))
    if (publicKey) return publicKey
    throw Errors.unauthenticated('Public-key-signed tokens are not accepted here.')
  }

  await app.register(fastifyJwt, {
    secret: keyFor,
    // The key callback needs the header (alg, kid), not just the payload.
    decode: { complete: true },
    verify: {
      algorithms: accepted as any,
      ...(config.issuer ? { allowedIss: config.issuer } : {}),
      ...(config.audience ? { allowedAud: config.audience } : {}),
      // A token without an expiry would be valid forever once leaked: refuse it.
      requiredClaims: ['sub', 'exp'],
    },
  })
}
