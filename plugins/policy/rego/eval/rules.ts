/**
 * Virtual documents: evaluating rule nodes (complete, set, ref-head object rules, defaults and
 * `else` chains), merging them with base data and `with data...` overrides, and user functions.
 * A node's value is computed once per context and memoized.
 */
import type { Expr, Term } from '../ast.ts'
import type { CRule, RuleNode } from '../compiler/tree.ts'
import { RegoError, type Location } from '../errors.ts'
import { arr, equal, keyOf, obj, str, toJsonText, type Value } from '../value.ts'
import type { Ctx, Env, KV } from './context.ts'
import { DocBuilder, entriesOf, getKey, mergeBaseWins, upsert } from './docs.ts'
import type { Evaluator } from './evaluator.ts'
import { candidateRules } from './index-lookup.ts'
import { bodyHasOneSolution } from './solutions.ts'
import { directValue, isDirectValue } from './direct.ts'
import { DEEP, evaluateDependenciesFirst } from './dependencies.ts'
import { checkValueDepth } from './value-depth.ts'

const isPrefix = (a: readonly string[], b: readonly string[]): boolean => a.length <= b.length && a.every((s, i) => s === b[i])

/** Base data at `path` with the context's `with data...` overrides applied in order. */
export function baseAt(ev: Evaluator, path: readonly string[], ctx: Ctx): Value | undefined {
  let v: Value | undefined = ev.data
  for (const seg of path) {
    if (v === undefined) break
    v = getKey(v, str(seg))
  }
  for (const o of ctx.dataOverrides) {
    if (isPrefix(o.path, path)) {
      v = o.value
      for (const seg of path.slice(o.path.length)) v = v === undefined ? undefined : getKey(v, str(seg))
    } else if (isPrefix(path, o.path)) v = upsert(v, o.path.slice(path.length), o.value)
  }
  return v
}

function overridden(ctx: Ctx, path: readonly string[]): boolean {
  for (const o of ctx.dataOverrides) if (isPrefix(o.path, path)) return true
  return false
}

export function isFunctionNode(ev: Evaluator, path: readonly string[]): boolean {
  let node: RuleNode | undefined = ev.root
  for (const seg of path) {
    node = node.children.get(seg)
    if (!node) return false
  }
  return node.rules.some((r) => r.kind === 'func')
}

export function dataRoot(ev: Evaluator, ctx: Ctx): Value | undefined {
  return docAt(ev, ev.root, ctx)
}

/** Where walkData's descent through constant string keys ends for one ref: a pure function of the tree. */
interface Descent {
  root: RuleNode
  node: RuleNode | undefined
  segs: string[]
  i: number
  /** Off the tree (`node` undefined): base data at `segs`, for the data it was read from. */
  baseOf?: Value
  base?: Value
}

const descents = new WeakMap<readonly Term[], Descent>()

/**
 * `data.<path>` from the root. Without `with data...` overrides, the descent through constant
 * keys is the same on every evaluation, so it is done once per ref and remembered: rule refs
 * (`allow`, `data.lib.x`) are resolved to `data.` paths and are most refs of a policy.
 */
export function walkDataRef(ev: Evaluator, path: readonly Term[], env: Env, ctx: Ctx, k: KV): void {
  if (ctx.dataOverrides.length || path.length === 0) return walkData(ev, ev.root, [], path, 0, env, ctx, k)
  let d = descents.get(path)
  if (d === undefined || d.root !== ev.root) {
    let node: RuleNode | undefined = ev.root
    const segs: string[] = []
    let i = 0
    for (; node && !node.rules.length && i < path.length; i++) {
      const p = path[i]
      if (p.t !== 'scalar' || p.v.type !== 'string') break
      segs.push(p.v.value)
      node = node.children.get(p.v.value)
    }
    d = { root: ev.root, node, segs, i }
    descents.set(path, d)
  }
  if (d.node !== undefined) return walkData(ev, d.node, d.segs, path, d.i, env, ctx, k)
  // Base data such as `data.dyad.actions[x]`: the same data object answers the same way.
  if (d.baseOf !== ev.data) {
    d.base = baseAt(ev, d.segs, ctx)
    d.baseOf = ev.data
  }
  if (d.base !== undefined) ev.walk(d.base, path, d.i, env, ctx, k, true)
}

/** Walks `data` along `path[i..]` through the rule tree, falling back to base data off-tree. */
export function walkData(ev: Evaluator, node: RuleNode | undefined, segs: string[], path: readonly Term[], i: number, env: Env, ctx: Ctx, k: KV): void {
  if (!node || node.rules.length || i === path.length || (ctx.dataOverrides.length && overridden(ctx, segs))) {
    const v = node ? docAt(ev, node, ctx) : baseAt(ev, segs, ctx)
    if (v !== undefined) ev.walk(v, path, i, env, ctx, k, true)
    return
  }
  const p = path[i]
  // A constant key (the common `data.pkg.rule`) needs no evaluation and no closure.
  if (p.t === 'scalar') return walkDataKey(ev, node, segs, path, i, p.v, env, ctx, k)
  if (ev.isGround(p, env)) return ev.evalTerm(p, env, ctx, (key) => walkDataKey(ev, node, segs, path, i, key, env, ctx, k))
  // Iterate over the union of rule children and base keys.
  const keys = new Map<string, Value>()
  for (const [name, child] of node.children) if (!child.rules.some((r) => r.kind === 'func')) keys.set(keyOf(str(name)), str(name))
  const base = baseAt(ev, segs, ctx)
  if (base) for (const [key] of entriesOf(base)) keys.set(keyOf(key), key)
  for (const key of keys.values()) {
    ev.budget.tick()
    ev.unifyValue(p, key, env, ctx, () => walkDataKey(ev, node, segs, path, i, key, env, ctx, k))
  }
}

// A module-level function rather than a closure: tsx/esbuild's keepNames wraps every named
// closure in a defineProperty call, which cost a third of a small policy's decision time.
function walkDataKey(ev: Evaluator, node: RuleNode, segs: string[], path: readonly Term[], i: number, key: Value, env: Env, ctx: Ctx, k: KV): void {
  if (key.type === 'string') return walkData(ev, node.children.get(key.value), [...segs, key.value], path, i + 1, env, ctx, k)
  const base = baseAt(ev, segs, ctx)
  let child = base && getKey(base, key)
  if (child === undefined && base && key.type === 'number') child = getKey(base, str(toJsonText(key)))
  if (child !== undefined) ev.walk(child, path, i + 1, env, ctx, k, true)
}

/** A node's full document: rule values, children and base data, with overrides applied. */
export function docAt(ev: Evaluator, node: RuleNode, ctx: Ctx): Value | undefined {
  if (ctx.dataOverrides.length && overridden(ctx, node.path)) return baseAt(ev, node.path, ctx)
  const memo = ctx.memo.get(node.id)
  if (memo !== undefined || ctx.memo.has(node.id)) return memo
  if (ctx.inProgress.has(node.id)) {
    throw new RegoError('rego_recursion_error', `rule data.${node.path.join('.')} is recursive`, node.rules[0]?.loc)
  }
  if (ev.budget.depth >= DEEP && node.deps !== undefined && ev.tracer === null) evaluateDependenciesFirst(ev, node, ctx)
  ctx.inProgress.add(node.id)
  ev.budget.enter(node.rules[0]?.loc)
  try {
    let v = computeNode(ev, node, ctx)
    // Only deep evaluations can stack rule values into arbitrarily deep ones (value-depth.ts).
    if (v !== undefined && ev.budget.depth > DEEP) checkValueDepth(v, node.rules[0]?.loc)
    if (v !== undefined) {
      for (const o of ctx.dataOverrides) if (isPrefix(node.path, o.path) && o.path.length > node.path.length) v = upsert(v, o.path.slice(node.path.length), o.value)
    }
    ctx.memo.set(node.id, v)
    return v
  } finally {
    ev.budget.leave()
    ctx.inProgress.delete(node.id)
  }
}

interface Shape {
  func: boolean
  set: boolean
  plain: CRule[]
  dynamic: CRule[]
}

/** Per-node rule partition, computed once: with thousands of rules, re-filtering per query shows. */
const shapes = new WeakMap<RuleNode, Shape>()

function shapeOf(node: RuleNode): Shape {
  let s = shapes.get(node)
  if (!s) {
    const plain = node.rules.filter((r) => r.suffix.length === 0)
    s = {
      func: node.rules.some((r) => r.kind === 'func'),
      set: plain.some((r) => r.kind === 'set'),
      plain,
      dynamic: node.rules.filter((r) => r.suffix.length > 0),
    }
    shapes.set(node, s)
  }
  return s
}

function computeNode(ev: Evaluator, node: RuleNode, ctx: Ctx): Value | undefined {
  const rules = node.rules
  const { func, set, plain, dynamic } = shapeOf(node)
  if (func) return undefined
  if (set) return setRuleValue(ev, node, plain, ctx)
  if (plain.length) {
    const v = completeValue(ev, node, plain, ctx)
    if (v !== undefined || !dynamic.length) return v
  }
  const base = baseAt(ev, node.path, ctx)
  if (!dynamic.length && node.children.size === 0) return base ?? (node.pkg ? obj([]) : undefined)
  const b = base && base.type === 'object' ? DocBuilder.from(base) : new DocBuilder()
  for (const [name, child] of node.children) {
    const cv = docAt(ev, child, ctx)
    // Where base data and a rule define the same key, OPA keeps the base document.
    const bv = base && base.type === 'object' ? getKey(base, str(name)) : undefined
    if (bv !== undefined) {
      if (cv !== undefined) b.set(str(name), mergeBaseWins(bv, cv))
      continue
    }
    if (cv !== undefined) b.insert([str(name)], cv, child.rules[0]?.loc ?? rules[0]?.loc)
  }
  for (const r of dynamic) {
    forEachSolution(ev, r, ctx, (env) => {
      ev.evalList(r.suffix, env, ctx, (keys) => {
        if (r.kind === 'set') ev.evalTerm(r.key!, env, ctx, (m) => b.insert(keys, m, r.loc, true))
        else ev.evalTerm(r.value, env, ctx, (v) => b.insert(keys, v, r.loc))
      })
    })
  }
  return b.build()
}

/** Runs a rule's body once per solution with a fresh environment. */
function forEachSolution(ev: Evaluator, r: CRule, ctx: Ctx, k: (env: Env) => void): void {
  const env: Env = new Map()
  ev.ruleStack.push(r)
  try {
    ev.evalBody(r.body, 0, env, ctx, () => k(env))
  } finally {
    ev.ruleStack.pop()
  }
}

function setRuleValue(ev: Evaluator, node: RuleNode, rules: CRule[], ctx: Ctx): Value {
  const items = new Map<string, Value>()
  for (const r of candidateRules(ev, node, rules, ctx)) {
    if (r.kind !== 'set') continue
    forEachSolution(ev, r, ctx, (env) => ev.evalTerm(r.key!, env, ctx, (m) => void items.set(keyOf(m), m)))
  }
  return { type: 'set', items }
}

/** Values one rule (with its else chain) produces. */
function ruleValues(ev: Evaluator, r: CRule, ctx: Ctx): Value[] {
  const out: Value[] = []
  ev.ruleStack.push(r)
  try {
    // One environment for every clause: a clause without a solution leaves it empty again.
    const env: Env = new Map()
    for (let c = -1; c < r.elses.length && out.length === 0; c++) clauseValues(ev, c < 0 ? r : r.elses[c], env, ctx, out)
  } finally {
    ev.ruleStack.pop()
  }
  return out
}

/** Adds the values one clause (the rule's own or an else) produces to `out`. */
function clauseValues(ev: Evaluator, clause: { body: Expr[]; value: Term }, env: Env, ctx: Ctx, out: Value[]): void {
  const { body, value } = clause
  if (value.t === 'scalar') {
    // Early exit: a constant value cannot conflict with itself, so one solution is enough.
    const found = ctx.fnOverrides.size === 0 && bodyHasOneSolution(body, env, ev.builtins) ? ev.hasSolution(body, env, ctx) : ev.exists((k) => ev.evalBody(body, 0, env, ctx, k))
    if (found) out.push(value.v)
    return
  }
  ev.evalBody(body, 0, env, ctx, () => {
    if (ev.tracer === null && ctx.fnOverrides.size === 0 && isDirectValue(ev, value, env)) {
      const v = directValue(ev, value, env, ctx)
      if (v !== undefined && !out.some((x) => equal(x, v))) out.push(v)
      return
    }
    ev.evalTerm(value, env, ctx, (v) => {
      if (!out.some((x) => equal(x, v))) out.push(v)
    })
  })
}

function completeValue(ev: Evaluator, node: RuleNode, rules: CRule[], ctx: Ctx): Value | undefined {
  let result: Value | undefined
  let def: CRule | undefined
  for (const r of candidateRules(ev, node, rules, ctx)) {
    if (r.isDefault) {
      def = r
      continue
    }
    // Early exit, as OPA does: once the value is known, a rule that can only produce that same
    // constant (`allow if ...` after another allow succeeded) can neither change nor conflict.
    if (result !== undefined && r.value.t === 'scalar' && r.elses.length === 0 && equal(r.value.v, result)) continue
    for (const v of ruleValues(ev, r, ctx)) {
      if (result === undefined) result = v
      else if (!equal(result, v)) throw new RegoError('eval_conflict_error', 'complete rules must not produce multiple outputs', r.loc)
    }
  }
  if (result === undefined && def) ev.evalTerm(def.value, new Map(), ctx, (v) => (result = v))
  return result
}

export function callUserFunction(ev: Evaluator, name: string, args: Value[], ctx: Ctx, loc: Location): Value | undefined {
  const memoKey = name + '\u0000' + keyOf(arr(args))
  if (ctx.fnMemo.has(memoKey)) return ctx.fnMemo.get(memoKey)
  let node: RuleNode | undefined = ev.root
  for (const seg of name.split('.').slice(1)) node = node?.children.get(seg)
  if (!node) throw new RegoError('rego_type_error', `undefined function ${name}`, loc)
  ev.budget.enter(loc)
  let result: Value | undefined
  let def: CRule | undefined
  try {
    for (const r of node.rules) {
      if (r.kind !== 'func') continue
      if (r.isDefault) {
        def = r
        continue
      }
      const vals: Value[] = []
      // Each clause binds the parameters afresh, so patterns like f([a, b]) work per clause.
      const clauses = [{ body: r.body, value: r.value }, ...r.elses]
      ev.ruleStack.push(r)
      try {
        for (const c of clauses) {
          const env: Env = new Map()
          bindArgs(ev, r.args, args, 0, env, ctx, () =>
            ev.evalBody(c.body, 0, env, ctx, () =>
              ev.evalTerm(c.value, env, ctx, (v) => {
                if (!vals.some((x) => equal(x, v))) vals.push(v)
              }),
            ),
          )
          if (vals.length) break
        }
      } finally {
        ev.ruleStack.pop()
      }
      for (const v of vals) {
        if (result === undefined) result = v
        else if (!equal(result, v)) throw new RegoError('eval_conflict_error', 'functions must not produce multiple outputs for same inputs', r.loc)
      }
    }
    if (result === undefined && def) ev.evalTerm(def.value, new Map(), ctx, (v) => (result = v))
  } finally {
    ev.budget.leave()
  }
  ctx.fnMemo.set(memoKey, result)
  return result
}

function bindArgs(ev: Evaluator, params: Term[], args: Value[], i: number, env: Env, ctx: Ctx, k: () => void): void {
  if (i === params.length) return k()
  ev.unifyValue(params[i], args[i], env, ctx, () => bindArgs(ev, params, args, i + 1, env, ctx, k))
}

