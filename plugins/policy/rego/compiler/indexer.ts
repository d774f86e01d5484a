/**
 * Equality index. Policies often hold thousands of rules of the form
 * `allow if { input.role == "admin"; ... }`. Evaluating every body would make decision time grow
 * with the rule count, so for each node we pick the `input` ref most rules start with and map
 * its constant to the rules: at evaluation only the matching bucket (plus unindexed rules) runs.
 * Only rules without `else` qualify, since a failed first expression must still reach the else.
 */
import type { Expr, Term } from '../ast.ts'
import { keyOf, type Value } from '../value.ts'
import type { CRule, RuleNode } from './tree.ts'

/** Below this many rules the index costs more than it saves. */
const MIN_RULES = 8

export function buildIndexes(node: RuleNode): void {
  const plain = node.rules.filter((r) => r.suffix.length === 0 && r.kind !== 'func')
  if (plain.length >= MIN_RULES) indexNode(node, plain)
  for (const c of node.children.values()) buildIndexes(c)
}

function indexNode(node: RuleNode, rules: CRule[]): void {
  const keyed = new Map<string, { path: string[]; entries: Array<[CRule, string]> }>()
  for (const r of rules) {
    if (r.isDefault || r.elses.length || r.body.length === 0) continue
    const m = equalityOnInput(r.body[0])
    if (!m) continue
    const id = m.path.join('\u0000')
    const slot = keyed.get(id) ?? { path: m.path, entries: [] }
    slot.entries.push([r, keyOf(m.value)])
    keyed.set(id, slot)
  }
  const best = [...keyed.values()].sort((a, b) => b.entries.length - a.entries.length)[0]
  if (!best || best.entries.length < MIN_RULES) return
  const indexed = new Set(best.entries.map(([r]) => r))
  const map = new Map<string, CRule[]>()
  for (const [r, key] of best.entries) {
    const list = map.get(key) ?? []
    list.push(r)
    map.set(key, list)
  }
  node.index = { path: best.path, map, always: rules.filter((r) => !indexed.has(r)) }
}

/** `input.a.b == <scalar>` (either side, `==` or `=`) with a fully static path. */
function equalityOnInput(e: Expr): { path: string[]; value: Value } | undefined {
  if (e.with.length) return undefined
  let a: Term
  let b: Term
  if (e.k === 'term' && e.term.t === 'call' && e.term.name === 'equal' && e.term.args.length === 2) [a, b] = e.term.args
  else if (e.k === 'unify') [a, b] = [e.lhs, e.rhs]
  else return undefined
  if (a.t === 'scalar') [a, b] = [b, a]
  if (b.t !== 'scalar' || a.t !== 'ref' || a.head.t !== 'var' || a.head.name !== 'input') return undefined
  const path: string[] = []
  for (const p of a.path) {
    if (p.t !== 'scalar' || p.v.type !== 'string') return undefined
    path.push(p.v.value)
  }
  return { path, value: b.v }
}
