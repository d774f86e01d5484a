/**
 * Apollo's access-key signature (apollo-core Signature, the config service's
 * ClientAuthenticationFilter):
 *
 *   Authorization: Apollo {appId}:{Base64(HmacSHA1(secret, timestamp + "\n" + pathWithQuery))}
 *   Timestamp:     milliseconds since the epoch
 *
 * `pathWithQuery` is the request target as the client sent it (path and raw query, no decoding), so
 * the signature covers every parameter. A timestamp more than `skewMs` away from this clock is
 * refused (Apollo's default tolerance is 60 s), which bounds how long a captured request can be
 * replayed. Signatures are compared in constant time against every current secret (an app may have
 * two during a key rotation).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { ApolloErrors } from './errors.ts'

export const DEFAULT_CLOCK_SKEW_MS = 60_000

export function apolloSignature(secret: string, timestamp: string, pathWithQuery: string): string {
  return createHmac('sha1', secret).update(`${timestamp}\n${pathWithQuery}`).digest('base64')
}

/** The request target as signed: Apollo joins path and query with `?` only when the query is not empty. */
export function signedTarget(rawUrl: string): string {
  return rawUrl.endsWith('?') ? rawUrl.slice(0, -1) : rawUrl
}

export interface SignedRequest {
  appId: string
  authorization: string | undefined
  timestamp: string | undefined
  /** The raw request target (path and query). */
  target: string
}

const AUTH_RE = /^Apollo ([^:\s]+):([A-Za-z0-9+/=]{1,200})$/
const TIMESTAMP_RE = /^\d{1,16}$/

/** Throws the 401 that fits; returns when one of `secrets` signed the request. */
export function verifyApolloSignature(req: SignedRequest, secrets: readonly string[], now: number, skewMs = DEFAULT_CLOCK_SKEW_MS): void {
  if (secrets.length === 0) throw ApolloErrors.noAccessKey(`App ${req.appId} has no Apollo access key, and Dyad never serves config unauthenticated: create one and set its secret in the client (apollo.access-key.secret).`)
  const ts = req.timestamp
  if (ts === undefined || !TIMESTAMP_RE.test(ts) || Math.abs(now - Number(ts)) >= skewMs) {
    throw ApolloErrors.timestampSkewed(`The Timestamp header must be the client's time in milliseconds, within ${Math.round(skewMs / 1000)} s of the server's (RequestTimeTooSkewed).`)
  }
  const m = req.authorization === undefined ? null : AUTH_RE.exec(req.authorization)
  if (!m) throw ApolloErrors.unauthorized('Send Authorization: Apollo {appId}:{signature} with the Timestamp the signature covers.')
  if (m[1] !== req.appId) throw ApolloErrors.unauthorized(`The Authorization header names app ${m[1]}, but the request is for app ${req.appId}.`)
  const given = Buffer.from(m[2], 'utf8')
  let ok = false
  for (const secret of secrets) {
    const expected = Buffer.from(apolloSignature(secret, ts, signedTarget(req.target)), 'utf8')
    // Every secret is tried, so the time taken does not tell which one (if any) came close.
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true
  }
  if (!ok) throw ApolloErrors.unauthorized('The signature does not match: sign timestamp + "\\n" + path-with-query with one of the app\'s current access-key secrets.')
}
