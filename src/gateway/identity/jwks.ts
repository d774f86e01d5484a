/**
 * Verification keys from a JWKS URL, cached by `kid`. An unknown kid triggers one refetch (keys
 * rotate), but refetches are spaced out so a flood of tokens with random kids cannot turn the
 * gateway into a traffic amplifier against the identity provider.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto'

export interface JwksClient {
  keyFor(kid: string | undefined, alg: string): Promise<string>
}

const REFETCH_SPACING_MS = 30_000

export function createJwksClient(url: string, fetchImpl: typeof fetch = fetch): JwksClient {
  let keys = new Map<string, { pem: string; alg?: string; kty: string }>()
  let fetchedAt = 0
  let inflight: Promise<void> | undefined

  async function refresh() {
    const res = await fetchImpl(url, { signal: AbortSignal.timeout(5000) })
    if (!res.ok) throw new Error(`JWKS fetch failed with HTTP ${res.status}`)
    const body = (await res.json()) as { keys?: Array<JsonWebKey & { kid?: string; alg?: string; use?: string }> }
    const next = new Map<string, { pem: string; alg?: string; kty: string }>()
    for (const jwk of body.keys ?? []) {
      if (jwk.use && jwk.use !== 'sig') continue
      if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') continue
      const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
      next.set(jwk.kid ?? '', { pem, alg: jwk.alg, kty: jwk.kty })
    }
    keys = next
    fetchedAt = Date.now()
  }

  async function ensure(force: boolean) {
    if (!force && fetchedAt) return
    if (force && Date.now() - fetchedAt < REFETCH_SPACING_MS) return
    inflight ??= refresh().finally(() => (inflight = undefined))
    await inflight
  }

  return {
    async keyFor(kid, alg) {
      await ensure(false)
      if (!keys.has(kid ?? '')) await ensure(true)
      const key = keys.get(kid ?? '')
      if (!key) throw new Error('no JWKS key for this kid')
      const family = alg.slice(0, 2)
      if ((family === 'RS' || family === 'PS') !== (key.kty === 'RSA') || (family === 'ES') !== (key.kty === 'EC')) {
        throw new Error('JWKS key type does not match the token algorithm')
      }
      if (key.alg && key.alg !== alg) throw new Error('JWKS key is for another algorithm')
      return key.pem
    },
  }
}
