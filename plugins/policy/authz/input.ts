/**
 * A decision's input as a decision-cache key: its JSON text, with undefined written as null
 * because that is how `fromJs` reads it. Two inputs get the same key exactly when `fromJs` makes
 * the same Rego value of them; objects whose keys come in another order get another key, which
 * costs a miss, never a wrong answer. The key is built without building the value, so a cache
 * hit never pays for the conversion.
 */
import { fromJs, type Value } from '../rego/value.ts'

export interface KeyedInput {
  /** The input as given (plain JSON-like data). */
  raw: unknown
  /** Undefined when the input holds something JSON text cannot spell exactly (NaN, bigint, Map...). */
  key: string | undefined
}

export function keyedInput(raw: unknown): KeyedInput {
  const w = { key: '', exact: true }
  appendKey(raw, w)
  return { raw, key: w.exact ? w.key : undefined }
}

export const inputValue = (input: KeyedInput): Value => fromJs(input.raw)

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
