/**
 * Rego's value model, shared by the evaluator and the built-in library.
 *
 * - Numbers keep every digit of an integer (bigint) and fall back to IEEE doubles only for
 *   non-integral values; `1` and `1.0` are equal, as in OPA.
 * - Objects may have non-string keys and sets hold any value, so both are keyed by a canonical
 *   string encoding (`keyOf`) that is equal exactly when the values are equal under Rego equality.
 * - `compare` implements OPA's total order: null < boolean < number < string < array < object < set.
 *
 * Values are immutable once built: builders return new values, so sharing is safe.
 */

import { RegoError } from './errors.ts'

export type Value = NullV | BoolV | NumV | StrV | ArrV | ObjV | SetV

export interface NullV { readonly type: 'null' }
export interface BoolV { readonly type: 'boolean'; readonly value: boolean }
/** `int` when integral (exact), otherwise `float`. Never both. */
export interface NumV { readonly type: 'number'; readonly int?: bigint; readonly float?: number }
export interface StrV { readonly type: 'string'; readonly value: string }
export interface ArrV { readonly type: 'array'; readonly items: readonly Value[] }
/** Insertion order is not semantic; iterate with `sortedEntries` when order matters. */
export interface ObjV { readonly type: 'object'; readonly entries: ReadonlyMap<string, readonly [Value, Value]> }
export interface SetV { readonly type: 'set'; readonly items: ReadonlyMap<string, Value> }

export const NULL: NullV = { type: 'null' }
export const TRUE: BoolV = { type: 'boolean', value: true }
export const FALSE: BoolV = { type: 'boolean', value: false }

export const bool = (b: boolean): BoolV => (b ? TRUE : FALSE)
export const str = (s: string): StrV => ({ type: 'string', value: s })
export const arr = (items: readonly Value[]): ArrV => ({ type: 'array', items })

/** A number from a JS number, bigint or decimal literal text ("12", "1.5e3", "18446744073709551614"). */
export function num(n: number | bigint | string): NumV {
  if (typeof n === 'bigint') return { type: 'number', int: n }
  if (typeof n === 'number') {
    if (Number.isInteger(n) && Number.isFinite(n)) return { type: 'number', int: BigInt(n) }
    return { type: 'number', float: n }
  }
  const text = n.trim()
  if (/^-?\d+$/.test(text)) return { type: 'number', int: BigInt(text) }
  // "1e3" and "2.50" are integral values: keep them exact when the mantissa allows.
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text)
  if (m) {
    const [, sign, whole, frac = '', expText = '0'] = m
    const exp = Number(expText) - frac.length
    const digits = (whole + frac).replace(/^0+(?=\d)/, '')
    if (exp >= 0 && exp < 400) return { type: 'number', int: BigInt(sign + digits + '0'.repeat(exp)) }
    const trimmed = digits.replace(/0+$/, '')
    const dropped = digits.length - trimmed.length
    if (exp + dropped >= 0) return { type: 'number', int: BigInt(sign + (trimmed || '0') + '0'.repeat(exp + dropped)) }
  }
  return num(Number(text))
}

/** JS number view of a number (may lose precision for huge integers). */
export function toNumber(v: NumV): number {
  return v.int !== undefined ? Number(v.int) : (v.float as number)
}

export function isInt(v: NumV): v is NumV & { int: bigint } {
  return v.int !== undefined
}

export function obj(pairs: Iterable<readonly [Value, Value]>): ObjV {
  const entries = new Map<string, readonly [Value, Value]>()
  for (const [k, v] of pairs) entries.set(keyOf(k), [k, v])
  return { type: 'object', entries }
}

export function set(items: Iterable<Value>): SetV {
  const m = new Map<string, Value>()
  for (const v of items) m.set(keyOf(v), v)
  return { type: 'set', items: m }
}

export function objGet(o: ObjV, k: Value): Value | undefined {
  return o.entries.get(keyOf(k))?.[1]
}

export function setHas(s: SetV, v: Value): boolean {
  return s.items.has(keyOf(v))
}

/**
 * Longest canonical key and JSON text one value may be encoded to. Values share sub-values, so
 * `x := [y, y]` nested forty times is a few kilobytes in memory but a 2^40-character text:
 * encoding it would hold the process for minutes and end in V8's "Invalid string length". The
 * encoders add up each level's parts before joining them and stop with eval_cancel_error (the
 * evaluation is over budget) once a level passes the limit, so the work stays near the limit.
 */
export const MAX_KEY_CHARS = 2 ** 22
export const MAX_TEXT_CHARS = 2 ** 26

function tooLarge(what: string, max: number): RegoError {
  return new RegoError('eval_cancel_error', `${what} is too large (more than ${max} characters)`)
}

/**
 * Keys of composite values already encoded. Values are immutable, so a key never goes stale, and a
 * set of objects built from the same data (a role's grants, decided again on every request) is
 * encoded once instead of once per evaluation. Only short keys are kept: every level of a nested
 * value has a key of its own, and remembering long ones would hold memory growing with depth times
 * size; short ones cost at most MEMO_KEY_CHARS per value object, a constant factor on the value.
 */
const keyMemo = new WeakMap<ArrV | ObjV | SetV, string>()
const MEMO_KEY_CHARS = 512

/** Canonical encoding: equal strings <=> Rego-equal values. Used as Map keys for objects and sets. */
export function keyOf(v: Value): string {
  switch (v.type) {
    case 'null':
      return 'n'
    case 'boolean':
      return v.value ? 't' : 'f'
    case 'number':
      return 'd' + numKey(v)
    case 'string':
      return 's' + JSON.stringify(v.value)
  }
  let key = keyMemo.get(v)
  if (key === undefined) {
    key = compositeKey(v)
    if (key.length <= MEMO_KEY_CHARS) keyMemo.set(v, key)
  }
  return key
}

function compositeKey(v: ArrV | ObjV | SetV): string {
  switch (v.type) {
    case 'array': {
      const parts: string[] = new Array(v.items.length)
      let n = 0
      for (let i = 0; i < parts.length; i++) if ((n += (parts[i] = keyOf(v.items[i])).length) > MAX_KEY_CHARS) throw tooLarge('a set element or object key', MAX_KEY_CHARS)
      return 'a[' + parts.join(',') + ']'
    }
    case 'object': {
      const keys = [...v.entries.keys()].sort()
      let n = 0
      for (let i = 0; i < keys.length; i++) if ((n += (keys[i] = keys[i] + ':' + keyOf(v.entries.get(keys[i])![1])).length) > MAX_KEY_CHARS) throw tooLarge('a set element or object key', MAX_KEY_CHARS)
      return 'o{' + keys.join(',') + '}'
    }
    case 'set': {
      const keys = [...v.items.keys()].sort()
      let n = 0
      for (const k of keys) if ((n += k.length) > MAX_KEY_CHARS) throw tooLarge('a set element or object key', MAX_KEY_CHARS)
      return 'S{' + keys.join(',') + '}'
    }
  }
}

function numKey(v: NumV): string {
  if (v.int !== undefined) return v.int.toString()
  const f = v.float as number
  if (Number.isInteger(f)) return BigInt(f).toString()
  return String(f)
}

const TYPE_RANK: Record<Value['type'], number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5, set: 6 }

/** OPA's total order over values. Returns <0, 0 or >0. */
export function compare(a: Value, b: Value): number {
  if (a.type !== b.type) return TYPE_RANK[a.type] - TYPE_RANK[b.type]
  switch (a.type) {
    case 'null':
      return 0
    case 'boolean':
      return Number(a.value) - Number((b as BoolV).value)
    case 'number':
      return compareNum(a, b as NumV)
    case 'string': {
      const y = (b as StrV).value
      return a.value < y ? -1 : a.value > y ? 1 : 0
    }
    case 'array':
      return compareSeq(a.items, (b as ArrV).items)
    case 'object': {
      // Objects compare by their sorted keys first, then by the values in key order.
      const ea = sortedEntries(a)
      const eb = sortedEntries(b as ObjV)
      for (let i = 0; i < Math.min(ea.length, eb.length); i++) {
        const c = compare(ea[i][0], eb[i][0]) || compare(ea[i][1], eb[i][1])
        if (c !== 0) return c
      }
      return ea.length - eb.length
    }
    case 'set':
      return compareSeq(sortedItems(a), sortedItems(b as SetV))
  }
}

function compareSeq(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compare(a[i], b[i])
    if (c !== 0) return c
  }
  return a.length - b.length
}

export function compareNum(a: NumV, b: NumV): number {
  if (a.int !== undefined && b.int !== undefined) return a.int < b.int ? -1 : a.int > b.int ? 1 : 0
  const x = toNumber(a)
  const y = toNumber(b)
  return x < y ? -1 : x > y ? 1 : 0
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true
  // Scalars compare without building their canonical keys; values of different types are never
  // equal (keyOf starts with a type tag). Mixed int/float numbers still go through keyOf.
  if (a.type !== b.type) return false
  switch (a.type) {
    case 'null':
      return true
    case 'boolean':
    case 'string':
      return a.value === (b as BoolV | StrV).value
    case 'number':
      if (a.int !== undefined && (b as NumV).int !== undefined) return a.int === (b as NumV).int
  }
  return keyOf(a) === keyOf(b)
}

export function sortedItems(s: SetV): Value[] {
  return [...s.items.values()].sort(compare)
}

export function sortedEntries(o: ObjV): Array<readonly [Value, Value]> {
  return [...o.entries.values()].sort((x, y) => compare(x[0], y[0]))
}

/** JSON -> Value (JSON numbers keep their digits when given as text via `fromJsonText`). */
export function fromJs(x: unknown): Value {
  if (x === null || x === undefined) return NULL
  if (typeof x === 'boolean') return bool(x)
  if (typeof x === 'number' || typeof x === 'bigint') return num(x)
  if (typeof x === 'string') return str(x)
  if (Array.isArray(x)) return arr(x.map(fromJs))
  if (x instanceof Map) return obj([...x].map(([k, v]) => [fromJs(k), fromJs(v)] as const))
  if (x instanceof Set) return set([...x].map(fromJs))
  // Every request's input comes through here: fill the map directly, without pair arrays.
  const entries = new Map<string, readonly [Value, Value]>()
  for (const k of Object.keys(x as object)) {
    const key = str(k)
    entries.set(keyOf(key), [key, fromJs((x as Record<string, unknown>)[k])])
  }
  return { type: 'object', entries }
}

/**
 * Value -> JSON-compatible JS. Sets become arrays in OPA's order; non-string object keys are
 * serialised to their JSON text, as OPA does. Big integers beyond 2^53 become bigint so a caller
 * that writes JSON can keep every digit (see `toJsonText`).
 */
export function toJs(v: Value): unknown {
  switch (v.type) {
    case 'null':
      return null
    case 'boolean':
      return v.value
    case 'number':
      if (v.int !== undefined) return v.int >= BigInt(Number.MIN_SAFE_INTEGER) && v.int <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.int) : v.int
      return v.float
    case 'string':
      return v.value
    case 'array':
      return v.items.map(toJs)
    case 'set':
      return sortedItems(v).map(toJs)
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [k, val] of sortedEntries(v)) out[k.type === 'string' ? k.value : toJsonText(k)] = toJs(val)
      return out
    }
  }
}

/**
 * Value -> JSON text with exact big integers. Measured first (`textLength`, linear in the value's
 * memory) and refused with eval_cancel_error past MAX_TEXT_CHARS: unlike keys, a shared value's
 * text cannot be stopped part way cheaply, as its cost is in the leaves (see keyOf).
 */
export function toJsonText(v: Value): string {
  if (v.type !== 'boolean' && v.type !== 'string' && v.type !== 'null' && textLength(v, MAX_TEXT_CHARS) > MAX_TEXT_CHARS) {
    throw tooLarge('the JSON text of a value', MAX_TEXT_CHARS)
  }
  return jsonText(v)
}

/** Values written into one response: bounded together, as they may share sub-values (`x1 := [x0, x0]`). */
export function toJsonTexts(vs: readonly Value[]): string[] {
  if (textLength(arr(vs), MAX_TEXT_CHARS) > MAX_TEXT_CHARS) throw tooLarge('the JSON text of these values', MAX_TEXT_CHARS)
  return vs.map(jsonText)
}

/**
 * A running bound for a text that writes many values, some repeatedly (trace events repeat their
 * locals in every event): eval_cancel_error once the total passes MAX_TEXT_CHARS. Lengths are
 * memoised across calls, so a value repeated in every event is measured once.
 */
export function createTextBudget(what: string): (v: Value) => void {
  const memo = new Map<Value, number>()
  let total = 0
  return (v) => {
    if ((total += textLength(v, MAX_TEXT_CHARS, memo)) > MAX_TEXT_CHARS) throw tooLarge(what, MAX_TEXT_CHARS)
  }
}

function jsonText(v: Value): string {
  switch (v.type) {
    case 'number':
      return v.int !== undefined ? v.int.toString() : formatFloat(v.float as number)
    case 'array':
      return '[' + v.items.map(jsonText).join(',') + ']'
    case 'set':
      return '[' + sortedItems(v).map(jsonText).join(',') + ']'
    case 'object':
      return '{' + sortedEntries(v).map(([k, val]) => JSON.stringify(k.type === 'string' ? k.value : jsonText(k)) + ':' + jsonText(val)).join(',') + '}'
    default:
      return JSON.stringify(toJs(v))
  }
}

/** See textLength: 2^26 / 16 = 4M values, about 0.4 s to write. */
const MIN_VALUE_CHARS = 16

const SMALL_POWERS = Array.from({ length: 16 }, (_, i) => 10n ** BigInt(i + 1))

/**
 * Characters of an integer's decimal text: exact below 10^16 (most numbers). Above, weighted by
 * the conversion's cost: V8 turns a big integer into decimal at about 0.5 µs a digit (2.4 s for
 * a 16-million-bit number), some 64 times what writing a character costs.
 */
function intDigits(n: bigint): number {
  const sign = n < 0n ? 1 : 0
  const m = n < 0n ? -n : n
  for (let i = 0; i < SMALL_POWERS.length; i++) if (m < SMALL_POWERS[i]) return sign + i + 1
  return 64 * (sign + 1 + Math.ceil(m.toString(16).length * 1.21))
}

/**
 * Length of `v`'s JSON text, approximately (escapes not counted, big integers estimated), without
 * writing it, with every value counted as at least MIN_VALUE_CHARS: writing a value out costs
 * about 90 ns however short its text (so 2^26 one-digit numbers would take 6 s), and callers use
 * this to bound that time as well as the text's size. Values share sub-values, so a value of a
 * few kilobytes can stand for a tree of 2^40 nodes: lengths are memoised per value object, which
 * makes this linear in the memory the value occupies, and it stops once the length passes `cap`.
 */
export function textLength(v: Value, cap = 2 ** 31, memo = new Map<Value, number>()): number {
  const size = (x: Value): number => {
    switch (x.type) {
      case 'null':
      case 'boolean': return MIN_VALUE_CHARS
      case 'number': return Math.max(MIN_VALUE_CHARS, x.int !== undefined ? intDigits(x.int) : 24)
      case 'string': return Math.max(MIN_VALUE_CHARS, x.value.length + 2)
      default: break
    }
    const known = memo.get(x)
    if (known !== undefined) return known
    let n = MIN_VALUE_CHARS
    const add = (c: Value): boolean => (n += size(c) + 1) > cap
    if (x.type === 'array') { for (const c of x.items) if (add(c)) break }
    else if (x.type === 'set') { for (const c of x.items.values()) if (add(c)) break }
    else for (const [k, c] of x.entries.values()) if (add(k) || add(c)) break
    memo.set(x, n)
    return n
  }
  return size(v)
}

function formatFloat(f: number): string {
  if (!Number.isFinite(f)) throw new RangeError('non-finite number')
  return String(f)
}
