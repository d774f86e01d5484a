/** Minimal JWT signing for tests, with node:crypto, so tests do not trust the code under test. */
import { createHmac, sign, type KeyObject } from 'node:crypto'

const b64 = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url')

export function signHs256(payload: Record<string, unknown>, secret: string, header: Record<string, unknown> = {}): string {
  const head = b64({ alg: 'HS256', typ: 'JWT', ...header })
  const body = b64(payload)
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url')
  return `${head}.${body}.${sig}`
}

export function signAsymmetric(alg: 'RS256' | 'ES256', payload: Record<string, unknown>, key: KeyObject, header: Record<string, unknown> = {}): string {
  const head = b64({ alg, typ: 'JWT', ...header })
  const body = b64(payload)
  const data = Buffer.from(`${head}.${body}`)
  const sig = alg === 'RS256' ? sign('sha256', data, key) : sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })
  return `${head}.${body}.${sig.toString('base64url')}`
}

export function unsigned(payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`
}
