import t from 'tap'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RagErrors } from '../../../../plugins/rag/errors.ts'
import { evaluate, mrrAt10, ndcgAt10, recallAt10 } from '../../../../plugins/rag/eval/metrics.ts'
import { Bm25Index } from '../../../../plugins/rag/eval/bm25.ts'
import { analyze, stem } from '../../../../plugins/rag/eval/tokenize.ts'
import { reciprocalRankFusion } from '../../../../plugins/rag/eval/fusion.ts'
import { loadBeir, loadQrels } from '../../../../plugins/rag/eval/beir.ts'

t.test('metrics follow pytrec_eval: linear gain, ideal from all judged docs', async (t) => {
  const judged = new Map([['a', 3], ['b', 1], ['c', 2], ['z', 0]])
  // Retrieved: b (rel 1) at rank 1, x, a (rel 3) at rank 3; c is judged but not retrieved.
  const dcg = 1 / Math.log2(2) + 3 / Math.log2(4)
  const idcg = 3 / Math.log2(2) + 2 / Math.log2(3) + 1 / Math.log2(4)
  t.ok(Math.abs(ndcgAt10(['b', 'x', 'a'], judged) - dcg / idcg) < 1e-12)
  t.equal(recallAt10(['b', 'x', 'a'], judged), 2 / 3)
  t.equal(mrrAt10(['z', 'x', 'a'], judged), 1 / 3)
  t.equal(ndcgAt10(['z'], judged), 0)
  const m = evaluate(new Map([['q1', ['a', 'c', 'b']], ['q3', ['a']]]), new Map([['q1', judged], ['q2', new Map([['a', 1]])], ['q4', new Map()]]))
  // q2 is judged but has no run: counts as 0; q3 has no judgments; q4 has none either: both skipped.
  t.equal(m.queries, 2)
  t.ok(Math.abs(m.ndcgAt10 - 0.5) < 1e-12)
  t.equal(m.mrrAt10, 0.5)
})

t.test('analyzer and BM25', async (t) => {
  t.same(analyze('The Cats were RUNNING to the boxes, studies!'), ['cat', 'run', 'box', 'study'])
  t.equal(stem('is'), 'is')
  const ix = new Bm25Index()
  ix.add('1', 'cats and dogs')
  ix.add('2', 'a cat sat on a mat with another cat')
  ix.add('3', 'bread recipes')
  const hits = ix.search('cat', 10)
  t.same(hits.map((h) => h.id), ['2', '1'])
  t.same(ix.search('nothing matches', 10), [])
})

t.test('RRF fuses by rank', async (t) => {
  // c: 1/61 + 1/63 beats b: 2/62.
  t.same(reciprocalRankFusion([['a', 'b', 'c'], ['c', 'b', 'd']]), ['c', 'b', 'a', 'd'])
  t.same(reciprocalRankFusion([['a'], ['b']], { weights: [1, 2] }), ['b', 'a'])
})

t.test('BEIR loader: streams files, checks lines, enforces limits', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'beir-'))
  mkdirSync(join(dir, 'qrels'))
  writeFileSync(join(dir, 'corpus.jsonl'), '{"_id":"d1","title":"T","text":"x"}\n\n{"_id":"d2","text":"y"}\n')
  writeFileSync(join(dir, 'queries.jsonl'), '{"_id":"q1","text":"x?"}\n')
  writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t2\n')
  const data = await loadBeir(dir)
  t.same(data.corpus, [{ id: 'd1', title: 'T', text: 'x' }, { id: 'd2', title: '', text: 'y' }])
  t.same(data.queries, [{ id: 'q1', text: 'x?' }])
  t.same([...data.qrels.get('q1')!], [['d1', 2]])
  await t.rejects(loadBeir(dir, 'test', { maxRecords: 1 }), { code: RagErrors.evalDataTooLarge.code })
  await t.rejects(loadBeir(dir, 'test', { maxLineChars: 10 }), { code: RagErrors.evalDataTooLarge.code })
  await t.rejects(loadBeir(dir, 'test', { maxBytes: 20 }), { code: RagErrors.evalDataTooLarge.code })
  writeFileSync(join(dir, 'bad.tsv'), 'q1\td1\tthree\n')
  await t.rejects(loadQrels(join(dir, 'bad.tsv')), { code: RagErrors.evalDataInvalid.code, message: `${join(dir, 'bad.tsv')}:1 is not "query-id<TAB>corpus-id<TAB>integer score"` })
  writeFileSync(join(dir, 'corpus.jsonl'), '{"_id":"d1"}\n[1]\n')
  await t.rejects(loadBeir(dir), { code: RagErrors.evalDataInvalid.code, message: `${join(dir, 'corpus.jsonl')}:2 is not a JSON object` })
})
