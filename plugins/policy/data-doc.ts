/**
 * Editing the base data document by path, as OPA's Data API does: PUT replaces the value at a
 * path (creating parents), PATCH applies JSON Patch operations relative to it, DELETE removes it.
 * Pure functions over plain JSON (the input is never modified); the store wraps them in a
 * compare-and-swap.
 */
import { PolicyErrors } from './errors.ts'
import { parseDataPatchPath } from './json-pointer.ts'
import { PatchError, patchValue } from './rego/builtins/json-patch.ts'
import { fromJs, str, toJsonText } from './rego/value.ts'

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

/**
 * OPA's Data API PATCH: each operation's path is relative to the document at `base` (see
 * parseDataPatchPath for why "/" means that document itself), applied by the json.patch engine.
 * As in OPA, an operation whose target or parent does not exist is a 404 (PUT, not PATCH, creates
 * missing parents) and the operations apply all or nothing.
 */
export function patchAt(doc: Obj, base: string[], ops: PatchOp[]): Obj {
  const steps = ops.map((op) => {
    const rel = parseDataPatchPath(op.path)
    if (!rel) throw PolicyErrors.invalidParameter(`bad patch path: ${op.path}`)
    // A missing value is written as null, as OPA does.
    return { op: op.op, path: [...base, ...rel].map(str), value: op.op === 'remove' ? undefined : fromJs(op.value ?? null) }
  })
  let out: unknown
  try {
    // Through JSON text, not toJs: integers beyond 2^53 stay numbers, as the stored JSON has them.
    out = JSON.parse(toJsonText(patchValue(fromJs(doc), steps)))
  } catch (err) {
    if (err instanceof PatchError) throw PolicyErrors.notFound(`storage_not_found_error: ${err.message}`)
    throw err
  }
  if (!isObj(out)) throw PolicyErrors.invalidParameter('the root data document must be an object')
  return out
}
