/**
 * Publish-time checks of targeting rules: every object is one known operator, literal argument
 * counts fit, `$ref`s name an evaluator of `$evaluators` (and do not cycle) and are inlined, and
 * the inlined rule stays within the depth and size limits. The result is what evaluation runs.
 */
import { definitionError } from './errors.ts'
import { isPlainObject, pointer } from './json.ts'
import { FORBIDDEN_KEYS, LIMITS } from './limits.ts'
import { SEMVER_OPERATORS } from './operators.ts'
import { OPERATORS } from './targeting.ts'

export interface RuleScope {
  /** `$evaluators` as published (already checked to be a plain object). */
  evaluators: Record<string, unknown>
  /** Pointer of the rule being checked, where size limits are reported. */
  root: string
  /** Nodes the inlined rule may still have. */
  nodes: number
  /** Set when the rule may read `$flagd.timestamp` or reads the context by a computed path. */
  timeDependent: boolean
  /** Evaluators being inlined, outermost first (cycle detection). */
  inlining: string[]
}

const described = (ops: Iterable<string>) => [...ops].slice(0, 50).join(', ')

function readsClock(arg: unknown): boolean {
  const path = Array.isArray(arg) ? arg[0] : arg
  if (typeof path === 'number') return false
  if (typeof path !== 'string') return true
  return path === '' || path === '$flagd' || path.startsWith('$flagd.timestamp')
}

function checkArguments(op: string, arg: unknown, at: string) {
  const { min, max } = OPERATORS.get(op)!
  const n = Array.isArray(arg) ? arg.length : 1
  if (n < min || n > max) {
    const range = max === Infinity ? `at least ${min}` : min === max ? `${min}` : `${min} to ${max}`
    throw definitionError(at, `"${op}" takes ${range} argument${max === 1 ? '' : 's'}, not ${n}`)
  }
  if (op === 'sem_ver' && Array.isArray(arg) && typeof arg[1] === 'string' && !SEMVER_OPERATORS.has(arg[1])) {
    throw definitionError(pointer(at, 1), `"${arg[1]}" is not a sem_ver operator (${described(SEMVER_OPERATORS)})`)
  }
}

/** Checks one rule and returns it with `$ref`s inlined. Recursion is bounded by maxTargetingDepth. */
export function expandRule(node: unknown, at: string, scope: RuleScope, depth = 0): unknown {
  if (--scope.nodes < 0) throw definitionError(scope.root, `the rule has more than ${LIMITS.maxTargetingNodes} nodes once $refs are inlined`)
  if (node === null || typeof node === 'string' || typeof node === 'boolean') return node
  if (typeof node === 'number') {
    if (!Number.isFinite(node)) throw definitionError(at, 'numbers must be finite')
    return node
  }
  if (depth >= LIMITS.maxTargetingDepth) {
    throw definitionError(scope.root, `the rule is nested more than ${LIMITS.maxTargetingDepth} levels deep once $refs are inlined`)
  }
  if (Array.isArray(node)) return node.map((item, i) => expandRule(item, pointer(at, i), scope, depth + 1))
  if (!isPlainObject(node)) throw definitionError(at, 'not a JSON value')

  const keys = Object.keys(node)
  if (keys.length !== 1) throw definitionError(at, `a JsonLogic object holds exactly one operator, not ${keys.length} keys`)
  const op = keys[0]
  const arg = node[op]

  if (op === '$ref') {
    if (typeof arg !== 'string') throw definitionError(pointer(at, op), '$ref names an evaluator of $evaluators')
    if (FORBIDDEN_KEYS.has(arg) || !Object.hasOwn(scope.evaluators, arg)) throw definitionError(pointer(at, op), `no evaluator "${arg}" in $evaluators`)
    if (scope.inlining.includes(arg)) throw definitionError(pointer(at, op), `evaluator "${arg}" refers to itself (${[...scope.inlining, arg].join(' -> ')})`)
    scope.inlining.push(arg)
    // The evaluator's own text is where its problems are; its size counts toward the referring rule.
    const inlined = expandRule(scope.evaluators[arg], pointer('/$evaluators', arg), scope, depth)
    scope.inlining.pop()
    return inlined
  }
  if (!OPERATORS.has(op)) throw definitionError(pointer(at, op), `unknown operator "${op}"; targeting may use ${described(OPERATORS.keys())} and {"$ref": "<evaluator>"}`)
  checkArguments(op, arg, pointer(at, op))
  if (op === 'var' && readsClock(arg)) scope.timeDependent = true
  return { [op]: expandRule(arg, pointer(at, op), scope, depth + 1) }
}
