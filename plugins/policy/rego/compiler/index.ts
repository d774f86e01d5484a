/**
 * Compiles parsed modules into a rule tree ready for evaluation: resolves names, orders bodies
 * for safety, and runs whole-program checks. All errors are collected and thrown together.
 */
import type { Expr, ModuleAst, RuleAst, Term } from '../ast.ts'
import { RegoError, RegoErrors } from '../errors.ts'
import { parseModule, parseQuery } from '../parser/module.ts'
import { isStackOverflow, MAX_NESTING } from '../parser/stream.ts'
import { TRUE } from '../value.ts'
import { checkCalls, checkNode, checkRecursion, type FuncInfo } from './checks.ts'
import { foldConstant } from './fold.ts'
import { buildIndexes } from './indexer.ts'
import { moduleScope, resolveBody, resolveTerm, type Scope } from './resolve.ts'
import { checkHead, orderBody, orderHeadTerm, refOutputs, UnsafeErrors, type SafetyEnv } from './safety.ts'
import { ensurePackage, findNode, insertRule, newNode, type CRule, type RuleNode } from './tree.ts'
import { bySource, checkQueryTypes, checkTypes } from './typecheck.ts'
import { declaredVars, isWildcard, termVars } from './vars.ts'

export interface CompiledModules {
  root: RuleNode
  modules: ModuleAst[]
  rules: CRule[]
}

/**
 * The parser bounds nesting (parser/stream.ts MAX_NESTING) so that the recursive passes below fit
 * the stack with a wide margin; should a caller already be deep in the stack, the overflow still
 * becomes a compile error (a 400), never a RangeError.
 */
function guardStack<T>(compile: () => T): T {
  try {
    return compile()
  } catch (e) {
    if (isStackOverflow(e)) throw new RegoErrors([new RegoError('rego_compile_error', `policy nested too deeply to compile (terms may nest at most ${MAX_NESTING} levels)`)])
    throw e
  }
}

export function compileModuleSources(files: Record<string, string>, info: FuncInfo): CompiledModules {
  return guardStack(() => compileSources(files, info))
}

function compileSources(files: Record<string, string>, info: FuncInfo): CompiledModules {
  const errs: RegoError[] = []
  const modules: ModuleAst[] = []
  for (const [file, src] of Object.entries(files)) {
    try {
      modules.push(parseModule(file, src))
    } catch (e) {
      if (e instanceof RegoError) errs.push(e)
      else throw e
    }
  }
  if (errs.length) throw new RegoErrors(errs)
  const root = newNode([])
  const rules: CRule[] = []
  // User function arities are needed before bodies are ordered (a call may carry an output arg).
  const userArity = new Map<string, number>()
  for (const mod of modules) {
    for (const r of mod.rules) {
      if (!r.args || r.ref[0].t !== 'var') continue
      const names = r.ref.slice(1).map((t) => (t.t === 'scalar' && t.v.type === 'string' ? t.v.value : '?'))
      userArity.set(['data', ...mod.pkg, r.ref[0].name, ...names].join('.'), r.args.length)
    }
  }
  const env: SafetyEnv = { arity: (n) => (n.startsWith('data.') ? userArity.get(n) : info.arity(n)) }
  for (const mod of modules) {
    ensurePackage(root, mod.pkg)
    const scope = moduleScope(mod)
    for (const r of mod.rules) {
      try {
        const cr = compileRule(r, mod, scope, env)
        rules.push(cr)
        insertRule(root, cr)
      } catch (e) {
        collectError(e, errs)
      }
    }
  }
  checkNode(root, errs)
  checkCalls(root, rules, info, errs)
  checkRecursion(root, errs)
  errs.push(...checkTypes(rules))
  if (errs.length) throw new RegoErrors(errs.sort(bySource))
  buildIndexes(root)
  return { root, modules, rules }
}

function collectError(e: unknown, errs: RegoError[]): void {
  if (e instanceof RegoError) errs.push(e)
  else if (e instanceof UnsafeErrors) errs.push(...e.errors)
  else throw e
}

function compileRule(r: RuleAst, mod: ModuleAst, modScope: Scope, env: SafetyEnv): CRule {
  const argVars = new Set<string>()
  for (const a of r.args ?? []) termVars(a, argVars)
  const scope: Scope = { ...modScope, locals: new Set([...argVars, ...declaredVars(r.body)]) }
  // Like OPA, non-var parameters become fresh vars unified in the body, so patterns and even
  // template strings in parameters are ordered with the rest of the body.
  const params = (r.args ?? []).map((a, i) => (a.t === 'var' ? a : ({ t: 'var', name: `__arg${i}`, loc: a.loc } as Term)))
  const paramExprs: Expr[] = (r.args ?? []).flatMap((a, i) => (a.t === 'var' ? [] : [{ k: 'unify', lhs: params[i], rhs: a, with: [], loc: a.loc } as Expr]))
  const paramVars = new Set(params.map((p) => (p as { name: string }).name))
  r = { ...r, args: params, body: [...paramExprs, ...r.body], elses: r.elses.map((el) => ({ ...el, body: [...paramExprs, ...el.body] })) }
  const name = r.ref[0].t === 'var' ? r.ref[0].name : ''
  const path = [...mod.pkg, name]
  const refTail = r.ref.slice(1).map((t) => resolveTerm(t, scope))
  let i = 0
  while (i < refTail.length && refTail[i].t === 'scalar' && (refTail[i] as { v: { type: string } }).v.type === 'string') {
    path.push((refTail[i] as { v: { value: string } }).v.value)
    i++
  }
  const suffix = refTail.slice(i)
  const resolved = resolveBody(r.body, { ...scope, locals: argVars })
  const { body, bound } = orderBody(resolved, paramVars, new Set(), env)
  const headVars = new Set<string>()
  for (const t of suffix) termVars(t, headVars, true)
  if (r.key) termVars(r.key, headVars, true)
  const value0 = r.value ? resolveTerm(r.value, scope) : ({ t: 'scalar', v: TRUE, loc: r.loc } as Term)
  termVars(value0, headVars, true)
  const outs = new Set<string>()
  for (const t of [...suffix, ...(r.key ? [r.key] : []), value0]) refOutputs(t, outs)
  for (const v of outs) headVars.delete(v)
  if (r.isDefault && headVars.size) throw new RegoError('rego_compile_error', `default rule ${['data', ...path].join('.')} value cannot contain variables`, r.loc)
  checkHead(headVars, bound, r.loc)
  const fix = (t: Term): Term => orderHeadTerm(t, bound, env)
  const elses = r.elses.map((el) => {
    const elScope: Scope = { ...modScope, locals: new Set([...argVars, ...declaredVars(el.body)]) }
    const ordered = orderBody(resolveBody(el.body, { ...elScope, locals: argVars }), paramVars, new Set(), env)
    // OPA: an `else` without a value means `true`, not the head's value.
    const v = el.value ? resolveTerm(el.value, elScope) : ({ t: 'scalar', v: TRUE, loc: el.loc } as Term)
    const elVars = termVars(v, new Set(), true)
    const elOuts = new Set<string>()
    refOutputs(v, elOuts)
    for (const x of elOuts) elVars.delete(x)
    checkHead(elVars, ordered.bound, el.loc)
    return { value: foldConstant(orderHeadTerm(v, ordered.bound, env)), body: ordered.body }
  })
  return {
    path,
    suffix: suffix.map(fix),
    kind: r.kind,
    args: r.args ?? [],
    key: r.key && fix(resolveTerm(r.key, scope)),
    value: foldConstant(fix(value0)),
    body,
    elses,
    isDefault: r.isDefault,
    module: mod,
    annotations: r.annotations,
    loc: r.loc,
  }
}

export interface CompiledQuery {
  body: Expr[]
  /** The query's own variables, in order of appearance (wildcards excluded). */
  vars: string[]
}

export function compileQuery(src: string, info: FuncInfo, root?: RuleNode, file = 'query'): CompiledQuery {
  return guardStack(() => compileQueryText(src, info, root, file))
}

function compileQueryText(src: string, info: FuncInfo, root: RuleNode | undefined, file: string): CompiledQuery {
  let parsed: Expr[]
  try {
    parsed = parseQuery(src, file)
  } catch (e) {
    if (e instanceof RegoError) throw new RegoErrors([e])
    throw e
  }
  const scope: Scope = { pkg: [], ruleNames: new Set(), imports: new Map(), locals: new Set() }
  const resolved = resolveBody(parsed, scope)
  const env: SafetyEnv = {
    arity: (n) => (n.startsWith('data.') ? (root && findNode(root, n.split('.').slice(1))?.rules.find((r) => r.kind === 'func')?.args.length) : info.arity(n)),
  }
  let body: Expr[]
  try {
    body = orderBody(resolved, new Set(), new Set(), env).body
  } catch (e) {
    const errs: RegoError[] = []
    collectError(e, errs)
    throw new RegoErrors(errs)
  }
  const typeErrs = checkQueryTypes(body)
  if (typeErrs.length) throw new RegoErrors(typeErrs)
  const vars = new Set<string>()
  for (const e of parsed) queryVars(e, vars)
  return { body, vars: [...vars].filter((v) => !isWildcard(v) && v !== 'input' && v !== 'data') }
}

function queryVars(e: Expr, out: Set<string>): void {
  if (e.k === 'term') termVars(e.term, out, true)
  else if (e.k === 'unify' || e.k === 'assign') termVars(e.lhs, out, true), termVars(e.rhs, out, true)
  else if (e.k === 'somein') (e.key && termVars(e.key, out, true), termVars(e.value, out, true), termVars(e.coll, out, true))
  else if (e.k === 'some') for (const v of e.vars) termVars(v, out, true)
}
