/**
 * Evaluation of a FlagSet for one context, into OFREP's result shapes. Pure and synchronous: the
 * set comes from the caller's cache, and nothing here waits or writes.
 *
 * Reasons: DISABLED (state DISABLED: the default variant, so providers that require a value still
 * get one), STATIC (no targeting), DEFAULT (targeting returned null, or a custom operator refused
 * its arguments), SPLIT (targeting chose a
 * variant and a `fractional` split took part in the choice), TARGETING_MATCH (any other choice).
 * Targeting that returns `true`/`false` names the variants "true"/"false", as in flagd.
 */
import { FlagErrors } from './errors.ts'
import { parseContext, type EvaluationContext } from './context.ts'
import { LIMITS } from './limits.ts'
import { describeThrown, OperatorError, runTargeting, type Budget } from './targeting.ts'
import type { BulkEvaluation, EvaluateOptions, EvaluationFailure, EvaluationResult, EvaluationSuccess, FlagDefinition, FlagSet, OfrepErrorCode, SuccessReason } from './types.ts'

const success = (flag: FlagDefinition, variant: string, reason: SuccessReason): EvaluationSuccess => ({
  key: flag.key,
  value: flag.variants.get(variant)!,
  reason,
  variant,
  metadata: flag.metadata,
})

const failure = (key: string, errorCode: OfrepErrorCode, errorDetails: string): EvaluationFailure => ({ key, reason: 'ERROR', errorCode, errorDetails })

const shown = (v: unknown) => {
  const text = typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : v !== null && typeof v === 'object' ? 'an object' : String(v)
  return text.length > 100 ? `${text.slice(0, 100)}...` : text
}

function resolve(flag: FlagDefinition, ctx: EvaluationContext, budget: Budget, now: number): EvaluationResult {
  if (flag.state === 'DISABLED') return success(flag, flag.defaultVariant, 'DISABLED')
  if (flag.targeting === undefined) return success(flag, flag.defaultVariant, 'STATIC')
  const data = { ...ctx.attributes, $flagd: { flagKey: flag.key, timestamp: Math.floor(now / 1000) } }
  let outcome: { result: unknown; split: boolean }
  try {
    outcome = runTargeting(flag.targeting, data, { flagKey: flag.key, targetingKey: ctx.targetingKey, budget })
  } catch (err) {
    // A custom operator refusing its arguments is flagd's "fall back to the default variant".
    if (err instanceof OperatorError) return success(flag, flag.defaultVariant, 'DEFAULT')
    return failure(flag.key, 'GENERAL', `targeting failed: ${describeThrown(err)}`)
  }
  const { result, split } = outcome
  if (result === null || result === undefined) return success(flag, flag.defaultVariant, 'DEFAULT')
  const variant = typeof result === 'string' ? result : typeof result === 'boolean' ? String(result) : undefined
  if (variant === undefined) return failure(flag.key, 'GENERAL', `targeting returned ${shown(result)}, not a variant name`)
  if (!flag.variants.has(variant)) return failure(flag.key, 'GENERAL', `targeting chose ${shown(variant)}, which is not a variant of this flag`)
  return success(flag, variant, split ? 'SPLIT' : 'TARGETING_MATCH')
}

const notFound = (key: string) => failure(key, 'FLAG_NOT_FOUND', `no flag "${key.length > 200 ? `${key.slice(0, 200)}...` : key}" in this environment`)

/** Context check that reports instead of throwing. */
function contextOf(raw: unknown): EvaluationContext | { errorDetails: string } {
  try {
    return parseContext(raw)
  } catch (err) {
    if (FlagErrors.invalidContext.is(err)) return { errorDetails: (err as Error).message }
    throw err
  }
}

/** Evaluates one flag (OFREP's single-flag evaluation). `set` undefined: nothing is published. */
export function evaluateFlag(set: FlagSet | undefined, key: string, context: unknown, opts: EvaluateOptions = {}): EvaluationResult {
  const ctx = contextOf(context)
  if ('errorDetails' in ctx) return failure(key, 'INVALID_CONTEXT', ctx.errorDetails)
  const flag = set?.flags.get(key)
  if (!flag) return notFound(key)
  const budget = { steps: LIMITS.maxSteps, deadline: performance.now() + LIMITS.deadlineMs }
  return resolve(flag, ctx, budget, opts.now ?? Date.now())
}

/**
 * Evaluates every flag of the set, in definition order (OFREP's bulk evaluation). A flag that fails
 * is one failure entry; the whole request fails only for a context that cannot be used. The flags
 * share a budget, and each also has its own, so one expensive rule cannot starve the rest.
 */
export function evaluateAll(set: FlagSet | undefined, context: unknown, opts: EvaluateOptions = {}): BulkEvaluation {
  const ctx = contextOf(context)
  if ('errorDetails' in ctx) return { errorCode: 'INVALID_CONTEXT', errorDetails: ctx.errorDetails }
  const now = opts.now ?? Date.now()
  const total = { steps: LIMITS.maxBulkSteps, deadline: performance.now() + LIMITS.bulkDeadlineMs }
  const flags: EvaluationResult[] = []
  for (const flag of set?.flags.values() ?? []) {
    const steps = Math.max(0, Math.min(LIMITS.maxSteps, total.steps))
    const budget = { steps, deadline: Math.min(total.deadline, performance.now() + LIMITS.deadlineMs) }
    flags.push(resolve(flag, ctx, budget, now))
    total.steps -= steps - Math.max(0, budget.steps)
  }
  return { flags }
}
