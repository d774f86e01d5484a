/** The built-in contract's types, kept apart from index.ts so namespace modules can import them without a cycle. */
import type { Value } from '../value.ts'

/** The part of the evaluation budget built-ins see (eval/budget.ts). */
export interface BuiltinBudget {
  /** Pays `steps` of work and `bytes` of values about to be built; throws eval_cancel_error when either is over budget. */
  charge(steps: number, bytes?: number): void
}

export interface BuiltinContext {
  /** strict-builtin-errors */
  strict: boolean
  /** time.now_ns(), fixed for one query */
  nowNs: bigint
  /** per-query memo (rand.intn, uuid.rfc4122 stable within a query; 'trace' notes) */
  cache: Map<string, unknown>
  /**
   * The evaluation's budget: work that grows with the input is charged before it is done (see
   * cost.ts). Absent only when a built-in is called outside an evaluation (unit tests).
   */
  budget?: BuiltinBudget
}

export type BuiltinErrorCode = 'eval_builtin_error' | 'eval_type_error'

/**
 * Message already carries the built-in's name ("object.union: operand 2 must be object but got
 * array"); the evaluator prefixes location and code ("test-0.rego:4: eval_type_error: ...").
 */
export class BuiltinError extends Error {
  code: BuiltinErrorCode
  constructor(code: BuiltinErrorCode, message: string) {
    super(message)
    this.name = 'BuiltinError'
    this.code = code
  }
}

export type BuiltinFn = (args: Value[], ctx: BuiltinContext) => Value | undefined

export interface BuiltinDef {
  name: string
  arity: number
  fn: BuiltinFn
  /** When true, fn returns an array Value of outputs that the evaluator iterates (walk). */
  relation?: boolean
}
