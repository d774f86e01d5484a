/** json.filter / json.remove: paths ("a/b/0" or ["a", "b", 0]) gathered into a trie, then applied in one walk. */
import { parseBuiltinPath } from '../../json-pointer.ts'
import { arr, obj, set, toJsonText, type Value } from '../value.ts'
import { typeError } from './args.ts'

interface Node { terminal: boolean; children: Map<string, Node> }

const segKey = (v: Value): string => (v.type === 'string' ? v.value : toJsonText(v))

export function parsePaths(name: string, v: Value): Node {
  if (v.type !== 'set' && v.type !== 'array') throw typeError(name, `operand 2 must be one of {set, array} but got ${v.type}`)
  const root: Node = { terminal: false, children: new Map() }
  for (const p of v.type === 'set' ? v.items.values() : v.items) {
    let segs: string[]
    if (p.type === 'string') segs = parseBuiltinPath(p.value)
    else if (p.type === 'array') segs = p.items.map(segKey)
    else throw typeError(name, `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${p.type}`)
    if (segs.length === 0) continue // OPA skips a path to the whole document
    let n = root
    for (const s of segs) {
      let c = n.children.get(s)
      if (!c) n.children.set(s, (c = { terminal: false, children: new Map() }))
      n = c
    }
    n.terminal = true
  }
  return root
}

/**
 * Rebuilds a container from the children `keep` returns (undefined drops one), handing each child
 * the trie node of its key; undefined for a scalar, which has no children.
 */
function rebuild(v: Value, n: Node, keep: (child: Value, node: Node | undefined) => Value | undefined): Value | undefined {
  switch (v.type) {
    case 'object': {
      const out: Array<[Value, Value]> = []
      for (const [k, x] of v.entries.values()) {
        const r = keep(x, n.children.get(segKey(k)))
        if (r !== undefined) out.push([k, r])
      }
      return obj(out)
    }
    case 'array': {
      const out: Value[] = []
      v.items.forEach((x, i) => {
        const r = keep(x, n.children.get(String(i)))
        if (r !== undefined) out.push(r)
      })
      return arr(out)
    }
    case 'set': {
      const out: Value[] = []
      for (const x of v.items.values()) {
        const r = keep(x, n.children.get(segKey(x)))
        if (r !== undefined) out.push(r)
      }
      return set(out)
    }
    default:
      return undefined
  }
}

/** Keeps only what the trie names; undefined when nothing below a node survives a non-terminal path. */
export function filterPaths(v: Value, n: Node): Value | undefined {
  return n.terminal ? v : rebuild(v, n, (x, c) => c && filterPaths(x, c))
}

/** Drops what the trie names; a path through a scalar leaves it as it is. */
export function removePaths(v: Value, n: Node): Value | undefined {
  return n.terminal ? undefined : (rebuild(v, n, (x, c) => (c ? removePaths(x, c) : x)) ?? v)
}
