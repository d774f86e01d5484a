/**
 * Compact JWS (RFC 7515) signing and verification with node:crypto, for the algorithms OPA
 * accepts for bundle signatures. The algorithm is the configured key's, never the token's header:
 * a token whose `alg` differs (including `none`) is refused, so a public RSA key can never be
 * used as an HMAC secret.
 */
import { constants, createHmac, createPrivateKey, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto'

export const JWS_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number]

export const isJwsAlgorithm = (alg: unknown): alg is JwsAlgorithm => typeof alg === 'string' && (JWS_ALGORITHMS as readonly string[]).includes(alg)
export const isHmac = (alg: JwsAlgorithm) => alg.startsWith('HS')

const digestOf = (alg: JwsAlgorithm) => `sha${alg.slice(2)}`
const EC_CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }

/** A key usable for `alg`: HMAC secret bytes, or a KeyObject of the right type and curve. */
export type JwsKey = Buffer | KeyObject

/** Throws an Error naming what is wrong (the caller maps it to its own error code). */
export function parseJwsKey(alg: JwsAlgorithm, key: string, use: 'sign' | 'verify'): JwsKey {
  if (isHmac(alg)) {
    if (key.length === 0) throw new Error('the HMAC secret is empty')
    return Buffer.from(key, 'utf8')
  }
  if (!key.includes('-----BEGIN')) throw new Error(`a ${alg} key must be PEM (-----BEGIN PUBLIC KEY----- or a certificate)`)
  let k: KeyObject
  try {
    // createPublicKey also accepts a private key or a certificate and derives the public key, as OPA does.
    k = use === 'sign' ? createPrivateKey(key) : createPublicKey(key)
  } catch (err) {
    throw new Error(`the PEM key cannot be read (${(err as Error).message})`)
  }
  const type = k.asymmetricKeyType
  if (alg.startsWith('ES')) {
    if (type !== 'ec') throw new Error(`${alg} needs an EC key, got ${type}`)
    if (k.asymmetricKeyDetails?.namedCurve !== EC_CURVES[alg]) throw new Error(`${alg} needs curve ${EC_CURVES[alg]}, got ${k.asymmetricKeyDetails?.namedCurve}`)
  } else if (type !== 'rsa' && !(alg.startsWith('PS') && type === 'rsa-pss')) {
    throw new Error(`${alg} needs an RSA key, got ${type}`)
  } else if ((k.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new Error(`${alg} needs an RSA key of at least 2048 bits`)
  }
  return k
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url')

function rawSign(alg: JwsAlgorithm, key: JwsKey, input: Buffer): Buffer {
  if (isHmac(alg)) return createHmac(digestOf(alg), key as Buffer).update(input).digest()
  const opts = signOpts(alg, key as KeyObject)
  return sign(digestOf(alg), input, opts)
}

function signOpts(alg: JwsAlgorithm, key: KeyObject) {
  if (alg.startsWith('ES')) return { key, dsaEncoding: 'ieee-p1363' as const }
  // RFC 7518 3.5: PSS with MGF1 and a salt as long as the digest.
  if (alg.startsWith('PS')) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }
  return { key, padding: constants.RSA_PKCS1_PADDING }
}

export function signCompact(alg: JwsAlgorithm, key: JwsKey, payload: Buffer, header: Record<string, unknown> = {}): string {
  const input = `${b64url(JSON.stringify({ alg, ...header }))}.${b64url(payload)}`
  return `${input}.${b64url(rawSign(alg, key, Buffer.from(input)))}`
}

export interface DecodedJws {
  header: Record<string, unknown>
  payload: Buffer
  signingInput: Buffer
  signature: Buffer
}

const B64URL = /^[A-Za-z0-9_-]*$/

/** Splits and decodes without verifying; throws an Error on a malformed token. */
export function decodeCompact(token: string): DecodedJws {
  const parts = token.split('.')
  if (parts.length !== 3) throw new Error(`a compact JWS has 3 dot-separated parts, this one has ${parts.length}`)
  const [h, p, s] = parts as [string, string, string]
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) throw new Error('a part of the JWS is not base64url')
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'))
  } catch {
    throw new Error('the JWS header is not JSON')
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new Error('the JWS header is not a JSON object')
  if ((header as Record<string, unknown>).crit !== undefined) throw new Error('the JWS header has "crit" extensions, which are not supported')
  return { header: header as Record<string, unknown>, payload: Buffer.from(p, 'base64url'), signingInput: Buffer.from(`${h}.${p}`), signature: Buffer.from(s, 'base64url') }
}

/** Whether `jws` carries a valid `alg` signature by `key`; the header's alg must be `alg`. */
export function verifyDecoded(jws: DecodedJws, alg: JwsAlgorithm, key: JwsKey): boolean {
  if (jws.header.alg !== alg) return false
  if (isHmac(alg)) {
    const want = rawSign(alg, key, jws.signingInput)
    return want.length === jws.signature.length && timingSafeEqual(want, jws.signature)
  }
  try {
    return verify(digestOf(alg), jws.signingInput, signOpts(alg, key as KeyObject), jws.signature)
  } catch {
    return false
  }
}
