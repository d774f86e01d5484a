/**
 * Which rules depend on the unknown (`input.document`): those reading it, reading the whole
 * `input`, or reading (transitively) a rule that does. Everything else is evaluated by the normal
 * engine with the known input; only dependent rules are inlined by the partial evaluator. The
 * analysis over-approximates (a dynamic `data` key reaches every rule below it), which can only
 * turn a known rule into an inlined or unsupported one, never give a wrong condition.
 */
import type { Expr, Term } from '../rego/ast.ts'
import { forEachRuleTerm } from '../rego/compiler/checks.ts'
import type { CRule, RuleNode } from '../rego/compiler/tree.ts'
import { TRUE } from '../rego/value.ts'

export interface UnknownRef {
  /** Segments after `input`, e.g. ['document']. */
  path: string[]
}

/** How a term reaches the unknown: a ref under it, the whole input, or nothing. */
function inputRefKind(t: Term & { t: 'ref' }, unknown: UnknownRef): 'none' | 'unknown' {
  for (let i = 0; i < unknown.path.length; i++) {
    if (i === t.path.length) return 'unknown' // a prefix of the unknown contains it
    const p = t.path[i]
    if (p.t !== 'scalar') return 'unknown' // a dynamic key may select it
    if (p.v.type !== 'string' || p.v.value !== unknown.path[i]) return 'none'
  }
  return 'unknown'
}

/** Calls `f` for every term of a rule-like thing, telling whether it reads the unknown directly. */
function visit(r: CRule, unknown: UnknownRef, onData: (t: Term) => void): boolean {
  let direct = false
  const heads = new WeakSet<Term>()
  forEachRuleTerm(r, (t) => {
    if (t.t === 'ref' && t.head.t === 'var') {
      heads.add(t.head)
      if (t.head.name === 'input' && inputRefKind(t, unknown) === 'unknown') direct = true
      if (t.head.name === 'data') onData(t)
    } else if (t.t === 'var' && !heads.has(t)) {
      if (t.name === 'input') direct = true
      if (t.name === 'data') onData({ t: 'ref', head: t, path: [], loc: t.loc })
    } else if (t.t === 'call' && t.name.startsWith('data.')) onData(t)
  })
  return direct
}

/** Rule nodes a data ref or a user-function call can reach (string keys pick a child, others any). */
export function reachedNodes(root: RuleNode, t: Term, out: Set<RuleNode>): void {
  const path: Term[] =
    t.t === 'call' ? t.name.split('.').slice(1).map((s) => ({ t: 'scalar', v: { type: 'string', value: s }, loc: t.loc }) as Term) : t.t === 'ref' ? t.path : []
  // Explicit stack: rule trees can be wide and deep.
  const stack: Array<[RuleNode, number]> = [[root, 0]]
  while (stack.length) {
    const [node, i] = stack.pop()!
    if (node.rules.length) {
      out.add(node)
      continue
    }
    const p = path[i]
    if (i >= path.length || p.t !== 'scalar') {
      for (const c of node.children.values()) stack.push([c, i >= path.length ? i : i + 1])
      continue
    }
    if (p.v.type !== 'string') continue
    const c = node.children.get(p.v.value)
    if (c) stack.push([c, i + 1])
  }
}

const asRule = (body: Expr[]): CRule =>
  ({ path: [], suffix: [], kind: 'complete', args: [], value: { t: 'scalar', v: TRUE, loc: body[0]?.loc }, body, elses: [], isDefault: false }) as unknown as CRule

export class Dependence {
  readonly #dependent = new Set<RuleNode>()

  constructor(
    readonly root: RuleNode,
    readonly unknown: UnknownRef,
  ) {
    // Direct readers first, then everything that reads them, through the reverse of the
    // compiler's static dependency edges (RuleNode.deps), breadth first.
    const nodes: RuleNode[] = []
    const stack = [root]
    while (stack.length) {
      const n = stack.pop()!
      if (n.rules.length) nodes.push(n)
      for (const c of n.children.values()) stack.push(c)
    }
    const readers = new Map<RuleNode, RuleNode[]>()
    const queue: RuleNode[] = []
    for (const n of nodes) {
      for (const d of n.deps ?? []) {
        let l = readers.get(d)
        if (!l) readers.set(d, (l = []))
        l.push(n)
      }
      if (n.rules.some((r) => visit(r, unknown, () => {}))) queue.push(n), this.#dependent.add(n)
    }
    while (queue.length) {
      for (const r of readers.get(queue.pop()!) ?? []) {
        if (!this.#dependent.has(r)) this.#dependent.add(r), queue.push(r)
      }
    }
  }

  nodeDepends(n: RuleNode): boolean {
    return this.#dependent.has(n)
  }

  /** Whether an expression (of a body being partially evaluated) reads the unknown or a dependent rule. */
  exprDepends(e: Expr, symbolic: ReadonlySet<string>): boolean {
    const reached = new Set<RuleNode>()
    if (visit(asRule([e]), this.unknown, (t) => reachedNodes(this.root, t, reached))) return true
    for (const n of reached) if (this.#dependent.has(n)) return true
    if (symbolic.size === 0) return false
    let sym = false
    forEachRuleTerm(asRule([e]), (t) => {
      if (t.t === 'var' && symbolic.has(t.name)) sym = true
    })
    return sym
  }
}
