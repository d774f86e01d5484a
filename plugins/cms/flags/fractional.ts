/**
 * flagd's `fractional` operator: a deterministic, weighted split of subjects over buckets.
 *
 * As flagd specifies it (and as its test bed checks, "fractional-v2"):
 * - arguments: an optional bucketing value first (a string: what is hashed), then buckets
 *   `[variant, weight?]`; the weight defaults to 1, negative weights count as 0, weights must be
 *   integers and sum to at most 2^31 - 1. A first argument that evaluated to null (a missing `var`)
 *   is dropped.
 * - without a bucketing string, the hash input is the flag key followed directly by the targeting
 *   key (`flagKey + targetingKey`, no separator). With neither there is no subject to split: one
 *   bucket holding all the weight still answers (a 100% rollout reaches anonymous callers too),
 *   otherwise the operator fails.
 * - a failure (no subject, malformed buckets, no weight at all) is an OperatorError: the flag takes
 *   its default variant.
 * - hash: MurmurHash3 x86 32-bit, seed 0, over the UTF-8 bytes of that string, as an unsigned
 *   32-bit integer h; the bucket is (h * totalWeight) >> 32, an integer in [0, totalWeight), and
 *   the first bucket whose cumulative weight exceeds it wins.
 *
 * The same subject therefore always lands in the same bucket, and moving weight from one bucket to
 * the next only moves the subjects at the boundary.
 */
import murmurhash from 'murmurhash'
import { OperatorError } from './operators.ts'

const MAX_TOTAL_WEIGHT = 2 ** 31 - 1
// murmurhash encodes strings with a new TextEncoder per call; one shared encoder halves the cost.
const utf8 = new TextEncoder()

/** MurmurHash3 x86_32 (seed 0) of the UTF-8 bytes of `text`, unsigned. */
export function hash32(text: string): number {
  return murmurhash.v3(utf8.encode(text), 0) >>> 0
}

/** Which bucket of [0, totalWeight) a hash falls in: (hash * totalWeight) >> 32, exactly. */
export function bucketOf(hash: number, totalWeight: number): number {
  return Number((BigInt(hash) * BigInt(totalWeight)) >> 32n)
}

const fail = (why: string): never => {
  throw new OperatorError(`fractional: ${why}`)
}

/** The evaluated operator: the chosen bucket's variant (a JSON scalar, usually a variant name). */
export function fractional(args: unknown[], flagKey: string, targetingKey: string | undefined): unknown {
  let buckets = args
  let bucketBy: string | undefined
  if (typeof args[0] === 'string') {
    bucketBy = args[0]
    buckets = args.slice(1)
  } else {
    if (args[0] === null || args[0] === undefined) buckets = args.slice(1)
    if (typeof targetingKey === 'string') bucketBy = flagKey + targetingKey
  }
  if (buckets.length === 0) fail('no buckets')

  const variants: unknown[] = []
  const weights: number[] = []
  let total = 0
  for (const b of buckets) {
    if (!Array.isArray(b) || b.length === 0) fail('a bucket is [variant, weight?]')
    const [variant, weight = 1] = b as [unknown, unknown]
    if (variant !== null && typeof variant !== 'string' && typeof variant !== 'boolean' && typeof variant !== 'number') fail('a bucket\'s variant is a string, boolean, number or null')
    if (weight !== null && (typeof weight !== 'number' || !Number.isInteger(weight))) fail('weights are integers')
    const w = weight === null ? 1 : Math.max(0, weight as number)
    total += w
    if (total > MAX_TOTAL_WEIGHT) fail(`the weights add up to more than ${MAX_TOTAL_WEIGHT}`)
    variants.push(variant)
    weights.push(w)
  }
  if (total === 0) fail('every weight is 0')
  if (bucketBy === undefined) {
    const weighted = weights.flatMap((w, i) => (w > 0 ? [i] : []))
    if (weighted.length !== 1) fail('no bucketing value and no targetingKey to split on')
    return variants[weighted[0]]
  }

  const bucket = bucketOf(hash32(bucketBy), total)
  let end = 0
  for (let i = 0; i < weights.length; i++) {
    end += weights[i]
    if (bucket < end) return variants[i]
  }
  return fail('no bucket matched')
}
