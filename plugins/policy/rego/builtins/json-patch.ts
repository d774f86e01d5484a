/**
 * RFC 6902 JSON Patch over Rego values: the one implementation behind the json.patch built-in and
 * the Data API's PATCH (data-doc.ts, which converts the plain JSON document). Objects, arrays and,
 * as OPA allows, sets (addressed by their elements). Paths are already split into segments; how a
 * path string splits depends on the caller (see json-pointer.ts).
 */
import { parseBuiltinPath } from '../../json-pointer.ts'
import { arr, equal, isInt, keyOf, obj, objGet, set, str, type Value } from '../value.ts'

/** A failed operation: the target is missing or of the wrong kind, or a `test` did not match. */
export class PatchError extends Error {}
const fail = (why: string): never => {
  throw new PatchError(why)
}

export interface PatchStep {
  op: string
  path: Value[]
  from?: Value[]
  value?: Value
}

function index(seg: Value, len: number, allowEnd: boolean): number {
  let i: number
  if (seg.type === 'number' && isInt(seg)) i = Number(seg.int)
  else if (seg.type === 'string' && /^(0|[1-9]\d*)$/.test(seg.value)) i = Number(seg.value)
  else if (seg.type === 'string' && seg.value === '-' && allowEnd) i = len
  else return fail(`${toText(seg)} is not an array index`)
  if (i < 0 || i > len || (i === len && !allowEnd)) fail(`array index ${i} is out of range`)
  return i
}

const toText = (seg: Value) => (seg.type === 'string' ? JSON.stringify(seg.value) : seg.type)

function get(doc: Value, path: Value[]): Value {
  let cur = doc
  for (const seg of path) cur = child(cur, seg)
  return cur
}

function child(c: Value, seg: Value): Value {
  if (c.type === 'object') return objGet(c, seg) ?? fail(`no key ${toText(seg)}`)
  if (c.type === 'array') return c.items[index(seg, c.items.length, false)]
  if (c.type === 'set') return c.items.get(keyOf(seg)) ?? fail(`no set element ${toText(seg)}`)
  return fail(`a ${c.type} has no ${toText(seg)}`)
}

/** Rebuilds the containers along `path`, applying `leaf` to the parent of the last segment. */
function update(doc: Value, path: Value[], leaf: (parent: Value, seg: Value) => Value): Value {
  if (path.length === 0) return fail('the whole document cannot be removed')
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
  return fail(`a ${doc.type} has no ${toText(seg)}`)
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
    if (p.type === 'set') return equal(seg, value) ? set([...p.items.values(), value]) : fail('a set element is added under its own value')
    return fail(`cannot add below a ${p.type}`)
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
    return fail(`cannot remove from a ${p.type}`)
  })
}

/** Applies the steps in order; throws PatchError at the first that fails (the input is never modified). */
export function patchValue(doc: Value, steps: readonly PatchStep[]): Value {
  let cur = doc
  for (const { op, path, from, value } of steps) {
    const needValue = () => value ?? fail(`${op} needs a value`)
    const source = () => from ?? fail(`${op} needs a from`)
    switch (op) {
      case 'add':
        cur = add(cur, path, needValue())
        break
      case 'remove':
        cur = remove(cur, path)
        break
      case 'replace':
        get(cur, path)
        cur = path.length === 0 ? needValue() : add(remove(cur, path), path, needValue())
        break
      case 'move': {
        const v = get(cur, source())
        cur = add(remove(cur, source()), path, v)
        break
      }
      case 'copy':
        cur = add(cur, path, get(cur, source()))
        break
      case 'test':
        if (!equal(get(cur, path), needValue())) fail('test failed')
        break
      default:
        fail(`unknown op ${JSON.stringify(op)}`)
    }
  }
  return cur
}

function field(op: Value, name: string): Value | undefined {
  return op.type === 'object' ? objGet(op, str(name)) : undefined
}

/** A json.patch path: a string (see parseBuiltinPath) or an array of segments. */
function segments(p: Value | undefined): Value[] {
  if (p?.type === 'array') return [...p.items]
  if (p?.type === 'string') return parseBuiltinPath(p.value).map(str)
  return fail('a path is a string or an array')
}

/** json.patch: undefined when any operation fails, as in OPA. */
export function applyPatch(doc: Value, ops: readonly Value[]): Value | undefined {
  try {
    const steps = ops.map((op): PatchStep => {
      const kind = field(op, 'op')
      const from = field(op, 'from') // parsed only when present: only move and copy read it
      return { op: kind?.type === 'string' ? kind.value : '', path: segments(field(op, 'path')), from: from && segments(from), value: field(op, 'value') }
    })
    return patchValue(doc, steps)
  } catch (e) {
    if (e instanceof PatchError) return undefined
    throw e
  }
}
