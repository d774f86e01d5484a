/**
 * Size estimates for the cost model (cost.ts): how much work and memory a built-in's result will
 * take, computed from its arguments before the built-in runs. Estimates, not measurements: they
 * only need to be proportional to the real cost and on the high side near V8's hard limits.
 */
import { textLength, type Value } from '../value.ts'

/**
 * Nanoseconds per evaluation step. The budget refuses a charge whose steps would end past the
 * deadline at this rate (eval/budget.ts), so estimates state their work in nanoseconds measured
 * on this engine (node 20, one core; see cost.ts) and convert with `steps`.
 */
export const NS_PER_STEP = 100
export const steps = (ns: number): number => ns / NS_PER_STEP
/** Bytes per string character: V8 stores two-byte strings when any character needs it. */
export const CHAR_BYTES = 2
/** One array slot (a pointer), with room for the backing store's growth. */
export const ELEMENT_BYTES = 16
/** One object or set entry: the Map entry, its canonical key string and the [key, value] pair. */
export const ENTRY_BYTES = 80
/** One value object of its own (a number, a small string, an array header). */
export const NODE_BYTES = 48

/**
 * V8's hard limits. Going past the first two is a fatal "invalid size" error that kills the
 * process (no exception to catch), so a result that would exceed one is refused as over budget
 * whatever the configured memory budget says.
 */
const MAX_ARRAY_ELEMENTS = 2 ** 26
const MAX_STRING_CHARS = 2 ** 29 - 24
const MAX_MAP_ENTRIES = 2 ** 24

export const stringBytes = (chars: number): number => (chars > MAX_STRING_CHARS ? Infinity : NODE_BYTES + chars * CHAR_BYTES)
export const arrayBytes = (n: number): number => (n > MAX_ARRAY_ELEMENTS ? Infinity : NODE_BYTES + n * ELEMENT_BYTES)
export const mapBytes = (n: number): number => (n > MAX_MAP_ENTRIES ? Infinity : NODE_BYTES + n * ENTRY_BYTES)

/** Elements of an array, entries of an object or set, characters of a string; 0 for scalars. O(1). */
export function shallowSize(v: Value | undefined): number {
  if (v === undefined) return 0
  switch (v.type) {
    case 'string': return v.value.length
    case 'array': return v.items.length
    case 'object': return v.entries.size
    case 'set': return v.items.size
    default: return 0
  }
}

/** Estimated bytes of a value a built-in has just returned, counting only its top level. */
export function shallowBytes(v: Value): number {
  switch (v.type) {
    case 'string': return stringBytes(v.value.length)
    case 'array': return arrayBytes(v.items.length)
    case 'object':
    case 'set': return mapBytes(shallowSize(v))
    default: return 0
  }
}

/** Length of `v`'s JSON text, approximately; linear in the value's memory, stops past `cap`. */
export const textSize = textLength

/**
 * Number of values in `v` written out as a tree (every object entry counts its key and value),
 * memoised per value object like `textLength` (value.ts), stopping past `cap`.
 */
export function treeNodes(v: Value, cap = 2 ** 31): number {
  const memo = new Map<Value, number>()
  const count = (x: Value): number => {
    if (x.type !== 'array' && x.type !== 'object' && x.type !== 'set') return 1
    const known = memo.get(x)
    if (known !== undefined) return known
    let n = 1
    if (x.type === 'array') { for (const c of x.items) if ((n += count(c)) > cap) break }
    else if (x.type === 'set') { for (const c of x.items.values()) if ((n += count(c)) > cap) break }
    else for (const [k, c] of x.entries.values()) if ((n += count(k) + count(c)) > cap) break
    memo.set(x, n)
    return n
  }
  return count(v)
}

/** Total length of the strings in an array or set (0 for anything else). */
export function stringsLength(v: Value): number {
  let n = 0
  const items = v.type === 'array' ? v.items : v.type === 'set' ? v.items.values() : []
  for (const x of items) if (x.type === 'string') n += x.value.length
  return n
}
