/**
 * Long element lists without one stack frame chain per element. The evaluator is in
 * continuation-passing style, so evaluating `[a, b, c]` item by item nests one continuation per
 * item: a literal of a few thousand elements would overflow the stack. Most items bind nothing
 * (constants, bound vars, refs with constant or bound keys, calls over those), and such an item
 * can be evaluated to completion in a plain loop; only items that bind variables (`x[i]` with `i`
 * unbound) need the continuation. Short lists keep the continuation path: it is the hot path and
 * its depth is bounded by their length anyway.
 */
import type { Term } from '../ast.ts'
import type { Value } from '../value.ts'
import type { Ctx, Env } from './context.ts'
import type { Evaluator } from './evaluator.ts'

/** Lists at least this long have their binding-free items evaluated in a loop first. */
export const LOOP_MIN_ITEMS = 16

/** True when evaluating `t` binds no variable: every var in it is bound (comprehensions are closed). */
export function bindsNothing(t: Term, env: Env): boolean {
  switch (t.t) {
    case 'scalar':
      return true
    case 'var':
      return env.has(t.name) || t.name === 'input' || t.name === 'data'
    case 'ref':
      return bindsNothing(t.head, env) && t.path.every((p) => bindsNothing(p, env))
    case 'array':
    case 'set':
      return t.items.every((x) => bindsNothing(x, env))
    case 'object':
      return t.pairs.every(([a, b]) => bindsNothing(a, env) && bindsNothing(b, env))
    case 'call':
      return t.args.every((x) => bindsNothing(x, env))
    case 'template':
      return t.parts.every((x) => typeof x === 'string' || bindsNothing(x, env))
    default:
      return true
  }
}

/**
 * Fills `vals[i]` for every item that binds nothing and has exactly one value, in a loop.
 * Returns how many items are left for the continuation path, or -1 when an item has no value (so
 * the list has none). An item with several values (a relation built-in) is left to the
 * continuation path, which iterates them.
 */
export function fillBindingFree(ev: Evaluator, items: readonly Term[], vals: Array<Value | undefined>, env: Env, ctx: Ctx): number {
  let left = items.length
  for (let i = 0; i < items.length; i++) {
    const item = items[i]
    if (item.t === 'scalar') {
      vals[i] = item.v
      left--
      continue
    }
    if (!bindsNothing(item, env)) continue
    let first: Value | undefined
    let count = 0
    ev.evalTerm(item, env, ctx, (v) => {
      if (count++ === 0) first = v
    })
    if (count === 0) return -1
    if (count === 1) {
      vals[i] = first
      left--
    }
  }
  return left
}
