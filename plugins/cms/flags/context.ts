/**
 * The evaluation context an OFREP caller sends: `{ targetingKey?, ...attributes }`. It is copied
 * into fresh plain objects (so nothing a caller built, no getter and no prototype, reaches the
 * rules), bounded in depth and size, and refused when it carries a forbidden key.
 */
import { ofrepError } from './errors.ts'
import { copyJson, isPlainObject } from './json.ts'
import { LIMITS } from './limits.ts'

export interface EvaluationContext {
  readonly targetingKey?: string
  /** The caller's attributes (targetingKey included), without `$flagd`, which evaluation sets. */
  readonly attributes: Readonly<Record<string, unknown>>
}

const fail = (at: string, problem: string): never => {
  throw ofrepError('INVALID_CONTEXT', `context${at}: ${problem}`)
}

/** Checks and copies a context; throws an INVALID_CONTEXT OFREP error. Absent means empty. */
export function parseContext(raw: unknown): EvaluationContext {
  if (raw === undefined || raw === null) return { attributes: {} }
  if (!isPlainObject(raw)) fail('', 'the context must be a JSON object')
  const attributes = copyJson(raw, '', {
    maxDepth: LIMITS.maxValueDepth,
    budget: { nodes: LIMITS.maxContextNodes },
    freeze: false,
    fail,
    tooLarge: `more than ${LIMITS.maxContextNodes} values`,
  }) as Record<string, unknown>
  const targetingKey = attributes.targetingKey
  if (targetingKey !== undefined && typeof targetingKey !== 'string') fail('/targetingKey', 'the targeting key must be a string')
  // flagd's own properties are set by the evaluator; a caller cannot fake the flag key or the clock.
  delete attributes.$flagd
  return { targetingKey: targetingKey as string | undefined, attributes }
}
