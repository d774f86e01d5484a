/**
 * Unification: `a = b`, `:=`, and matching patterns (vars, arrays, objects) against values.
 * Only ground values are ever bound, so a var is either bound or free, never aliased.
 */
import type { Term } from '../ast.ts'
import { RegoError } from '../errors.ts'
import { equal, keyOf, type Value } from '../value.ts'
import type { Ctx, Env, K } from './context.ts'
import type { Evaluator } from './evaluator.ts'
import { bindsNothing, LOOP_MIN_ITEMS } from './lists.ts'

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
  if (ps.length - i >= LOOP_MIN_ITEMS) {
    return matchLoop(ps.length, i, (j) => ps[j], (j) => vs[j], env, (j) => (j === ps.length ? k() : unifyItem(ev, ps, vs, j, env, ctx, k)))
  }
  unifyItem(ev, ps, vs, i, env, ctx, k)
}

/** Element i through the general path, then the rest. */
function unifyItem(ev: Evaluator, ps: readonly Term[], vs: readonly Value[], i: number, env: Env, ctx: Ctx, k: K): void {
  ev.unifyValue(ps[i], vs[i], env, ctx, () => unifyItems(ev, ps, vs, i + 1, env, ctx, k))
}

function unifyPairs(ev: Evaluator, p: Term & { t: 'object' }, v: Value & { type: 'object' }, i: number, env: Env, ctx: Ctx, k: K): void {
  if (i === p.pairs.length) return k()
  if (p.pairs.length - i >= LOOP_MIN_ITEMS) {
    // Only constant keys take the loop; a key the value lacks is a mismatch.
    const pattern = (j: number): Term | undefined => (p.pairs[j][0].t === 'scalar' ? p.pairs[j][1] : undefined)
    const value = (j: number): Value | undefined => v.entries.get(keyOf((p.pairs[j][0] as Term & { t: 'scalar' }).v))?.[1]
    return matchLoop(p.pairs.length, i, pattern, value, env, (j) => (j === p.pairs.length ? k() : unifyPair(ev, p, v, j, env, ctx, k)))
  }
  unifyPair(ev, p, v, i, env, ctx, k)
}

/** Pair i through the general path (its key evaluated), then the rest. */
function unifyPair(ev: Evaluator, p: Term & { t: 'object' }, v: Value & { type: 'object' }, i: number, env: Env, ctx: Ctx, k: K): void {
  const [kt, vt] = p.pairs[i]
  ev.evalTerm(kt, env, ctx, (key) => {
    const x = v.entries.get(keyOf(key))
    if (x) ev.unifyValue(vt, x[1], env, ctx, () => unifyPairs(ev, p, v, i + 1, env, ctx, k))
  })
}

/**
 * Long patterns without one continuation per element (see lists.ts): from element i on, plain
 * vars and constants are bound or compared in a loop, up to the first element the loop does not
 * take (a nested pattern; `pattern` undefined: a non-constant object key); `cont(j)` continues
 * from that element (j = n when all matched). A `value` of undefined is a mismatch. Bindings
 * made here are undone when `cont` returns, as `bind` does.
 */
function matchLoop(n: number, i: number, pattern: (j: number) => Term | undefined, value: (j: number) => Value | undefined, env: Env, cont: (j: number) => void): void {
  const bound: string[] = []
  let j = i
  let ok = true
  for (; j < n; j++) {
    const p = pattern(j)
    if (p === undefined || !(p.t === 'scalar' || (p.t === 'var' && p.name !== 'input' && p.name !== 'data'))) break
    const v = value(j)
    if (v === undefined) ok = false
    else if (p.t === 'scalar') ok = equal(p.v, v)
    else {
      const cur = env.get(p.name)
      if (cur !== undefined) ok = equal(cur, v)
      else {
        env.set(p.name, v)
        bound.push(p.name)
      }
    }
    if (!ok) break
  }
  try {
    if (ok) cont(j)
  } finally {
    for (const name of bound) env.delete(name)
  }
}

export function unifyTerms(ev: Evaluator, a: Term, b: Term, env: Env, ctx: Ctx, k: K): void {
  if (a.t === 'var' && !env.has(a.name) && a.name !== 'input' && a.name !== 'data') return ev.evalTerm(b, env, ctx, (v) => ev.unifyValue(a, v, env, ctx, k))
  if (b.t === 'var' && !env.has(b.name) && b.name !== 'input' && b.name !== 'data') return ev.evalTerm(a, env, ctx, (v) => ev.unifyValue(b, v, env, ctx, k))
  // A long literal that binds nothing is one value: the other side is matched against it in a
  // loop (unifyValue) rather than pair by pair through continuations.
  if (((a.t === 'array' && b.t === 'array') || (a.t === 'object' && b.t === 'object')) && size(a) >= LOOP_MIN_ITEMS && size(a) === size(b)) {
    if (bindsNothing(b, env)) return ev.evalTerm(b, env, ctx, (v) => ev.unifyValue(a, v, env, ctx, k))
    if (bindsNothing(a, env)) return ev.evalTerm(a, env, ctx, (v) => ev.unifyValue(b, v, env, ctx, k))
  }
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



const size = (t: Term): number => (t.t === 'array' ? t.items.length : t.t === 'object' ? t.pairs.length : 0)

/** Object keys written as scalars match by value. */
function sameKey(a: Term, b: Term): boolean {
  return a.t === 'scalar' && b.t === 'scalar' && keyOf(a.v) === keyOf(b.v)
}
