/**
 * The `data` tree assembled from data files. A file at 'a/b/data.json' is mounted at data.a.b; files
 * whose subtrees overlap are merged object by object, and two files defining the same leaf are a
 * conflict, because which one wins would depend on archive order.
 */
import { BundleError } from './errors.ts'

/** A JSON object: not an array, Buffer, Date or other class instance. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

// Keys come from untrusted JSON: read and write own properties only, so a '__proto__' key is plain data.
const own = (o: Record<string, unknown>, k: string) => (Object.hasOwn(o, k) ? o[k] : undefined)
const setOwn = (o: Record<string, unknown>, k: string, v: unknown) =>
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true })

/** Mounts `value` (from file `source`) at `path` in `tree`, merging with what earlier files put there. */
export function mountData(tree: Record<string, unknown>, path: string[], value: unknown, source: string): void {
  if (path.length === 0) {
    if (!isPlainObject(value)) {
      throw new BundleError('BUNDLE_INVALID_DATA', `${source}: the top-level data file must hold a JSON object, since it becomes the root of data`)
    }
    mergeInto(tree, value, [], source)
    return
  }
  let node = tree
  for (let i = 0; i < path.length - 1; i++) {
    const next = own(node, path[i])
    if (next === undefined) {
      const created = {}
      setOwn(node, path[i], created)
      node = created
    } else if (isPlainObject(next)) {
      node = next
    } else {
      throw conflict(path.slice(0, i + 1), source)
    }
  }
  const last = path[path.length - 1]
  const existing = own(node, last)
  if (existing === undefined) setOwn(node, last, value)
  else if (isPlainObject(existing) && isPlainObject(value)) mergeInto(existing, value, path, source)
  else throw conflict(path, source)
}

/** Iterative, with an explicit stack: data depth is attacker-controlled and must not reach the call stack. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>, path: string[], file: string): void {
  // Paths are parent links, materialised only for the error: copying them per level would be quadratic.
  type Link = { key: string; up: Link } | undefined
  const pathOf = (l: Link): string[] => {
    const keys: string[] = []
    for (let x = l; x; x = x.up) keys.push(x.key)
    return [...path, ...keys.reverse()]
  }
  const work: Array<[Record<string, unknown>, Record<string, unknown>, Link]> = [[target, source, undefined]]
  while (work.length > 0) {
    const [into, from, at] = work.pop()!
    for (const key of Object.keys(from)) {
      const a = own(into, key)
      const b = from[key]
      if (a === undefined) setOwn(into, key, b)
      else if (isPlainObject(a) && isPlainObject(b)) work.push([a, b, { key, up: at }])
      else throw conflict(pathOf({ key, up: at }), file)
    }
  }
}

function conflict(path: string[], source: string): BundleError {
  return new BundleError('BUNDLE_DATA_CONFLICT', `${source} sets data.${path.join('.')}, which another data file in the bundle already defines; define each value in exactly one file`)
}

/**
 * JSON with object keys sorted, so equal data gives equal bytes whatever order it was built in.
 * Values follow JSON.stringify (toJSON honoured, undefined members dropped).
 */
export function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) =>
      isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v)
  } catch (err) {
    throw new BundleError('BUNDLE_INVALID_DATA', `data cannot be written as JSON (${(err as Error).message}); use only JSON values without cycles`)
  }
}
