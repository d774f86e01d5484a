/** The built-in contract's types, kept apart from index.ts so namespace modules can import them without a cycle. */
import type { Value } from '../value.ts'

export interface BuiltinContext {
  /** strict-builtin-errors */
  strict: boolean
  /** time.now_ns(), fixed for one query */
  nowNs: bigint
  /** per-query memo (rand.intn, uuid.rfc4122 stable within a query; 'trace' notes) */
  cache: Map<string, unknown>
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
