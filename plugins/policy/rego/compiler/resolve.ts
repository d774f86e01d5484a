/**
 * Name resolution: rewrites references to rules of the same package and to imports into
 * absolute `data`/`input` refs, and function calls into absolute names (`data.pkg.f`) or
 * built-in names. Declared locals (`:=`, `some`, function args) shadow rule names.
 */
import type { Expr, ImportAst, ModuleAst, Term, With } from '../ast.ts'
import { str } from '../value.ts'
import { declaredVars, termVars } from './vars.ts'

export interface Scope {
  pkg: string[]
  /** First path segment of every rule in the package. */
  ruleNames: Set<string>
  imports: Map<string, Term>
  locals: Set<string>
}

export function moduleScope(mod: ModuleAst): Scope {
  const imports = new Map<string, Term>()
  for (const imp of mod.imports) addImport(imports, imp)
  const ruleNames = new Set<string>()
  for (const r of mod.rules) if (r.ref[0].t === 'var') ruleNames.add(r.ref[0].name)
  return { pkg: mod.pkg, ruleNames, imports, locals: new Set() }
}

function addImport(imports: Map<string, Term>, imp: ImportAst): void {
  const p = imp.path
  if (p.t !== 'ref' || p.head.t !== 'var') return
  const root = p.head.name
  if (root !== 'data' && root !== 'input') return // rego.v1, future.keywords
  const last = p.path[p.path.length - 1]
  const name = imp.alias ?? (last && last.t === 'scalar' && last.v.type === 'string' ? last.v.value : undefined)
  if (name) imports.set(name, p)
}

const dataRef = (scope: Scope, name: string, loc: Term['loc']): Term => ({
  t: 'ref',
  head: { t: 'var', name: 'data', loc },
  path: [...scope.pkg, name].map((s) => ({ t: 'scalar', v: str(s), loc }) as Term),
  loc,
})

/** The global a non-local var name stands for, if any. */
function globalFor(scope: Scope, name: string, loc: Term['loc']): Term | undefined {
  if (scope.locals.has(name)) return undefined
  const imp = scope.imports.get(name)
  if (imp) return { ...imp, loc }
  if (scope.ruleNames.has(name)) return dataRef(scope, name, loc)
  return undefined
}

export function resolveTerm(t: Term, scope: Scope): Term {
  switch (t.t) {
    case 'scalar':
      return t
    case 'var':
      return globalFor(scope, t.name, t.loc) ?? t
    case 'ref': {
      const head = resolveTerm(t.head, scope)
      const path = t.path.map((p) => resolveTerm(p, scope))
      if (head.t === 'ref') return { t: 'ref', head: head.head, path: [...head.path, ...path], loc: t.loc }
      return { t: 'ref', head, path, loc: t.loc }
    }
    case 'array':
      return { ...t, items: t.items.map((x) => resolveTerm(x, scope)) }
    case 'set':
      return { ...t, items: t.items.map((x) => resolveTerm(x, scope)) }
    case 'object':
      return { ...t, pairs: t.pairs.map(([k, v]) => [resolveTerm(k, scope), resolveTerm(v, scope)] as [Term, Term]) }
    case 'template':
      return { ...t, parts: t.parts.map((p) => (typeof p === 'string' ? p : resolveTerm(p, scope))) }
    case 'call':
      return { ...t, name: resolveFuncName(t.name, scope), args: t.args.map((a) => resolveTerm(a, scope)) }
    case 'arraycompr':
    case 'setcompr':
    case 'objectcompr': {
      const inner = { ...scope, locals: new Set([...scope.locals, ...declaredVars(t.body)]) }
      const body = resolveBody(t.body, inner)
      if (t.t === 'objectcompr') return { ...t, key: resolveTerm(t.key, inner), value: resolveTerm(t.value, inner), body }
      return { ...t, term: resolveTerm(t.term, inner), body }
    }
  }
}

/** `f`, `lib.f`, `data.x.f` or a built-in such as `count` or `strings.replace_n`. */
export function resolveFuncName(name: string, scope: Scope): string {
  const parts = name.split('.')
  if (parts[0] === 'data') return name
  const g = scope.locals.has(parts[0]) ? undefined : globalFor(scope, parts[0], { file: '', row: 0, col: 0 })
  if (g && g.t === 'ref' && g.head.t === 'var' && g.path.every((p) => p.t === 'scalar' && p.v.type === 'string')) {
    return [g.head.name, ...g.path.map((p) => (p as { v: { value: string } }).v.value), ...parts.slice(1)].join('.')
  }
  return name
}

export function resolveBody(body: Expr[], scope: Scope): Expr[] {
  const inner = { ...scope, locals: new Set([...scope.locals, ...declaredVars(body)]) }
  return body.map((e) => resolveExpr(e, inner))
}

function resolveExpr(e: Expr, scope: Scope): Expr {
  const withs: With[] = e.with.map((w) => ({ ...w, target: resolveWithTarget(w.target, scope), value: resolveTerm(w.value, scope) }))
  const r = (t: Term): Term => resolveTerm(t, scope)
  switch (e.k) {
    case 'term':
      return { ...e, term: r(e.term), with: withs }
    case 'unify':
    case 'assign':
      return { ...e, lhs: r(e.lhs), rhs: r(e.rhs), with: withs }
    case 'some':
      return { ...e, with: withs }
    case 'somein':
      return { ...e, key: e.key && r(e.key), value: r(e.value), coll: r(e.coll), with: withs }
    case 'not':
      return { ...e, expr: resolveExpr(e.expr, scope), with: withs }
    case 'every': {
      const vars = new Set<string>()
      if (e.key) termVars(e.key, vars)
      termVars(e.value, vars)
      const inner = { ...scope, locals: new Set([...scope.locals, ...vars]) }
      return { ...e, coll: r(e.coll), body: resolveBody(e.body, inner), with: withs }
    }
  }
}

/** `with` targets keep `input`/`data` roots; a bare function name resolves like a call. */
function resolveWithTarget(t: Term, scope: Scope): Term {
  if (t.t === 'var' && t.name !== 'input' && t.name !== 'data') {
    const g = globalFor(scope, t.name, t.loc)
    return g ?? t
  }
  if (t.t === 'ref' && t.head.t === 'var' && t.head.name !== 'input' && t.head.name !== 'data') {
    const g = globalFor(scope, t.head.name, t.loc)
    if (g && g.t === 'ref') return { ...t, head: g.head, path: [...g.path, ...t.path] }
  }
  return t
}
