/**
 * Feature flags in flagd's definition format, evaluated into OFREP's result shapes.
 *
 * A tenant publishes a document like flagd's (`{ "flags": { "<key>": { state, variants,
 * defaultVariant, targeting?, metadata? } }, "$evaluators"?: {...}, "metadata"?: {...} }`);
 * `parseFlagDefinitions` validates it once into a FlagSet, and every evaluation reads that set.
 */

/** The JSON type every variant of one flag shares (OFREP has no type in requests; the SDK checks it). */
export type FlagValueType = 'boolean' | 'string' | 'number' | 'object'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** A variant's value: `object` flags hold a JSON object or array. */
export type FlagValue = boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** OFREP metadata: flat, primitive values only. */
export type FlagMetadata = Readonly<Record<string, string | number | boolean>>

export interface FlagDefinition {
  readonly key: string
  readonly state: 'ENABLED' | 'DISABLED'
  readonly type: FlagValueType
  /** Variant name -> deep-frozen value. A Map, so no variant name can reach an object prototype. */
  readonly variants: ReadonlyMap<string, FlagValue>
  readonly defaultVariant: string
  /** JsonLogic, `$ref`s already inlined; undefined when the flag has none (or `{}`): STATIC. */
  readonly targeting?: unknown
  /** The set's metadata overlaid with the flag's own. */
  readonly metadata: FlagMetadata
}

export interface FlagSet {
  readonly flags: ReadonlyMap<string, FlagDefinition>
  readonly metadata: FlagMetadata
  /**
   * Whether some targeting may read `$flagd.timestamp` (or reads the context by a computed path):
   * then a result can change with the clock alone, and a bulk ETag must cover the results, not only
   * the set and the context.
   */
  readonly timeDependent: boolean
}

/**
 * Why a value was chosen (OpenFeature's reasons): STATIC (no targeting), TARGETING_MATCH (targeting
 * chose a variant), SPLIT (the choice went through a `fractional` split), DEFAULT (targeting returned
 * null: the default variant), DISABLED (the flag is off: its default variant), ERROR.
 */
export type SuccessReason = 'STATIC' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'DISABLED'

/** OFREP's error codes. TYPE_MISMATCH is the client's to raise (requests carry no type). */
export type OfrepErrorCode = 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TARGETING_KEY_MISSING' | 'INVALID_CONTEXT' | 'GENERAL'

export interface EvaluationSuccess {
  key: string
  value: FlagValue
  reason: SuccessReason
  variant: string
  metadata: FlagMetadata
}

export interface EvaluationFailure {
  key: string
  reason: 'ERROR'
  errorCode: OfrepErrorCode
  errorDetails: string
}

export type EvaluationResult = EvaluationSuccess | EvaluationFailure

/** A bulk evaluation: one result per flag, or (for a context that cannot be used at all) one failure. */
export type BulkEvaluation = { flags: EvaluationResult[] } | { errorCode: OfrepErrorCode; errorDetails: string }

export function isFailure(r: EvaluationResult): r is EvaluationFailure {
  return r.reason === 'ERROR'
}

export interface EvaluateOptions {
  /** Milliseconds since the epoch for `$flagd.timestamp` (seconds in the context); default now. */
  now?: number
}
