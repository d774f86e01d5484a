/** Variable bookkeeping shared by name resolution and safety ordering. */
import type { Expr, Term } from '../ast.ts'

/**
 * Vars of a term at this scope. Comprehensions contribute only their free vars (those not
 * declared inside), because their own locals are invisible here.
 */
export function termVars(t: Term, out: Set<string> = new Set(), skipCompr = false): Set<string> {
  switch (t.t) {
    case 'var':
      // input and data are roots, never variables.
      if (t.name !== 'input' && t.name !== 'data') out.add(t.name)
      break
    case 'ref':
      termVars(t.head, out, skipCompr)
      for (const p of t.path) termVars(p, out, skipCompr)
      break
    case 'array':
    case 'set':
      for (const x of t.items) termVars(x, out, skipCompr)
      break
    case 'object':
      for (const [k, v] of t.pairs) termVars(k, out, skipCompr), termVars(v, out, skipCompr)
      break
    case 'call':
      for (const a of t.args) termVars(a, out, skipCompr)
      break
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') termVars(p, out, skipCompr)
      break
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr':
      if (!skipCompr) for (const v of comprFreeVars(t)) out.add(v)
      break
  }
  return out
}

export function comprFreeVars(t: Term & { t: 'arraycompr' | 'setcompr' | 'objectcompr' }): Set<string> {
  const inner = new Set<string>()
  if (t.t === 'objectcompr') termVars(t.key, inner), termVars(t.value, inner)
  else termVars(t.term, inner)
  for (const e of t.body) exprVars(e, inner)
  for (const d of declaredVars(t.body)) inner.delete(d)
  return inner
}

/** All vars an expression mentions at this scope (including inside `not` and `every`). */
export function exprVars(e: Expr, out: Set<string> = new Set()): Set<string> {
  switch (e.k) {
    case 'term':
      termVars(e.term, out)
      break
    case 'unify':
    case 'assign':
      termVars(e.lhs, out), termVars(e.rhs, out)
      break
    case 'some':
      for (const v of e.vars) termVars(v, out)
      break
    case 'somein':
      if (e.key) termVars(e.key, out)
      termVars(e.value, out), termVars(e.coll, out)
      break
    case 'every': {
      const inner = new Set<string>()
      for (const b of e.body) exprVars(b, inner)
      if (e.key) termVars(e.key, inner)
      termVars(e.value, inner)
      for (const d of declaredVars(e.body)) inner.delete(d)
      if (e.key) for (const v of termVars(e.key)) inner.delete(v)
      for (const v of termVars(e.value)) inner.delete(v)
      for (const v of inner) out.add(v)
      termVars(e.coll, out)
      break
    }
    case 'not':
      exprVars(e.expr, out)
      break
  }
  for (const w of e.with) termVars(w.value, out)
  return out
}

/** Vars a body declares with `:=`, `some` or `some ... in`: always local to that body. */
export function declaredVars(body: Expr[]): Set<string> {
  const out = new Set<string>()
  for (const e of body) {
    if (e.k === 'assign') termVars(e.lhs, out)
    else if (e.k === 'some') for (const v of e.vars) termVars(v, out)
    else if (e.k === 'somein') {
      if (e.key) termVars(e.key, out)
      termVars(e.value, out)
    }
  }
  return out
}

export const isWildcard = (name: string): boolean => name.startsWith('_$')
