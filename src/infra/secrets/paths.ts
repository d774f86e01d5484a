/**
 * Validation shared by every secrets adapter, so a path accepted by one is accepted by all. The
 * character set keeps names safe as file keys, URL path segments (Vault) and log text alike.
 */
import type { SecretValue } from '../ports/secrets.ts'
import { SecretsErrors } from './errors.ts'

export const MAX_PATH_LENGTH = 256
const CHARS = /^[A-Za-z0-9._/-]*$/

function problem(path: string, allowTrailingSlash: boolean): boolean {
  if (path.length > MAX_PATH_LENGTH || !CHARS.test(path) || path.includes('..')) return true
  const segments = (allowTrailingSlash && path.endsWith('/') ? path.slice(0, -1) : path).split('/')
  return segments.some((s) => s === '' || s === '.')
}

/** A secret's name: `providers/openai`, `signing/jwt-2024`. */
export function assertPath(path: unknown): asserts path is string {
  // The offending input is not echoed back: a caller may have passed a value where a path belongs.
  if (typeof path !== 'string' || path === '' || problem(path, false)) throw SecretsErrors.invalidPath()
}

/** A `list` prefix: empty (everything), a path, or a path with a trailing "/" (a folder). */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || (prefix !== '' && problem(prefix, true))) throw SecretsErrors.invalidPath()
}

export function assertValue(value: unknown): asserts value is SecretValue {
  const ok =
    typeof value === 'object' &&
    value !== null &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value)) &&
    Object.values(value).every((v) => typeof v === 'string')
  if (!ok) throw SecretsErrors.invalidValue()
}
