/**
 * Policy errors. Routes under `/opa/` speak OPA's REST API, so their codes are OPA's own
 * (`invalid_parameter`, `resource_not_found`), declared here as their own area, and compile and
 * evaluation errors carry OPA's top-level `errors` list (`{ code, message, location }`) next to
 * Dyad's usual fields. Everything else uses POLICY_ codes.
 */
import { errorArea, type DyadError } from '../../src/shared/errors.ts'
import { BundleError, type BundleErrorCode } from './bundle/errors.ts'

export interface OpaErrorItem {
  code: string
  message: string
  location?: { file: string; row: number; col: number }
}

/** OPA's codes are lower snake case; no Dyad code can collide with them. */
const defineOpaError = errorArea('', { name: 'opa', pattern: /^[a-z]+(_[a-z]+)+$/ })
const defineError = errorArea('POLICY_')

export const OpaErrors = {
  invalidParameter: defineOpaError('invalid_parameter', 400, 'A parameter of the request is invalid.'),
  resourceNotFound: defineOpaError('resource_not_found', 404, 'The policy or document does not exist.'),
}

export const PolicyErrorKinds = {
  /** The policy itself failed (conflict, strict built-in error, budget): the caller's policy, not our bug. */
  evaluation: defineError('POLICY_EVALUATION_ERROR', 422, 'Policy evaluation failed.'),
  tooLarge: defineError('POLICY_TOO_LARGE', 413, 'The policy is larger than the configured limit.'),
  conflict: defineError('POLICY_WRITE_CONFLICT', 409, 'The policy changed concurrently; read it again and retry.'),
  /**
   * Partial evaluation met a construct on the unknown it cannot turn into a condition (a built-in
   * applied to the unknown, iteration over it, `with`, ...). 422 like evaluation errors: the
   * request is well formed, the policy is what cannot be translated (OPA's data-filtering
   * targets also refuse such policies rather than approximate them).
   */
  partialUnsupported: defineError('POLICY_PARTIAL_UNSUPPORTED', 422, 'The policy cannot be turned into a filter condition.'),
  /**
   * A custom health check (`GET /opa/health/<name>`, OPA's `data.system.health.<name>`) is defined
   * but not true, or failed to evaluate. OPA answers 500; 503 says the same to a probe without
   * claiming a server fault.
   */
  unhealthy: defineError('POLICY_UNHEALTHY', 503, 'The health check is not true.'),
}

/** Adds OPA's `errors` array to the rendered body. */
function withErrors(err: DyadError, errors?: OpaErrorItem[]): DyadError {
  if (errors) err.extra = { errors }
  return err
}

export const PolicyErrors = {
  compile: (errors: OpaErrorItem[]) => withErrors(OpaErrors.invalidParameter('error(s) occurred while compiling module(s)'), errors),
  /** A query of the Query API that does not parse or compile, with OPA's message for each phase. */
  query: (errors: OpaErrorItem[]) =>
    withErrors(OpaErrors.invalidParameter(`error(s) occurred while ${errors.every((e) => e.code === 'rego_parse_error') ? 'parsing' : 'compiling'} query`), errors),
  invalidParameter: (message: string) => OpaErrors.invalidParameter(message),
  notFound: (message: string) => OpaErrors.resourceNotFound(message),
  evaluation: (errors: OpaErrorItem[]) => withErrors(PolicyErrorKinds.evaluation(errors[0]?.message ?? 'policy evaluation failed'), errors),
  tooLarge: (message: string) => PolicyErrorKinds.tooLarge(message),
  conflict: (message: string) => PolicyErrorKinds.conflict(message),
  partialUnsupported: (message: string) => PolicyErrorKinds.partialUnsupported(message),
  unhealthy: (message: string) => PolicyErrorKinds.unhealthy(message),
  bundle: (code: BundleErrorCode, message: string) => new BundleError(code, message),
}
