/**
 * Policy errors. Routes under `/opa/` speak OPA's REST API, so their codes are OPA's own
 * (`invalid_parameter`, `resource_not_found`, ...) and compile errors carry OPA's `errors` list
 * (`{ code, message, location: { file, row, col } }`); the rest use POLICY_ codes.
 */
import { DyadError } from '../../src/shared/errors.ts'

export interface OpaErrorItem {
  code: string
  message: string
  location?: { file: string; row: number; col: number }
}

/** An error rendered with OPA's top-level `errors` array next to Dyad's usual fields. */
export class OpaError extends DyadError {
  constructor(code: string, statusCode: number, message: string, errors?: OpaErrorItem[]) {
    super(code, statusCode, message, undefined, errors ? { errors } : undefined)
  }
}

export const PolicyErrors = {
  compile: (errors: OpaErrorItem[]) => new OpaError('invalid_parameter', 400, 'error(s) occurred while compiling module(s)', errors),
  invalidParameter: (message: string) => new OpaError('invalid_parameter', 400, message),
  notFound: (message: string) => new OpaError('resource_not_found', 404, message),
  /** The policy itself failed (conflict, strict built-in error, budget): the caller's policy, not our bug. */
  evaluation: (errors: OpaErrorItem[]) => new OpaError('POLICY_EVALUATION_ERROR', 422, errors[0]?.message ?? 'policy evaluation failed', errors),
  tooLarge: (message: string) => new OpaError('POLICY_TOO_LARGE', 413, message),
  conflict: (message: string) => new OpaError('POLICY_WRITE_CONFLICT', 409, message),
  bundle: (code: string, message: string) => new DyadError(code, 400, message),
}
