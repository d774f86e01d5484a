/**
 * json.patch: RFC 6902 over Rego values. Paths may be JSON pointers (leading "/" optional) or arrays
 * of segments; sets are addressed by their elements. Any failing operation makes the result undefined.
 */
import { arr, equal, isInt, keyOf, obj, objGet, set, str, type Value } from '../value.ts'

class PatchFailed extends Error {}
const fail = (): never => { throw new PatchFailed() }

function segments(p: Value | undefined): Value[] {
  if (p === undefined) return fail()
  if (p.type === 'array') return [...p.items]
  if (p.type !== 'string') return fail()
  if (p.value === '' || p.value === '/') return p.value === '' ? [] : [str('')]
  return p.value.replace(/^\//, '').split('/').map((s) => str(s.replace(/~1/g, '/').replace(/~0/g, '~')))
}

function index(seg: Value, len: number, allowEnd: boolean): number {
  let i: number
  if (seg.type === 'number' && isInt(seg)) i = Number(seg.int)
  else if (seg.type === 'string' && /^(0|[1-9]\d*)$/.test(seg.value)) i = Number(seg.value)
  else if (seg.type === 'string' && seg.value === '-' && allowEnd) i = len
  else return fail()
  if (i < 0 || i > len || (i === len && !allowEnd)) fail()
  return i
}

function get(doc: Value, path: Value[]): Value {
  let cur = doc
  for (const seg of path) cur = child(cur, seg)
  return cur
}

function child(c: Value, seg: Value): Value {
  if (c.type === 'object') return objGet(c, seg) ?? fail()
  if (c.type === 'array') return c.items[index(seg, c.items.length, false)]
  if (c.type === 'set') return c.items.get(keyOf(seg)) ?? fail()
  return fail()
}

/** Rebuilds the containers along `path`, applying `leaf` to the parent of the last segment. */
function update(doc: Value, path: Value[], leaf: (parent: Value, seg: Value) => Value): Value {
  if (path.length === 0) return fail()
  const [seg, ...rest] = path
  if (rest.length === 0) return leaf(doc, seg)
  const next = update(child(doc, seg), rest, leaf)
  if (doc.type === 'object') return obj([...[...doc.entries.values()].filter(([k]) => !equal(k, seg)), [seg, next]])
  if (doc.type === 'array') {
    const items = [...doc.items]
    items[index(seg, items.length, false)] = next
    return arr(items)
  }
  if (doc.type === 'set') return set([...[...doc.items.values()].filter((x) => !equal(x, seg)), next])
  return fail()
}

function add(doc: Value, path: Value[], value: Value): Value {
  if (path.length === 0) return value
  return update(doc, path, (p, seg) => {
    if (p.type === 'object') return obj([...[...p.entries.values()].filter(([k]) => !equal(k, seg)), [seg, value]])
    if (p.type === 'array') {
      const items = [...p.items]
      items.splice(index(seg, items.length, true), 0, value)
      return arr(items)
    }
    if (p.type === 'set') return equal(seg, value) ? set([...p.items.values(), value]) : fail()
    return fail()
  })
}

function remove(doc: Value, path: Value[]): Value {
  return update(doc, path, (p, seg) => {
    child(p, seg)
    if (p.type === 'object') return obj([...p.entries.values()].filter(([k]) => !equal(k, seg)))
    if (p.type === 'array') {
      const items = [...p.items]
      items.splice(index(seg, items.length, false), 1)
      return arr(items)
    }
    if (p.type === 'set') return set([...p.items.values()].filter((x) => !equal(x, seg)))
    return fail()
  })
}

function field(op: Value, name: string): Value | undefined {
  return op.type === 'object' ? objGet(op, str(name)) : undefined
}

export function applyPatch(doc: Value, ops: readonly Value[]): Value | undefined {
  try {
    let cur = doc
    for (const op of ops) {
      const kind = field(op, 'op')
      const path = segments(field(op, 'path'))
      const value = field(op, 'value')
      switch (kind?.type === 'string' ? kind.value : '') {
        case 'add':
          cur = add(cur, path, value ?? fail())
          break
        case 'remove':
          cur = remove(cur, path)
          break
        case 'replace':
          get(cur, path)
          cur = path.length === 0 ? value ?? fail() : add(remove(cur, path), path, value ?? fail())
          break
        case 'move': {
          const from = segments(field(op, 'from'))
          const v = get(cur, from)
          cur = add(remove(cur, from), path, v)
          break
        }
        case 'copy':
          cur = add(cur, path, get(cur, segments(field(op, 'from'))))
          break
        case 'test':
          if (!equal(get(cur, path), value ?? fail())) fail()
          break
        default:
          fail()
      }
    }
    return cur
  } catch (e) {
    if (e instanceof PatchFailed) return undefined
    throw e
  }
}
