/**
 * Word–context statistics for the corpus model's word vectors: positive pointwise mutual
 * information (PPMI) over a sliding window, the count-based counterpart of skip-gram (Levy &
 * Goldberg 2014 show skip-gram with negative sampling factorises a shifted PMI matrix). Two of
 * the usual tweaks from Levy, Goldberg & Dagan (2015), at their recommended values: context counts
 * smoothed by the power 0.75, and co-occurrences weighted by 1 / distance (as word2vec's dynamic
 * window does in expectation).
 *
 * Bounded memory: pairs are packed one number each (word, word, distance) into a typed array of at
 * most `maxPairs`; once full, later text adds nothing (the texts are a seeded random sample, so a
 * prefix of them is too). Counting both orders from one unordered pair keeps the matrix symmetric.
 */

export interface SparseRow { ids: Uint32Array; w: Float64Array }

export interface CooccurrenceOptions { window: number; maxPairs: number }

const CONTEXT_POWER = 0.75

/** PPMI rows (one per vocabulary id, in order) from texts already mapped to vocabulary ids (-1 = out of vocabulary). */
export function ppmiRows(docs: readonly Int32Array[], vocabSize: number, opts: CooccurrenceOptions): SparseRow[] {
  const window = opts.window
  // key = (a · V + b) · 16 + distance, a < b; distance ≤ 15 fits the low 4 bits, V ≤ 2^21 keeps it exact.
  let keys = new Float64Array(Math.min(opts.maxPairs, 1 << 16))
  let n = 0
  fill: for (const ids of docs) {
    for (let i = 0; i < ids.length; i++) {
      const a = ids[i]!
      if (a < 0) continue
      for (let j = i + 1; j <= Math.min(ids.length - 1, i + window); j++) {
        const b = ids[j]!
        if (b < 0 || b === a) continue
        if (n === keys.length) {
          if (n >= opts.maxPairs) break fill
          const grown = new Float64Array(Math.min(opts.maxPairs, n * 2))
          grown.set(keys)
          keys = grown
        }
        keys[n++] = ((a < b ? a : b) * vocabSize + (a < b ? b : a)) * 16 + (j - i)
      }
    }
  }
  const sorted = keys.subarray(0, n).sort()
  // Merge runs of one pair into (a, b, weight), summing 1 / distance.
  const pa: number[] = []
  const pb: number[] = []
  const pw: number[] = []
  const marginal = new Float64Array(vocabSize)
  for (let i = 0; i < n; ) {
    const pair = Math.floor(sorted[i]! / 16)
    let w = 0
    for (; i < n && Math.floor(sorted[i]! / 16) === pair; i++) w += 1 / (sorted[i]! % 16)
    const a = Math.floor(pair / vocabSize)
    const b = pair % vocabSize
    pa.push(a)
    pb.push(b)
    pw.push(w)
    marginal[a]! += w
    marginal[b]! += w
  }
  let total = 0
  let contextTotal = 0
  const context = Float64Array.from(marginal, (m) => m ** CONTEXT_POWER)
  for (let t = 0; t < vocabSize; t++) {
    total += marginal[t]!
    contextTotal += context[t]!
  }
  const rows: { ids: number[]; w: number[] }[] = Array.from({ length: vocabSize }, () => ({ ids: [], w: [] }))
  const add = (row: number, col: number, count: number) => {
    // PMI(w, c) = log( P(w, c) / (P(w) · P_α(c)) ) = log( count · Σ_c' n_c'^α / (marginal(w) · n_c^α) ), kept where positive.
    const pmi = Math.log((count * contextTotal) / (marginal[row]! * context[col]!))
    if (pmi > 0) {
      rows[row]!.ids.push(col)
      rows[row]!.w.push(pmi)
    }
  }
  // Each unordered pair count is both ordered cells' count; `total` (Σ marginals) is the ordered total, so
  // P(w, c) / P(w) = count / marginal(w) and the PMI needs no other normalisation.
  if (total > 0) {
    for (let p = 0; p < pa.length; p++) {
      add(pa[p]!, pb[p]!, pw[p]!)
      add(pb[p]!, pa[p]!, pw[p]!)
    }
  }
  return rows.map((r) => ({ ids: Uint32Array.from(r.ids), w: Float64Array.from(r.w) }))
}
