/**
 * How deeply a value nests. Values cannot nest deeper than their source while rule evaluation
 * itself nests on the stack, but bottom-up evaluation (dependencies.ts) lets a chain of rules
 * each wrapping the previous one (`r2 := [r1]`) build values of any depth in constant stack.
 * Everything that walks a value recursively (canonical keys, comparison, conversion to JSON for
 * the response) would then overflow on the result, so rule values computed bottom-up are held
 * under MAX_VALUE_DEPTH. Depths are cached per container, so a chain costs one step per rule.
 */
import { RegoError, type Location } from '../errors.ts'
import type { Value } from '../value.ts'

/** Deepest value a rule evaluated bottom-up may produce (JSON request bodies allow 100). */
export const MAX_VALUE_DEPTH = 1000

const depths = new WeakMap<object, number>()

const children = (v: Value): Value[] => {
  if (v.type === 'array') return v.items as Value[]
  if (v.type === 'set') return [...v.items.values()]
  if (v.type === 'object') return [...v.entries.values()].flat()
  return []
}

/** Nesting depth of `v` (scalars 0), computed with an explicit stack and stopping past `limit`. */
export function valueDepth(v: Value, limit = MAX_VALUE_DEPTH): number {
  if (v.type !== 'array' && v.type !== 'set' && v.type !== 'object') return 0
  const known = depths.get(v)
  if (known !== undefined) return known
  // Post-order: a container's depth is known once all its children's are.
  const stack: Array<{ v: Value; kids: Value[]; i: number; max: number }> = [{ v, kids: children(v), i: 0, max: 0 }]
  let result = 0
  while (stack.length) {
    const top = stack[stack.length - 1]
    if (top.i < top.kids.length) {
      const c = top.kids[top.i++]
      if (c.type !== 'array' && c.type !== 'set' && c.type !== 'object') continue
      const d = depths.get(c)
      if (d !== undefined) top.max = Math.max(top.max, d)
      else if (stack.length > limit) return stack.length
      else stack.push({ v: c, kids: children(c), i: 0, max: 0 })
      continue
    }
    stack.pop()
    result = top.max + 1
    depths.set(top.v, result)
    if (stack.length) stack[stack.length - 1].max = Math.max(stack[stack.length - 1].max, result)
  }
  return result
}

export function checkValueDepth(v: Value, loc?: Location): void {
  if (valueDepth(v) > MAX_VALUE_DEPTH) throw new RegoError('eval_cancel_error', `rule value nested more than ${MAX_VALUE_DEPTH} levels deep`, loc)
}
