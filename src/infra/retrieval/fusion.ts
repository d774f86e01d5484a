/**
 * Fusing a vector and a keyword result list of chunks into one ranking (the store's hybrid mode,
 * and the rag domain's when it re-scores the keyword side). Pure functions over hits.
 */
import type { SearchHit } from '../ports/retrieval.ts'

/**
 * Reciprocal rank fusion: score = Σ weight / (rrfK + rank) over the lists a chunk is in. Ties go
 * to the better vector rank, then the better keyword rank, so the order is deterministic.
 */
export function fuse(vector: SearchHit[], keyword: SearchHit[], weights: { vector: number; keyword: number }, rrfK: number): SearchHit[] {
  const byChunk = new Map<string, SearchHit>()
  for (const h of vector) byChunk.set(h.chunkId, { ...h, score: 0, ranks: { vector: h.ranks.vector } })
  for (const h of keyword) {
    const seen = byChunk.get(h.chunkId)
    if (seen) seen.ranks.keyword = h.ranks.keyword
    else byChunk.set(h.chunkId, { ...h, score: 0, ranks: { keyword: h.ranks.keyword } })
  }
  const hits = [...byChunk.values()]
  for (const h of hits) {
    h.score = (h.ranks.vector ? weights.vector / (rrfK + h.ranks.vector) : 0) + (h.ranks.keyword ? weights.keyword / (rrfK + h.ranks.keyword) : 0)
  }
  const worst = Number.MAX_SAFE_INTEGER
  return hits.sort(
    (a, b) =>
      b.score - a.score ||
      (a.ranks.vector ?? worst) - (b.ranks.vector ?? worst) ||
      (a.ranks.keyword ?? worst) - (b.ranks.keyword ?? worst),
  )
}

/**
 * Convex fusion of z-score-normalised scores (Bruch et al. 2023): each list's scores minus their
 * mean over their standard deviation, so cosines and ts_rank share one scale without constants
 * tuned to a dataset; score = Σ weight · z, and a chunk missing from a list gets that list's lowest
 * z (it scored at most that). Measured against RRF on msmarco-5k in the README.
 */
export function fuseZScore(vector: SearchHit[], keyword: SearchHit[], weights: { vector: number; keyword: number }): SearchHit[] {
  const z = (list: SearchHit[]) => {
    const n = list.length
    const mean = list.reduce((a, h) => a + h.score, 0) / Math.max(1, n)
    const sd = Math.sqrt(list.reduce((a, h) => a + (h.score - mean) ** 2, 0) / Math.max(1, n))
    const f = (x: number) => (sd > 0 ? (x - mean) / sd : 0)
    return { byChunk: new Map(list.map((h) => [h.chunkId, f(h.score)])), floor: n ? Math.min(...list.map((h) => f(h.score))) : 0 }
  }
  const zv = z(vector)
  const zk = z(keyword)
  // The same union, ranks and deterministic tie-breaks as RRF; only the score differs.
  const hits = fuse(vector, keyword, weights, 60)
  for (const h of hits) h.score = weights.vector * (zv.byChunk.get(h.chunkId) ?? zv.floor) + weights.keyword * (zk.byChunk.get(h.chunkId) ?? zk.floor)
  const worst = Number.MAX_SAFE_INTEGER
  return hits.sort((a, b) => b.score - a.score || (a.ranks.vector ?? worst) - (b.ranks.vector ?? worst) || (a.ranks.keyword ?? worst) - (b.ranks.keyword ?? worst))
}

