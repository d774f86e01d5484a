/**
 * Compile-time type check (OPA's `rego_type_error: <fn>: invalid argument(s)`), deliberately
 * conservative and flow-insensitive. A term has a static type only when it is certain: literals,
 * comprehensions, template strings, results of signed built-ins, and locals declared once with
 * `:=` from such terms. Everything else (input, data, rule values, function parameters,
 * unification outputs) is `any`, and a call is reported only when an argument's kinds and the
 * parameter's kinds do not overlap at all. A false positive would reject a valid policy, so any
 * doubt means no report.
 */
import type { Expr, Term } from '../ast.ts'
import { RegoError, type Location } from '../errors.ts'
import { SIGNATURES, T, typeName, type Signature, type TypeMask } from '../builtins/signatures.ts'
import { mockedFunctions } from './mocks.ts'
import type { CRule } from './tree.ts'
import { declaredVars, termVars } from './vars.ts'

/** Lexical scope of one body: the static type of each local it declares (`any` when unsure). */
class Scope {
  readonly vars = new Map<string, TypeMask>()
  constructor(readonly parent?: Scope) {}
  lookup(name: string): TypeMask {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const m = s.vars.get(name)
      if (m !== undefined) return m
    }
    return T.any
  }
}

class Checker {
  constructor(
    readonly errs: RegoError[],
    /** Built-ins some `with` replaces: their calls may run a mock, so they are neither checked nor typed. */
    readonly mocked: Set<string>,
  ) {}

  signature(t: Term & { t: 'call' }): Signature | undefined {
    if (t.name.startsWith('data.') || this.mocked.has(t.name)) return undefined
    const s = SIGNATURES.get(t.name)
    return s && (t.args.length === s.args.length || t.args.length === s.args.length + 1) ? s : undefined
  }

  typeOf(t: Term, scope: Scope): TypeMask {
    switch (t.t) {
      case 'scalar':
        return T[t.v.type]
      case 'var':
        return scope.lookup(t.name)
      case 'array':
      case 'arraycompr':
        return T.array
      case 'object':
      case 'objectcompr':
        return T.object
      case 'set':
      case 'setcompr':
        return T.set
      case 'template':
        return T.string
      case 'call': {
        const s = this.signature(t)
        // With an output argument the call is a statement, not a value.
        return s && t.args.length === s.args.length ? s.result : T.any
      }
      case 'ref':
        return T.any
    }
  }

  /** Opens the scope of `body`, typing its `:=` locals in (safety-ordered) body order. */
  open(body: Expr[], parent: Scope | undefined, extra: ReadonlySet<string> = new Set()): Scope {
    const scope = new Scope(parent)
    const declared = declaredVars(body)
    for (const v of extra) declared.add(v)
    for (const v of declared) scope.vars.set(v, T.any)
    const assigned = new Map<string, number>()
    for (const e of body) if (e.k === 'assign' && e.lhs.t === 'var') assigned.set(e.lhs.name, (assigned.get(e.lhs.name) ?? 0) + 1)
    for (const e of body) {
      if (e.k !== 'assign' || e.lhs.t !== 'var' || assigned.get(e.lhs.name) !== 1 || extra.has(e.lhs.name)) continue
      scope.vars.set(e.lhs.name, this.typeOf(e.rhs, scope))
    }
    return scope
  }

  body(body: Expr[], scope: Scope): void {
    for (const e of body) this.expr(e, scope)
  }

  expr(e: Expr, scope: Scope): void {
    const at = e.loc
    for (const w of e.with) this.term(w.value, scope, at)
    switch (e.k) {
      case 'term':
        return this.term(e.term, scope, at)
      case 'unify':
      case 'assign':
        return this.term(e.lhs, scope, at), this.term(e.rhs, scope, at)
      case 'somein':
        if (e.key) this.term(e.key, scope, at)
        return this.term(e.value, scope, at), this.term(e.coll, scope, at)
      case 'every': {
        this.term(e.coll, scope, at)
        const own = new Set<string>()
        if (e.key) termVars(e.key, own)
        termVars(e.value, own)
        return this.body(e.body, this.open(e.body, scope, own))
      }
      case 'not':
        return this.expr(e.expr, scope)
      case 'some':
        return
    }
  }

  /** Checks every call in `t`; `at` is the enclosing expression's location (OPA reports that). */
  term(t: Term, scope: Scope, at: Location): void {
    switch (t.t) {
      case 'call':
        for (const a of t.args) this.term(a, scope, at)
        return this.call(t, scope, at)
      case 'ref':
        this.term(t.head, scope, at)
        for (const p of t.path) this.term(p, scope, at)
        return
      case 'array':
      case 'set':
        for (const x of t.items) this.term(x, scope, at)
        return
      case 'object':
        for (const [k, v] of t.pairs) this.term(k, scope, at), this.term(v, scope, at)
        return
      case 'template':
        for (const p of t.parts) if (typeof p !== 'string') this.term(p, scope, at)
        return
      case 'arraycompr':
      case 'setcompr':
      case 'objectcompr': {
        const inner = this.open(t.body, scope)
        this.body(t.body, inner)
        if (t.t === 'objectcompr') this.term(t.key, inner, at), this.term(t.value, inner, at)
        else this.term(t.term, inner, at)
        return
      }
      default:
        return
    }
  }

  call(t: Term & { t: 'call' }, scope: Scope, at: Location): void {
    const s = this.signature(t)
    if (!s) return
    const have = s.args.map((_, i) => this.typeOf(t.args[i], scope))
    if (have.every((m, i) => (m & s.args[i]) !== 0)) return
    const msg = `${t.name}: invalid argument(s)\n\thave: (${have.map(typeName).join(', ')})\n\twant: (${s.args.map(typeName).join(', ')})`
    this.errs.push(new RegoError('rego_type_error', msg, at))
  }

  rule(r: CRule): void {
    const params = new Set<string>()
    for (const a of r.args) termVars(a, params)
    const scope = this.open(r.body, undefined, params)
    this.body(r.body, scope)
    for (const t of r.suffix) this.term(t, scope, t.loc)
    if (r.key) this.term(r.key, scope, r.key.loc)
    this.term(r.value, scope, r.value.loc)
    for (const el of r.elses) {
      const s = this.open(el.body, undefined, params)
      this.body(el.body, s)
      this.term(el.value, s, el.value.loc)
    }
  }
}

/** Orders errors by file, row and column (stable; errors without a location go last). */
export function bySource(a: RegoError, b: RegoError): number {
  const x = a.location
  const y = b.location
  if (!x || !y) return x ? -1 : y ? 1 : 0
  return x.file < y.file ? -1 : x.file > y.file ? 1 : x.row - y.row || x.col - y.col
}

/** Type errors of compiled rules, in source order. */
export function checkTypes(rules: CRule[]): RegoError[] {
  const bodies: Expr[][] = []
  for (const r of rules) {
    bodies.push(r.body)
    for (const el of r.elses) bodies.push(el.body)
    // Head terms can hold comprehensions whose bodies mock functions too.
    const head: Expr[] = [...r.suffix, ...(r.key ? [r.key] : []), r.value].map((term) => ({ k: 'term', term, with: [], loc: term.loc }))
    bodies.push(head)
  }
  const errs: RegoError[] = []
  const c = new Checker(errs, mockedFunctions(bodies))
  for (const r of rules) c.rule(r)
  return errs.sort(bySource)
}

/** Type errors of an ad-hoc query body. */
export function checkQueryTypes(body: Expr[]): RegoError[] {
  const errs: RegoError[] = []
  const c = new Checker(errs, mockedFunctions([body]))
  c.body(body, c.open(body, undefined))
  return errs.sort(bySource)
}
