/**
 * The expressions on the unknown that partial evaluation can translate, one per shape:
 *
 * - `field == v`, `!=`, `<`, `<=`, `>`, `>=` with a known scalar on either side;
 * - `field = v` (unification with a known scalar) and `x := field` / `x = field` (an alias);
 * - a bare `field` (Rego truthiness: defined and not false);
 * - `v in field` and `field[_] == v` (contains), `field in <known collection>` (in);
 * - a reference to a rule or a call of a function that depends on the unknown (inlined);
 * - `not e` of any of these; `every x in <known> { ... }` of any of these (AND over the elements).
 *
 * A field is a ref under the unknown with constant keys or keys bound to known strings. Anything
 * else reaching the unknown throws POLICY_PARTIAL_UNSUPPORTED.
 */
import type { AccessCondition, Scalar } from '../../../src/contracts/filter.ts'
import type { Expr, Term } from '../rego/ast.ts'
import type { Location } from '../rego/errors.ts'
import type { RuleNode } from '../rego/compiler/tree.ts'
import type { Env } from '../rego/eval/context.ts'
import { entriesOf } from '../rego/eval/docs.ts'
import { isWildcard } from '../rego/compiler/vars.ts'
import { CAPTURED } from '../rego/compiler/safety.ts'
import { compare, keyOf, toJs, type Value } from '../rego/value.ts'
import { PolicyErrors } from '../errors.ts'
import { FALSE_C, TRUE_C } from './condition.ts'
import { ACCEPT_TRUTHY, type Accept, type PartialEvaluator } from './partial.ts'

/** Vars bound to a field of the unknown (path relative to it). */
export type Sym = Map<string, string[]>
type Field = { path: string[]; elem: boolean }
type K = (c: AccessCondition) => void

export function unsupported(what: string, loc?: Location): never {
  throw PolicyErrors.partialUnsupported(`cannot partially evaluate ${what}${loc && loc.row ? ` (${loc.file}:${loc.row})` : ''}`)
}

const CMP: Record<string, 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'> = { equal: 'eq', neq: 'ne', lt: 'lt', lte: 'lte', gt: 'gt', gte: 'gte' }
const CMP_TEST: Record<keyof typeof FLIP, (v: Value, x: Value) => boolean> = {
  eq: (v, x) => compare(v, x) === 0,
  ne: (v, x) => compare(v, x) !== 0,
  lt: (v, x) => compare(v, x) < 0,
  lte: (v, x) => compare(v, x) <= 0,
  gt: (v, x) => compare(v, x) > 0,
  gte: (v, x) => compare(v, x) >= 0,
}
const FLIP = { eq: 'eq', ne: 'ne', lt: 'gt', lte: 'gte', gt: 'lt', gte: 'lte' } as const

/** A known value as a condition scalar; composites and out-of-range integers cannot be compared in a condition. */
function scalar(v: Value, loc: Location): Scalar | null {
  const x = toJs(v)
  if (x === null || typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x))) return x
  return unsupported(`a comparison of the unknown with a ${v.type === 'number' ? 'large integer' : v.type}`, loc)
}

export class Residuals {
  constructor(readonly p: PartialEvaluator) {}

  expr(e: Expr, env: Env, sym: Sym, k: K): void {
    if (e.with.length) unsupported('`with` on an expression over the unknown', e.loc)
    switch (e.k) {
      case 'term':
        return this.test(e.term, env, sym, k)
      case 'unify':
      case 'assign':
        return this.unify(e.lhs, e.rhs, env, sym, e.loc, k)
      case 'some':
        return k(TRUE_C)
      case 'not': {
        const inner = e.expr
        return k(this.p.b.not(this.p.disjunction((k2) => this.p.walk([inner], 0, env, sym, [], k2))))
      }
      case 'every':
        return this.every(e, env, sym, k)
      default:
        return unsupported('`some ... in` over the unknown', e.loc)
    }
  }

  /**
   * `every x in <known> { body on the unknown }`: the AND over the elements of each element's
   * condition. The body sees only the vars the compiler says it captures, as in the evaluator.
   */
  private every(e: Expr & { k: 'every' }, env: Env, sym: Sym, k: K): void {
    if (this.field(e.coll, env, sym) || this.p.depends({ k: 'term', term: e.coll, with: [], loc: e.loc }, sym)) unsupported('`every` over the unknown', e.loc)
    for (const t of e.key ? [e.key, e.value] : [e.value]) if (t.t !== 'var') unsupported('an `every` pattern over the unknown', t.loc)
    const captured = CAPTURED.get(e) ?? []
    this.known(e.coll, env, sym, (c) => {
      if (c.type !== 'array' && c.type !== 'object' && c.type !== 'set') return
      const parts: AccessCondition[] = []
      for (const [key, val] of entriesOf(c)) {
        this.p.budget.tick()
        const inner: Env = new Map()
        const innerSym: Sym = new Map()
        for (const v of captured) {
          const x = env.get(v)
          if (x !== undefined) inner.set(v, x)
          const s = sym.get(v)
          if (s) innerSym.set(v, s)
        }
        if (e.key) inner.set((e.key as { name: string }).name, key)
        inner.set((e.value as { name: string }).name, val)
        const part = this.p.disjunction((k2) => this.p.walk(e.body, 0, inner, innerSym, [], k2))
        if (part.op === 'false') return k(part)
        parts.push(part)
      }
      k(this.p.b.and(parts))
    })
  }

  /** A field of the unknown, undefined for a term that is not one (it may still depend through rules). */
  field(t: Term, env: Env, sym: Sym): Field | undefined {
    if (t.t === 'var') {
      if (t.name === 'input') unsupported('the whole input (it contains the unknown)', t.loc)
      const s = sym.get(t.name)
      return s && { path: s, elem: false }
    }
    if (t.t !== 'ref' || t.head.t !== 'var') return undefined
    let path: string[]
    let rest: readonly Term[]
    const unknown = this.p.dep.unknown.path
    if (t.head.name === 'input') {
      for (let i = 0; i < unknown.length; i++) {
        const seg = t.path[i]
        if (!seg) unsupported('a ref containing the unknown', t.loc)
        if (seg.t === 'scalar' && (seg.v.type !== 'string' || seg.v.value !== unknown[i])) return undefined
        if (seg.t !== 'scalar') unsupported('a dynamic key next to the unknown', t.loc)
      }
      path = []
      rest = t.path.slice(unknown.length)
    } else {
      const s = sym.get(t.head.name)
      if (!s) return undefined
      path = [...s]
      rest = t.path
    }
    for (let i = 0; i < rest.length; i++) {
      const seg = rest[i]
      if (seg.t === 'scalar' && seg.v.type === 'string') path.push(seg.v.value)
      else if (seg.t === 'var' && env.get(seg.name)?.type === 'string') path.push((env.get(seg.name) as { value: string }).value)
      else if (seg.t === 'var' && i === rest.length - 1 && isWildcard(seg.name) && !env.has(seg.name)) return { path, elem: true }
      else unsupported('a ref into the unknown with a non-string or iterated key', seg.loc)
    }
    return { path, elem: false }
  }

  /** Values of a known term, one call per solution (vars in its refs may iterate, as in the engine). */
  known(t: Term, env: Env, sym: Sym, k: (v: Value) => void): void {
    if (this.p.depends({ k: 'term', term: t, with: [], loc: t.loc }, sym)) unsupported('an expression with the unknown on both sides, or a rule value that depends on it', t.loc)
    if (!groundable(t, env)) unsupported('unification that binds variables to the unknown', t.loc)
    this.p.ev.evalTerm(t, env, this.p.ctx, k)
  }

  private test(t: Term, env: Env, sym: Sym, k: K): void {
    if (t.t === 'call') {
      const op = CMP[t.name]
      if (op && t.args.length === 2) return this.compare(op, t.args[0], t.args[1], env, sym, t.loc, k)
      if (t.name === 'internal.member_2' && t.args.length === 2) return this.member(t.args[0], t.args[1], env, sym, t.loc, k)
      if (t.name.startsWith('data.')) return this.call(t, env, sym, k)
      return unsupported(`built-in ${t.name} applied to the unknown`, t.loc)
    }
    const f = this.field(t, env, sym)
    if (f) {
      if (f.elem) unsupported('iteration over the unknown', t.loc)
      return k(this.p.b.leaf({ op: 'ne', field: { path: f.path }, value: false }))
    }
    const node = t.t === 'ref' ? this.ruleNode(t) : undefined
    if (node) return k(this.p.ruleCondition(node, ACCEPT_TRUTHY))
    return unsupported('this expression over the unknown', t.loc)
  }

  /** The rule node a constant `data` ref names exactly; refs into a rule's value are not supported. */
  private ruleNode(t: Term & { t: 'ref' }): RuleNode | undefined {
    if (t.head.t !== 'var' || t.head.name !== 'data') return undefined
    let node = this.p.ev.root
    for (const seg of t.path) {
      if (node.rules.length) unsupported('a ref into the value of a rule that depends on the unknown', t.loc)
      if (seg.t !== 'scalar' || seg.v.type !== 'string') unsupported('a dynamic data ref that depends on the unknown', t.loc)
      const c = node.children.get(seg.v.value)
      if (!c) return undefined
      node = c
    }
    return node.rules.length ? node : unsupported('a package (a whole object of rules) that depends on the unknown', t.loc)
  }

  private call(t: Term & { t: 'call' }, env: Env, sym: Sym, k: K, accept: Accept = ACCEPT_TRUTHY): void {
    let node = this.p.ev.root
    for (const seg of t.name.split('.').slice(1)) node = node.children.get(seg) ?? unsupported(`call of ${t.name}`, t.loc)
    const args: Array<{ value: Value } | { field: string[] }> = []
    const next = (i: number): void => {
      if (i === t.args.length) return k(this.p.functionCondition(node, args.slice(), accept, t.loc))
      const f = this.field(t.args[i], env, sym)
      if (f && f.elem) unsupported('iteration over the unknown', t.loc)
      if (f) {
        args.push({ field: f.path })
        next(i + 1)
        args.pop()
        return
      }
      this.known(t.args[i], env, sym, (v) => {
        args.push({ value: v })
        next(i + 1)
        args.pop()
      })
    }
    next(0)
  }

  private compare(op: keyof typeof FLIP, a: Term, b: Term, env: Env, sym: Sym, loc: Location, k: K): void {
    const fa = this.field(a, env, sym)
    const fb = this.field(b, env, sym)
    if (fa && fb) unsupported('a comparison between two fields of the unknown', loc)
    const f = fa ?? fb
    if (!f) return this.compareValue(op, a, b, env, sym, loc, k)
    const o = fa ? op : FLIP[op]
    this.known(fa ? b : a, env, sym, (v) => {
      const x = scalar(v, loc)
      if (f.elem) {
        if (o !== 'eq' || x === null) unsupported('iteration over the unknown other than `field[_] == value`', loc)
        return k(this.p.b.leaf({ op: 'contains', field: { path: f.path }, value: x }))
      }
      k(this.p.b.leaf({ op: o, field: { path: f.path }, value: x }))
    })
  }

  /** `rule == v`, `f(x) < v`: the rule or function inlined, accepting the values that compare so. */
  private compareValue(op: keyof typeof FLIP, a: Term, b: Term, env: Env, sym: Sym, loc: Location, k: K): void {
    const dependent = (t: Term) => this.p.depends({ k: 'term', term: t, with: [], loc }, sym)
    const da = dependent(a)
    if (da && dependent(b)) unsupported('a comparison between two values that depend on the unknown', loc)
    const target = da ? a : b
    const o = da ? op : FLIP[op]
    const node = target.t === 'ref' ? this.ruleNode(target) : undefined
    if (!node && !(target.t === 'call' && target.name.startsWith('data.'))) {
      unsupported(target.t === 'call' ? `built-in ${target.name} applied to the unknown` : 'a comparison with this expression over the unknown', loc)
    }
    this.known(da ? b : a, env, sym, (x) => {
      const accept: Accept = { key: `${o}:${keyOf(x)}`, test: (v) => CMP_TEST[o](v, x) }
      if (node) return k(this.p.ruleCondition(node, accept))
      this.call(target as Term & { t: 'call' }, env, sym, k, accept)
    })
  }

  private member(x: Term, coll: Term, env: Env, sym: Sym, loc: Location, k: K): void {
    const fc = this.field(coll, env, sym)
    const fx = this.field(x, env, sym)
    if (fc && fx) unsupported('membership between two fields of the unknown', loc)
    if (fc) {
      if (fc.elem) unsupported('iteration over the unknown', loc)
      return this.known(x, env, sym, (v) => {
        const s = scalar(v, loc)
        if (s === null) unsupported('`null in` a field of the unknown', loc)
        k(this.p.b.leaf({ op: 'contains', field: { path: fc.path }, value: s }))
      })
    }
    if (!fx || fx.elem) return unsupported('membership in the value of a rule that depends on the unknown', loc)
    this.known(coll, env, sym, (c) => {
      if (c.type !== 'array' && c.type !== 'set' && c.type !== 'object') return // `in` a scalar is undefined
      const values: Scalar[] = []
      let hasNull = false
      for (const [, v] of entriesOf(c)) {
        this.p.budget.tick()
        const s = scalar(v, loc)
        if (s === null) hasNull = true
        else values.push(s)
      }
      this.p.b.charge(values.length)
      const field = { path: fx.path }
      const alts: AccessCondition[] = values.length ? [{ op: 'in', field, values }] : []
      if (hasNull) alts.push({ op: 'eq', field, value: null })
      k(this.p.b.or(alts))
    })
  }

  private unify(lhs: Term, rhs: Term, env: Env, sym: Sym, loc: Location, k: K): void {
    const fl = this.field(lhs, env, sym)
    const fr = this.field(rhs, env, sym)
    if (fl && fr) unsupported('unification of two fields of the unknown', loc)
    const f = fl ?? fr
    const other = fl ? rhs : lhs
    if (!f) return unsupported('unification with the value of a rule or function that depends on the unknown', loc)
    if (other.t === 'var' && !env.has(other.name) && !sym.has(other.name) && other.name !== 'input' && other.name !== 'data') {
      // `x := input.document.level`: x stands for the field from here on.
      if (f.elem) unsupported('iteration over the unknown', loc)
      sym.set(other.name, f.path)
      try {
        return k(TRUE_C)
      } finally {
        sym.delete(other.name)
      }
    }
    // `field = value` is `field == value` once the other side is known.
    return this.compare('eq', fl ? lhs : rhs, fl ? rhs : lhs, env, sym, loc, k)
  }
}

/** Whether the evaluator can produce values for `t` without binding vars outside ref keys. */
function groundable(t: Term, env: Env): boolean {
  switch (t.t) {
    case 'scalar':
      return true
    case 'var':
      return env.has(t.name) || t.name === 'input' || t.name === 'data'
    case 'ref':
      return groundable(t.head, env) && t.path.every((p) => p.t === 'var' || groundable(p, env))
    case 'array':
    case 'set':
      return t.items.every((x) => groundable(x, env))
    case 'object':
      return t.pairs.every(([a, b]) => groundable(a, env) && groundable(b, env))
    case 'call':
      return t.args.every((x) => groundable(x, env))
    case 'template':
      return t.parts.every((x) => typeof x === 'string' || groundable(x, env))
    default:
      return true // comprehensions bind only their own vars
  }
}
