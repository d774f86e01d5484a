/**
 * JSON value <-> flat key/value map, in Spring Boot's convention (see index.ts for the rules). Both
 * directions are iterative and bounded: a value reaches here from hostile text, possibly through
 * YAML aliases that share or even cycle back to a subtree.
 */
import type { ConfigFormat } from '../model.ts'
import { FormatError, type FormatWarning } from './errors.ts'
import type { FormatLimits } from './types.ts'

/**
 * How the source spelled numbers whose JavaScript form differs (`1.0`, `1e3`, an integer past 2^53),
 * keyed by the object holding them; `undefined` holds the root. Lets entries keep what the author wrote.
 */
export class NumberText {
  private readonly byHolder = new Map<object | undefined, Map<string, string>>()
  set(holder: object | undefined, key: string, text: string): void {
    let m = this.byHolder.get(holder)
    if (!m) this.byHolder.set(holder, (m = new Map()))
    m.set(key, text)
  }
  get(holder: object | undefined, key: string): string | undefined {
    return this.byHolder.get(holder)?.get(key)
  }
}

/** Appends an object key to a path; a key that starts with `[` is an index written as a key, as in Spring. */
export function joinKey(path: string, key: string): string {
  if (path === '') return key
  return key.startsWith('[') ? path + key : `${path}.${key}`
}

/** Defines an own property even for `__proto__`, which plain assignment would take as the prototype. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
  else obj[key] = value
}

interface Frame { value: unknown; path: string; depth: number; holder: object | undefined; key: string }

export function flatten(format: ConfigFormat, value: unknown, limits: FormatLimits, numbers?: NumberText, warnings?: FormatWarning[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  if (value === null || value === undefined) return out
  let count = 0
  const emit = (key: string, text: string) => {
    if (key in out) warnings?.push({ key, message: `Two values flatten to the key "${key}"; the later one wins` })
    else if (++count > limits.maxKeys) throw new FormatError(format, 'limit', `The document has more than ${limits.maxKeys} keys once flattened`)
    out[key] = text
  }
  const stack: Frame[] = [{ value, path: '', depth: 0, holder: undefined, key: '' }]
  while (stack.length > 0) {
    const f = stack.pop()!
    const v = f.value
    if (v === null || typeof v !== 'object') {
      emit(f.path, scalarText(format, v, numbers?.get(f.holder, f.key)))
      continue
    }
    const depth = f.depth + 1
    if (depth > limits.maxDepth) {
      throw new FormatError(format, 'limit', `The document is nested more than ${limits.maxDepth} levels deep (at "${f.path}")`)
    }
    const keys = Array.isArray(v) ? null : Object.keys(v)
    const n = keys ? keys.length : (v as unknown[]).length
    if (n === 0) {
      // An empty container keeps its key visible; an empty root is a document without keys.
      if (depth > 1) emit(f.path, '')
      continue
    }
    // Pushed in reverse so entries come out in document order.
    for (let i = n - 1; i >= 0; i--) {
      const k = keys ? keys[i] : String(i)
      const path = keys ? joinKey(f.path, k) : `${f.path}[${i}]`
      stack.push({ value: (v as Record<string, unknown>)[k], path, depth, holder: v, key: k })
    }
  }
  return out
}

function scalarText(format: ConfigFormat, v: unknown, spelled: string | undefined): string {
  switch (typeof v) {
    case 'string': return v
    case 'number': return spelled ?? String(v)
    case 'boolean':
    case 'bigint': return String(v)
    default:
      if (v === null) return ''
      throw new FormatError(format, 'unsupported', `A ${typeof v} is not a JSON value`)
  }
}

/** `order`: the smallest position, in the entries, of a key under the node; output follows it. */
type Node = { order: number } & ({ kind: 'leaf'; value: string } | { kind: 'obj'; children: Map<string, Node> } | { kind: 'arr'; children: Map<number, Node> })
type Segment = string | number

/** `a.b[0].c` -> ['a', 'b', 0, 'c']; undefined for a key that does not spell a path (`a..b`, `[0]`, `a.`). */
function parseKey(key: string, maxDepth: number): Segment[] | undefined {
  const segs: Segment[] = []
  for (const part of key.split('.')) {
    const m = /^([^[\]]+)((?:\[(?:0|[1-9]\d{0,8})\])*)$/.exec(part)
    if (!m) return undefined
    segs.push(m[1])
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) segs.push(Number(idx[1]))
    if (segs.length > maxDepth) return undefined
  }
  return segs
}

/**
 * The nested value whose flattening is `entries` again (Spring Cloud Config's `.yml` view of a
 * properties source). Keys are placed shortest path first, so a key that would need a value to be
 * both a string and a container (`a=1` with `a.b=2`) stays a literal dotted key at the root, which
 * flattens back to itself; indexes that are not exactly 0..n-1 stay `[i]` keys of an object, and a
 * key of more than `maxDepth` segments stays literal too (which also bounds the recursion below).
 */
export function unflatten(entries: Record<string, string>, maxDepth = 64): Record<string, unknown> {
  const root: Node = { kind: 'obj', children: new Map(), order: 0 }
  const parsed = Object.keys(entries).map((key, order) => ({ key, order, segs: parseKey(key, maxDepth) }))
  parsed.sort((a, b) => (a.segs?.length ?? 0) - (b.segs?.length ?? 0))
  for (const { key, order, segs } of parsed) {
    if (!segs || !place(root, segs, entries[key], order)) root.children.set(key, { kind: 'leaf', value: entries[key], order })
  }
  return build(root) as Record<string, unknown>
}

/**
 * Literal keys go into the root's children too: they contain `.` or `[`, which no path segment
 * does, so they never collide with a nested key.
 */
function place(root: Node, segs: Segment[], value: string, order: number): boolean {
  const path: Node[] = []
  let node = root
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]
    if (node.kind !== (typeof seg === 'number' ? 'arr' : 'obj')) return false
    const children = (node as { children: Map<Segment, Node> }).children
    const last = i === segs.length - 1
    let next = children.get(seg)
    if (!next) {
      next = last ? { kind: 'leaf', value, order } : typeof segs[i + 1] === 'number' ? { kind: 'arr', children: new Map(), order } : { kind: 'obj', children: new Map(), order }
      children.set(seg, next)
    } else if (last || next.kind === 'leaf') return false
    path.push(next)
    node = next
  }
  for (const n of path) n.order = Math.min(n.order, order)
  return true
}

function build(node: Node): unknown {
  if (node.kind === 'leaf') return node.value
  if (node.kind === 'arr') {
    const n = node.children.size
    let dense = true
    for (let i = 0; i < n && dense; i++) dense = node.children.has(i)
    if (dense) return Array.from({ length: n }, (_, i) => build(node.children.get(i)!))
    const obj: Record<string, unknown> = {}
    for (const [i, child] of [...node.children].sort((a, b) => a[0] - b[0])) obj[`[${i}]`] = build(child)
    return obj
  }
  const obj: Record<string, unknown> = {}
  for (const [k, child] of [...node.children].sort((a, b) => a[1].order - b[1].order)) setOwn(obj, k, build(child))
  return obj
}
