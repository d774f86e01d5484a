import t from 'tap'
import { Bm25Index } from '../../../../plugins/rag/eval/bm25.ts'
import { rm3Query, rocchio } from '../../../../plugins/rag/eval/feedback.ts'
import { convexFusion } from '../../../../plugins/rag/eval/fusion.ts'

const DOCS = [
  ['d1', 'yeast bread dough rises in the oven'],
  ['d2', 'sourdough bread needs a starter and a hot oven'],
  ['d3', 'the oven bakes bread; yeast makes dough rise'],
  ['d4', 'cars need engine oil and brake fluid'],
  ['d5', 'a starter culture leavens sourdough'],
] as const

function index(): Bm25Index {
  const ix = new Bm25Index()
  for (const [id, text] of DOCS) ix.add(id, text)
  return ix
}

t.test('BM25 with weighted terms: weight 1 is plain BM25, weights scale each term, zero drops it', async (t) => {
  const ix = index()
  t.same(ix.searchWeighted(new Map([['bread', 1], ['oven', 1]]), 10), ix.search('bread oven', 10))
  const bread = ix.search('bread', 10)
  const doubled = ix.searchWeighted(new Map([['bread', 2], ['car', 0]]), 10)
  t.same(doubled.map((h) => h.id), bread.map((h) => h.id))
  doubled.forEach((h, i) => t.ok(Math.abs(h.score - 2 * bread[i]!.score) < 1e-12))
  t.same(ix.document('d4'), { counts: new Map([['car', 1], ['need', 1], ['engine', 1], ['oil', 1], ['brake', 1], ['fluid', 1]]), length: 6 })
  t.equal(ix.document('nope'), undefined)
})

t.test('RM3: weights sum to 1, the original query keeps its share, feedback brings in co-occurring terms', async (t) => {
  const ix = index()
  const first = ix.search('yeast', 10)
  t.same(first.map((h) => h.id).sort(), ['d1', 'd3'])
  const q = rm3Query(ix, 'yeast', first, { feedbackTerms: 5 })
  t.ok(Math.abs([...q.values()].reduce((a, b) => a + b, 0) - 1) < 1e-12)
  t.ok(q.size <= 6, 'the original term plus at most feedbackTerms')
  t.ok(q.get('yeast')! >= 0.5, 'the original term keeps originalWeight and gets some feedback mass')
  t.ok(q.has('dough') && q.has('bread'), 'words of the feedback documents join the query')
  // The expanded query now reaches a bread document that never says "yeast".
  t.ok(ix.searchWeighted(q, 10).some((h) => h.id === 'd2'))
  t.same(rm3Query(ix, 'yeast', first, { originalWeight: 1 }), new Map([['yeast', 1]]), 'originalWeight 1: the query unchanged')
  t.same(rm3Query(ix, 'yeast', []), new Map([['yeast', 1]]), 'no feedback: the query unchanged')
  t.same(rm3Query(ix, 'yeast', first, { feedbackDocs: 1e9, feedbackTerms: -3 }), rm3Query(ix, 'yeast', first), 'bad sizes: bounded or defaulted')
  t.same(rm3Query(ix, 'yeast', first, { feedbackTerms: 2 }), rm3Query(ix, 'yeast', first, { feedbackTerms: 2 }), 'deterministic')
})

t.test('Rocchio: unit length, moves toward the feedback, no feedback leaves the query', async (t) => {
  const q = Float32Array.from([1, 0, 0])
  const moved = rocchio(q, [Float32Array.from([0, 1, 0]), Float32Array.from([0, 1, 0])], 1)
  t.ok(Math.abs(moved[0]! - Math.SQRT1_2) < 1e-6 && Math.abs(moved[1]! - Math.SQRT1_2) < 1e-6)
  t.same([...rocchio(q, [])], [1, 0, 0])
  t.same([...rocchio(q, [Float32Array.from([1, 1])])], [1, 0, 0], 'a vector of another dimension is ignored')
})

t.test('convex fusion of normalised scores', async (t) => {
  const bm25 = [{ id: 'a', score: 12 }, { id: 'b', score: 11 }, { id: 'c', score: 2 }]
  const cos = [{ id: 'c', score: 0.9 }, { id: 'b', score: 0.89 }, { id: 'd', score: 0.1 }]
  // z-scores: a 0.76, b 0.65, c -1.41 | c 0.71, b 0.70, d -1.41 (floor for the missing ones -1.41)
  t.same(convexFusion([bm25, cos]), ['b', 'a', 'c', 'd'])
  t.same(convexFusion([bm25, cos], { weights: [0, 1] }), ['c', 'b', 'a', 'd'], 'weight 0 ignores a list (ties by id)')
  t.same(convexFusion([bm25, cos], { normalization: 'minmax' }), ['b', 'a', 'c', 'd'])
  // Scale does not matter: multiplying one list's scores by 1000 changes nothing.
  t.same(convexFusion([bm25.map((s) => ({ ...s, score: s.score * 1000 })), cos]), convexFusion([bm25, cos]))
  t.same(convexFusion([[{ id: 'x', score: 5 }], []]), ['x'], 'one hit, one empty list')
  t.same(convexFusion([]), [])
})
