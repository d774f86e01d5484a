/**
 * BM25 over the keyword candidates. Postgres full text finds the chunks that share a term with the
 * query, but ts_rank knows no document frequencies, so a common word counts as much as a rare one
 * (on msmarco-5k: 0.686 nDCG@10 against plain BM25's 0.731). When the index version has a learned
 * corpus model, its df, document count and mean length re-score the candidates with BM25
 * (k1 0.9, b 0.4, Anserini's defaults, as the eval's reference BM25).
 */
import type { SearchHit } from '../../src/infra/ports/retrieval.ts'
import type { CorpusModel } from './embed/corpus-model.ts'
import { analyze } from './eval/tokenize.ts'

const K1 = 0.9
const B = 0.4

export function bm25Rescore(model: CorpusModel, query: string, hits: SearchHit[]): SearchHit[] {
  const terms = [...new Set(analyze(query))]
  if (terms.length === 0 || model.avgLength <= 0) return hits
  const idf = new Map(terms.map((t) => [t, model.idf(t)]))
  const scored = hits.map((h) => {
    const words = analyze(h.text)
    const tf = new Map<string, number>()
    for (const w of words) if (idf.has(w)) tf.set(w, (tf.get(w) ?? 0) + 1)
    const norm = K1 * (1 - B + (B * words.length) / model.avgLength)
    let score = 0
    for (const [t, n] of tf) score += (idf.get(t)! * n * (K1 + 1)) / (n + norm)
    return { ...h, score }
  })
  // Stable: equal scores keep the full-text order.
  return scored
    .map((h, i) => ({ h, i }))
    .sort((a, b) => b.h.score - a.h.score || a.i - b.i)
    .map(({ h }, i) => ({ ...h, ranks: { keyword: i + 1 } }))
}
