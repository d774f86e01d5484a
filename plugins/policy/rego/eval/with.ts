/**
 * `with` modifiers: each builds a child context (input, data overrides or function
 * replacements) for one expression; the rest of the body continues in the outer context.
 */
import type { Expr, Term } from '../ast.ts'
import { RegoError } from '../errors.ts'
import { keyOf, NULL } from '../value.ts'
import { Ctx, type Env, type FnOverride, type K } from './context.ts'
import { upsert } from './docs.ts'
import type { Evaluator } from './evaluator.ts'
import { INTERNAL } from './internal.ts'
import { isFunctionNode } from './rules.ts'

/** Applies `with` modifiers one by one (each value may itself iterate), then evaluates. */
export function evalWith(ev: Evaluator, e: Expr, i: number, env: Env, ctx: Ctx, k: K): void {
  if (i === e.with.length) return ev.evalExprIn(e, env, ctx, k)
  const w = e.with[i]
  const target = withTarget(w.target)
  const fnName = target.root === 'fn' ? target.name : undefined
  const asFn = fnName !== undefined || (target.root === 'data' && isFunctionNode(ev, target.path))
  if (asFn) {
    const name = fnName ?? ['data', ...target.path].join('.')
    const repl = functionName(w.value, ev)
    if (repl !== undefined) {
      const fo = new Map(ctx.fnOverrides)
      fo.set(name, { fn: repl } satisfies FnOverride)
      return evalWith(ev, e, i + 1, env, new Ctx(ctx.input, ctx.dataOverrides, fo), k)
    }
    return ev.evalTerm(w.value, env, ctx, (v) => {
      const fo = new Map(ctx.fnOverrides)
      fo.set(name, { value: v })
      evalWith(ev, e, i + 1, env, new Ctx(ctx.input, ctx.dataOverrides, fo), k)
    })
  }
  ev.evalTerm(w.value, env, ctx, (v) => {
    const next =
      target.root === 'input'
        ? new Ctx(target.path.length ? upsert(ctx.input, target.path, v) : v, ctx.dataOverrides, ctx.fnOverrides)
        : new Ctx(ctx.input, [...ctx.dataOverrides, { path: target.path, value: v }], ctx.fnOverrides)
    evalWith(ev, e, i + 1, env, next, k)
  })
}

type WithTarget = { root: 'input' | 'data'; path: string[] } | { root: 'fn'; name: string; path: string[] }

function withTarget(t: Term): WithTarget {
  const names: string[] = []
  let head: Term = t
  if (t.t === 'ref') {
    head = t.head
    for (const p of t.path) names.push(p.t === 'scalar' && p.v.type === 'string' ? p.v.value : keyOf(p.t === 'scalar' ? p.v : NULL))
  }
  if (head.t !== 'var') throw new RegoError('rego_type_error', 'invalid with target', t.loc)
  if (head.name === 'input') return { root: 'input', path: names }
  if (head.name === 'data') return { root: 'data', path: names }
  return { root: 'fn', name: [head.name, ...names].join('.'), path: names }
}

/** The function a `with` value names (`with f as g`), if it names one. */
function functionName(t: Term, ev: Evaluator): string | undefined {
  let name: string | undefined
  if (t.t === 'var') name = t.name
  else if (t.t === 'ref' && t.head.t === 'var' && t.path.every((p) => p.t === 'scalar' && p.v.type === 'string')) {
    name = [t.head.name, ...t.path.map((p) => ((p as { v: { value: string } }).v.value))].join('.')
  }
  if (name === undefined) return undefined
  if (name.startsWith('data.')) return isFunctionNode(ev, name.split('.').slice(1)) ? name : undefined
  return ev.builtins.has(name) || INTERNAL.has(name) ? name : undefined
}
