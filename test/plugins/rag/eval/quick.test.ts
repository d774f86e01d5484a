import t from 'tap'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { quickEval, type QuickOptions } from '../../../../plugins/rag/eval/quick.ts'

// A made-up base: two topics, queries that name one topic each, judged documents of that topic.
const DOCS = [
  ['c1', 'car engine oil and brake fluid for the automobile'],
  ['c2', 'the automobile engine needs oil; brakes stop the car wheels'],
  ['c3', 'car tyres and wheels wear out; check the brake pads'],
  ['b1', 'bread dough with yeast rises before the oven bakes it'],
  ['b2', 'sourdough bread bakes in a hot oven with a golden crust'],
  ['b3', 'flour water yeast: dough for bread and rolls'],
] as const
const OPTS: QuickOptions = { dimension: 64, semanticDims: 4, space: 'ppmi', window: 5, lexicalWeight: 0.5, bigramWeight: 0.5, fusion: 'zscore', rrfK: 60, bm25Weight: 1, prf: true }

t.test('quick eval: every row, standard metrics in range, per-query counts add up, deterministic', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'quick-'))
  mkdirSync(join(dir, 'qrels'))
  writeFileSync(join(dir, 'corpus.jsonl'), DOCS.map(([id, text]) => JSON.stringify({ _id: id, title: '', text })).join('\n'))
  writeFileSync(join(dir, 'queries.jsonl'), [JSON.stringify({ _id: 'q1', text: 'automobile brakes' }), JSON.stringify({ _id: 'q2', text: 'yeast dough' }), JSON.stringify({ _id: 'q3', text: 'unjudged' })].join('\n'))
  writeFileSync(join(dir, 'qrels', 'test.tsv'), 'q1\tc1\t2\nq1\tc2\t1\nq2\tb1\t2\nq2\tb3\t1\n')
  const r = await quickEval(dir, OPTS)
  t.same(Object.keys(r.metrics), ['bm25', 'bm25+rm3', 'vector', 'vector+rocchio', 'hybrid-rrf', 'hybrid-no-prf', 'hybrid'])
  for (const m of Object.values(r.metrics)) {
    t.equal(m.queries, 2)
    for (const v of [m.ndcgAt10, m.recallAt10, m.mrrAt10]) t.ok(v >= 0 && v <= 1)
  }
  t.equal(r.metrics.bm25!.recallAt10, 1, 'six documents: every judged one is in the top 10')
  t.equal(r.metrics.hybrid!.mrrAt10, 1, 'the topic is found first')
  for (const c of Object.values(r.perQuery)) t.equal(c.better + c.worse + c.same, 2)
  t.equal(r.timings.docs, 6)
  const again = await quickEval(dir, OPTS)
  t.same(again.metrics, r.metrics)
  const off = await quickEval(dir, { ...OPTS, prf: false })
  t.same(off.metrics.hybrid, off.metrics['hybrid-no-prf'], 'prf false: the hybrid is the no-feedback fusion')
})
