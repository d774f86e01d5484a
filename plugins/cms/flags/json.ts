/** JSON pointers and the bounded, prototype-safe copy of untrusted JSON values. */
import { FORBIDDEN_KEYS } from './limits.ts'
import type { JsonValue } from './types.ts'

/** RFC 6901: `parent` + `/token`, with `~` and `/` escaped. */
export function pointer(parent: string, token: string | number): string {
  return `${parent}/${String(token).replace(/~/g, '~0').replace(/\//g, '~1')}`
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

export interface CopyBudget {
  /** Nodes still allowed; decremented by every value copied. */
  nodes: number
}

/**
 * A deep copy of a JSON value into fresh plain objects and arrays, frozen when `freeze` is set.
 * Refuses (through `fail`, which throws) anything that is not JSON (functions, class instances,
 * NaN, Infinity; undefined members are dropped), a forbidden key, nesting past `maxDepth`, and more nodes than `budget` allows.
 * Recursion is bounded by `maxDepth`, so a hostile `[[[[...]]]]` never reaches the stack limit.
 */
export function copyJson(
  value: unknown,
  at: string,
  opts: { maxDepth: number; budget: CopyBudget; freeze: boolean; fail: (at: string, problem: string) => never; tooLarge: string },
  depth = 0,
): JsonValue {
  if (--opts.budget.nodes < 0) opts.fail(at, opts.tooLarge)
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) opts.fail(at, 'numbers must be finite')
    return value
  }
  if (typeof value !== 'object') opts.fail(at, `${typeof value} values are not JSON`)
  if (depth >= opts.maxDepth) opts.fail(at, `nested more than ${opts.maxDepth} levels deep`)
  if (Array.isArray(value)) {
    // As JSON.stringify would: undefined in an array is null, an undefined member is absent.
    const out = value.map((v, i) => copyJson(v === undefined ? null : v, pointer(at, i), opts, depth + 1))
    return opts.freeze ? (Object.freeze(out) as JsonValue[]) : out
  }
  if (!isPlainObject(value)) opts.fail(at, 'not a plain JSON object')
  const out: Record<string, JsonValue> = {}
  for (const k of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(k)) opts.fail(pointer(at, k), `the key "${k}" is not allowed`)
    if (value[k] === undefined) continue
    out[k] = copyJson(value[k], pointer(at, k), opts, depth + 1)
  }
  return opts.freeze ? Object.freeze(out) : out
}
