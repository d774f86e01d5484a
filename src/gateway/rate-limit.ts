/**
 * Per-principal token bucket, per process. Each DC's process limits independently, so a client
 * spread across both DCs gets up to twice the configured rate; that is the accepted price of not
 * coordinating every request across datacenters. Buckets idle for longer than a refill period are
 * dropped so memory stays bounded by active principals.
 */
export interface RateLimiter {
  /** Returns 0 when allowed, else the seconds to wait before retrying. */
  take(key: string): number
}

export function createRateLimiter(perMinute: number, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>()
  const ratePerMs = perMinute / 60_000
  let lastSweep = now()
  return {
    take(key) {
      if (perMinute <= 0) return 0
      const t = now()
      if (t - lastSweep > 60_000) {
        for (const [k, b] of buckets) if (t - b.at > 60_000) buckets.delete(k)
        lastSweep = t
      }
      const b = buckets.get(key) ?? { tokens: perMinute, at: t }
      b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * ratePerMs)
      b.at = t
      buckets.set(key, b)
      if (b.tokens >= 1) {
        b.tokens -= 1
        return 0
      }
      return Math.ceil((1 - b.tokens) / ratePerMs / 1000)
    },
  }
}
