/**
 * Which variables an expression reads, binds or captures, as the safety check sees them.
 * Kept apart from safety.ts so the ordering algorithm reads on its own.
 */
import type { Expr, Term } from '../ast.ts'
import { comprFreeVars, declaredVars, termVars } from './vars.ts'

/** Vars at this scope, ignoring comprehension internals. */
export function topVars(e: Expr, out: Set<string>): void {
  switch (e.k) {
    case 'term':
      termVars(e.term, out, true)
      break
    case 'unify':
    case 'assign':
      termVars(e.lhs, out, true), termVars(e.rhs, out, true)
      break
    case 'somein':
      if (e.key) termVars(e.key, out, true)
      termVars(e.value, out, true), termVars(e.coll, out, true)
      break
    case 'some':
      for (const v of e.vars) termVars(v, out, true)
      break
    case 'not':
      topVars(e.expr, out)
      break
    case 'every':
      termVars(e.coll, out, true)
      break
  }
}

/** Vars that refs in `t` iterate over (`a[x]`): outputs, not inputs. */
export function refOutputs(t: Term, out: Set<string>): void {
  const pattern = (p: Term): void => {
    if (p.t === 'var') out.add(p.name)
    else if (p.t === 'array') p.items.forEach(pattern)
    else if (p.t === 'object') p.pairs.forEach(([, v]) => pattern(v))
    else refOutputs(p, out)
  }
  switch (t.t) {
    case 'ref':
      refOutputs(t.head, out)
      t.path.forEach(pattern)
      return
    case 'call':
      t.args.forEach((a) => refOutputs(a, out))
      return
    case 'array':
    case 'set':
      t.items.forEach((a) => refOutputs(a, out))
      return
    case 'object':
      t.pairs.forEach(([k, v]) => (refOutputs(k, out), refOutputs(v, out)))
      return
    default:
      return
  }
}

/** Outer vars an `every` body reads (they must be bound before it runs). */
export function everyCaptured(e: Expr & { k: 'every' }, scope: Set<string>): string[] {
  const inner = new Set<string>()
  for (const x of e.body) {
    const vs = new Set<string>()
    topVarsDeep(x, vs)
    for (const v of vs) inner.add(v)
  }
  const own = new Set<string>([...declaredVars(e.body)])
  if (e.key) termVars(e.key, own)
  termVars(e.value, own)
  return [...inner].filter((v) => !own.has(v) && scope.has(v))
}

function topVarsDeep(e: Expr, out: Set<string>): void {
  topVars(e, out)
  const walk = (t: Term): void => {
    if (t.t === 'arraycompr' || t.t === 'setcompr' || t.t === 'objectcompr') for (const v of comprFreeVars(t)) out.add(v)
  }
  forEachTerm(e, walk)
  if (e.k === 'every') for (const x of e.body) topVarsDeep(x, out)
}

function forEachTerm(e: Expr, f: (t: Term) => void): void {
  const visit = (t: Term): void => {
    f(t)
    if (t.t === 'ref') visit(t.head), t.path.forEach(visit)
    else if (t.t === 'array' || t.t === 'set') t.items.forEach(visit)
    else if (t.t === 'object') t.pairs.forEach(([k, v]) => (visit(k), visit(v)))
    else if (t.t === 'call') t.args.forEach(visit)
    else if (t.t === 'template') t.parts.forEach((p) => typeof p !== 'string' && visit(p))
  }
  if (e.k === 'term') visit(e.term)
  else if (e.k === 'unify' || e.k === 'assign') visit(e.lhs), visit(e.rhs)
  else if (e.k === 'somein') (e.key && visit(e.key), visit(e.value), visit(e.coll))
  else if (e.k === 'every') visit(e.coll)
  else if (e.k === 'not') forEachTerm(e.expr, f)
  for (const w of e.with) visit(w.value)
}
