/** array.*, set intersection/union, and object.* built-ins. */
import { arr, bool, equal, isInt, keyOf, obj, objGet, set, setHas, type ObjV, type Value } from '../value.ts'
import { arrArg, collection, def, intArg, objArg, oneOf, operandError, setArg } from './args.ts'
import type { BuiltinDef } from './contract.ts'

function slice(args: Value[]): Value {
  const a = arrArg('array.slice', args[0], 1)
  const n = BigInt(a.items.length)
  let start = intArg('array.slice', args[1], 2)
  let stop = intArg('array.slice', args[2], 3)
  if (start < 0n) start = 0n
  if (stop > n) stop = n
  if (start >= stop) return arr([])
  return arr(a.items.slice(Number(start), Number(stop)))
}

/** Deep merge where `b` wins, recursing while both sides are objects. */
export function unionObjects(a: ObjV, b: ObjV): ObjV {
  const entries = new Map(a.entries)
  for (const [k, [kv, bv]] of b.entries) {
    const av = entries.get(k)?.[1]
    entries.set(k, [kv, av?.type === 'object' && bv.type === 'object' ? unionObjects(av, bv) : bv])
  }
  return { type: 'object', entries }
}

/** Keys named by operand 2 of object.remove/filter: the elements of an array or set, or an object's keys. */
function keySet(name: string, v: Value): Set<string> {
  if (v.type === 'object') return new Set(v.entries.keys())
  if (v.type === 'array' || v.type === 'set') return new Set(collection(name, v, 2).map(keyOf))
  throw operandError(name, 2, oneOf(['object', 'set', 'array']), v)
}

function getPath(o: Value, path: readonly Value[]): Value | undefined {
  let cur: Value | undefined = o
  for (const seg of path) {
    if (cur === undefined) return undefined
    if (cur.type === 'object') cur = objGet(cur, seg)
    else if (cur.type === 'array') {
      if (seg.type !== 'number' || !isInt(seg) || seg.int < 0n || seg.int >= BigInt(cur.items.length)) return undefined
      cur = cur.items[Number(seg.int)]
    } else if (cur.type === 'set') cur = setHas(cur, seg) ? seg : undefined
    else return undefined
  }
  return cur
}

function subset(sup: Value, sub: Value): boolean {
  if (sup.type === 'object' && sub.type === 'object') {
    for (const [k, [, sv]] of sub.entries) {
      const pv = sup.entries.get(k)?.[1]
      if (pv === undefined) return false
      const collections = ['object', 'set', 'array']
      const comparable = (pv.type === sv.type && collections.includes(pv.type)) || (pv.type === 'array' && sv.type === 'set')
      if (comparable) {
        if (!subset(pv, sv)) return false
      } else if (!equal(pv, sv)) return false
    }
    return true
  }
  if (sup.type === 'set' && sub.type === 'set') return [...sub.items.keys()].every((k) => sup.items.has(k))
  if (sup.type === 'array' && sub.type === 'set') return [...sub.items.values()].every((x) => sup.items.some((y) => equal(x, y)))
  if (sup.type === 'array' && sub.type === 'array') {
    if (sub.items.length === 0) return true
    for (let i = 0; i + sub.items.length <= sup.items.length; i++) {
      if (sub.items.every((x, j) => equal(x, sup.items[i + j]))) return true
    }
    return false
  }
  return false
}

export const COLLECTION_BUILTINS: BuiltinDef[] = [
  def('array.concat', 2, ([a, b]) => arr([...arrArg('array.concat', a, 1).items, ...arrArg('array.concat', b, 2).items])),
  def('array.slice', 3, slice),
  def('array.reverse', 1, ([a]) => arr([...arrArg('array.reverse', a, 1).items].reverse())),
  def('array.flatten', 1, ([a]) => arr(arrArg('array.flatten', a, 1).items.flatMap((x) => (x.type === 'array' ? x.items : [x])))),
  def('intersection', 1, ([s]) => {
    const sets = [...setArg('intersection', s, 1).items.values()].map((x) => setArg('intersection', x, 1))
    if (sets.length === 0) return set([])
    return set([...sets[0].items].filter(([k]) => sets.every((o) => o.items.has(k))).map(([, v]) => v))
  }),
  def('union', 1, ([s]) => set([...setArg('union', s, 1).items.values()].flatMap((x) => [...setArg('union', x, 1).items.values()]))),
  def('object.get', 3, ([o, k, d]) => {
    const ob = objArg('object.get', o, 1)
    const v = k.type === 'array' ? getPath(ob, k.items) : objGet(ob, k)
    return v ?? d
  }),
  def('object.keys', 1, ([o]) => set([...objArg('object.keys', o, 1).entries.values()].map(([k]) => k))),
  def('object.remove', 2, ([o, ks]) => {
    const ob = objArg('object.remove', o, 1)
    const drop = keySet('object.remove', ks)
    return obj([...ob.entries].filter(([k]) => !drop.has(k)).map(([, e]) => e))
  }),
  def('object.filter', 2, ([o, ks]) => {
    const ob = objArg('object.filter', o, 1)
    const keep = keySet('object.filter', ks)
    return obj([...ob.entries].filter(([k]) => keep.has(k)).map(([, e]) => e))
  }),
  def('object.union', 2, ([a, b]) => unionObjects(objArg('object.union', a, 1), objArg('object.union', b, 2))),
  def('object.union_n', 1, ([a]) => {
    let acc: ObjV = obj([])
    for (const x of arrArg('object.union_n', a, 1).items) acc = unionObjects(acc, objArg('object.union_n', x, 1))
    return acc
  }),
  def('object.subset', 2, ([a, b]) => {
    const kinds = ['object', 'set', 'array']
    if (!kinds.includes(a.type)) throw operandError('object.subset', 1, oneOf(kinds), a)
    if (!kinds.includes(b.type)) throw operandError('object.subset', 2, oneOf(kinds), b)
    if (a.type === 'object' && b.type !== 'object') throw operandError('object.subset', 2, 'object', b)
    return bool(subset(a, b))
  }),
]
