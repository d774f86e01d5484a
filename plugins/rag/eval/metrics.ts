/**
 * The standard BEIR metrics as pytrec_eval computes them: nDCG@10 with linear gain (rel /
 * log2(rank+1)), the ideal DCG taken from ALL judged documents of the query (not only retrieved
 * ones); recall@10 over the query's relevant (rel > 0) documents; MRR@10 as the reciprocal rank of
 * the first relevant document in the top 10. Each is averaged over judged queries only: a query
 * without judgments is skipped, a judged query that retrieved nothing counts as 0.
 */
export type Qrels = Map<string, Map<string, number>>
/** Ranked document ids per query id, best first. */
export type Run = Map<string, string[]>

export interface Metrics { ndcgAt10: number; recallAt10: number; mrrAt10: number; queries: number }

const K = 10

export function ndcgAt10(ranked: readonly string[], judged: ReadonlyMap<string, number>): number {
  let dcg = 0
  ranked.slice(0, K).forEach((id, i) => {
    const rel = judged.get(id) ?? 0
    if (rel > 0) dcg += rel / Math.log2(i + 2)
  })
  const ideal = [...judged.values()].filter((r) => r > 0).sort((a, b) => b - a).slice(0, K)
  const idcg = ideal.reduce((s, rel, i) => s + rel / Math.log2(i + 2), 0)
  return idcg === 0 ? 0 : dcg / idcg
}

export function recallAt10(ranked: readonly string[], judged: ReadonlyMap<string, number>): number {
  const relevant = [...judged.values()].filter((r) => r > 0).length
  if (relevant === 0) return 0
  return ranked.slice(0, K).filter((id) => (judged.get(id) ?? 0) > 0).length / relevant
}

export function mrrAt10(ranked: readonly string[], judged: ReadonlyMap<string, number>): number {
  const i = ranked.slice(0, K).findIndex((id) => (judged.get(id) ?? 0) > 0)
  return i < 0 ? 0 : 1 / (i + 1)
}

/** Mean of each metric over the queries that have at least one judgment. */
export function evaluate(run: Run, qrels: Qrels): Metrics {
  let n = 0
  const sum = { ndcgAt10: 0, recallAt10: 0, mrrAt10: 0 }
  for (const [qid, judged] of qrels) {
    if (judged.size === 0) continue
    const ranked = dedupe(run.get(qid) ?? [])
    sum.ndcgAt10 += ndcgAt10(ranked, judged)
    sum.recallAt10 += recallAt10(ranked, judged)
    sum.mrrAt10 += mrrAt10(ranked, judged)
    n++
  }
  const mean = (x: number) => (n === 0 ? 0 : x / n)
  return { ndcgAt10: mean(sum.ndcgAt10), recallAt10: mean(sum.recallAt10), mrrAt10: mean(sum.mrrAt10), queries: n }
}

/** pytrec_eval scores a document once: a repeated id in a run keeps its first rank. */
function dedupe(ids: readonly string[]): string[] {
  return [...new Set(ids)]
}
