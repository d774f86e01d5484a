/**
 * Does a body have at most one solution? When it does, an existence check (`not`, a rule with a
 * constant value) can run it to the end and read a flag instead of throwing out of the first
 * solution: a throw unwinds through every `finally` of the continuation chain, and that cost
 * dominated small policies.
 *
 * Only performance depends on the answer, never a result: a wrong "yes" merely runs a body past
 * its first solution. It is still conservative, since OPA stops at the first solution and the
 * ones after it could raise errors (conflicts, strict built-in errors) OPA never sees. Anything
 * that can iterate answers "no": `some`, `some ... in`, a ref key or call output that is an
 * unbound var, a relation built-in (`walk`), `with`.
 */
import type { Expr, Term } from '../ast.ts'
import type { BuiltinDef } from '../builtins/index.ts'
import type { Env } from './context.ts'

/**
 * Memoised per body (or expression): the vars bound when it starts are those of its position in
 * a body, which is fixed, so the first evaluation's environment speaks for every later one.
 */
const memo = new WeakMap<object, boolean>()

export function bodyHasOneSolution(body: readonly Expr[], env: Env, builtins: ReadonlyMap<string, BuiltinDef>): boolean {
  let r = memo.get(body)
  if (r === undefined) {
    r = analyse(body, env, builtins)
    memo.set(body, r)
  }
  return r
}

export function exprHasOneSolution(e: Expr, env: Env, builtins: ReadonlyMap<string, BuiltinDef>): boolean {
  let r = memo.get(e)
  if (r === undefined) {
    r = analyse([e], env, builtins)
    memo.set(e, r)
  }
  return r
}

/** Vars bound at the start (env) plus those the body binds as it goes; env is never copied. */
class Bound {
  readonly added = new Set<string>()
  constructor(readonly env: Env) {}
  has(name: string): boolean {
    return this.added.has(name) || this.env.has(name)
  }
  add(name: string): void {
    this.added.add(name)
  }
}

function analyse(body: readonly Expr[], env: Env, builtins: ReadonlyMap<string, BuiltinDef>): boolean {
  const bound = new Bound(env)
  const single = (t: Term): boolean => singleValued(t, bound, builtins)
  for (const e of body) {
    if (e.with.length) return false
    switch (e.k) {
      case 'term':
        if (!single(e.term)) return false
        break
      case 'assign':
      case 'unify': {
        // Bodies are already in evaluation order (compiler/safety.ts), so a side that is single
        // valued now binds the other side's pattern vars exactly once.
        if (single(e.rhs) && bindPattern(e.lhs, bound)) break
        if (single(e.lhs) && bindPattern(e.rhs, bound)) break
        return false
      }
      case 'not':
      case 'every':
        break
      default:
        return false
    }
  }
  return true
}

/** Binds the free vars of a pattern made of vars, scalars, arrays and objects with scalar keys. */
function bindPattern(t: Term, bound: Bound): boolean {
  switch (t.t) {
    case 'scalar':
      return true
    case 'var':
      if (t.name !== '_') bound.add(t.name)
      return true
    case 'array':
      return t.items.every((x) => bindPattern(x, bound))
    case 'object':
      return t.pairs.every(([k, v]) => k.t === 'scalar' && bindPattern(v, bound))
    default:
      return false
  }
}

function singleValued(t: Term, bound: Bound, builtins: ReadonlyMap<string, BuiltinDef>): boolean {
  const single = (x: Term): boolean => singleValued(x, bound, builtins)
  switch (t.t) {
    case 'scalar':
      return true
    case 'var':
      return bound.has(t.name) || t.name === 'input' || t.name === 'data'
    case 'ref':
      return single(t.head) && t.path.every(single)
    case 'array':
    case 'set':
      return t.items.every(single)
    case 'object':
      return t.pairs.every(([k, v]) => single(k) && single(v))
    case 'call': {
      if (!t.args.every(single)) return false
      if (t.name.startsWith('data.')) return true
      const def = builtins.get(t.name)
      // An extra argument is an output unified with the result; unknown names (internal
      // functions such as print) are left to the slow path.
      return def !== undefined && !def.relation && t.args.length === def.arity
    }
    case 'template':
      return t.parts.every((p) => typeof p === 'string' || single(p))
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr':
      return true
  }
}
