/**
 * Data filtering: a Rego rule partially evaluated with one unknown (`input.document`) into an
 * AccessCondition (src/contracts/filter.ts). See partial.ts for the method and residual.ts for
 * the supported shapes.
 */
import type { AccessCondition } from '../../../src/contracts/filter.ts'
import { openEvaluation, RegoError, type BudgetOptions, type CompiledPolicy } from '../rego/index.ts'
import type { RuleNode } from '../rego/compiler/tree.ts'
import { fromJs, obj, type Value } from '../rego/value.ts'
import { PolicyErrors } from '../errors.ts'
import { ConditionTooLarge } from './condition.ts'
import { Dependence } from './dependence.ts'
import { PartialEvaluator } from './partial.ts'

/** Default bound on the condition's nodes plus listed values (and the intermediate ones). */
export const DEFAULT_MAX_NODES = 50_000

export interface PartialRequest {
  /** Rule path under data, e.g. ['dyad', 'rag', 'read']. */
  path: string[]
  /** The known input; whatever it holds at the unknown's path is ignored. */
  input: unknown
  /** The unknown, e.g. 'input.document'. */
  unknown: string
  budget?: BudgetOptions
  maxNodes?: number
}

const dependenceCache = new WeakMap<RuleNode, Map<string, Dependence>>()

function dependence(root: RuleNode, path: string[]): Dependence {
  let m = dependenceCache.get(root)
  if (!m) dependenceCache.set(root, (m = new Map()))
  const key = JSON.stringify(path)
  let d = m.get(key)
  if (!d) m.set(key, (d = new Dependence(root, { path })))
  return d
}

/** `input.document` -> ['document']; only refs under input with plain keys are unknowns here. */
export function parseUnknown(ref: string): string[] {
  const parts = ref.split('.')
  if (parts[0] !== 'input' || parts.length < 2 || parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) {
    throw PolicyErrors.invalidParameter(`unknown ${JSON.stringify(ref)} must be a ref under input such as input.document`)
  }
  return parts.slice(1)
}

/** The known input with the unknown's path removed, so nothing in it can stand in for the unknown. */
function withoutUnknown(input: unknown, path: string[]): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input
  const [first, ...rest] = path
  if (!(first in (input as object))) return input
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) }
  if (rest.length === 0) delete copy[first]
  else copy[first] = withoutUnknown(copy[first], rest)
  return copy
}

export function compileCondition(policy: CompiledPolicy, data: Value | undefined, req: PartialRequest): AccessCondition {
  const unknown = parseUnknown(req.unknown)
  const input = req.input === undefined ? undefined : fromJs(withoutUnknown(req.input, unknown))
  const { ev, ctx, budget } = openEvaluation(policy, { input, data: data ?? policy.data ?? obj([]), budget: req.budget })
  try {
    const pe = new PartialEvaluator(ev, ctx, dependence(policy.root, unknown), budget, req.maxNodes ?? DEFAULT_MAX_NODES)
    return pe.rootCondition(req.path)
  } catch (err) {
    if (err instanceof RegoError) throw PolicyErrors.evaluation([err.toJSON()])
    if (err instanceof ConditionTooLarge) throw PolicyErrors.evaluation([{ code: 'eval_cancel_error', message: err.message }])
    if (err instanceof RangeError && /call stack/i.test(err.message)) throw PolicyErrors.evaluation([{ code: 'eval_cancel_error', message: 'partial evaluation exceeded the maximum stack depth' }])
    throw err
  }
}
