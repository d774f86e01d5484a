/**
 * OPA's JSON rendering of a parsed module, as returned by `rego.parse_module`. Terms become
 * `{type, value}`; calls and infix operators become `[ref(op), ...args]` like OPA's AST.
 */
import type { Expr, ModuleAst, RuleAst, Term } from '../ast.ts'
import { toJs } from '../value.ts'

type J = Record<string, unknown>

const ref = (name: string): J => ({
  type: 'ref',
  value: name.split('.').map((s, i) => (i === 0 ? { type: 'var', value: s } : { type: 'string', value: s })),
})

function term(t: Term): J {
  switch (t.t) {
    case 'scalar':
      return { type: t.v.type, value: toJs(t.v) }
    case 'var':
      return { type: 'var', value: t.name.startsWith('_$') ? '_' : t.name }
    case 'ref':
      return { type: 'ref', value: [term(t.head), ...t.path.map(term)] }
    case 'array':
      return { type: 'array', value: t.items.map(term) }
    case 'set':
      return { type: 'set', value: t.items.map(term) }
    case 'object':
      return { type: 'object', value: t.pairs.map(([k, v]) => [term(k), term(v)]) }
    case 'call':
      return { type: 'call', value: [ref(t.name), ...t.args.map(term)] }
    case 'arraycompr':
      return { type: 'arraycomprehension', value: { term: term(t.term), body: t.body.map(expr) } }
    case 'setcompr':
      return { type: 'setcomprehension', value: { term: term(t.term), body: t.body.map(expr) } }
    case 'objectcompr':
      return { type: 'objectcomprehension', value: { key: term(t.key), value: term(t.value), body: t.body.map(expr) } }
    case 'template':
      return { type: 'templatestring', value: t.parts.map((p) => (typeof p === 'string' ? { type: 'string', value: p } : term(p))) }
  }
}

function expr(e: Expr, index = 0): J {
  const out: J = { index }
  switch (e.k) {
    case 'term':
      out.terms = e.term.t === 'call' ? [ref(e.term.name), ...e.term.args.map(term)] : term(e.term)
      break
    case 'unify':
      out.terms = [ref('eq'), term(e.lhs), term(e.rhs)]
      break
    case 'assign':
      out.terms = [ref('assign'), term(e.lhs), term(e.rhs)]
      break
    case 'some':
      out.terms = { type: 'somedecl', value: e.vars.map(term) }
      break
    case 'somein':
      out.terms = { type: 'somedecl', value: [{ type: 'call', value: [ref(e.key ? 'internal.member_3' : 'internal.member_2'), ...(e.key ? [term(e.key)] : []), term(e.value), term(e.coll)] }] }
      break
    case 'every':
      out.terms = { type: 'every', value: { key: e.key ? term(e.key) : null, value: term(e.value), domain: term(e.coll), body: e.body.map(expr) } }
      break
    case 'not':
      Object.assign(out, expr(e.expr, index), { negated: true })
      break
  }
  if (e.with.length) out.with = e.with.map((w) => ({ target: term(w.target), value: term(w.value) }))
  return out
}

/** One expression as OPA renders it (`index`: its position in the body), e.g. for trace events. */
export function exprJson(e: Expr, index = 0): J {
  return expr(e, index)
}

function rule(r: RuleAst): J {
  const head: J = { name: r.ref.length === 1 && r.ref[0].t === 'var' ? r.ref[0].name : '', ref: r.ref.map(term) }
  if (r.args) head.args = r.args.map(term)
  if (r.key) head.key = term(r.key)
  head.value = r.value ? term(r.value) : { type: 'boolean', value: true }
  if (r.assign) head.assign = true
  const out: J = { head, body: r.body.length ? r.body.map((e, i) => expr(e, i)) : [{ index: 0, terms: { type: 'boolean', value: true } }] }
  if (r.isDefault) out.default = true
  if (r.elses.length) out.else = r.elses.map((el) => ({ head: { value: el.value ? term(el.value) : { type: 'boolean', value: true } }, body: el.body.map((e, i) => expr(e, i)) }))
  return out
}

export function moduleJson(m: ModuleAst): J {
  const out: J = {
    package: { path: [{ type: 'var', value: 'data' }, ...m.pkg.map((s) => ({ type: 'string', value: s }))] },
  }
  if (m.imports.length) out.imports = m.imports.map((i) => ({ path: term(i.path), ...(i.alias ? { alias: i.alias } : {}) }))
  if (m.rules.length) out.rules = m.rules.map(rule)
  return out
}
