/**
 * Safety: every variable must be bound by some expression before it is used as an input.
 * Like OPA, bodies are reordered: each step picks the first remaining expression whose inputs
 * are all bound. Nested bodies (comprehensions, `every`) are ordered with the outer variables
 * they capture treated as bound; the captured names are recorded for the evaluator, which gives
 * each nested body its own environment (so `:=` inside may shadow an outer name).
 */
import type { Expr, Term } from '../ast.ts'
import { RegoError } from '../errors.ts'
import { keyOf } from '../value.ts'
import { comprFreeVars, isWildcard, termVars } from './vars.ts'
import { everyCaptured, refOutputs, topVars } from './expr-vars.ts'

export { refOutputs }

/** Outer variables a comprehension or `every` reads; set by the compiler, read by the evaluator. */
export const CAPTURED = new WeakMap<object, string[]>()

export interface SafetyEnv {
  /** Built-in arity by name; a call with one extra argument uses it as an output. */
  arity(name: string): number | undefined
}

type Compr = Term & { t: 'arraycompr' | 'setcompr' | 'objectcompr' }

/** Matching sub-terms of two arrays of equal length, or two objects with the same constant keys. */
function structuralPairs(l: Term, r: Term): Array<readonly [Term, Term]> | undefined {
  if (l.t === 'array' && r.t === 'array') return l.items.length === r.items.length ? l.items.map((x, i) => [x, r.items[i]] as const) : undefined
  if (l.t !== 'object' || r.t !== 'object' || l.pairs.length !== r.pairs.length) return undefined
  const out: Array<readonly [Term, Term]> = []
  for (const [k, v] of l.pairs) {
    const other = r.pairs.find(([k2]) => k2.t === 'scalar' && k.t === 'scalar' && keyOf(k2.v) === keyOf(k.v))
    if (!other) return undefined
    out.push([v, other[1]])
  }
  return out
}

class Orderer {
  /** Vars seen in more than one expression (or bound outside): `not` must not bind them itself. */
  shared = new Set<string>()
  constructor(
    readonly env: SafetyEnv,
    readonly scope: Set<string>,
  ) {}

  /** Vars that must be bound before `t` can be evaluated to values. */
  missing(t: Term, b: Set<string>, out: Set<string>): void {
    switch (t.t) {
      case 'var':
        if (!b.has(t.name) && t.name !== 'input' && t.name !== 'data') out.add(t.name)
        return
      case 'ref':
        this.missing(t.head, b, out)
        for (const p of t.path) if (p.t !== 'var') this.missingPattern(p, b, out)
        return
      case 'call': {
        const ar = this.env.arity(t.name)
        // Report an unknown function as such rather than as the unsafe vars it leaves behind.
        if (ar === undefined) throw new RegoError('rego_type_error', `undefined function ${t.name}`, t.loc)
        const args = ar !== undefined && t.args.length === ar + 1 ? t.args.slice(0, ar) : t.args
        for (const a of args) this.missing(a, b, out)
        return
      }
      case 'array':
      case 'set':
        for (const x of t.items) this.missing(x, b, out)
        return
      case 'object':
        for (const [k, v] of t.pairs) this.missing(k, b, out), this.missing(v, b, out)
        return
      case 'template':
        for (const p of t.parts) if (typeof p !== 'string') this.missing(p, b, out)
        return
      case 'arraycompr':
      case 'setcompr':
      case 'objectcompr':
        for (const v of comprFreeVars(t)) if (this.scope.has(v) && !b.has(v)) out.add(v)
        return
      case 'scalar':
        return
    }
  }

  /** Ref keys may be patterns whose plain vars are outputs; anything else must be evaluable. */
  missingPattern(t: Term, b: Set<string>, out: Set<string>): void {
    if (t.t === 'array') for (const x of t.items) this.missingPattern(x, b, out)
    else if (t.t === 'object') for (const [k, v] of t.pairs) this.missing(k, b, out), this.missingPattern(v, b, out)
    else if (t.t !== 'var') this.missing(t, b, out)
  }

  /** Vars of a unification pattern that unification cannot bind (inside calls, templates, sets...). */
  patternMissing(t: Term, b: Set<string>, out: Set<string>): void {
    if (t.t === 'var') return
    if (t.t === 'array') for (const x of t.items) this.patternMissing(x, b, out)
    else if (t.t === 'object') for (const [k, v] of t.pairs) this.missing(k, b, out), this.patternMissing(v, b, out)
    else this.missing(t, b, out)
  }

  unifyMissing(l: Term, r: Term, b: Set<string>): Set<string> {
    const ml = new Set<string>()
    this.missing(l, b, ml)
    const mr = new Set<string>()
    this.missing(r, b, mr)
    if (ml.size === 0) {
      const pm = new Set<string>()
      this.patternMissing(r, b, pm)
      if (pm.size === 0) return pm
    }
    if (mr.size === 0) {
      const pm = new Set<string>()
      this.patternMissing(l, b, pm)
      if (pm.size === 0) return pm
    }
    const pairs = structuralPairs(l, r)
    if (pairs) {
      // Element-wise: bindings made by one pair can feed the next, in any order.
      const b2 = new Set(b)
      const pending = [...pairs]
      let progress = true
      while (pending.length && progress) {
        progress = false
        for (let i = 0; i < pending.length; i++) {
          if (this.unifyMissing(pending[i][0], pending[i][1], b2).size === 0) {
            termVars(pending[i][0], b2, true), termVars(pending[i][1], b2, true)
            pending.splice(i--, 1)
            progress = true
          }
        }
      }
      if (!pending.length) return new Set()
    }
    return new Set([...ml, ...mr])
  }

  exprMissing(e: Expr, b0: Set<string>): Set<string> {
    const out = new Set<string>()
    // Vars a ref in this expression iterates over are bound by the time its other terms are read.
    let b = b0
    if (e.k === 'term' || e.k === 'unify' || e.k === 'assign') {
      const outs = new Set<string>()
      if (e.k === 'term') refOutputs(e.term, outs)
      else refOutputs(e.lhs, outs), refOutputs(e.rhs, outs)
      if (outs.size) b = new Set([...b0, ...outs])
    }
    for (const w of e.with) this.missing(w.value, b, out)
    switch (e.k) {
      case 'term':
        this.missing(e.term, b, out)
        break
      case 'unify':
      case 'assign':
        for (const v of this.unifyMissing(e.lhs, e.rhs, b)) out.add(v)
        break
      case 'somein':
        this.missing(e.coll, b, out)
        break
      case 'not': {
        for (const v of this.exprMissing(e.expr, b)) out.add(v)
        const vs = new Set<string>()
        topVars(e.expr, vs)
        for (const v of vs) if (this.shared.has(v) && !b.has(v)) out.add(v)
        break
      }
      case 'every':
        this.missing(e.coll, b, out)
        for (const v of everyCaptured(e, this.scope)) if (!b.has(v)) out.add(v)
        break
      case 'some':
        break
    }
    return out
  }
}

/**
 * Orders `body` given the vars already bound; returns the ordered body and the vars bound after
 * it. Throws rego_unsafe_var_error naming every var that no ordering can bind.
 */
export function orderBody(body: Expr[], bound: Set<string>, outer: Set<string>, env: SafetyEnv): { body: Expr[]; bound: Set<string> } {
  const scope = new Set([...outer, ...bound])
  for (const e of body) topVars(e, scope)
  const o = new Orderer(env, scope)
  const seen = new Set<string>([...outer, ...bound])
  for (const e of body) {
    const vs = new Set<string>()
    topVars(e, vs)
    for (const v of vs) (seen.has(v) ? o.shared : seen).add(v)
  }
  for (const v of [...outer, ...bound]) o.shared.add(v)
  const b = new Set(bound)
  // Each step takes the first remaining expression that is safe now. Taken ones are flagged, not
  // spliced out: a body of 100,000 expressions would otherwise cost 100,000 array shifts.
  const taken = new Array<boolean>(body.length).fill(false)
  let first = 0
  const out: Expr[] = []
  while (out.length < body.length) {
    while (taken[first]) first++
    let i = -1
    for (let x = first; x < body.length; x++) {
      if (!taken[x] && o.exprMissing(body[x], b).size === 0) {
        i = x
        break
      }
    }
    if (i < 0) {
      const errs: RegoError[] = []
      const seen = new Set<string>()
      for (const e of body.filter((_, x) => !taken[x])) {
        for (const v of o.exprMissing(e, b)) {
          if (seen.has(v)) continue
          seen.add(v)
          errs.push(new RegoError('rego_unsafe_var_error', `var ${isWildcard(v) ? '_' : v} is unsafe`, e.loc))
        }
      }
      throw errs.length === 1 ? errs[0] : new UnsafeErrors(errs)
    }
    taken[i] = true
    const e = body[i]
    if (e.k === 'assign') {
      for (const v of termVars(e.lhs, new Set(), true)) {
        if (b.has(v) && !isWildcard(v)) throw new RegoError('rego_compile_error', `var ${v} assigned above`, e.loc)
      }
    }
    out.push(nested(e, b, scope, env))
    if (e.k !== 'not' && e.k !== 'every' && e.k !== 'some') topVars(e, b)
  }
  return { body: out, bound: b }
}

export class UnsafeErrors extends Error {
  constructor(readonly errors: RegoError[]) {
    super(errors.map((e) => e.message).join('; '))
  }
}

/** Orders the bodies nested in `e` now that the vars it can see are known. */
function nested(e: Expr, b: Set<string>, scope: Set<string>, env: SafetyEnv): Expr {
  const fix = (t: Term): Term => nestedTerm(t, b, scope, env)
  const withs = e.with.map((w) => ({ ...w, value: fix(w.value) }))
  switch (e.k) {
    case 'term':
      return { ...e, term: fix(e.term), with: withs }
    case 'unify':
    case 'assign':
      return { ...e, lhs: fix(e.lhs), rhs: fix(e.rhs), with: withs }
    case 'somein':
      return { ...e, key: e.key && fix(e.key), value: fix(e.value), coll: fix(e.coll), with: withs }
    case 'not':
      return { ...e, expr: nested(e.expr, b, scope, env), with: withs }
    case 'every': {
      const captured = everyCaptured(e, scope)
      const own = new Set(captured)
      if (e.key) termVars(e.key, own)
      termVars(e.value, own)
      const ordered = orderBody(e.body, own, scope, env).body
      const out = { ...e, coll: fix(e.coll), body: ordered, with: withs }
      CAPTURED.set(out, captured)
      return out
    }
    case 'some':
      return e
  }
}

function nestedTerm(t: Term, b: Set<string>, scope: Set<string>, env: SafetyEnv): Term {
  const fix = (x: Term): Term => nestedTerm(x, b, scope, env)
  switch (t.t) {
    case 'ref':
      return { ...t, head: fix(t.head), path: t.path.map(fix) }
    case 'array':
    case 'set':
      return { ...t, items: t.items.map(fix) }
    case 'object':
      return { ...t, pairs: t.pairs.map(([k, v]) => [fix(k), fix(v)] as [Term, Term]) }
    case 'call':
      return { ...t, args: t.args.map(fix) }
    case 'template':
      return { ...t, parts: t.parts.map((p) => (typeof p === 'string' ? p : fix(p))) }
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr': {
      const captured = [...comprFreeVars(t)].filter((v) => scope.has(v))
      const res = orderBody(t.body, new Set(captured), scope, env)
      const headVars = new Set<string>()
      if (t.t === 'objectcompr') termVars(t.key, headVars, true), termVars(t.value, headVars, true)
      else termVars(t.term, headVars, true)
      checkHead(headVars, res.bound, t.loc)
      const inner = (x: Term): Term => nestedTerm(x, res.bound, new Set([...scope, ...res.bound]), env)
      const out: Compr =
        t.t === 'objectcompr' ? { ...t, key: inner(t.key), value: inner(t.value), body: res.body } : { ...t, term: inner(t.term), body: res.body }
      CAPTURED.set(out, captured)
      return out
    }
    default:
      return t
  }
}

/** Head (or comprehension output) vars must be bound by the body. */
export function checkHead(vars: Set<string>, bound: Set<string>, loc: Term['loc']): void {
  for (const v of vars) if (!bound.has(v)) throw new RegoError('rego_unsafe_var_error', `var ${isWildcard(v) ? '_' : v} is unsafe`, loc)
}

/** Orders comprehensions nested in a rule head once the body's bindings are known. */
export function orderHeadTerm(t: Term, bound: Set<string>, env: SafetyEnv): Term {
  return nestedTerm(t, bound, new Set(bound), env)
}
