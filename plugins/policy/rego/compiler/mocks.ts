/**
 * Functions a policy replaces with `with` (`with count as f`, `with time.now_ns as 5`). A call to
 * one of them may run the replacement, so the type checker neither checks nor types it.
 */
import type { Expr, Term } from '../ast.ts'

/** The dotted name a var or static ref spells (`time.now_ns`), if any. */
export function spelledName(t: Term): string | undefined {
  if (t.t === 'var') return t.name
  if (t.t !== 'ref' || t.head.t !== 'var') return undefined
  const parts = [t.head.name]
  for (const p of t.path) {
    if (p.t !== 'scalar' || p.v.type !== 'string') return undefined
    parts.push(p.v.value)
  }
  return parts.join('.')
}

/** Dotted names of functions replaced by `with` anywhere in `bodies` (`with count as f`). */
export function mockedFunctions(bodies: Expr[][]): Set<string> {
  const out = new Set<string>()
  const name = spelledName
  const visitTerm = (t: Term): void => {
    switch (t.t) {
      case 'arraycompr':
      case 'setcompr':
        return visitTerm(t.term), t.body.forEach(visitExpr)
      case 'objectcompr':
        return visitTerm(t.key), visitTerm(t.value), t.body.forEach(visitExpr)
      case 'ref':
        return visitTerm(t.head), t.path.forEach(visitTerm)
      case 'array':
      case 'set':
        return t.items.forEach(visitTerm)
      case 'object':
        return t.pairs.forEach(([k, v]) => (visitTerm(k), visitTerm(v)))
      case 'call':
        return t.args.forEach(visitTerm)
      case 'template':
        return t.parts.forEach((p) => typeof p !== 'string' && visitTerm(p))
      default:
        return
    }
  }
  const visitExpr = (e: Expr): void => {
    for (const w of e.with) {
      const n = name(w.target)
      if (n && n !== 'input' && n !== 'data' && !n.startsWith('input.') && !n.startsWith('data.')) out.add(n)
      visitTerm(w.value)
    }
    switch (e.k) {
      case 'term':
        return visitTerm(e.term)
      case 'unify':
      case 'assign':
        return visitTerm(e.lhs), visitTerm(e.rhs)
      case 'somein':
      case 'every':
        if (e.key) visitTerm(e.key)
        visitTerm(e.value), visitTerm(e.coll)
        if (e.k === 'every') e.body.forEach(visitExpr)
        return
      case 'not':
        return visitExpr(e.expr)
      case 'some':
        return
    }
  }
  for (const b of bodies) b.forEach(visitExpr)
  return out
}
