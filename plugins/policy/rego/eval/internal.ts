/**
 * Built-ins that need the evaluator itself rather than values alone: `print`/`trace` (notes)
 * and `rego.metadata.rule`/`rego.metadata.chain` (the rule being evaluated).
 */
import type { Term } from '../ast.ts'
import type { CRule } from '../compiler/tree.ts'
import { arr, fromJs, obj, str, TRUE, type Value } from '../value.ts'
import type { Ctx, Env, KV } from './context.ts'
import type { Evaluator } from './evaluator.ts'
import { interpolationText } from './format.ts'
import { moduleJson } from './ast-json.ts'
import { parseModule } from '../parser/module.ts'
import { RegoError } from '../errors.ts'

/** Name -> arity (-1: variadic). */
export const INTERNAL: ReadonlyMap<string, number> = new Map([
  ['print', -1],
  ['internal.print', 1],
  ['trace', 1],
  ['rego.metadata.rule', 0],
  ['rego.metadata.chain', 0],
  ['rego.parse_module', 2],
])

export function callInternal(ev: Evaluator, name: string, t: Term & { t: 'call' }, env: Env, ctx: Ctx, k: KV): void {
  switch (name) {
    case 'print':
    case 'internal.print': {
      // print never fails: undefined arguments print as <undefined>.
      const parts = t.args.map((a) => {
        const vals: string[] = []
        ev.evalTerm(a, env, ctx, (v) => void vals.push(interpolationText(v)))
        return vals.length ? vals.join(' ') : '<undefined>'
      })
      const text = parts.join(' ')
      ev.notes.push(text)
      if (ev.tracer !== null) ev.tracer.note(text, t.loc, env)
      return k(TRUE)
    }
    case 'trace':
      return ev.evalTerm(t.args[0], env, ctx, (v) => {
        const text = interpolationText(v)
        ev.notes.push(text)
        if (ev.tracer !== null) ev.tracer.note(text, t.loc, env)
        k(TRUE)
      })
    case 'rego.metadata.rule': {
      const r = ev.ruleStack[ev.ruleStack.length - 1]
      const a = r?.annotations
      return k(a && a.scope === 'rule' ? annotationValue(a) : obj([]))
    }
    case 'rego.metadata.chain':
      return k(chain(ev, ev.ruleStack[ev.ruleStack.length - 1]))
    case 'rego.parse_module':
      // Lives here rather than in builtins/ because it needs the parser.
      return ev.evalList(t.args.slice(0, 2), env, ctx, ([file, src]) => {
        if (file.type !== 'string' || src.type !== 'string') {
          if (ev.strict) throw new RegoError('eval_type_error', 'rego.parse_module: operands must be strings', t.loc)
          return
        }
        let mod
        try {
          mod = parseModule(file.value, src.value)
        } catch (e) {
          if (!(e instanceof RegoError)) throw e
          if (ev.strict) throw new RegoError('eval_builtin_error', `rego.parse_module: 1 error occurred: ${e.message}`, t.loc)
          return
        }
        const v = fromJs(moduleJson(mod))
        if (t.args.length > 2) ev.unifyValue(t.args[2], v, env, ctx, () => k(TRUE))
        else k(v)
      })
  }
}

function chain(ev: Evaluator, r: CRule | undefined): Value {
  if (!r) return arr([])
  const out: Value[] = []
  const entry = (path: string[], a?: Record<string, unknown>): Value =>
    obj([[str('path'), arr(path.map(str))] as const, ...(a ? [[str('annotations'), annotationValue(a)] as const] : [])])
  const rulePath = [...r.path]
  out.push(entry(rulePath, r.annotations && r.annotations.scope === 'rule' ? r.annotations : undefined))
  let node = ev.root
  for (const seg of r.path) node = node.children.get(seg) ?? node
  for (const other of node.rules) if (other.annotations?.scope === 'document') out.push(entry(rulePath, other.annotations))
  const pkg = r.module.pkg
  const seen = new Set<unknown>()
  for (let len = pkg.length; len >= 0; len--) {
    const prefix = pkg.slice(0, len)
    for (const m of allModules(ev, r)) {
      if (m.pkg.join('.') !== prefix.join('.')) continue
      for (const a of m.annotations) {
        if (seen.has(a)) continue
        if (a.scope === 'package' && len === pkg.length) out.push(entry(['', ...prefix].slice(1), a)), seen.add(a)
        if (a.scope === 'subpackages') out.push(entry(prefix, a)), seen.add(a)
      }
    }
  }
  return arr(out)
}

function allModules(ev: Evaluator, r: CRule): Array<CRule['module']> {
  const mods = new Set<CRule['module']>([r.module, ...ev.modules])
  const visit = (n: typeof ev.root): void => {
    for (const x of n.rules) mods.add(x.module)
    for (const c of n.children.values()) visit(c)
  }
  visit(ev.root)
  return [...mods]
}

/** OPA normalises authors ("Name <email>") and related resources (bare URLs) into objects. */
function annotationValue(a: Record<string, unknown>): Value {
  const norm: Record<string, unknown> = { ...a }
  if (Array.isArray(a.authors)) {
    norm.authors = a.authors.map((x) => {
      if (typeof x !== 'string') return x
      const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(x)
      return m ? (m[1] ? { name: m[1], email: m[2] } : { email: m[2] }) : { name: x.trim() }
    })
  }
  if (Array.isArray(a.related_resources)) {
    norm.related_resources = a.related_resources.map((x) => (typeof x === 'string' ? { ref: x } : x))
  }
  return fromJs(norm)
}
