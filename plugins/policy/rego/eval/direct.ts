/**
 * Direct evaluation of the commonest expression in request policies: a built-in comparison or
 * test over constants, bound vars and constant-key refs (`input.principal.role == null`,
 * `rank[x] >= 2`, `startswith(input.path, "/v1")`). The general path threads every argument
 * through continuations; here the arguments are read straight into an array and the built-in
 * called once. Anything else (user functions, outputs, relations, `with` replacements, refs
 * with computed keys, tracing) takes the general path, so this decides no semantics of its own.
 */
import type { Term } from '../ast.ts'
import { arr, set, str, toJsonText, type Value } from '../value.ts'
import { callBuiltinValue } from './calls.ts'
import type { Ctx, Env, K } from './context.ts'
import { getConstKey, objectOfPairs } from './docs.ts'
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
  const r = callBuiltinValue(ev, def, vals, t.loc)
  if (r !== undefined && !(r.type === 'boolean' && !r.value)) k()
  return true
}

/**
 * A rule value such as `{"allow": false, "reason": sprintf("requires %s", [action.minRole])}`:
 * literals and built-in calls over direct arguments, so it has at most one value. Checked per
 * evaluation (whether a var is bound is only known then), but only for rule values, which are
 * few, so terms evaluated the general way pay nothing for it.
 */
export function isDirectValue(ev: Evaluator, t: Term, env: Env): boolean {
  switch (t.t) {
    case 'array':
    case 'set':
      for (const x of t.items) if (!isDirectValue(ev, x, env)) return false
      return true
    case 'object':
      for (const [a, b] of t.pairs) if (!isDirectValue(ev, a, env) || !isDirectValue(ev, b, env)) return false
      return true
    case 'call': {
      if (INTERNAL.has(t.name)) return false
      const def = ev.builtins.get(t.name)
      if (def === undefined || def.relation || t.args.length !== def.arity) return false
      for (const a of t.args) if (!isDirectValue(ev, a, env)) return false
      return true
    }
    default:
      return directArg(t, env)
  }
}

/** The value of a term `isDirectValue` accepted (the caller checks tracing and `with` replacements), or undefined. */
export function directValue(ev: Evaluator, t: Term, env: Env, ctx: Ctx): Value | undefined {
  switch (t.t) {
    case 'array':
    case 'set': {
      const items = directList(ev, t.items, env, ctx)
      return items && (t.t === 'array' ? arr(items) : set(items))
    }
    case 'object': {
      const vs = directList(ev, t.pairs.flat(), env, ctx)
      return vs && objectOfPairs(vs, t.loc)
    }
    case 'call': {
      const args = directList(ev, t.args, env, ctx)
      // isDirectValue admitted no relation, so the call has at most one value.
      return args && callBuiltinValue(ev, ev.builtins.get(t.name)!, args, t.loc)
    }
    default:
      return argValue(ev, t, env, ctx)
  }
}

/** Left to right, stopping at the first undefined item, as the general path's evalList does. */
function directList(ev: Evaluator, items: readonly Term[], env: Env, ctx: Ctx): Value[] | undefined {
  const out: Value[] = new Array(items.length)
  for (let i = 0; i < items.length; i++) {
    const v = directValue(ev, items[i], env, ctx)
    if (v === undefined) return undefined
    out[i] = v
  }
  return out
}
