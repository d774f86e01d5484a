import t from 'tap'
import { learnCorpusModel } from '../../../plugins/rag/embed/corpus-model.ts'
import { bm25Rescore } from '../../../plugins/rag/rerank.ts'
import type { SearchHit } from '../../../src/infra/ports/retrieval.ts'

const hit = (id: string, text: string, score: number, rank: number): SearchHit => ({ documentId: id, chunkId: id, index: 0, text, start: 0, end: text.length, headingPath: [], score, metadata: {}, ranks: { keyword: rank } })

t.test('a rare matching term outranks a common one that full text scored higher', async (t) => {
  const corpus = [...Array.from({ length: 30 }, (_, i) => `the report covers item ${i} of the year`), 'the zeppelin report', 'the report and the report again']
  const model = learnCorpusModel(corpus, { semanticDims: 4 })
  const hits = [hit('common', 'the report and the report again', 0.9, 1), hit('rare', 'the zeppelin report', 0.5, 2), hit('none', 'nothing in common', 0.1, 3)]
  const out = bm25Rescore(model, 'zeppelin report', hits)
  t.same(out.map((h) => h.documentId), ['rare', 'common', 'none'])
  t.same(out.map((h) => h.ranks), [{ keyword: 1 }, { keyword: 2 }, { keyword: 3 }], 'ranks follow the new order')
  t.equal(out[2]!.score, 0, 'no query term, no score')
  t.same(bm25Rescore(model, 'the and', hits), hits, 'a query of stop words only leaves the order as it was')
})
