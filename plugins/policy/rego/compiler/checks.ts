/**
 * Whole-program checks run after every rule is in the tree: conflicting rule kinds, duplicate
 * defaults, undefined functions and arity, and recursion (OPA forbids any cycle between rules).
 */
import type { Expr, Term } from '../ast.ts'
import { RegoError } from '../errors.ts'
import { findNode, type CRule, type RuleNode } from './tree.ts'

export interface FuncInfo {
  arity(name: string): number | undefined
}

const dotted = (path: string[]): string => ['data', ...path].join('.')

export function checkNode(node: RuleNode, errs: RegoError[]): void {
  const rules = node.rules
  if (rules.length) {
    const kinds = new Set(rules.map((r) => (r.kind === 'func' ? 'func' : r.suffix.length ? 'multi' : r.kind)))
    const funcs = kinds.has('func')
    if ((funcs && kinds.size > 1) || (kinds.has('set') && kinds.has('complete'))) {
      errs.push(new RegoError('rego_type_error', `conflicting rules ${dotted(node.path)} found`, rules[0].loc))
    }
    const defaults = rules.filter((r) => r.isDefault)
    if (defaults.length > 1) errs.push(new RegoError('rego_type_error', `multiple default rules ${dotted(node.path)} found`, defaults[1].loc))
    const arities = new Set(rules.filter((r) => r.kind === 'func').map((r) => r.args.length))
    if (arities.size > 1) errs.push(new RegoError('rego_type_error', `conflicting rules ${dotted(node.path)} found`, rules[0].loc))
  }
  for (const c of node.children.values()) checkNode(c, errs)
}

export function forEachRuleTerm(r: CRule, f: (t: Term) => void): void {
  const visitTerm = (t: Term): void => {
    f(t)
    switch (t.t) {
      case 'ref':
        visitTerm(t.head), t.path.forEach(visitTerm)
        break
      case 'array':
      case 'set':
        t.items.forEach(visitTerm)
        break
      case 'object':
        t.pairs.forEach(([k, v]) => (visitTerm(k), visitTerm(v)))
        break
      case 'call':
        t.args.forEach(visitTerm)
        break
      case 'template':
        t.parts.forEach((p) => typeof p !== 'string' && visitTerm(p))
        break
      case 'arraycompr':
      case 'setcompr':
        visitTerm(t.term), t.body.forEach(visitExpr)
        break
      case 'objectcompr':
        visitTerm(t.key), visitTerm(t.value), t.body.forEach(visitExpr)
        break
    }
  }
  const visitExpr = (e: Expr): void => {
    for (const w of e.with) visitTerm(w.target), visitTerm(w.value)
    switch (e.k) {
      case 'term':
        visitTerm(e.term)
        break
      case 'unify':
      case 'assign':
        visitTerm(e.lhs), visitTerm(e.rhs)
        break
      case 'some':
        break
      case 'somein':
        if (e.key) visitTerm(e.key)
        visitTerm(e.value), visitTerm(e.coll)
        break
      case 'every':
        if (e.key) visitTerm(e.key)
        visitTerm(e.value), visitTerm(e.coll), e.body.forEach(visitExpr)
        break
      case 'not':
        visitExpr(e.expr)
        break
    }
  }
  r.suffix.forEach(visitTerm)
  r.args.forEach(visitTerm)
  if (r.key) visitTerm(r.key)
  visitTerm(r.value)
  r.body.forEach(visitExpr)
  for (const el of r.elses) visitTerm(el.value), el.body.forEach(visitExpr)
}

/** Static `data` prefix of a ref or call name. */
export function staticDataPrefix(t: Term): string[] | undefined {
  if (t.t === 'call') return t.name.startsWith('data.') ? t.name.split('.').slice(1) : undefined
  if (t.t !== 'ref' || t.head.t !== 'var' || t.head.name !== 'data') return undefined
  const out: string[] = []
  for (const p of t.path) {
    // A constant non-string key (data[2]) can only address base data, never a rule.
    if (p.t === 'scalar' && p.v.type !== 'string') return undefined
    if (p.t !== 'scalar' || p.v.type !== 'string') break
    out.push(p.v.value)
  }
  return out
}

export function checkCalls(root: RuleNode, rules: CRule[], info: FuncInfo, errs: RegoError[]): void {
  for (const r of rules) {
    forEachRuleTerm(r, (t) => {
      if (t.t !== 'call') return
      if (t.name.startsWith('data.')) {
        const node = findNode(root, t.name.split('.').slice(1))
        const fn = node?.rules.find((x) => x.kind === 'func')
        if (!fn) {
          errs.push(new RegoError('rego_type_error', `undefined function ${t.name}`, t.loc))
          return
        }
        if (t.args.length !== fn.args.length && t.args.length !== fn.args.length + 1) {
          errs.push(new RegoError('rego_type_error', `function ${t.name} has arity ${fn.args.length}, got ${t.args.length} arguments`, t.loc))
        }
        return
      }
      const ar = info.arity(t.name)
      if (ar === undefined) errs.push(new RegoError('rego_type_error', `undefined function ${t.name}`, t.loc))
      else if (ar >= 0 && t.args.length !== ar && t.args.length !== ar + 1) {
        errs.push(new RegoError('rego_type_error', `function ${t.name} has arity ${ar}, got ${t.args.length} arguments`, t.loc))
      }
    })
  }
}

/** Rule nodes a rule reads: the first rule-carrying node on each static data ref, or every rule node under it. */
function deps(root: RuleNode, r: CRule): Set<RuleNode> {
  const out = new Set<RuleNode>()
  forEachRuleTerm(r, (t) => {
    if (t.t === 'call') {
      const prefix = staticDataPrefix(t)
      if (prefix) matchRef(root, prefix.map((s) => ({ t: 'scalar', v: { type: 'string', value: s }, loc: t.loc }) as Term), 0, out)
    } else if (t.t === 'ref' && t.head.t === 'var' && t.head.name === 'data') matchRef(root, t.path, 0, out)
  })
  return out
}

/** Rule nodes a data ref can reach: string keys pick a child, other keys any child. */
function matchRef(node: RuleNode, path: readonly Term[], i: number, out: Set<RuleNode>): void {
  if (node.rules.length) {
    out.add(node)
    return
  }
  if (i === path.length) return collect(node, out)
  const p = path[i]
  if (p.t === 'scalar') {
    if (p.v.type !== 'string') return
    const c = node.children.get(p.v.value)
    if (c) matchRef(c, path, i + 1, out)
    return
  }
  for (const c of node.children.values()) matchRef(c, path, i + 1, out)
}

function collect(n: RuleNode, out: Set<RuleNode>): void {
  if (n.rules.length) out.add(n)
  for (const c of n.children.values()) collect(c, out)
}

export function checkRecursion(root: RuleNode, errs: RegoError[]): void {
  const all = new Set<RuleNode>()
  collect(root, all)
  const nodes = [...all]
  const graph = new Map<RuleNode, Set<RuleNode>>()
  for (const n of nodes) {
    const d = new Set<RuleNode>()
    for (const r of n.rules) for (const x of deps(root, r)) d.add(x)
    graph.set(n, d)
  }
  for (const [n, d] of graph) n.deps = [...d]
  // Depth-first with an explicit stack: a chain of thousands of rules must not need as many frames.
  const state = new Map<RuleNode, 1 | 2>()
  const reported = new Set<RuleNode>()
  for (const start of nodes) {
    if (state.has(start)) continue
    const stack: RuleNode[] = [start]
    const pending = [graph.get(start)!.values()]
    state.set(start, 1)
    while (stack.length) {
      const next = pending[pending.length - 1].next()
      if (next.done) {
        state.set(stack.pop()!, 2)
        pending.pop()
        continue
      }
      const d = next.value
      if (state.get(d) === 1) {
        if (!reported.has(d)) {
          reported.add(d)
          const cycle = stack.slice(stack.indexOf(d)).map((x) => dotted(x.path))
          errs.push(new RegoError('rego_recursion_error', `rule ${dotted(d.path)} is recursive: ${[...cycle, dotted(d.path)].join(' -> ')}`, d.rules[0].loc))
        }
      } else if (!state.has(d)) {
        state.set(d, 1)
        stack.push(d)
        pending.push(graph.get(d)!.values())
      }
    }
  }
}
