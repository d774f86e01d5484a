/**
 * Partial evaluation of one Rego rule with one unknown (`input.document`) into an
 * AccessCondition: the disjunction, over the rule's bodies and their solutions, of the
 * conjunction of what is left on the unknown once the known parts have run.
 *
 * The known parts are not re-implemented: every expression that does not reach the unknown (see
 * dependence.ts) runs through the normal evaluator, with its iteration, built-ins and budgets,
 * and each of its solutions continues the walk. Only expressions on the unknown are translated
 * here, from a small set of shapes (see residual.ts); anything else is POLICY_PARTIAL_UNSUPPORTED
 * rather than a guess, since a wrong condition leaks documents.
 *
 * A rule is true when its value is `true`. Complete rules and functions that depend on the
 * unknown are inlined: value v of a rule is reached when one clause (body or `else`) yields it and
 * every earlier clause of that rule fails; a default applies when no non-default rule is defined.
 * Where the engine would raise eval_conflict_error (two bodies, different values, both true for a
 * document), the condition takes the union; policies that conflict are broken either way.
 */
import type { AccessCondition } from '../../../src/contracts/filter.ts'
import type { Expr, Term } from '../rego/ast.ts'
import type { RuleNode, CRule } from '../rego/compiler/tree.ts'
import type { Evaluator } from '../rego/eval/evaluator.ts'
import type { Budget } from '../rego/eval/budget.ts'
import type { Ctx, Env } from '../rego/eval/context.ts'
import type { Value } from '../rego/value.ts'
import { ConditionBuilder, FALSE_C, TRUE_C } from './condition.ts'
import { Dependence } from './dependence.ts'
import { Residuals, unsupported, type Sym } from './residual.ts'

type Acc = AccessCondition[]
/** Which values of a rule count: `true`, truthy, or a comparison with a known value. `key` names it for the memo. */
export interface Accept {
  key: string
  test(v: Value): boolean
}

export const ACCEPT_TRUE: Accept = { key: 'true', test: (v) => v.type === 'boolean' && v.value }
export const ACCEPT_TRUTHY: Accept = { key: 'truthy', test: (v) => !(v.type === 'boolean' && !v.value) }

const accepts = (a: Accept, v: Value): boolean => a.test(v)

/** Thrown out of an enumeration once one solution is unconditionally true. */
const STOP = Symbol('partial-stop')

export class PartialEvaluator {
  readonly b: ConditionBuilder
  readonly res: Residuals
  readonly #ruleMemo = new Map<string, AccessCondition>()
  readonly #dependsMemo = new WeakMap<Expr, boolean>()

  constructor(
    readonly ev: Evaluator,
    readonly ctx: Ctx,
    readonly dep: Dependence,
    readonly budget: Budget,
    maxNodes: number,
  ) {
    this.b = new ConditionBuilder(maxNodes)
    this.res = new Residuals(this)
  }

  /** The condition for the document at `path` (under data) being `true`. */
  rootCondition(path: string[]): AccessCondition {
    let node: RuleNode | undefined = this.ev.root
    for (const seg of path) {
      if (!node || node.rules.length) break
      node = node.children.get(seg)
    }
    const exact = node && node.path.length === path.length ? node : undefined
    if (exact && exact.rules.length) return this.ruleCondition(exact, ACCEPT_TRUE)
    // Not a rule node: base data, a package, or nothing. Known unless something below depends.
    const t: Term = { t: 'ref', head: { t: 'var', name: 'data', loc: LOC }, path: path.map((s) => ({ t: 'scalar', v: { type: 'string', value: s }, loc: LOC })), loc: LOC }
    if (this.depends({ k: 'term', term: t, with: [], loc: LOC }, new Map())) unsupported(`data.${path.join('.')} is not a rule but depends on the unknown`)
    let out: AccessCondition = FALSE_C
    this.ev.evalTerm(t, new Map(), this.ctx, (v) => {
      if (accepts(ACCEPT_TRUE, v)) out = TRUE_C
    })
    return out
  }

  depends(e: Expr, sym: Sym): boolean {
    if (sym.size) return this.dep.exprDepends(e, new Set(sym.keys()))
    let d = this.#dependsMemo.get(e)
    if (d === undefined) this.#dependsMemo.set(e, (d = this.dep.exprDepends(e, new Set())))
    return d
  }

  /** Calls `k` once per solution of the known parts of `body[i..]`, with the residual conjunction. */
  walk(body: readonly Expr[], i: number, env: Env, sym: Sym, acc: Acc, k: (acc: Acc) => void): void {
    if (i === body.length) return k(acc)
    const e = body[i]
    this.budget.tick(1, e.loc)
    if (!this.depends(e, sym)) return this.ev.evalExpr(e, env, this.ctx, () => this.walk(body, i + 1, env, sym, acc, k))
    this.res.expr(e, env, sym, (c) => {
      if (c.op === 'false') return
      if (c.op === 'true') return this.walk(body, i + 1, env, sym, acc, k)
      acc.push(c)
      try {
        this.walk(body, i + 1, env, sym, acc, k)
      } finally {
        acc.pop()
      }
    })
  }

  /** OR over the solutions `run` reports, each the AND of its residuals; stops at the first `true`. */
  disjunction(run: (k: (acc: Acc) => void) => void): AccessCondition {
    const alts: AccessCondition[] = []
    try {
      run((acc) => {
        const c = this.b.and([...acc])
        this.b.charge(1)
        if (c.op === 'true') throw STOP
        alts.push(c)
      })
    } catch (e) {
      if (e === STOP) return TRUE_C
      throw e
    }
    return this.b.or(alts)
  }

  /** Solutions of a clause as (condition, value) pairs; the value must not depend on the unknown. */
  private clause(body: readonly Expr[], value: Term, env: Env, sym: Sym, out: Array<{ c: AccessCondition; v: Value }>): void {
    const valueExpr: Expr = { k: 'term', term: value, with: [], loc: value.loc }
    try {
      this.walk(body, 0, env, sym, [], (acc) => {
        if (this.depends(valueExpr, sym)) unsupported('a rule value that depends on the unknown', value.loc)
        this.ev.evalTerm(value, env, this.ctx, (v) => {
          const c = this.b.and([...acc])
          this.b.charge(1)
          out.push({ c, v })
          // An unconditional solution: later ones cannot change what this clause yields.
          if (c.op === 'true') throw STOP
        })
      })
    } catch (e) {
      if (e !== STOP) throw e
    }
  }

  /**
   * Condition for one rule node's value (or a function's result for `bind`'s arguments) being
   * accepted. `bind` sets the parameters of a function rule in its fresh environment.
   */
  private rulesCondition(rules: readonly CRule[], accept: Accept, bind: (r: CRule, env: Env, sym: Sym) => void): AccessCondition {
    const accepted: AccessCondition[] = []
    const defined: AccessCondition[] = []
    let dflt: Value | undefined
    for (const r of rules) {
      if (r.isDefault) {
        this.ev.evalTerm(r.value, new Map(), this.ctx, (v) => (dflt = v))
        continue
      }
      const failedBefore: AccessCondition[] = []
      for (const cl of [{ body: r.body, value: r.value }, ...r.elses]) {
        const env: Env = new Map()
        const sym: Sym = new Map()
        bind(r, env, sym)
        const pairs: Array<{ c: AccessCondition; v: Value }> = []
        this.clause(cl.body, cl.value, env, sym, pairs)
        const any = this.b.or(pairs.map((p) => p.c))
        const ok = this.b.or(pairs.filter((p) => accepts(accept, p.v)).map((p) => p.c))
        const acc = this.b.and([...failedBefore, ok])
        // Accepted whatever the document: no other rule can change that (short of a conflict).
        if (acc.op === 'true') return TRUE_C
        accepted.push(acc)
        failedBefore.push(this.b.not(any))
        defined.push(any)
      }
    }
    if (dflt !== undefined && accepts(accept, dflt)) accepted.push(this.b.and(defined.map((d) => this.b.not(d))))
    return this.b.or(accepted)
  }

  ruleCondition(node: RuleNode, accept: Accept): AccessCondition {
    const key = `${node.id}:${accept.key}`
    const memo = this.#ruleMemo.get(key)
    if (memo) return this.b.embed(memo)
    let out: AccessCondition
    if (!this.dep.nodeDepends(node)) {
      out = FALSE_C
      const t: Term = { t: 'ref', head: { t: 'var', name: 'data', loc: LOC }, path: node.path.map((s) => ({ t: 'scalar', v: { type: 'string', value: s }, loc: LOC })), loc: LOC }
      this.ev.evalTerm(t, new Map(), this.ctx, (v) => {
        if (accepts(accept, v)) out = TRUE_C
      })
    } else {
      for (const r of node.rules) {
        if (r.kind !== 'complete' || r.suffix.length) unsupported(`rule data.${node.path.join('.')} (a ${r.kind === 'func' ? 'function' : 'partial or multi-value rule'}) depends on the unknown`, r.loc)
      }
      this.budget.enter(node.rules[0]?.loc)
      try {
        out = this.rulesCondition(node.rules, accept, () => {})
      } finally {
        this.budget.leave()
      }
    }
    // Its nodes were charged as they were built; only later uses are charged again (embed).
    this.#ruleMemo.set(key, out)
    return out
  }

  /** A user function called with known values or fields as arguments, inlined. */
  functionCondition(node: RuleNode, args: Array<{ value: Value } | { field: string[] }>, accept: Accept, loc: Term['loc']): AccessCondition {
    for (const r of node.rules) {
      if (r.kind !== 'func') unsupported(`data.${node.path.join('.')} is not a function`, loc)
      if (r.args.length !== args.length) unsupported(`call of data.${node.path.join('.')} with an output argument over the unknown`, loc)
    }
    this.budget.enter(loc)
    try {
      return this.rulesCondition(node.rules, accept, (r, env, sym) => {
        r.args.forEach((p, i) => {
          // The compiler turned every parameter into a var (patterns are unified in the body).
          if (p.t !== 'var') unsupported('a function parameter pattern', p.loc)
          const a = args[i]
          if ('value' in a) env.set(p.name, a.value)
          else sym.set(p.name, a.field)
        })
      })
    } finally {
      this.budget.leave()
    }
  }
}

const LOC = { file: 'partial', row: 0, col: 0 }
