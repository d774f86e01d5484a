/**
 * Fusing a keyword and a vector result list into one ranking.
 *
 * - Reciprocal rank fusion (Cormack et al. 2009): score(d) = Σ_lists weight / (k + rank). Ranks
 *   only, so it needs no calibration, but it throws away how far ahead a list's first hits are.
 * - Convex combination of normalised scores: score(d) = Σ_lists weight · norm(score). Bruch et al.
 *   ("An analysis of fusion functions for hybrid retrieval", 2023) find it beats RRF in and out of
 *   domain; z-score normalisation per query (each list's scores minus their mean, over their
 *   standard deviation) keeps BM25's unbounded scores and cosines on one scale without constants
 *   tuned to a dataset. A document missing from a list gets that list's lowest normalised score:
 *   it scored at most that, since the list holds the top hits.
 */
import type { Scored } from './bm25.ts'

export type { Scored }
export type Normalization = 'zscore' | 'minmax'

export function reciprocalRankFusion(lists: readonly (readonly string[])[], opts: { k?: number; weights?: readonly number[] } = {}): string[] {
  const k = opts.k ?? 60
  const score = new Map<string, number>()
  lists.forEach((list, l) => {
    const w = opts.weights?.[l] ?? 1
    list.forEach((id, rank) => score.set(id, (score.get(id) ?? 0) + w / (k + rank + 1)))
  })
  return ranked(score)
}

export function convexFusion(lists: readonly (readonly Scored[])[], opts: { weights?: readonly number[]; normalization?: Normalization } = {}): string[] {
  const how = opts.normalization ?? 'zscore'
  const normalized = lists.map((list) => normalize(list, how))
  const ids = new Set(lists.flatMap((list) => list.map((s) => s.id)))
  const score = new Map<string, number>()
  for (const id of ids) {
    let s = 0
    normalized.forEach(({ byId, floor }, l) => (s += (opts.weights?.[l] ?? 1) * (byId.get(id) ?? floor)))
    score.set(id, s)
  }
  return ranked(score)
}

function normalize(list: readonly Scored[], how: Normalization): { byId: Map<string, number>; floor: number } {
  const byId = new Map<string, number>()
  if (list.length === 0) return { byId, floor: 0 }
  let min = Infinity
  let max = -Infinity
  let sum = 0
  for (const { score } of list) {
    min = Math.min(min, score)
    max = Math.max(max, score)
    sum += score
  }
  const mean = sum / list.length
  let variance = 0
  for (const { score } of list) variance += (score - mean) ** 2
  const sd = Math.sqrt(variance / list.length)
  // All scores equal (or one hit): nothing to tell them apart, they all sit at the top of their scale.
  const f = how === 'zscore'
    ? (x: number) => (sd > 0 ? (x - mean) / sd : 0)
    : (x: number) => (max > min ? (x - min) / (max - min) : 1)
  for (const { id, score } of list) if (!byId.has(id)) byId.set(id, f(score))
  return { byId, floor: f(min) }
}

/** Best first; ties by id, so a fused ranking never depends on Map insertion order. */
function ranked(score: Map<string, number>): string[] {
  return [...score].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id)
}
