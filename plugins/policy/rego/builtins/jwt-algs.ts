/** JWS algorithms (RFC 7518) mapped onto node:crypto sign/verify. */
import { constants, createHmac, type KeyObject, sign, timingSafeEqual, verify } from 'node:crypto'

export type Alg = 'HS256' | 'HS384' | 'HS512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA'

export const ALGS: ReadonlySet<string> = new Set(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])

const digest = (alg: Alg): string | null => (alg === 'EdDSA' ? null : `sha${alg.slice(2)}`)

function keyOpts(alg: Alg, key: KeyObject) {
  if (alg.startsWith('PS')) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
  if (alg.startsWith('ES')) return { key, dsaEncoding: 'ieee-p1363' as const }
  return key
}

export function signJws(alg: Alg, key: KeyObject | Buffer, data: Buffer): Buffer {
  if (alg.startsWith('HS')) return createHmac(digest(alg) as string, key).update(data).digest()
  return sign(digest(alg), data, keyOpts(alg, key as KeyObject))
}

/** False (never a throw) when the key does not fit the algorithm. */
export function verifyJws(alg: Alg, key: KeyObject | Buffer, data: Buffer, sig: Buffer): boolean {
  try {
    if (alg.startsWith('HS')) {
      const mac = signJws(alg, key, data)
      return mac.length === sig.length && timingSafeEqual(mac, sig)
    }
    if ((key as KeyObject).type === 'secret') return false
    const opts = alg.startsWith('PS') ? { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO } : keyOpts(alg, key as KeyObject)
    return verify(digest(alg), data, opts, sig)
  } catch {
    return false
  }
}
