/**
 * A quick retrieval benchmark on a BEIR folder: plain BM25 (the reference row), the offline
 * embedder by brute-force cosine, and their hybrid, scored with the standard BEIR metrics. The
 * corpus model is learned from the corpus texts only (never from queries or judgments).
 *
 * The default hybrid is a convex combination of z-score normalised scores (fusion.ts) of the two
 * sides, each after one round of pseudo-relevance feedback (feedback.ts: RM3 on BM25, Rocchio on
 * the vectors). Rows with feedback on one side and without fusion are reported too, so what the
 * feedback alone adds is visible.
 *
 *   node --import tsx plugins/rag/eval/quick.ts [beir-dir] [--dimension 768] [--semantic 128] [--space ppmi|lsa] [--window 5] [--lexical 0.5]
 *     [--bigram 0.5] [--fusion zscore|minmax|rrf] [--bm25-weight 1] [--rrf-k 60] [--prf true|false]
 */
import { parseArgs } from 'node:util'
import { learnCorpusModel, type TermSpace } from '../embed/corpus-model.ts'
import { createOfflineEmbedder } from '../embed/offline.ts'
import { loadBeir } from './beir.ts'
import { Bm25Index, type Scored } from './bm25.ts'
import { rm3Query, rocchio } from './feedback.ts'
import { convexFusion, reciprocalRankFusion, type Normalization } from './fusion.ts'
import { evaluate, ndcgAt10, type Metrics, type Qrels, type Run } from './metrics.ts'

const DEPTH = 100
const FEEDBACK_DOCS = 10

export interface QuickOptions {
  dimension: number
  semanticDims: number
  space: TermSpace
  window: number
  lexicalWeight: number
  bigramWeight: number
  fusion: Normalization | 'rrf'
  rrfK: number
  bm25Weight: number
  prf: boolean
}

export interface QuickResult { metrics: Record<string, Metrics>; perQuery: Record<string, { better: number; worse: number; same: number }>; timings: { learnMs: number; embedDocsMs: number; docs: number; queryMs: number } }

export async function quickEval(dir: string, o: QuickOptions): Promise<QuickResult> {
  const data = await loadBeir(dir)
  const docText = data.corpus.map((d) => (d.title ? `${d.title}\n${d.text}` : d.text))
  const bm25 = new Bm25Index()
  data.corpus.forEach((d, i) => bm25.add(d.id, docText[i]!))
  let t0 = performance.now()
  const model = learnCorpusModel(docText, { semanticDims: o.semanticDims, space: o.space, window: o.window })
  const learnMs = performance.now() - t0
  const embedder = createOfflineEmbedder({ dimension: o.dimension, vocabulary: model, lexicalWeight: o.lexicalWeight, bigramWeight: o.bigramWeight })
  t0 = performance.now()
  const docVecs = await embedder.embed(docText)
  const embedDocsMs = performance.now() - t0
  const byId = new Map(data.corpus.map((d, i) => [d.id, i]))
  const search = (qv: Float32Array): Scored[] =>
    docVecs
      .map((v, i) => ({ i, s: dot(qv, v) }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .slice(0, DEPTH)
      .map(({ i, s }) => ({ id: data.corpus[i]!.id, score: s }))
  const fuse = (lexical: Scored[], vector: Scored[]) =>
    o.fusion === 'rrf'
      ? reciprocalRankFusion([lexical.map((s) => s.id), vector.map((s) => s.id)], { k: o.rrfK, weights: [o.bm25Weight, 1] })
      : convexFusion([lexical, vector], { normalization: o.fusion, weights: [o.bm25Weight, 1] })

  const names = ['bm25', 'bm25+rm3', 'vector', 'vector+rocchio', 'hybrid-rrf', 'hybrid-no-prf', 'hybrid'] as const
  const runs = Object.fromEntries(names.map((n) => [n, new Map()])) as Record<(typeof names)[number], Run>
  t0 = performance.now()
  for (const q of data.queries) {
    const [qv] = await embedder.embed([q.text])
    const lexical = bm25.search(q.text, DEPTH)
    const vector = search(qv!)
    const lexicalFb = bm25.searchWeighted(rm3Query(bm25, q.text, lexical, { feedbackDocs: FEEDBACK_DOCS }), DEPTH)
    const vectorFb = search(rocchio(qv!, vector.slice(0, FEEDBACK_DOCS).map((s) => docVecs[byId.get(s.id)!]!)))
    const ids = (l: Scored[]) => l.map((s) => s.id)
    runs.bm25.set(q.id, ids(lexical))
    runs['bm25+rm3'].set(q.id, ids(lexicalFb))
    runs.vector.set(q.id, ids(vector))
    runs['vector+rocchio'].set(q.id, ids(vectorFb))
    runs['hybrid-rrf'].set(q.id, reciprocalRankFusion([ids(lexical), ids(vector)], { k: o.rrfK }))
    runs['hybrid-no-prf'].set(q.id, fuse(lexical, vector))
    runs.hybrid.set(q.id, o.prf ? fuse(lexicalFb, vectorFb) : fuse(lexical, vector))
  }
  const queryMs = (performance.now() - t0) / Math.max(1, data.queries.length)
  const metrics = Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, evaluate(run, data.qrels)]))
  // Per judged query, is the hybrid's nDCG@10 better or worse than each single side's: a mean can hide a few big swings.
  const perQuery = Object.fromEntries((['bm25', 'bm25+rm3', 'vector'] as const).map((n) => [n, compare(runs.hybrid, runs[n], data.qrels)]))
  return { metrics, perQuery, timings: { learnMs, embedDocsMs, docs: docText.length, queryMs } }
}

function compare(a: Run, b: Run, qrels: Qrels) {
  const out = { better: 0, worse: 0, same: 0 }
  for (const [qid, judged] of qrels) {
    if (judged.size === 0) continue
    const d = ndcgAt10([...new Set(a.get(qid) ?? [])], judged) - ndcgAt10([...new Set(b.get(qid) ?? [])], judged)
    out[Math.abs(d) < 1e-9 ? 'same' : d > 0 ? 'better' : 'worse']++
  }
  return out
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dimension: { type: 'string', default: '768' },
      semantic: { type: 'string', default: '128' },
      space: { type: 'string', default: 'ppmi' },
      window: { type: 'string', default: '5' },
      lexical: { type: 'string', default: '0.5' },
      bigram: { type: 'string', default: '0.5' },
      fusion: { type: 'string', default: 'zscore' },
      'rrf-k': { type: 'string', default: '60' },
      'bm25-weight': { type: 'string', default: '1' },
      prf: { type: 'string', default: 'true' },
    },
  })
  const dir = positionals[0] ?? '/work/shared/rag-eval/msmarco-5k'
  const fusion = values.fusion as QuickOptions['fusion']
  if (!['zscore', 'minmax', 'rrf'].includes(fusion)) throw new Error('--fusion is zscore, minmax or rrf')
  const opts: QuickOptions = {
    dimension: Number(values.dimension), semanticDims: Number(values.semantic), space: values.space as TermSpace, window: Number(values.window), lexicalWeight: Number(values.lexical), bigramWeight: Number(values.bigram),
    fusion, rrfK: Number(values['rrf-k']), bm25Weight: Number(values['bm25-weight']), prf: values.prf !== 'false',
  }
  const { metrics: m, perQuery, timings: t } = await quickEval(dir, opts)
  console.log(JSON.stringify(opts))
  for (const [name, r] of Object.entries(m)) {
    console.log(`${name.padEnd(15)} nDCG@10 ${r.ndcgAt10.toFixed(4)}  recall@10 ${r.recallAt10.toFixed(4)}  MRR@10 ${r.mrrAt10.toFixed(4)}  (${r.queries} judged queries)`)
  }
  const best = Math.max(m.bm25!.ndcgAt10, m.vector!.ndcgAt10)
  console.log(`hybrid - bm25 nDCG@10: ${(m.hybrid!.ndcgAt10 - m.bm25!.ndcgAt10).toFixed(4)}; hybrid - best single plain side: ${(m.hybrid!.ndcgAt10 - best).toFixed(4)}`)
  for (const [n, c] of Object.entries(perQuery)) console.log(`hybrid vs ${n}: better on ${c.better} queries, worse on ${c.worse}, same on ${c.same}`)
  console.log(`ingest: corpus model ${(t.learnMs / 1000).toFixed(1)} s, embedding ${t.docs} docs ${(t.embedDocsMs / 1000).toFixed(1)} s (${Math.round(t.docs / (t.embedDocsMs / 1000))} docs/s); ${t.queryMs.toFixed(1)} ms per query (all modes, brute force)`)
}
