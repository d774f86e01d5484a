/**
 * Unification: `a = b`, `:=`, and matching patterns (vars, arrays, objects) against values.
 * Only ground values are ever bound, so a var is either bound or free, never aliased.
 */
import type { Term } from '../ast.ts'
import { RegoError } from '../errors.ts'
import { equal, keyOf, type Value } from '../value.ts'
import type { Ctx, Env, K } from './context.ts'
import type { Evaluator } from './evaluator.ts'

/**
 * Element-wise unification. A pair with an evaluable side goes first, so `[x, y] = [y, 1]`
 * binds y before reading it (the safety check admitted the pairs in some such order).
 */
function unifyTermPairs(ev: Evaluator, as: readonly Term[], bs: readonly Term[], i: number, env: Env, ctx: Ctx, k: K): void {
  if (i === as.length) return k()
  let j = i
  while (j < as.length && !(ev.isGround(as[j], env) || ev.isGround(bs[j], env) || (as[j].t === 'array' && bs[j].t === 'array'))) j++
  if (j === as.length || j === i) {
    return ev.unifyTerms(as[i], bs[i], env, ctx, () => unifyTermPairs(ev, as, bs, i + 1, env, ctx, k))
  }
  // Move pair j to position i and continue with the rest.
  const as2 = [...as.slice(0, i), as[j], ...as.slice(i, j), ...as.slice(j + 1)]
  const bs2 = [...bs.slice(0, i), bs[j], ...bs.slice(i, j), ...bs.slice(j + 1)]
  ev.unifyTerms(as2[i], bs2[i], env, ctx, () => unifyTermPairs(ev, as2, bs2, i + 1, env, ctx, k))
}

function unifyItems(ev: Evaluator, ps: readonly Term[], vs: readonly Value[], i: number, env: Env, ctx: Ctx, k: K): void {
  if (i === ps.length) return k()
  ev.unifyValue(ps[i], vs[i], env, ctx, () => unifyItems(ev, ps, vs, i + 1, env, ctx, k))
}

function unifyPairs(ev: Evaluator, p: Term & { t: 'object' }, v: Value & { type: 'object' }, i: number, env: Env, ctx: Ctx, k: K): void {
  if (i === p.pairs.length) return k()
  const [kt, vt] = p.pairs[i]
  ev.evalTerm(kt, env, ctx, (key) => {
    const x = v.entries.get(keyOf(key))
    if (x) ev.unifyValue(vt, x[1], env, ctx, () => unifyPairs(ev, p, v, i + 1, env, ctx, k))
  })
}

export function unifyTerms(ev: Evaluator, a: Term, b: Term, env: Env, ctx: Ctx, k: K): void {
  if (a.t === 'var' && !env.has(a.name) && a.name !== 'input' && a.name !== 'data') return ev.evalTerm(b, env, ctx, (v) => ev.unifyValue(a, v, env, ctx, k))
  if (b.t === 'var' && !env.has(b.name) && b.name !== 'input' && b.name !== 'data') return ev.evalTerm(a, env, ctx, (v) => ev.unifyValue(b, v, env, ctx, k))
  if (a.t === 'array' && b.t === 'array') {
    if (a.items.length !== b.items.length) return
    return unifyTermPairs(ev, a.items, b.items, 0, env, ctx, k)
  }
  if (a.t === 'object' && b.t === 'object' && a.pairs.length === b.pairs.length) {
    const pairs: Array<[Term, Term]> = []
    for (const [ka, va] of a.pairs) {
      const match = b.pairs.find(([kb]) => sameKey(ka, kb))
      if (!match) break
      pairs.push([va, match[1]])
    }
    if (pairs.length === a.pairs.length) {
      return unifyTermPairs(ev, 
        pairs.map((x) => x[0]),
        pairs.map((x) => x[1]),
        0,
        env,
        ctx,
        k,
      )
    }
  }
  if (ev.isGround(a, env)) return ev.evalTerm(a, env, ctx, (v) => ev.unifyValue(b, v, env, ctx, k))
  if (ev.isGround(b, env)) return ev.evalTerm(b, env, ctx, (v) => ev.unifyValue(a, v, env, ctx, k))
  if (a.t === 'object' && b.t === 'object' && a.pairs.length === b.pairs.length) {
    // Keys must be ground; match pairs by key value.
    return ev.evalTerm(a, env, ctx, (v) => ev.unifyValue(b, v, env, ctx, k))
  }
  throw new RegoError('rego_unsafe_var_error', 'cannot unify two non-ground terms', a.loc)
}

export function unifyValue(ev: Evaluator, p: Term, v: Value, env: Env, ctx: Ctx, k: K): void {
  switch (p.t) {
    case 'var': {
      const cur = env.get(p.name)
      if (cur !== undefined) return equal(cur, v) ? k() : undefined
      if (p.name === 'input' || p.name === 'data') return ev.evalTerm(p, env, ctx, (x) => (equal(x, v) ? k() : undefined))
      return ev.bind(env, p.name, v, k)
    }
    case 'scalar':
      return equal(p.v, v) ? k() : undefined
    case 'array': {
      if (v.type !== 'array' || v.items.length !== p.items.length) return
      return unifyItems(ev, p.items, v.items, 0, env, ctx, k)
    }
    case 'object': {
      if (v.type !== 'object' || v.entries.size !== p.pairs.length) return
      return unifyPairs(ev, p, v, 0, env, ctx, k)
    }
    default:
      if (!ev.isGround(p, env) && p.t === 'ref') {
        return ev.evalTerm(p, env, ctx, (x) => (equal(x, v) ? k() : undefined))
      }
      return ev.evalTerm(p, env, ctx, (x) => (equal(x, v) ? k() : undefined))
  }
}



/** Object keys written as scalars match by value. */
function sameKey(a: Term, b: Term): boolean {
  return a.t === 'scalar' && b.t === 'scalar' && keyOf(a.v) === keyOf(b.v)
}
