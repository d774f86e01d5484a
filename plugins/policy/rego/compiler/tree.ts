/**
 * The rule tree: one node per static path segment under `data`. A rule hangs on the node of its
 * longest static prefix; the rest of its head ref (starting at the first non-string term) is its
 * dynamic `suffix`, e.g. `p[q].r := i` hangs on `p` with suffix `[q, "r"]`.
 */
import type { Expr, ModuleAst, RuleKind, Term } from '../ast.ts'
import type { Location } from '../errors.ts'

export interface CElse { value: Term; body: Expr[] }

export interface CRule {
  /** Static path under data. */
  path: string[]
  suffix: Term[]
  kind: RuleKind
  args: Term[]
  key?: Term
  value: Term
  body: Expr[]
  elses: CElse[]
  isDefault: boolean
  module: ModuleAst
  annotations?: Record<string, unknown>
  loc: Location
}

export interface RuleNode {
  path: string[]
  children: Map<string, RuleNode>
  /** Rules hanging here (value rules, set rules, functions), defaults included. */
  rules: CRule[]
  /** Cached: does this node or any descendant carry rules? */
  virtual: boolean
  id: number
  /** A package declared here: its document exists (`{}`) even without rules. */
  pkg?: boolean
  /** Equality index over `rules` (see compiler/indexer.ts). */
  index?: RuleIndex
  /**
   * Rule nodes this node's rules read through static `data` refs and calls (over-approximated at
   * dynamic keys), set by the recursion check; eval/dependencies.ts evaluates them first.
   */
  deps?: RuleNode[]
}

export interface RuleIndex {
  /** The indexed `input` path. */
  path: string[]
  /** keyOf(constant) -> rules whose first expression is `input.<path> == constant`. */
  map: Map<string, CRule[]>
  /** The node's other value rules (defaults included): always evaluated. */
  always: CRule[]
}

let nextId = 0

export function newNode(path: string[]): RuleNode {
  return { path, children: new Map(), rules: [], virtual: false, id: nextId++ }
}

export function insertRule(root: RuleNode, rule: CRule): RuleNode {
  let node = root
  for (const seg of rule.path) {
    let c = node.children.get(seg)
    if (!c) {
      c = newNode([...node.path, seg])
      node.children.set(seg, c)
    }
    node.virtual = true
    node = c
  }
  node.virtual = true
  node.rules.push(rule)
  return node
}

/** Creates the nodes for a package path and marks the last one as a package. */
export function ensurePackage(root: RuleNode, path: readonly string[]): void {
  let node = root
  for (const seg of path) {
    let c = node.children.get(seg)
    if (!c) {
      c = newNode([...node.path, seg])
      node.children.set(seg, c)
    }
    node = c
  }
  node.pkg = true
}

export function findNode(root: RuleNode, path: readonly string[]): RuleNode | undefined {
  let node: RuleNode | undefined = root
  for (const seg of path) {
    node = node.children.get(seg)
    if (!node) return undefined
  }
  return node
}
