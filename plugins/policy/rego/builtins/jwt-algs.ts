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

const CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }

/** node:crypto would happily make an RSA signature under "ES256"; the key must fit the algorithm. */
function keyFits(alg: Alg, key: KeyObject): boolean {
  const type = key.asymmetricKeyType
  if (alg.startsWith('RS') || alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss'
  if (alg.startsWith('ES')) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVES[alg]
  return type === 'ed25519' || type === 'ed448'
}

export function signJws(alg: Alg, key: KeyObject | Buffer, data: Buffer): Buffer {
  if (alg.startsWith('HS')) return createHmac(digest(alg) as string, key).update(data).digest()
  if (!keyFits(alg, key as KeyObject)) throw new Error(`key of type ${(key as KeyObject).asymmetricKeyType} cannot sign ${alg}`)
  return sign(digest(alg), data, keyOpts(alg, key as KeyObject))
}

/** False (never a throw) when the key does not fit the algorithm. */
export function verifyJws(alg: Alg, key: KeyObject | Buffer, data: Buffer, sig: Buffer): boolean {
  try {
    if (alg.startsWith('HS')) {
      const mac = signJws(alg, key, data)
      return mac.length === sig.length && timingSafeEqual(mac, sig)
    }
    if ((key as KeyObject).type === 'secret' || !keyFits(alg, key as KeyObject)) return false
    const opts = alg.startsWith('PS') ? { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO } : keyOpts(alg, key as KeyObject)
    return verify(digest(alg), data, opts, sig)
  } catch {
    return false
  }
}
