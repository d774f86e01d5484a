/**
 * Feature-flag errors (CMS_FLAGS_). Publishing refuses invalid definitions with the JSON pointer of
 * the first problem. OFREP routes answer failures in OFREP's shape (`key`, `errorCode`,
 * `errorDetails`, which OpenFeature providers switch on) next to Dyad's usual `code` and `requestId`.
 */
import { errorArea, type DyadError } from '../../../src/shared/errors.ts'
import type { OfrepErrorCode } from './types.ts'

const defineError = errorArea('CMS_FLAGS_')

export const FlagErrors = {
  invalidDefinition: defineError('CMS_FLAGS_INVALID_DEFINITION', 422, 'The flag definitions are not valid; see details.pointer for where.'),
  flagNotFound: defineError('CMS_FLAGS_FLAG_NOT_FOUND', 404, 'No flag with this key is published in this environment.'),
  invalidContext: defineError('CMS_FLAGS_INVALID_CONTEXT', 400, 'The evaluation context is not valid; send { "context": { "targetingKey": "...", ... } }.'),
  evaluationFailed: defineError('CMS_FLAGS_EVALUATION_FAILED', 400, 'The flag could not be evaluated for this context.'),
}

/** The Dyad error kind each OFREP code is answered with (its status is OFREP's: 404 or 400). */
const KIND_OF: Record<OfrepErrorCode, (typeof FlagErrors)[keyof typeof FlagErrors]> = {
  FLAG_NOT_FOUND: FlagErrors.flagNotFound,
  INVALID_CONTEXT: FlagErrors.invalidContext,
  TARGETING_KEY_MISSING: FlagErrors.invalidContext,
  PARSE_ERROR: FlagErrors.evaluationFailed,
  GENERAL: FlagErrors.evaluationFailed,
}

/** An OFREP failure as a Dyad error: rendered with `key` (single-flag routes), `errorCode` and `errorDetails`. */
export function ofrepError(errorCode: OfrepErrorCode, errorDetails: string, key?: string): DyadError {
  const err = KIND_OF[errorCode](errorDetails)
  err.extra = { ...(key === undefined ? {} : { key }), errorCode, errorDetails }
  return err
}

/** A definition error at `pointer` (RFC 6901) in the published document. */
export function definitionError(pointer: string, problem: string): DyadError {
  return FlagErrors.invalidDefinition(`${pointer || '/'}: ${problem}`, { pointer, problem })
}
