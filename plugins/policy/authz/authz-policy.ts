/**
 * One compiled authorization policy (the shipped one or a project's replacement) ready to answer
 * `data.dyad.authz.decision`, with its own decision cache when the policy is deterministic.
 */
import type { Decision } from '../../../src/contracts/authorization.ts'
import { evaluate, type BudgetOptions, type CompiledPolicy } from '../rego/index.ts'
import { getKey } from '../rego/eval/docs.ts'
import { str, toJs, type Value } from '../rego/value.ts'
import { DecisionCache } from './decision-cache.ts'
import { inputKey, inputValue } from './input.ts'

export const DECISION_PATH = 'data.dyad.authz.decision'
const ALLOW = str('allow')
const REASON = str('reason')

export interface AuthzPolicy {
  /** `input` is plain JSON-like data. Throws what the evaluation throws (conflicts, budget); the caller fails closed. */
  decide(input: unknown): Decision
  /** The decision document as the policy computed it, uncached and unread (for validation). */
  evaluate(input: Value): Value | undefined
  /** Null when the policy calls a non-deterministic built-in (its decisions are never cached). */
  readonly cache: DecisionCache | null
}

export function prepareAuthzPolicy(policy: CompiledPolicy, opts: { data: Value; budget: BudgetOptions; cacheSize: number }): AuthzPolicy {
  const cache = policy.nondeterministic.length === 0 && opts.cacheSize > 0 ? new DecisionCache(opts.cacheSize) : null
  const raw = (input: Value): Value | undefined => evaluate(policy, { path: DECISION_PATH, input, data: opts.data, budget: opts.budget }).result
  const run = (input: Value): Decision => readDecision(raw(input))
  return {
    cache,
    evaluate: raw,
    decide(input) {
      if (cache === null) return run(inputValue(input))
      const key = inputKey(input)
      if (key === undefined) return run(inputValue(input))
      let d = cache.get(key)
      if (d === undefined) {
        d = run(inputValue(input))
        cache.set(key, d)
      }
      return d
    },
  }
}

/** Anything but an object with `allow: true` denies; the reason is kept when the policy gave a string. */
export function readDecision(out: Value | undefined): Decision {
  const allow = out && getKey(out, ALLOW)
  const reason = out && getKey(out, REASON)
  if (allow?.type === 'boolean' && allow.value) {
    return Object.freeze({ allow: true, reason: reason === undefined || reason.type === 'null' ? 'allowed' : reason.type === 'string' ? reason.value : String(toJs(reason)) })
  }
  return Object.freeze({ allow: false, reason: reason?.type === 'string' ? reason.value : 'denied by policy' })
}
