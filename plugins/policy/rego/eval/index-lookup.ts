/** Chooses which rules of a node to evaluate, using the equality index when the node has one. */
import type { CRule, RuleNode } from '../compiler/tree.ts'
import { keyOf, str, type Value } from '../value.ts'
import type { Ctx } from './context.ts'
import { getKey } from './docs.ts'
import type { Evaluator } from './evaluator.ts'

/** `rules` must be the node's value rules (no ref suffix); the index covers exactly those. */
export function candidateRules(_ev: Evaluator, node: RuleNode, rules: CRule[], ctx: Ctx): CRule[] {
  const idx = node.index
  if (!idx) return rules
  let v: Value | undefined = ctx.input
  for (const seg of idx.path) v = v === undefined ? undefined : getKey(v, str(seg))
  // An undefined input value fails every indexed equality, so only unindexed rules remain.
  const hit = v === undefined ? undefined : idx.map.get(keyOf(v))
  return hit ? [...idx.always, ...hit] : idx.always
}
