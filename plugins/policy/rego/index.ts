/**
 * Public API of the in-process Rego engine (OPA 1.x / Rego v1 semantics).
 *
 *   const policy = compileModules({ files: { 'authz.rego': src } })   // throws RegoErrors
 *   const { result } = evaluate(policy, { path: 'data.authz.allow', input })
 *   const { bindings } = evaluate(policy, { query: 'data.authz.allow = x', input })
 *
 * `result === undefined` means the document is undefined (not false). Evaluation errors are
 * `RegoError`s with OPA's codes; a runaway policy stops with `eval_cancel_error`.
 */
import { BUILTINS, type BuiltinContext } from './builtins/index.ts'
import { compileModuleSources, compileQuery, type CompiledModules, type CompiledQuery } from './compiler/index.ts'
import { nondeterministicBuiltins } from './compiler/determinism.ts'
import { RegoError, RegoErrors } from './errors.ts'
import { Budget, type BudgetOptions } from './eval/budget.ts'
import { Ctx } from './eval/context.ts'
import { Evaluator } from './eval/evaluator.ts'
import { INTERNAL } from './eval/internal.ts'
import { createTraceCollector } from './eval/trace-collector.ts'
import { traceTerm, type TraceEvent, type TraceMode } from './eval/trace.ts'
import { obj, type Value } from './value.ts'

export { RegoError, RegoErrors } from './errors.ts'
export type { BudgetOptions } from './eval/budget.ts'
export type { TraceEvent, TraceMode } from './eval/trace.ts'

export interface CompiledPolicy extends CompiledModules {
  /** Compiled ad-hoc queries, reused across evaluations of the same text. */
  queries: Map<string, CompiledQuery>
  /** Base data bundled with the policy; `evaluate({ data })` replaces it. */
  data?: Value
  /**
   * Non-deterministic built-ins the modules can reach (clock, randomness, network, print; see
   * compiler/determinism.ts). Empty means a path's value depends only on input and data, so a
   * caller may cache decisions by (this policy object, input, data). Ad-hoc query text is not
   * covered: it is compiled at evaluation.
   */
  nondeterministic: readonly string[]
}

const MAX_CACHED_QUERIES = 1000

const funcInfo = {
  arity: (name: string): number | undefined => INTERNAL.get(name) ?? BUILTINS.get(name)?.arity,
}

/** Parses and compiles modules (file name -> source). Throws `RegoErrors` with every problem found. */
export function compileModules(opts: { files: Record<string, string>; data?: Value }): CompiledPolicy {
  const compiled = compileModuleSources(opts.files, funcInfo)
  return { ...compiled, queries: new Map(), data: opts.data, nondeterministic: nondeterministicBuiltins(compiled.rules) }
}

/**
 * Built-in context of one evaluation. The clock's BigInt and the memo are only made when a
 * built-in asks: most decisions call neither, and they run often enough for both to show.
 */
class QueryBuiltinContext implements BuiltinContext {
  #nowNs: bigint | undefined
  readonly #startMs = Date.now()
  #cache: Map<string, unknown> | undefined
  constructor(
    readonly strict: boolean,
    nowNs: bigint | undefined,
    readonly budget: Budget,
  ) {
    this.#nowNs = nowNs
  }

  /** The query's start, as before: time.now_ns() is the same for the whole query. */
  get nowNs(): bigint {
    return (this.#nowNs ??= BigInt(this.#startMs) * 1_000_000n)
  }

  get cache(): Map<string, unknown> {
    return (this.#cache ??= new Map())
  }
}

export interface EvaluateOptions {
  /** A query body such as `data.test.p = x; x > 1`. */
  query?: string
  /** A document path such as `data.authz.allow` (ignored when `query` is given). */
  path?: string
  input?: Value
  data?: Value
  /** strict-builtin-errors: built-in errors raise instead of making the expression undefined. */
  strict?: boolean
  budget?: BudgetOptions
  /** Fixed clock for time.now_ns(); defaults to now. */
  nowNs?: bigint
  /**
   * Record OPA trace events (`events` in the result): `full` keeps every event, `fails` only Fail
   * events with the Enter events of their query lineage. Off by default (tracing costs time).
   */
  trace?: TraceMode
  /** Cap on recorded events (default 10,000); past it a final Note says the trace was truncated. */
  maxTraceEvents?: number
}

export interface EvaluateResult {
  /** The path's value, or the first solution's binding of `x` style queries is in `bindings`. */
  result?: Value
  /** One object per solution with the query's variables. */
  bindings: Array<Record<string, Value>>
  /** print()/trace() output. */
  notes: string[]
  /** Trace events, when `trace` was given (see eval/trace.ts for the event shapes). */
  events?: TraceEvent[]
  /** Nanoseconds spent parsing and compiling the query; absent when it came from the policy's cache. */
  queryCompileNs?: number
}

export function evaluate(policy: CompiledPolicy, opts: EvaluateOptions): EvaluateResult {
  const budget = new Budget(opts.budget)
  const tracer = opts.trace ? createTraceCollector(opts.trace, opts.maxTraceEvents) : undefined
  const ev = new Evaluator({
    root: policy.root,
    data: opts.data ?? policy.data ?? obj([]),
    strict: opts.strict ?? false,
    budget,
    builtins: BUILTINS,
    modules: policy.modules,
    builtinCtx: new QueryBuiltinContext(opts.strict ?? false, opts.nowNs, budget),
    tracer,
  })
  const ctx = new Ctx(opts.input)
  const src = opts.query ?? opts.path
  if (src === undefined) throw new Error('evaluate: give a query or a path')
  let q = policy.queries.get(src)
  let queryCompileNs: number | undefined
  if (!q) {
    const started = process.hrtime.bigint()
    q = compileQuery(src, funcInfo, policy.root)
    queryCompileNs = Number(process.hrtime.bigint() - started)
    // Ad-hoc query text can be unbounded; a crude cap keeps the cache from growing forever.
    if (policy.queries.size >= MAX_CACHED_QUERIES) policy.queries.clear()
    policy.queries.set(src, q)
  }
  const query = q
  const bindings: Array<Record<string, Value>> = []
  let result: Value | undefined
  try {
    if (opts.query !== undefined) {
      const env = new Map<string, Value>()
      ev.evalBody(query.body, 0, env, ctx, () => {
        const b: Record<string, Value> = {}
        for (const v of query.vars) {
          const x = env.get(v)
          if (x !== undefined) b[v] = x
        }
        bindings.push(b)
      })
    } else {
      const term = query.body[0]
      if (!term || term.k !== 'term' || query.body.length !== 1) throw new Error('evaluate: path must be a single reference')
      const env = new Map<string, Value>()
      // Inline closures, not named ones: tsx's keepNames makes each named closure a defineProperty.
      if (tracer) {
        traceTerm(tracer, query.body, env, () => {
          ev.evalTerm(term.term, env, ctx, (v) => {
            if (result === undefined) result = v
          })
          return result !== undefined
        })
      } else {
        ev.evalTerm(term.term, env, ctx, (v) => {
          if (result === undefined) result = v
        })
      }
    }
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new RegoError('eval_cancel_error', 'evaluation exceeded the maximum stack depth')
    }
    throw e
  }
  const out: EvaluateResult = tracer ? { result, bindings, notes: ev.notes, events: tracer.events() } : { result, bindings, notes: ev.notes }
  if (queryCompileNs !== undefined) out.queryCompileNs = queryCompileNs
  return out
}

/**
 * An evaluator and context for callers that drive evaluation themselves (the partial evaluator in
 * ../filter/ runs the known parts of a body through it), with the same budget and built-ins as
 * `evaluate`. Not traced.
 */
export function openEvaluation(policy: CompiledPolicy, opts: { input?: Value; data?: Value; strict?: boolean; budget?: BudgetOptions; nowNs?: bigint }): { ev: Evaluator; ctx: Ctx; budget: Budget } {
  const budget = new Budget(opts.budget)
  const ev = new Evaluator({
    root: policy.root,
    data: opts.data ?? policy.data ?? obj([]),
    strict: opts.strict ?? false,
    budget,
    builtins: BUILTINS,
    modules: policy.modules,
    builtinCtx: new QueryBuiltinContext(opts.strict ?? false, opts.nowNs, budget),
  })
  return { ev, ctx: new Ctx(opts.input), budget }
}

/** Parses a ground Rego term (`{1, 2}`, `{"a": [1]}`) into a value, e.g. for `input_term`. */
export function parseValue(src: string): Value {
  const policy = compileModules({ files: {} })
  const { bindings } = evaluate(policy, { query: `__v := ${src}` })
  if (bindings.length !== 1) throw new RegoErrors([new RegoError('rego_parse_error', 'term is not a ground value')])
  return bindings[0].__v
}
