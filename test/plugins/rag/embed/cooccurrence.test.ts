import t from 'tap'
import { ppmiRows } from '../../../../plugins/rag/embed/cooccurrence.ts'

const cell = (rows: ReturnType<typeof ppmiRows>, a: number, b: number) => {
  const i = [...rows[a]!.ids].indexOf(b)
  return i < 0 ? 0 : rows[a]!.w[i]!
}

t.test('PPMI over a window: exact values, symmetric, positive only, out-of-vocabulary skipped', async (t) => {
  // Vocabulary 0..3; -1 is out of vocabulary and breaks nothing (it is skipped, not a gap closer).
  const docs = [Int32Array.from([0, 1, -1, 2]), Int32Array.from([0, 1]), Int32Array.from([3, 3])]
  const rows = ppmiRows(docs, 4, { window: 2, maxPairs: 1000 })
  // Pairs (weight 1/distance): doc 1: 0-1 (1), 0-2 (dist 3 > window: none), 1-2 (dist 2: 0.5); doc 2: 0-1 (1); 3-3 is the same word: skipped.
  // Counts: c01 = 2, c12 = 0.5. Marginals: m0 = 2, m1 = 2.5, m2 = 0.5, m3 = 0; total 5.
  const m = [2, 2.5, 0.5, 0]
  const ctxTotal = m.reduce((s, x) => s + x ** 0.75, 0)
  const pmi = (c: number, a: number, b: number) => Math.log((c * ctxTotal) / (m[a]! * m[b]! ** 0.75))
  const expected = [[0, 1, pmi(2, 0, 1)], [1, 0, pmi(2, 1, 0)], [1, 2, pmi(0.5, 1, 2)], [2, 1, pmi(0.5, 2, 1)]] as const
  for (const [a, b, v] of expected) {
    if (v > 0) t.ok(Math.abs(cell(rows, a, b) - v) < 1e-12, `cell ${a},${b}`)
    else t.equal(cell(rows, a, b), 0, `cell ${a},${b} is not positive: dropped`)
  }
  t.equal(rows.length, 4)
  t.equal(rows[3]!.ids.length, 0)
  t.ok(rows.every((r) => [...r.w].every((w) => w > 0)))
})

t.test('maxPairs bounds the counting', async (t) => {
  const long = Int32Array.from({ length: 10_000 }, (_, i) => i % 50)
  const bounded = ppmiRows([long], 50, { window: 5, maxPairs: 100 })
  const total = bounded.reduce((s, r) => s + r.ids.length, 0)
  t.ok(total > 0 && total <= 200, `at most two cells per counted pair (got ${total})`)
  t.same(ppmiRows([], 3, { window: 5, maxPairs: 10 }).map((r) => r.ids.length), [0, 0, 0])
})
