/**
 * Deep rule chains without deep stacks. A rule's value is computed on first use, inside the
 * evaluation of the rule that reads it, so a chain of rules each reading the previous one nests
 * one evaluation (a few dozen JS frames) per rule: a few hundred overflow the stack. Once rule
 * evaluation is nested DEEP levels, a rule's static dependencies (RuleNode.deps, from the
 * compiler's recursion check) are computed first, bottom-up, so each finds its own dependencies
 * already memoised and the nesting stays flat however long the chain.
 *
 * Only deep evaluations do this, so ordinary policies run exactly as before. Bottom-up evaluation
 * may compute a dependency the rule would not have reached (deps over-approximate: `data.p[x]`
 * lists every rule under p); so that it changes no answer, a dependency that fails is not
 * memoised and its error is dropped: the rule meets it again, and fails the same way, only if it
 * really reads it. A budget error (eval_cancel_error) stops the evaluation as everywhere. What
 * can differ is cost and the order of print() output. Traced runs never do this: their events
 * must stay OPA's.
 */
import { RegoError } from '../errors.ts'
import type { RuleNode } from '../compiler/tree.ts'
import type { Ctx } from './context.ts'
import type { Evaluator } from './evaluator.ts'
import { docAt } from './rules.ts'

/**
 * Rule nesting (Budget.depth) from which dependencies are evaluated first: deep enough that no
 * ordinary policy gets there, shallow enough (about a fifth of the stack) to leave room for
 * deeply nested terms. A `maxDepth` below it still stops long chains, as before.
 */
export const DEEP = 64

/** Dependencies that failed bottom-up, per context: never retried bottom-up (only when read). */
const failed = new WeakMap<Ctx, Set<number>>()

export function evaluateDependenciesFirst(ev: Evaluator, node: RuleNode, ctx: Ctx): void {
  const skip = failed.get(ctx)
  const done = (n: RuleNode): boolean => ctx.memo.has(n.id) || ctx.inProgress.has(n.id) || skip?.has(n.id) === true
  // Post-order over the dependency graph with an explicit stack (the graph is acyclic: the
  // compiler refuses recursion). A function node is walked through but not evaluated: its
  // dependencies are the rules its body reads.
  const order: RuleNode[] = []
  const seen = new Set<RuleNode>([node])
  const stack: Array<{ n: RuleNode; i: number }> = [{ n: node, i: 0 }]
  while (stack.length) {
    const top = stack[stack.length - 1]
    const deps = top.n.deps
    if (deps !== undefined && top.i < deps.length) {
      const d = deps[top.i++]
      if (!seen.has(d) && !done(d)) {
        seen.add(d)
        stack.push({ n: d, i: 0 })
      }
      continue
    }
    stack.pop()
    if (top.n !== node && !top.n.rules.some((r) => r.kind === 'func')) order.push(top.n)
  }
  for (const d of order) {
    if (done(d)) continue
    try {
      docAt(ev, d, ctx)
    } catch (e) {
      if (!(e instanceof RegoError) || e.code === 'eval_cancel_error') throw e
      let set = failed.get(ctx)
      if (set === undefined) failed.set(ctx, (set = new Set()))
      set.add(d.id)
    }
  }
}
