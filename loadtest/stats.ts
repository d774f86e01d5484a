/**
 * The one statistics helper every scenario uses, so that "median" and "p99" mean the same thing
 * in every table. Percentiles use the nearest-rank method on the sorted samples: no interpolation,
 * so a p99 is always a latency that was actually observed.
 */

export interface Summary {
  n: number
  mean: number
  median: number
  p99: number
  min: number
  max: number
  /** Operations per second implied by the mean (1e9 / mean when samples are nanoseconds). */
  opsPerSec: number
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

/** Summarises samples given in nanoseconds. */
export function summarize(samplesNs: readonly number[]): Summary {
  const sorted = Float64Array.from(samplesNs).sort()
  const n = sorted.length
  let total = 0
  for (const x of sorted) total += x
  const mean = n ? total / n : NaN
  const arr = Array.from(sorted)
  return { n, mean, median: percentile(arr, 50), p99: percentile(arr, 99), min: arr[0] ?? NaN, max: arr[n - 1] ?? NaN, opsPerSec: n ? 1e9 / mean : NaN }
}

export function median(xs: readonly number[]): number {
  return percentile(Array.from(xs).sort((a, b) => a - b), 50)
}

/** Formats nanoseconds with a unit a reader can compare at a glance. */
export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return '—'
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`
  return `${ns.toFixed(0)} ns`
}

export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return '—'
  if (b >= 1024 * 1024) return `${(b / 1024 / 1024).toFixed(2)} MiB`
  if (b >= 1024) return `${(b / 1024).toFixed(1)} KiB`
  return `${b.toFixed(0)} B`
}

export function fmtRate(perSec: number): string {
  return Number.isFinite(perSec) ? `${Math.round(perSec).toLocaleString('en-US')}/s` : '—'
}

export function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : '—'
}
