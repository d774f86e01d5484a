/**
 * Long bodies without one continuation per expression (see lists.ts for lists). An expression
 * with at most one solution (solutions.ts: a test, `not`, `every`, or `x := <single value>`) is
 * run to completion and its bindings kept in the environment; the loop then goes on with the
 * next one. The first expression that may iterate continues through the general path, whose
 * continuation comes back here for the rest. Bindings are undone when the body's continuation
 * returns, as `bind` does. Only bodies of LOOP_MIN_ITEMS or more expressions take this path: the
 * short ones are the hot path.
 */
import type { Expr, Term } from '../ast.ts'
import type { Value } from '../value.ts'
import type { Ctx, Env, K } from './context.ts'
import type { Evaluator } from './evaluator.ts'
import { exprHasOneSolution } from './solutions.ts'

export function evalLongBody(ev: Evaluator, body: readonly Expr[], i: number, env: Env, ctx: Ctx, k: K): void {
  const bound: string[] = []
  try {
    let j = i
    for (; j < body.length; j++) {
      const e = body[j]
      const r = runSingle(ev, e, env, ctx, bound)
      if (r === undefined) break
      if (!r) return
    }
    if (j === body.length) return k()
    ev.budget.tick(1, body[j].loc)
    ev.evalExpr(body[j], env, ctx, () => ev.evalBody(body, j + 1, env, ctx, k))
  } finally {
    for (const name of bound) env.delete(name)
  }
}

/** Runs a single-solution expression: true/false for its outcome, undefined when it may iterate. */
function runSingle(ev: Evaluator, e: Expr, env: Env, ctx: Ctx, bound: string[]): boolean | undefined {
  // A mock can replace a function by a relation built-in, which iterates.
  if (e.with.length || ctx.fnOverrides.size || !exprHasOneSolution(e, env, ev.builtins)) return undefined
  if (e.k === 'some') return true
  if (e.k === 'term' || e.k === 'not' || e.k === 'every') {
    ev.budget.tick(1, e.loc)
    return ev.exists((k2) => ev.evalExpr(e, env, ctx, k2), true)
  }
  if (e.k !== 'assign' && e.k !== 'unify') return undefined
  const names = new Set<string>()
  patternVars(e.lhs, env, names)
  patternVars(e.rhs, env, names)
  const free = [...names]
  ev.budget.tick(1, e.loc)
  let solutions = 0
  const values: Array<Value | undefined> = []
  ev.evalExpr(e, env, ctx, () => {
    if (solutions++ === 0) for (const name of free) values.push(env.get(name))
  })
  if (solutions === 0) return false
  // More than one after all: nothing was kept, so the general path can take it from the start.
  if (solutions > 1) return undefined
  for (let x = 0; x < free.length; x++) {
    const v = values[x]
    if (v !== undefined && !env.has(free[x])) {
      env.set(free[x], v)
      bound.push(free[x])
    }
  }
  return true
}

/** Unbound vars of a pattern (vars, arrays, objects); anything else binds nothing when single. */
function patternVars(t: Term, env: Env, out: Set<string>): void {
  switch (t.t) {
    case 'var':
      if (!env.has(t.name) && t.name !== 'input' && t.name !== 'data') out.add(t.name)
      return
    case 'array':
      for (const x of t.items) patternVars(x, env, out)
      return
    case 'object':
      for (const [, v] of t.pairs) patternVars(v, env, out)
      return
    default:
      return
  }
}
