/**
 * A project's bundle verification config (tenant input): validated when saved so an import never
 * meets an unusable key, and redacted when read back (public keys are shown, HMAC secrets never).
 */
import { BundleError } from './errors.ts'
import { checkGlob } from './glob.ts'
import { isHmac, isJwsAlgorithm, JWS_ALGORITHMS, parseJwsKey } from './jws.ts'
import type { VerificationConfig, VerificationKey } from './signing.ts'

export const MAX_VERIFICATION_KEYS = 16
export const MAX_KEY_CHARS = 16 * 1024
export const MAX_EXCLUDES = 64

const bad = (message: string) => new BundleError('BUNDLE_VERIFICATION_CONFIG_INVALID', message)

/** JSON schema of the PUT body (bounds; the rest is checked by `validateVerificationConfig`). */
export const verificationConfigSchema = {
  type: 'object',
  required: ['keys'],
  additionalProperties: false,
  properties: {
    keys: {
      type: 'object',
      minProperties: 1,
      maxProperties: MAX_VERIFICATION_KEYS,
      propertyNames: { minLength: 1, maxLength: 256 },
      additionalProperties: {
        type: 'object',
        required: ['algorithm', 'key'],
        additionalProperties: false,
        properties: { algorithm: { type: 'string', enum: [...JWS_ALGORITHMS] }, key: { type: 'string', minLength: 1, maxLength: MAX_KEY_CHARS }, scope: { type: 'string', maxLength: 1024 } },
      },
    },
    keyid: { type: 'string', minLength: 1, maxLength: 256 },
    scope: { type: 'string', maxLength: 1024 },
    exclude_files: { type: 'array', maxItems: MAX_EXCLUDES, items: { type: 'string', minLength: 1, maxLength: 256 } },
  },
} as const

export function validateVerificationConfig(body: VerificationConfig): VerificationConfig {
  const keys: Record<string, VerificationKey> = {}
  for (const [id, k] of Object.entries(body.keys)) {
    if (!isJwsAlgorithm(k.algorithm)) throw bad(`key '${id}': unsupported algorithm ${JSON.stringify(k.algorithm)}; use one of ${JWS_ALGORITHMS.join(', ')}`)
    try {
      parseJwsKey(k.algorithm, k.key, 'verify')
    } catch (err) {
      throw bad(`key '${id}': ${(err as Error).message}`)
    }
    if (!isHmac(k.algorithm) && /PRIVATE KEY-----/.test(k.key)) throw bad(`key '${id}': give the public key, not the private key (it would be stored and shown)`)
    keys[id] = { algorithm: k.algorithm, key: k.key, ...(k.scope ? { scope: k.scope } : {}) }
  }
  if (body.keyid !== undefined && !Object.hasOwn(keys, body.keyid)) throw bad(`keyid '${body.keyid}' is not among the configured keys`)
  for (const p of body.exclude_files ?? []) {
    const why = checkGlob(p)
    if (why) throw bad(why)
  }
  return {
    keys,
    ...(body.keyid !== undefined ? { keyid: body.keyid } : {}),
    ...(body.scope ? { scope: body.scope } : {}),
    ...(body.exclude_files?.length ? { exclude_files: [...body.exclude_files] } : {}),
  }
}

/** What GET shows: public keys as they are, HMAC secrets replaced by `redacted: true`. */
export function redactVerificationConfig(c: VerificationConfig) {
  const keys: Record<string, { algorithm: string; key?: string; redacted?: boolean; scope?: string }> = {}
  for (const [id, k] of Object.entries(c.keys)) {
    keys[id] = { algorithm: k.algorithm, ...(isHmac(k.algorithm) ? { redacted: true } : { key: k.key }), ...(k.scope ? { scope: k.scope } : {}) }
  }
  return { ...c, keys }
}

export const redactedConfigSchema = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: { type: 'object', additionalProperties: { type: 'object', required: ['algorithm'], properties: { algorithm: { type: 'string' }, key: { type: 'string' }, redacted: { type: 'boolean' }, scope: { type: 'string' } } } },
    keyid: { type: 'string' },
    scope: { type: 'string' },
    exclude_files: { type: 'array', items: { type: 'string' } },
  },
} as const
