/**
 * Top-down evaluator in continuation-passing style: each step calls `k` once per solution and
 * undoes its bindings when `k` returns, which gives Rego's backtracking without generators.
 * Early exits (`not`, `every`, existence checks) throw a private token caught by their caller.
 */
import type { Expr, Term } from '../ast.ts'
import type { BuiltinContext, BuiltinDef } from '../builtins/index.ts'
import { CAPTURED } from '../compiler/safety.ts'
import type { RuleNode } from '../compiler/tree.ts'
import { RegoError } from '../errors.ts'
import { arr, equal, keyOf, set, str, toJsonText, type Value } from '../value.ts'
import type { Budget } from './budget.ts'
import type { Ctx, Env, K, KV } from './context.ts'
import { entriesOf, getConstKey, getKey, objectOfPairs, valuesOf } from './docs.ts'
import { interpolationText } from './format.ts'
import { walkDataRef } from './rules.ts'
import { evalCall } from './calls.ts'
import { traceBody, type Tracer } from './trace.ts'
import { unifyTerms, unifyValue } from './unify.ts'
import { evalWith } from './with.ts'
import { exprHasOneSolution } from './solutions.ts'
import { tryDirectTest } from './direct.ts'
import { fillBindingFree, LOOP_MIN_ITEMS } from './lists.ts'
import { evalLongBody } from './bodies.ts'

export interface EvaluatorOptions {
  root: RuleNode
  data: Value
  strict: boolean
  budget: Budget
  builtins: ReadonlyMap<string, BuiltinDef>
  builtinCtx: BuiltinContext
  /** Parsed modules, for package-level METADATA. */
  modules?: readonly import('../ast.ts').ModuleAst[]
  /** Receives Enter/Eval/Fail/Redo/Exit/Note events (see trace.ts); omit for normal runs. */
  tracer?: Tracer
}

export class Evaluator {
  readonly root: RuleNode
  readonly data: Value
  readonly strict: boolean
  readonly budget: Budget
  readonly builtins: ReadonlyMap<string, BuiltinDef>
  readonly bctx: BuiltinContext
  /** Rules being evaluated, innermost last (for rego.metadata.*). */
  readonly ruleStack: import('../compiler/tree.ts').CRule[] = []
  readonly notes: string[] = []
  readonly modules: readonly import('../ast.ts').ModuleAst[]
  readonly tracer: Tracer | null

  constructor(o: EvaluatorOptions) {
    this.root = o.root
    this.data = o.data
    this.strict = o.strict
    this.budget = o.budget
    this.builtins = o.builtins
    this.bctx = o.builtinCtx
    this.modules = o.modules ?? []
    this.tracer = o.tracer ?? null
  }

  bind(env: Env, name: string, v: Value, k: K): void {
    env.set(name, v)
    try {
      k()
    } finally {
      env.delete(name)
    }
  }

  /**
   * True when `run` has at least one solution. `single` (see solutions.ts) says it has at most
   * one: then it runs to the end and a flag answers, which is much cheaper than throwing out of
   * the continuation chain.
   */
  exists(run: (k: K) => void, single = false): boolean {
    // Traced runs keep the throw: OPA's trace shows no Redo after the first solution.
    if (single && this.tracer === null) {
      let found = false
      run(() => {
        found = true
      })
      return found
    }
    return this.existsByThrow(run)
  }

  /** `exists` for a body known to have at most one solution (see solutions.ts). */
  hasSolution(body: readonly Expr[], env: Env, ctx: Ctx): boolean {
    if (this.tracer !== null) return this.existsByThrow((k) => this.evalBody(body, 0, env, ctx, k))
    let found = false
    this.evalBody(body, 0, env, ctx, () => {
      found = true
    })
    return found
  }

  private existsByThrow(run: (k: K) => void): boolean {
    const stop = {}
    try {
      run(() => {
        throw stop
      })
    } catch (e) {
      if (e === stop) return true
      throw e
    }
    return false
  }

  evalBody(body: readonly Expr[], i: number, env: Env, ctx: Ctx, k: K): void {
    // The only cost of tracing when it is off. traceBody walks the whole body itself, so it never
    // comes back here with i > 0.
    if (this.tracer !== null) return traceBody(this, this.tracer, body, env, ctx, k)
    if (i === body.length) return k()
    if (body.length - i >= LOOP_MIN_ITEMS) return evalLongBody(this, body, i, env, ctx, k)
    this.budget.tick(1, body[i].loc)
    // The last expression continues straight to k: one closure less per body.
    if (i + 1 === body.length) return this.evalExpr(body[i], env, ctx, k)
    this.evalExpr(body[i], env, ctx, () => this.evalBody(body, i + 1, env, ctx, k))
  }

  evalExpr(e: Expr, env: Env, ctx: Ctx, k: K): void {
    if (e.with.length) return evalWith(this, e, 0, env, ctx, k)
    this.evalExprIn(e, env, ctx, k)
  }

  evalExprIn(e: Expr, env: Env, ctx: Ctx, k: K): void {
    switch (e.k) {
      case 'term':
        if (tryDirectTest(this, e.term, env, ctx, k)) return
        return this.evalTerm(e.term, env, ctx, (v) => {
          if (!(v.type === 'boolean' && !v.value)) k()
        })
      case 'unify':
      case 'assign':
        return this.unifyTerms(e.lhs, e.rhs, env, ctx, k)
      case 'some':
        return k()
      case 'somein':
        return this.evalTerm(e.coll, env, ctx, (c) => {
          // `some x in c` binds values only: iterate them without building key/value pairs (for an
          // array, a bigint and a number value per element). Same order as entriesOf.
          if (!e.key) {
            for (const val of valuesOf(c)) {
              this.budget.tick()
              this.unifyValue(e.value, val, env, ctx, k)
            }
            return
          }
          for (const [key, val] of entriesOf(c)) {
            this.budget.tick()
            if (e.key) this.unifyValue(e.key, key, env, ctx, () => this.unifyValue(e.value, val, env, ctx, k))
            else this.unifyValue(e.value, val, env, ctx, k)
          }
        })
      case 'not': {
        const inner = e.expr
        const single = ctx.fnOverrides.size === 0 && exprHasOneSolution(inner, env, this.builtins)
        if (!this.exists((k2) => this.evalExpr(inner, env, ctx, k2), single)) k()
        return
      }
      case 'every': {
        const captured = CAPTURED.get(e) ?? []
        this.evalTerm(e.coll, env, ctx, (c) => {
          if (c.type !== 'array' && c.type !== 'object' && c.type !== 'set') return
          for (const [key, val] of entriesOf(c)) {
            this.budget.tick()
            const inner: Env = new Map()
            for (const v of captured) {
              const x = env.get(v)
              if (x !== undefined) inner.set(v, x)
            }
            const ok = this.exists((k2) => {
              const run = (): void => this.unifyValue(e.value, val, inner, ctx, () => this.evalBody(e.body, 0, inner, ctx, k2))
              if (e.key) this.unifyValue(e.key, key, inner, ctx, run)
              else run()
            })
            if (!ok) return
          }
          k()
        })
        return
      }
    }
  }

  // ---- terms ----

  evalTerm(t: Term, env: Env, ctx: Ctx, k: KV): void {
    switch (t.t) {
      case 'scalar':
        return k(t.v)
      case 'var': {
        const v = env.get(t.name)
        if (v !== undefined) return k(v)
        if (t.name === 'input') return ctx.input === undefined ? undefined : k(ctx.input)
        if (t.name === 'data') return this.evalRef({ t: 'ref', head: t, path: [], loc: t.loc }, env, ctx, k)
        throw new RegoError('rego_unsafe_var_error', `var ${t.name} is unsafe`, t.loc)
      }
      case 'ref':
        return this.evalRef(t, env, ctx, k)
      case 'array':
        return this.evalList(t.items, env, ctx, (vs) => k(arr(vs)))
      case 'set':
        return this.evalList(t.items, env, ctx, (vs) => k(set(vs)))
      case 'object': {
        const flat = t.pairs.flat()
        return this.evalList(flat, env, ctx, (vs) => k(objectOfPairs(vs, t.loc)))
      }
      case 'call':
        return this.evalCall(t, env, ctx, k)
      case 'arraycompr':
      case 'setcompr':
      case 'objectcompr':
        return k(this.evalCompr(t, env, ctx))
      case 'template': {
        let out = ''
        for (const p of t.parts) {
          if (typeof p === 'string') {
            out += p
            continue
          }
          const vals: Value[] = []
          this.evalTerm(p, env, ctx, (v) => {
            const xs = p.t === 'arraycompr' && p.templ && v.type === 'array' ? v.items : [v]
            for (const x of xs) if (!vals.some((y) => equal(x, y))) vals.push(x)
          })
          if (vals.length > 1) throw new RegoError('eval_conflict_error', 'template expression produced multiple outputs', p.loc)
          out += vals.length ? interpolationText(vals[0]) : '<undefined>'
        }
        return k(str(out))
      }
    }
  }

  /**
   * Evaluates items into values. Items that can be evaluated now go first, so that a ref
   * binding an output var (`x == a[x]`) runs before the plain `x` that reads it.
   */
  evalList(items: readonly Term[], env: Env, ctx: Ctx, k: (vs: Value[]) => void): void {
    // Hot path. Named closures are avoided here: tsx/esbuild's keepNames wraps each one in a
    // defineProperty call, which dominated profiles of large joins.
    const vals = new Array<Value | undefined>(items.length)
    let left = items.length
    if (left >= LOOP_MIN_ITEMS) {
      left = fillBindingFree(this, items, vals, env, ctx)
      if (left < 0) return
    }
    this.evalListStep(items, vals, left, env, ctx, k)
  }

  private evalListStep(items: readonly Term[], vals: Array<Value | undefined>, left: number, env: Env, ctx: Ctx, k: (vs: Value[]) => void): void {
    if (left === 0) return k((vals as Value[]).slice())
    let j = -1
    for (let x = 0; x < items.length; x++) {
      if (vals[x] !== undefined) continue
      if (j < 0) j = x
      if (this.isGround(items[x], env)) {
        j = x
        break
      }
    }
    const item = items[j]
    if (item.t === 'scalar') {
      vals[j] = item.v
      this.evalListStep(items, vals, left - 1, env, ctx, k)
      vals[j] = undefined
      return
    }
    this.evalTerm(item, env, ctx, (v) => {
      vals[j] = v
      // No try/finally: vals is private to this evalList, so a throw that leaves it abandons it,
      // and a finally would make every throw through here (existence checks) a catch and rethrow.
      this.evalListStep(items, vals, left - 1, env, ctx, k)
      vals[j] = undefined
    })
  }

  private evalCompr(t: Term & { t: 'arraycompr' | 'setcompr' | 'objectcompr' }, env: Env, ctx: Ctx): Value {
    const inner: Env = new Map()
    for (const v of CAPTURED.get(t) ?? []) {
      const x = env.get(v)
      if (x !== undefined) inner.set(v, x)
    }
    if (t.t === 'arraycompr') {
      const out: Value[] = []
      this.evalBody(t.body, 0, inner, ctx, () => this.evalTerm(t.term, inner, ctx, (v) => void out.push(v)))
      return arr(out)
    }
    if (t.t === 'setcompr') {
      const out: Value[] = []
      this.evalBody(t.body, 0, inner, ctx, () => this.evalTerm(t.term, inner, ctx, (v) => void out.push(v)))
      return set(out)
    }
    const entries = new Map<string, readonly [Value, Value]>()
    this.evalBody(t.body, 0, inner, ctx, () =>
      this.evalTerm(t.key, inner, ctx, (kv) =>
        this.evalTerm(t.value, inner, ctx, (vv) => {
          const key = keyOf(kv)
          const prev = entries.get(key)
          if (prev && !equal(prev[1], vv)) throw new RegoError('eval_conflict_error', 'object keys must be unique', t.loc)
          entries.set(key, [kv, vv])
        }),
      ),
    )
    return { type: 'object', entries }
  }

  evalRef(t: Term & { t: 'ref' }, env: Env, ctx: Ctx, k: KV): void {
    const head = t.head
    if (head.t === 'var' && !env.has(head.name)) {
      if (head.name === 'data') return walkDataRef(this, t.path, env, ctx, k)
      if (head.name === 'input') return ctx.input === undefined ? undefined : this.walk(ctx.input, t.path, 0, env, ctx, k, true)
    }
    this.evalTerm(head, env, ctx, (v) => this.walk(v, t.path, 0, env, ctx, k))
  }

  /**
   * Indexes `v` by `path[i..]`. `json` marks base documents (data, input), whose object keys are
   * always strings: there `data.x[2]` also finds the key "2", as in OPA.
   */
  walk(v: Value, path: readonly Term[], i: number, env: Env, ctx: Ctx, k: KV, json = false): void {
    if (i === path.length) return k(v)
    const p = path[i]
    // Constant keys (`input.principal.role`) are most of every policy's refs: no closure for them.
    if (p.t === 'scalar') {
      let child = getConstKey(v, p.v)
      if (child === undefined && json && p.v.type === 'number' && v.type === 'object') child = getKey(v, str(toJsonText(p.v)))
      if (child !== undefined) this.walk(child, path, i + 1, env, ctx, k, json)
      return
    }
    if (this.isGround(p, env)) {
      return this.evalTerm(p, env, ctx, (key) => {
        let child = getKey(v, key)
        if (child === undefined && json && key.type === 'number' && v.type === 'object') child = getKey(v, str(toJsonText(key)))
        if (child !== undefined) this.walk(child, path, i + 1, env, ctx, k, json)
      })
    }
    for (const [key, child] of entriesOf(v)) {
      this.budget.tick()
      this.unifyValue(p, key, env, ctx, () => this.walk(child, path, i + 1, env, ctx, k, json))
    }
  }

  /** No unbound vars outside ref keys (ref keys iterate; comprehensions are closed). */
  isGround(t: Term, env: Env): boolean {
    switch (t.t) {
      case 'scalar':
        return true
      case 'var':
        return env.has(t.name) || t.name === 'input' || t.name === 'data'
      case 'ref':
        return this.isGround(t.head, env)
      case 'array':
      case 'set':
        return t.items.every((x) => this.isGround(x, env))
      case 'object':
        return t.pairs.every(([a, b]) => this.isGround(a, env) && this.isGround(b, env))
      case 'call':
        return t.args.every((x) => this.isGround(x, env))
      case 'template':
        return t.parts.every((x) => typeof x === 'string' || this.isGround(x, env))
      default:
        return true
    }
  }

  // ---- unification and calls live in unify.ts / calls.ts ----

  unifyTerms(a: Term, b: Term, env: Env, ctx: Ctx, k: K): void {
    unifyTerms(this, a, b, env, ctx, k)
  }

  unifyValue(p: Term, v: Value, env: Env, ctx: Ctx, k: K): void {
    unifyValue(this, p, v, env, ctx, k)
  }

  evalCall(t: Term & { t: 'call' }, env: Env, ctx: Ctx, k: KV): void {
    evalCall(this, t, env, ctx, k)
  }

}
