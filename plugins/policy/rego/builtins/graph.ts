/** walk (a relation) and graph.reachable / graph.reachable_paths. */
import { arr, keyOf, objGet, set, sortedEntries, sortedItems, type Value } from '../value.ts'
import { def, objArg, oneOf, operandError } from './args.ts'
import type { BuiltinBudget, BuiltinDef } from './contract.ts'
import { arrayBytes, NODE_BYTES, steps } from './sizes.ts'

/**
 * Every [path, value] pair under `v`, parents first, in OPA's key order; sets are keyed by their
 * elements. Each pair copies its path, so a deep document costs far more than its size: the
 * budget is charged pair by pair, before each is built.
 */
function walk(v: Value, budget: BuiltinBudget | undefined): Value {
  const out: Value[] = []
  const visit = (x: Value, path: Value[]): void => {
    // Measured: about 1 µs per pair at depth 15 (the path copy and the sorted keys).
    budget?.charge(steps(500 + 80 * path.length), 2 * NODE_BYTES + arrayBytes(path.length))
    out.push(arr([arr(path), x]))
    if (x.type === 'array') x.items.forEach((c, i) => visit(c, [...path, { type: 'number', int: BigInt(i) }]))
    else if (x.type === 'object') for (const [k, c] of sortedEntries(x)) visit(c, [...path, k])
    else if (x.type === 'set') for (const c of sortedItems(x)) visit(c, [...path, c])
  }
  visit(v, [])
  return arr(out)
}

function neighbours(edges: Value | undefined): Value[] {
  if (edges === undefined || edges.type === 'null') return []
  if (edges.type === 'array') return [...edges.items]
  if (edges.type === 'set') return sortedItems(edges)
  return []
}

function initial(name: string, v: Value): Value[] {
  if (v.type === 'array') return [...v.items]
  if (v.type === 'set') return sortedItems(v)
  throw operandError(name, 2, oneOf(['array', 'set']), v)
}

function reachable(g: Value, init: Value): Value {
  const graph = objArg('graph.reachable', g, 1)
  const seen = new Map<string, Value>()
  const queue = initial('graph.reachable', init)
  while (queue.length > 0) {
    const n = queue.shift() as Value
    const k = keyOf(n)
    if (seen.has(k)) continue
    const edges = objGet(graph, n)
    if (edges === undefined) continue
    seen.set(k, n)
    queue.push(...neighbours(edges))
  }
  return set(seen.values())
}

/**
 * Paths from each start node. A path ends at a node with no neighbours inside the graph, or just
 * before re-entering a node already expanded from this start (so cycles terminate).
 */
function reachablePaths(g: Value, init: Value): Value {
  const graph = objArg('graph.reachable_paths', g, 1)
  const out: Value[] = []
  for (const start of initial('graph.reachable_paths', init)) {
    if (objGet(graph, start) === undefined) continue
    const expanded = new Set<string>()
    const build = (node: Value, path: Value[]): void => {
      const next = neighbours(objGet(graph, node)).filter((n) => objGet(graph, n) !== undefined)
      if (next.length === 0) { out.push(arr(path)); return }
      expanded.add(keyOf(node))
      for (const n of next) {
        if (expanded.has(keyOf(n))) out.push(arr(path))
        else build(n, [...path, n])
      }
    }
    build(start, [start])
  }
  return set(out)
}

export const GRAPH_BUILTINS: BuiltinDef[] = [
  def('walk', 1, ([v], ctx) => walk(v, ctx.budget), { relation: true }),
  def('graph.reachable', 2, ([g, i]) => reachable(g, i)),
  def('graph.reachable_paths', 2, ([g, i]) => reachablePaths(g, i)),
]
