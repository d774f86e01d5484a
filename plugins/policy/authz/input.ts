/**
 * A decision's input as the engine reads it, and as a decision-cache key.
 *
 * The key is the input's JSON text, with undefined written as null because that is how the
 * conversion reads it: two inputs get the same key exactly when they convert to the same Rego
 * value. Objects whose keys come in another order get another key, which costs a miss, never a
 * wrong answer. The key is built without converting, so a cache hit never pays for the value.
 */
import { bool, fromJs, keyOf, NULL, num, str, type StrV, type Value } from '../rego/value.ts'

/** Undefined when the input holds something JSON text cannot spell exactly (NaN, bigint, Map...). */
export function inputKey(raw: unknown): string | undefined {
  const w = { key: '', exact: true }
  appendKey(raw, w)
  return w.exact ? w.key : undefined
}

/**
 * Property names of authorization inputs are a handful (principal, subject, projectScope, ...):
 * their string values and canonical keys are made once. Bounded, since a principal may carry
 * fields nobody listed; past the bound names are converted per call, as fromJs does.
 */
const NAMES = new Map<string, readonly [StrV, string]>()
const MAX_NAMES = 256

function nameOf(name: string): readonly [StrV, string] {
  let n = NAMES.get(name)
  if (n === undefined) {
    const v = str(name)
    n = [v, keyOf(v)]
    if (NAMES.size < MAX_NAMES) NAMES.set(name, n)
  }
  return n
}

/** Same value as `fromJs(raw)`, built without its intermediate arrays and per-call key strings. */
export function inputValue(raw: unknown): Value {
  if (raw === null || raw === undefined) return NULL
  switch (typeof raw) {
    case 'string':
      return str(raw)
    case 'boolean':
      return bool(raw)
    case 'number':
      return num(raw)
  }
  if (Array.isArray(raw)) return { type: 'array', items: raw.map(inputValue) }
  const proto = typeof raw === 'object' ? Object.getPrototypeOf(raw) : undefined
  if (proto !== Object.prototype && proto !== null) return fromJs(raw)
  const entries = new Map<string, readonly [Value, Value]>()
  for (const name of Object.keys(raw as object)) {
    const [k, key] = nameOf(name)
    entries.set(key, [k, inputValue((raw as Record<string, unknown>)[name])])
  }
  return { type: 'object', entries }
}

function appendKey(x: unknown, w: { key: string; exact: boolean }): void {
  if (x === null || x === undefined) {
    w.key += 'null'
    return
  }
  switch (typeof x) {
    case 'string':
      w.key += JSON.stringify(x)
      return
    case 'boolean':
      w.key += x ? 'true' : 'false'
      return
    case 'number':
      if (!Number.isFinite(x)) w.exact = false
      w.key += String(x)
      return
  }
  if (Array.isArray(x)) {
    w.key += '['
    for (let i = 0; i < x.length; i++) {
      if (i) w.key += ','
      appendKey(x[i], w)
    }
    w.key += ']'
    return
  }
  const proto = typeof x === 'object' ? Object.getPrototypeOf(x) : undefined
  if (proto !== Object.prototype && proto !== null) {
    w.exact = false
    return
  }
  w.key += '{'
  let first = true
  // Own enumerable string keys, as fromJs's Object.entries sees them.
  for (const name in x as Record<string, unknown>) {
    if (!Object.hasOwn(x as object, name)) continue
    w.key += (first ? '' : ',') + JSON.stringify(name) + ':'
    first = false
    appendKey((x as Record<string, unknown>)[name], w)
  }
  w.key += '}'
}
