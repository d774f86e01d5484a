/**
 * Direct evaluation of the commonest expression in request policies: a built-in comparison or
 * test over constants, bound vars and constant-key refs (`input.principal.role == null`,
 * `rank[x] >= 2`, `startswith(input.path, "/v1")`). The general path threads every argument
 * through continuations; here the arguments are read straight into an array and the built-in
 * called once. Anything else (user functions, outputs, relations, `with` replacements, refs
 * with computed keys, tracing) takes the general path, so this decides no semantics of its own.
 */
import type { Term } from '../ast.ts'
import { str, toJsonText, type Value } from '../value.ts'
import { callBuiltin } from './calls.ts'
import type { Ctx, Env, K } from './context.ts'
import { getConstKey } from './docs.ts'
import type { Evaluator } from './evaluator.ts'
import { INTERNAL } from './internal.ts'
import { walkDataRef } from './rules.ts'

/** An argument readable without iteration: a constant, a bound var, or a ref with constant keys. */
function directArg(t: Term, env: Env): boolean {
  if (t.t === 'scalar') return true
  if (t.t === 'var') return env.has(t.name) || t.name === 'input'
  if (t.t !== 'ref' || t.head.t !== 'var') return false
  const h = t.head.name
  if (!(env.has(h) || h === 'input' || h === 'data')) return false
  for (const p of t.path) if (p.t !== 'scalar') return false
  return true
}

/**
 * The value of a direct argument, or undefined when it is undefined. A ref with constant keys
 * has at most one value (rule values conflict otherwise), so the first one seen is the value.
 */
function argValue(ev: Evaluator, t: Term, env: Env, ctx: Ctx): Value | undefined {
  if (t.t === 'scalar') return t.v
  if (t.t === 'var') return env.get(t.name) ?? (t.name === 'input' ? ctx.input : undefined)
  const r = t as Term & { t: 'ref' }
  const head = (r.head as Term & { t: 'var' }).name
  if (head === 'data' && !env.has('data')) {
    let out: Value | undefined
    walkDataRef(ev, r.path, env, ctx, (v) => {
      if (out === undefined) out = v
    })
    return out
  }
  let v = env.get(head) ?? (head === 'input' ? ctx.input : undefined)
  const json = !env.has(head)
  for (const p of r.path) {
    if (v === undefined) return undefined
    const key = (p as Term & { t: 'scalar' }).v
    let child = getConstKey(v, key)
    // Base documents have string keys only: input.x[2] also finds "2", as in OPA (see Evaluator.walk).
    if (child === undefined && json && key.type === 'number' && v.type === 'object') child = getConstKey(v, str(toJsonText(key)))
    v = child
  }
  return v
}

/**
 * Evaluates the expression `t` if it is a direct built-in call, calling `k` once per result that
 * is not false (an expression's test); returns false, having done nothing, when it is not one.
 */
export function tryDirectTest(ev: Evaluator, t: Term, env: Env, ctx: Ctx, k: K): boolean {
  if (t.t !== 'call' || ev.tracer !== null || ctx.fnOverrides.size !== 0 || INTERNAL.has(t.name)) return false
  const def = ev.builtins.get(t.name)
  if (def === undefined || def.relation || t.args.length !== def.arity) return false
  for (const a of t.args) if (!directArg(a, env)) return false
  const vals: Value[] = new Array(t.args.length)
  for (let i = 0; i < t.args.length; i++) {
    const v = argValue(ev, t.args[i], env, ctx)
    if (v === undefined) return true
    vals[i] = v
  }
  for (const r of callBuiltin(ev, def, vals, t.loc)) if (!(r.type === 'boolean' && !r.value)) k()
  return true
}
