/**
 * Pseudo-relevance feedback: take a first search's top hits as if they were relevant and search
 * again with a query that leans toward them. It needs no judgments and no training, only the
 * base's own text, and it is a standard, robust gain for short queries on both sides of a hybrid:
 *
 * - keyword side, RM3 (Lavrenko & Croft 2001; Abdul-Jaleel et al. 2004): a relevance model
 *   P(w|R) ∝ Σ_D P(w|D) · score(D) over the top `feedbackDocs`, its best `feedbackTerms` terms
 *   mixed with the original query (`originalWeight`). The defaults are Anserini's (10, 10, 0.5).
 * - vector side, Rocchio (1971): q' = q + β · mean(top hits' vectors), renormalised; β = 0.75 as
 *   in SMART's usual setting (no negative feedback).
 *
 * Bounded work: the expansion keeps at most `feedbackTerms` terms and reads at most
 * `feedbackDocs` documents, whatever their length.
 */
import type { Bm25Index, Scored } from './bm25.ts'
import { analyze } from './tokenize.ts'

export interface Rm3Options { feedbackDocs?: number; feedbackTerms?: number; originalWeight?: number }

const LIMITS = { feedbackDocs: 100, feedbackTerms: 100 }

function bounded(v: number | undefined, fallback: number, max: number): number {
  const n = v ?? fallback
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback
}

/** The RM3 query for `query` given its first-pass hits `firstPass` (best first) from `index`. */
export function rm3Query(index: Bm25Index, query: string, firstPass: readonly Scored[], opts: Rm3Options = {}): Map<string, number> {
  const docs = bounded(opts.feedbackDocs, 10, LIMITS.feedbackDocs)
  const terms = bounded(opts.feedbackTerms, 10, LIMITS.feedbackTerms)
  const originalWeight = Math.min(1, Math.max(0, opts.originalWeight ?? 0.5))
  const original = analyze(query)
  const out = new Map<string, number>()
  for (const t of original) out.set(t, (out.get(t) ?? 0) + 1 / original.length)
  const feedback = firstPass.slice(0, docs)
  // Scores as document weights; BM25 scores are positive, anything else counts as equal weight.
  const total = feedback.reduce((s, h) => s + Math.max(h.score, 0), 0)
  const relevance = new Map<string, number>()
  for (const hit of feedback) {
    const doc = index.document(hit.id)
    if (!doc || doc.length === 0) continue
    const w = total > 0 ? Math.max(hit.score, 0) / total : 1 / feedback.length
    for (const [t, n] of doc.counts) relevance.set(t, (relevance.get(t) ?? 0) + (n / doc.length) * w)
  }
  const top = [...relevance].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, terms)
  const mass = top.reduce((s, [, p]) => s + p, 0)
  if (mass === 0 || original.length === 0 || originalWeight === 1) {
    // No feedback (or no query terms): the expansion alone, or the query alone.
    if (original.length === 0) for (const [t, p] of top) out.set(t, p / (mass || 1))
    return out
  }
  for (const [t, w] of out) out.set(t, originalWeight * w)
  for (const [t, p] of top) out.set(t, (out.get(t) ?? 0) + ((1 - originalWeight) * p) / mass)
  return out
}

/** Rocchio's query update for unit vectors: q + beta · mean(feedback), scaled back to unit length. */
export function rocchio(query: Float32Array, feedback: readonly Float32Array[], beta = 0.75): Float32Array {
  const out = Float32Array.from(query)
  if (feedback.length === 0) return out
  for (const v of feedback) {
    if (v.length !== out.length) continue
    for (let i = 0; i < out.length; i++) out[i]! += (beta * v[i]!) / feedback.length
  }
  let s = 0
  for (const x of out) s += x * x
  if (s > 0) {
    const f = 1 / Math.sqrt(s)
    for (let i = 0; i < out.length; i++) out[i]! *= f
  }
  return out
}
