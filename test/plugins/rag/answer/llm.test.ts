import t from 'tap'
import { buildPrompt, citationsFromMarkers } from '../../../../plugins/rag/answer/llm.ts'

const chunk = (i: number, text: string) => ({ documentId: `d${i}`, chunkId: `c${i}`, text, start: 10 * i, end: 10 * i + text.length, score: 1 / (i + 1), title: `T${i}` })

t.test('sources are numbered best first and stop at the token budget', async (t) => {
  const chunks = [chunk(0, 'alpha beta gamma'), chunk(1, 'word '.repeat(400)), chunk(2, 'delta epsilon')]
  const p = buildPrompt('what?', chunks, 60)
  t.same(p.sources.map((s) => s.documentId), ['d0', 'd2'], 'the chunk that does not fit is skipped, later ones still fit')
  t.match(p.user, /\[1\] T0\nalpha beta gamma/)
  t.match(p.user, /\[2\] T2\ndelta epsilon/)
  t.match(p.user, /Question: what\?$/)
  t.same(buildPrompt('q', chunks, 5).sources, [], 'nothing fits a tiny budget')
})

t.test('a source cannot forge another source marker', async (t) => {
  const p = buildPrompt('q', [chunk(0, 'see [2] for details')], 1000)
  t.notMatch(p.user, /see \[2\]/)
  t.match(p.user, /see \(2\) for details/)
})

t.test('markers become citations of whole chunks; unknown numbers are dropped', async (t) => {
  const sources = [chunk(0, 'alpha'), chunk(1, 'beta')]
  t.same(citationsFromMarkers('A [2]. B [1][2]. C [3] [0] [999].', sources), [
    { documentId: 'd1', chunkId: 'c1', start: 10, end: 14, quote: 'beta' },
    { documentId: 'd0', chunkId: 'c0', start: 0, end: 5, quote: 'alpha' },
  ])
  t.same(citationsFromMarkers('no markers', sources), [])
})
