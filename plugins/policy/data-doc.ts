/**
 * Editing the base data document by path, as OPA's Data API does: PUT replaces the value at a
 * path (creating parents), PATCH applies JSON Patch operations relative to it, DELETE removes it.
 * Pure functions over plain JSON; the store wraps them in a compare-and-swap.
 */
import { PolicyErrors } from './errors.ts'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type Obj = { [k: string]: Json }

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const clone = <T>(v: T): T => structuredClone(v)

export function getAt(doc: Obj, path: string[]): Json | undefined {
  let cur: Json | undefined = doc
  for (const seg of path) {
    if (isObj(cur)) cur = cur[seg]
    else if (Array.isArray(cur) && /^\d+$/.test(seg)) cur = cur[Number(seg)]
    else return undefined
  }
  return cur
}

export function putAt(doc: Obj, path: string[], value: Json): Obj {
  if (path.length === 0) {
    if (!isObj(value)) throw PolicyErrors.invalidParameter('the root data document must be an object')
    return clone(value)
  }
  const out = clone(doc)
  let cur: Obj = out
  for (const seg of path.slice(0, -1)) {
    const next = cur[seg]
    if (next === undefined) cur = cur[seg] = {}
    else if (isObj(next)) cur = next
    else throw PolicyErrors.invalidParameter(`cannot write below /${path.join('/')}: /${seg} is not an object`)
  }
  cur[path[path.length - 1]] = clone(value)
  return out
}

export function deleteAt(doc: Obj, path: string[]): Obj | undefined {
  if (path.length === 0) return {}
  const out = clone(doc)
  const parent = getAt(out, path.slice(0, -1))
  const last = path[path.length - 1]
  if (!isObj(parent) || !(last in parent)) return undefined
  delete parent[last]
  return out
}

export interface PatchOp {
  op: 'add' | 'remove' | 'replace'
  path: string
  value?: Json
}

function pointer(path: string): string[] {
  if (path === '' || path === '/') return []
  if (!path.startsWith('/')) throw PolicyErrors.invalidParameter(`patch path must start with "/": ${path}`)
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** Applies JSON Patch operations to the subtree at `base`. */
export function patchAt(doc: Obj, base: string[], ops: PatchOp[]): Obj {
  let out = doc
  for (const op of ops) {
    const target = [...base, ...pointer(op.path)]
    if (op.op === 'remove') {
      const next = deleteAt(out, target)
      if (!next) throw PolicyErrors.notFound(`patch remove: ${op.path} does not exist`)
      out = next
    } else if (op.op === 'replace') {
      if (getAt(out, target) === undefined) throw PolicyErrors.notFound(`patch replace: ${op.path} does not exist`)
      out = putAt(out, target, op.value ?? null)
    } else {
      const parent = getAt(out, target.slice(0, -1))
      if (Array.isArray(parent)) {
        const last = target[target.length - 1]
        const copy = clone(out)
        const arr = getAt(copy, target.slice(0, -1)) as Json[]
        const index = last === '-' ? arr.length : Number(last)
        if (!Number.isInteger(index) || index < 0 || index > arr.length) throw PolicyErrors.invalidParameter(`patch add: bad array index ${last}`)
        arr.splice(index, 0, clone(op.value ?? null))
        out = copy
      } else {
        out = putAt(out, target, op.value ?? null)
      }
    }
  }
  return out
}
