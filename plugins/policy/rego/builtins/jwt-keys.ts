/** Key material for io.jwt.*: PEM certificates and public keys, JWKs and JWK sets, HMAC secrets. */
import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject, X509Certificate } from 'node:crypto'
import { builtinError } from './args.ts'
import { goBase64Decode } from './base64.ts'

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END \1-----\r?\n?/

/** Verification keys from a PEM certificate / public key or a JWK (set), with OPA's error phrasing. */
export function verificationKeys(name: string, text: string): KeyObject[] {
  if (text.trimStart().startsWith('-----BEGIN')) {
    const m = PEM_BLOCK.exec(text)
    if (!m) throw builtinError(name, 'failed to extract a Key from the PEM certificate')
    if (text.slice((m.index ?? 0) + m[0].length).trim() !== '') throw builtinError(name, 'extra data after a PEM certificate block')
    if (m[1] === 'CERTIFICATE') {
      try {
        return [new X509Certificate(m[0]).publicKey]
      } catch (e) {
        throw builtinError(name, `failed to parse a PEM certificate: ${(e as Error).message}`)
      }
    }
    if (!/PUBLIC KEY$/.test(m[1])) throw builtinError(name, 'failed to extract a Key from the PEM certificate')
    try {
      return [createPublicKey(m[0])]
    } catch (e) {
      throw builtinError(name, `failed to parse a PEM public key: ${(e as Error).message}`)
    }
  }
  try {
    const parsed = JSON.parse(text) as { keys?: unknown[] }
    const jwks = Array.isArray(parsed.keys) ? parsed.keys : [parsed]
    return jwks.map((jwk) => jwkKey(jwk as Record<string, string>, false))
  } catch {
    throw builtinError(name, 'failed to parse a JWK key (set)')
  }
}

/** A KeyObject from a JWK: secret for "oct", private when "d" is present and `priv` is asked for. */
export function jwkKey(jwk: Record<string, string>, priv: boolean): KeyObject {
  if (jwk.kty === 'oct') return createSecretKey(goBase64Decode(jwk.k ?? '', { url: true, padded: false }))
  if (priv && jwk.d !== undefined) return createPrivateKey({ key: jwk, format: 'jwk' })
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk
  return createPublicKey({ key: pub, format: 'jwk' })
}
