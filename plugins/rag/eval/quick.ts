/**
 * A quick retrieval benchmark on a BEIR folder: plain BM25 (the reference row), the offline
 * embedder by brute-force cosine, and their RRF hybrid, scored with the standard BEIR metrics.
 * The corpus model is learned from the corpus texts only (never from queries or judgments).
 *
 *   node --import tsx plugins/rag/eval/quick.ts [beir-dir] [--dimension 768] [--semantic 128] [--lexical 0.5]
 */
import { parseArgs } from 'node:util'
import { learnCorpusModel } from '../embed/corpus-model.ts'
import { createOfflineEmbedder } from '../embed/offline.ts'
import { loadBeir } from './beir.ts'
import { Bm25Index } from './bm25.ts'
import { reciprocalRankFusion } from './fusion.ts'
import { evaluate, type Metrics, type Run } from './metrics.ts'

const DEPTH = 100

export interface QuickOptions { dimension: number; semanticDims: number; lexicalWeight: number; bigramWeight: number; rrfK: number; bm25Weight: number }

export async function quickEval(dir: string, o: QuickOptions): Promise<Record<string, Metrics>> {
  const data = await loadBeir(dir)
  const docText = data.corpus.map((d) => (d.title ? `${d.title}\n${d.text}` : d.text))
  const bm25 = new Bm25Index()
  data.corpus.forEach((d, i) => bm25.add(d.id, docText[i]!))
  const model = learnCorpusModel(docText, { semanticDims: o.semanticDims })
  const embedder = createOfflineEmbedder({ dimension: o.dimension, vocabulary: model, lexicalWeight: o.lexicalWeight, bigramWeight: o.bigramWeight })
  const docVecs = await embedder.embed(docText)
  const queryVecs = await embedder.embed(data.queries.map((q) => q.text))

  const runs: Record<string, Run> = { bm25: new Map(), vector: new Map(), hybrid: new Map() }
  data.queries.forEach((q, qi) => {
    const lexical = bm25.search(q.text, DEPTH).map((s) => s.id)
    const qv = queryVecs[qi]!
    const vector = docVecs
      .map((v, i) => ({ i, s: dot(qv, v) }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .slice(0, DEPTH)
      .map(({ i }) => data.corpus[i]!.id)
    runs.bm25!.set(q.id, lexical)
    runs.vector!.set(q.id, vector)
    runs.hybrid!.set(q.id, reciprocalRankFusion([lexical, vector], { k: o.rrfK, weights: [o.bm25Weight, 1] }))
  })
  return Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, evaluate(run, data.qrels)]))
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
      lexical: { type: 'string', default: '0.5' },
      bigram: { type: 'string', default: '0.5' },
      'rrf-k': { type: 'string', default: '60' },
      'bm25-weight': { type: 'string', default: '1' },
    },
  })
  const dir = positionals[0] ?? '/work/shared/rag-eval/msmarco-5k'
  const opts = { dimension: Number(values.dimension), semanticDims: Number(values.semantic), lexicalWeight: Number(values.lexical), bigramWeight: Number(values.bigram), rrfK: Number(values['rrf-k']), bm25Weight: Number(values['bm25-weight']) }
  const started = Date.now()
  const result = await quickEval(dir, opts)
  console.log(JSON.stringify(opts))
  for (const [name, m] of Object.entries(result)) {
    console.log(`${name.padEnd(7)} nDCG@10 ${m.ndcgAt10.toFixed(4)}  recall@10 ${m.recallAt10.toFixed(4)}  MRR@10 ${m.mrrAt10.toFixed(4)}  (${m.queries} judged queries)`)
  }
  console.log(`hybrid - bm25 nDCG@10: ${(result.hybrid!.ndcgAt10 - result.bm25!.ndcgAt10).toFixed(4)}; ${Date.now() - started} ms`)
}
