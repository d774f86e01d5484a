/**
 * Evaluation tracing for OPA's `?explain=fails|full`. The evaluator holds an optional `Tracer`;
 * without one, the only cost is a null check per expression in `evalBody`. With one, bodies run
 * through `traceBody` below, which reports the OPA events:
 *
 *   Enter  a query, comprehension/`every` body (type `body`) or rule body (type `rule`) starts
 *   Eval   an expression is about to be evaluated
 *   Fail   an expression produced no (further) solution
 *   Redo   evaluation backtracks into an expression to look for another solution
 *   Exit   a body produced a solution
 *   Note   trace()/print() output, and the final "truncated" marker
 *
 * `createTraceCollector` (trace-collector.ts) is the Tracer that `evaluate({ trace })` uses.
 *
 * Query ids: the top-level query is 1; each body gets the next id and, as `parent_id`, the id of
 * the query whose expression started it (0 for the top level).
 */
import type { Expr } from '../ast.ts'
import type { CRule } from '../compiler/tree.ts'
import type { Location } from '../errors.ts'
import type { Ctx, Env, K } from './context.ts'
import type { Evaluator } from './evaluator.ts'

export type TraceMode = 'fails' | 'full'
export type TraceOp = 'Enter' | 'Eval' | 'Exit' | 'Fail' | 'Redo' | 'Note'

/** What a query-level event is about: a plain body or the body of a rule (or else clause). */
export type TraceNode = { kind: 'body'; body: readonly Expr[] } | { kind: 'rule'; rule: CRule }

/** Hooks the evaluator calls while tracing. `env` is live: implementations copy what they keep. */
export interface Tracer {
  /** The query whose expressions are being evaluated (0 outside any). */
  current: number
  /** A query starts under `current`: returns its id and makes it current. */
  enter(node: TraceNode, loc: Location | undefined): number
  expr(op: 'Eval' | 'Fail' | 'Redo', queryId: number, e: Expr, index: number, env: Env): void
  /** Query `queryId` produced a solution. */
  exit(queryId: number, node: TraceNode, env: Env): void
  /** Query `queryId` will produce nothing more; `parent` becomes current again. */
  close(queryId: number, parent: number): void
  note(message: string, loc: Location, env: Env): void
}

/** One event in OPA's JSON shape. */
export interface TraceEvent {
  op: TraceOp
  query_id: number
  parent_id: number
  type: 'body' | 'rule' | 'expr'
  /** Expressions: OPA-style AST JSON (as `rego.parse_module` renders it). Bodies: a list of those.
   *  Rules: `{ ref: "data.pkg.rule", kind }`. Notes: null. */
  node: unknown
  /** Bound local variables (wildcards omitted), values as JSON. */
  locals: Array<{ key: { type: 'var'; value: string }; value: unknown }>
  location?: Location
  message?: string
}

/** Evaluates `body` like `Evaluator.evalBody` from its start, reporting events to `tr`. */
export function traceBody(ev: Evaluator, tr: Tracer, body: readonly Expr[], env: Env, ctx: Ctx, k: K): void {
  // rules.ts pushes the rule before evaluating its body, so identity tells a rule body apart
  // from a comprehension or `every` body evaluated inside it.
  const rule = ev.ruleStack.length ? ev.ruleStack[ev.ruleStack.length - 1] : undefined
  const node: TraceNode = rule && (rule.body === body || rule.elses.some((c) => c.body === body)) ? { kind: 'rule', rule } : { kind: 'body', body }
  const parent = tr.current
  const id = tr.enter(node, node.kind === 'rule' ? node.rule.loc : body[0]?.loc)
  const step = (i: number): void => {
    if (i === body.length) {
      // No body hands its continuation to an enclosing query (rules and comprehensions are
      // computed whole), so what `k` evaluates (a rule head, a comprehension term) stays in `id`.
      tr.exit(id, node, env)
      return k()
    }
    const e = body[i]
    ev.budget.tick(1, e.loc)
    tr.expr('Eval', id, e, i, env)
    let defined = false
    ev.evalExpr(e, env, ctx, () => {
      defined = true
      step(i + 1)
      tr.expr('Redo', id, e, i, env)
    })
    if (!defined) tr.expr('Fail', id, e, i, env)
  }
  try {
    step(0)
  } finally {
    tr.close(id, parent)
  }
}

/** A path query is one term evaluated for its value (`false` included) rather than a body. */
export function traceTerm(tr: Tracer, body: readonly Expr[], env: Env, run: () => boolean): void {
  const node: TraceNode = { kind: 'body', body }
  const parent = tr.current
  const id = tr.enter(node, body[0].loc)
  try {
    tr.expr('Eval', id, body[0], 0, env)
    if (run()) tr.exit(id, node, env)
    else tr.expr('Fail', id, body[0], 0, env)
  } finally {
    tr.close(id, parent)
  }
}
