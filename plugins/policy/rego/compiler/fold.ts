/**
 * Folds a rule's value written as a literal of constants (`{"allow": true, "reason": "ok"}`) into
 * one constant term. The evaluator then treats it like `true`: no object is built per evaluation,
 * and an existence check suffices to decide the rule (see eval/rules.ts ruleValues).
 */
import type { Term } from '../ast.ts'
import { arr, equal, keyOf, set, type Value } from '../value.ts'

export function foldConstant(t: Term): Term {
  const v = constantOf(t)
  return v === undefined || t.t === 'scalar' ? t : { t: 'scalar', v, loc: t.loc }
}

function constantOf(t: Term): Value | undefined {
  switch (t.t) {
    case 'scalar':
      return t.v
    case 'array':
    case 'set': {
      const items: Value[] = []
      for (const x of t.items) {
        const v = constantOf(x)
        if (v === undefined) return undefined
        items.push(v)
      }
      return t.t === 'array' ? arr(items) : set(items)
    }
    case 'object': {
      const entries = new Map<string, readonly [Value, Value]>()
      for (const [kt, vt] of t.pairs) {
        const k = constantOf(kt)
        const v = constantOf(vt)
        if (k === undefined || v === undefined) return undefined
        const prev = entries.get(keyOf(k))
        // Duplicate keys with different values are a conflict the evaluator reports at run time.
        if (prev && !equal(prev[1], v)) return undefined
        entries.set(keyOf(k), [k, v])
      }
      return { type: 'object', entries }
    }
    default:
      return undefined
  }
}
