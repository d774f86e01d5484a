/**
 * Rego errors in OPA's JSON shape: `{ code, message, location: { file, row, col } }`.
 * Compile errors (`rego_parse_error`, `rego_unsafe_var_error`, ...) are collected and thrown
 * together as `RegoErrors`; evaluation stops at the first `RegoError`.
 */
export interface Location { file: string; row: number; col: number }

export type RegoErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_type_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_conflict_error'
  /** The evaluation budget (deadline, step count or depth) ran out; see eval/budget.ts. */
  | 'eval_cancel_error'

export class RegoError extends Error {
  readonly code: RegoErrorCode
  readonly location?: Location
  constructor(code: RegoErrorCode, message: string, location?: Location) {
    super(location ? `${location.file}:${location.row}: ${code}: ${message}` : `${code}: ${message}`)
    this.code = code
    this.location = location
  }
  /** The bare message, without location and code prefix. */
  get detail(): string {
    const i = this.message.indexOf(`${this.code}: `)
    return i >= 0 ? this.message.slice(i + this.code.length + 2) : this.message
  }
  toJSON(): { code: string; message: string; location?: Location } {
    return { code: this.code, message: this.detail, ...(this.location ? { location: this.location } : {}) }
  }
}

/** Several compile errors reported at once; `errors` keeps them in source order. */
export class RegoErrors extends Error {
  readonly errors: RegoError[]
  constructor(errors: RegoError[]) {
    super(`${errors.length} error${errors.length === 1 ? '' : 's'} occurred: ` + errors.map((e) => e.message).join('; '))
    this.errors = errors
  }
  get code(): string {
    return this.errors[0]?.code ?? 'rego_compile_error'
  }
}
