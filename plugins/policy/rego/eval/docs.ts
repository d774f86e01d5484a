/** Document helpers: indexing into values, iterating keys, and building nested objects. */
import { RegoError, type Location } from '../errors.ts'
import { equal, keyOf, obj, str, toNumber, type ObjV, type Value } from '../value.ts'

/** `v[key]`, or undefined when absent (arrays take integral numbers, sets yield the member). */
export function getKey(v: Value, key: Value): Value | undefined {
  switch (v.type) {
    case 'object':
      return v.entries.get(keyOf(key))?.[1]
    case 'array': {
      if (key.type !== 'number') return undefined
      const n = key.int !== undefined ? Number(key.int) : toNumber(key)
      return Number.isInteger(n) && n >= 0 && n < v.items.length ? v.items[n] : undefined
    }
    case 'set':
      return v.items.get(keyOf(key))
    default:
      return undefined
  }
}

const constKeys = new WeakMap<Value, string>()

/**
 * `getKey` for a key that lives as long as the policy (a constant in a ref such as
 * `input.principal.role`): its canonical key string is built once, and with it the hash a Map
 * lookup needs, instead of on every evaluation.
 */
export function getConstKey(v: Value, key: Value): Value | undefined {
  if (v.type !== 'object' && v.type !== 'set') return getKey(v, key)
  let k = constKeys.get(key)
  if (k === undefined) {
    k = keyOf(key)
    constKeys.set(key, k)
  }
  return v.type === 'object' ? v.entries.get(k)?.[1] : v.items.get(k)
}

/** Key/value pairs to iterate `v[_]`; scalars have none. */
export function entriesOf(v: Value): Array<readonly [Value, Value]> {
  switch (v.type) {
    case 'object':
      return [...v.entries.values()]
    case 'array':
      return v.items.map((x, i) => [{ type: 'number', int: BigInt(i) }, x] as const)
    case 'set':
      return [...v.items.values()].map((x) => [x, x] as const)
    default:
      return []
  }
}

/** The values entriesOf pairs with keys, in the same order, without the pairs. */
export function valuesOf(v: Value): Iterable<Value> {
  switch (v.type) {
    case 'object':
      return [...v.entries.values()].map((e) => e[1])
    case 'array':
      return v.items
    case 'set':
      return v.items.values()
    default:
      return []
  }
}

/** Returns `base` with `value` stored at `path`, creating objects on the way. */
export function upsert(base: Value | undefined, path: readonly string[], value: Value): Value {
  if (path.length === 0) return value
  const o: ObjV = base && base.type === 'object' ? base : obj([])
  const [head, ...rest] = path
  const entries = new Map(o.entries)
  const k = str(head)
  entries.set(keyOf(k), [k, upsert(entries.get(keyOf(k))?.[1], rest, value)])
  return { type: 'object', entries }
}

/**
 * Mutable object builder used while assembling a virtual document from rules with dynamic
 * refs (`p[q].r := i`). Leaves that receive two different values raise OPA's conflict error.
 */
export class DocBuilder {
  private root: Map<string, [Value, Value | DocBuilder]> = new Map()

  insert(path: readonly Value[], value: Value, loc: Location, leafIsSet = false): void {
    const [k, ...rest] = path
    const key = keyOf(k)
    const cur = this.root.get(key)
    if (rest.length === 0) {
      if (leafIsSet) {
        // Set rules with refs: union into the set at the leaf.
        const existing = cur?.[1]
        const items = new Map(existing && !(existing instanceof DocBuilder) && existing.type === 'set' ? existing.items : [])
        items.set(keyOf(value), value)
        this.root.set(key, [k, { type: 'set', items }])
        return
      }
      // Two rules may only define the same leaf with the same value.
      if (cur === undefined) this.root.set(key, [k, value])
      else if (!equal(cur[1] instanceof DocBuilder ? cur[1].build() : cur[1], value)) throw conflict(loc)
      return
    }
    let child: DocBuilder
    if (cur === undefined) {
      child = new DocBuilder()
      this.root.set(key, [k, child])
    } else if (cur[1] instanceof DocBuilder) child = cur[1]
    else if (cur[1].type === 'object') {
      child = DocBuilder.from(cur[1])
      this.root.set(key, [k, child])
    } else throw conflict(loc)
    child.insert(rest, value, loc, leafIsSet)
  }

  /** Replaces a top-level key without conflict checks (base/virtual merging). */
  set(k: Value, v: Value): void {
    this.root.set(keyOf(k), [k, v])
  }

  static from(o: ObjV): DocBuilder {
    const b = new DocBuilder()
    for (const [k, v] of o.entries.values()) b.root.set(keyOf(k), [k, v])
    return b
  }

  get size(): number {
    return this.root.size
  }

  build(): ObjV {
    const entries = new Map<string, readonly [Value, Value]>()
    for (const [key, [k, v]] of this.root) entries.set(key, [k, v instanceof DocBuilder ? v.build() : v])
    return { type: 'object', entries }
  }
}

/** Base data merged with a virtual document: objects merge, otherwise the base value wins. */
export function mergeBaseWins(base: Value, virt: Value): Value {
  if (base.type !== 'object' || virt.type !== 'object') return base
  const entries = new Map(base.entries)
  for (const [key, [k, v]] of virt.entries) {
    const cur = entries.get(key)
    entries.set(key, [k, cur ? mergeBaseWins(cur[1], v) : v])
  }
  return { type: 'object', entries }
}

export const conflict = (loc?: Location): RegoError => new RegoError('eval_conflict_error', 'object keys must be unique', loc)

/**
 * The object an object literal evaluates to, from its keys and values flattened as
 * [k0, v0, k1, v1, ...]: a key given twice must have the same value (OPA's conflict error).
 */
export function objectOfPairs(flat: readonly Value[], loc: Location): Value {
  const entries = new Map<string, readonly [Value, Value]>()
  for (let i = 0; i < flat.length; i += 2) {
    const key = keyOf(flat[i])
    const prev = entries.get(key)
    if (prev && !equal(prev[1], flat[i + 1])) throw new RegoError('eval_conflict_error', 'object keys must be unique', loc)
    entries.set(key, [flat[i], flat[i + 1]])
  }
  return { type: 'object', entries }
}
