/**
 * Builds a decision's input as an engine value and, in the same walk, the key a decision cache
 * files it under. The key is the input's JSON text (undefined written as null, as `fromJs` reads
 * it), so two inputs share a key exactly when they are the same Rego value; objects whose keys
 * come in another order get another key, which costs a cache miss, never a wrong answer.
 */
import { bool, fromJs, keyOf, NULL, num, str, type Value } from '../rego/value.ts'

export interface KeyedInput {
  value: Value
  /** Undefined when the input holds something JSON cannot spell exactly (NaN, bigint, Map...). */
  key: string | undefined
}

interface Walk {
  key: string
  exact: boolean
}

export function keyedInput(x: unknown): KeyedInput {
  const w: Walk = { key: '', exact: true }
  const value = toValue(x, w)
  return { value, key: w.exact ? w.key : undefined }
}

function toValue(x: unknown, w: Walk): Value {
  if (x === null || x === undefined) {
    w.key += 'null'
    return NULL
  }
  switch (typeof x) {
    case 'string':
      w.key += JSON.stringify(x)
      return str(x)
    case 'boolean':
      w.key += x ? 'true' : 'false'
      return bool(x)
    case 'number':
      if (!Number.isFinite(x)) w.exact = false
      w.key += String(x)
      return num(x)
  }
  if (Array.isArray(x)) {
    w.key += '['
    const items: Value[] = []
    for (let i = 0; i < x.length; i++) {
      if (i) w.key += ','
      items.push(toValue(x[i], w))
    }
    w.key += ']'
    return { type: 'array', items }
  }
  const proto = typeof x === 'object' ? Object.getPrototypeOf(x) : undefined
  if (proto !== Object.prototype && proto !== null) {
    w.exact = false
    return fromJs(x)
  }
  w.key += '{'
  const entries = new Map<string, readonly [Value, Value]>()
  let first = true
  for (const name in x as Record<string, unknown>) {
    if (!Object.hasOwn(x as object, name)) continue
    w.key += (first ? '' : ',') + JSON.stringify(name) + ':'
    first = false
    const k = str(name)
    entries.set(keyOf(k), [k, toValue((x as Record<string, unknown>)[name], w)])
  }
  w.key += '}'
  return { type: 'object', entries }
}
