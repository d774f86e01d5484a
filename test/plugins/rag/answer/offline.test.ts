import t from 'tap'
import { composeExtractiveAnswer, type RetrievedChunk } from '../../../../plugins/rag/answer/offline.ts'
import { verifyCitations } from '../../../../plugins/rag/answer/citations.ts'

const DOCS: Record<string, string> = {
  d1: 'Intro line.\n\nThe Eiffel Tower is in Paris. It was built in 1889 for the World Fair. Tourists love it.',
  d2: 'Mount Fuji is the tallest mountain in Japan. It last erupted in 1707. 😀 Snow covers it in winter.',
}
const chunk = (documentId: string, start: number, end: number, score: number): RetrievedChunk => ({ documentId, chunkId: `${documentId}#${start}`, text: DOCS[documentId]!.slice(start, end), start, end, score })
const text = (id: string) => DOCS[id]

t.test('picks matching sentences; citations are exact document spans', async (t) => {
  const chunks = [chunk('d1', 13, DOCS.d1!.length, 0.9), chunk('d2', 0, DOCS.d2!.length, 0.5)]
  const answer = composeExtractiveAnswer('When was the Eiffel Tower built?', chunks, { maxSentences: 2 })
  t.same(answer.citations.map((c) => [c.documentId, c.quote]), [['d1', 'The Eiffel Tower is in Paris.'], ['d1', 'It was built in 1889 for the World Fair.']])
  t.same(answer.citations[1], { documentId: 'd1', chunkId: 'd1#13', start: 43, end: 83, quote: 'It was built in 1889 for the World Fair.' })
  t.match(answer.text, /1889 for the World Fair\. \[\d\]/)
  for (const c of answer.citations) t.equal(DOCS[c.documentId]!.slice(c.start, c.end), c.quote)
  t.same(verifyCitations(answer.citations, text).invalid, [])
})

t.test('no match or no question: a plain no-answer, no citations', async (t) => {
  const chunks = [chunk('d2', 0, 44, 1)]
  t.same(composeExtractiveAnswer('bread recipes', chunks), { text: 'No passage in the knowledge base answers this question.', citations: [] })
  t.same(composeExtractiveAnswer('the of', chunks).citations, [])
  t.same(composeExtractiveAnswer('Fuji', []).citations, [])
})

t.test('huge lines are cut into bounded, surrogate-safe quotes', async (t) => {
  const long = '😀'.repeat(1000) + ' fuji ' + 'z'.repeat(5000)
  const answer = composeExtractiveAnswer('fuji', [{ documentId: 'x', chunkId: 'x1', text: long, start: 10, end: 10 + long.length, score: 1 }])
  t.equal(answer.citations.length, 1)
  const c = answer.citations[0]!
  t.ok(c.quote.length <= 600)
  t.equal(('0123456789' + long).slice(c.start, c.end), c.quote)
  t.notMatch(c.quote, /^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/)
})

t.test('verifyCitations rejects made-up spans', async (t) => {
  const good = { documentId: 'd2', chunkId: 'c', start: 0, end: 10, quote: 'Mount Fuji' }
  const result = verifyCitations(
    [good, { ...good, quote: 'Mount Fujj' }, { ...good, documentId: 'nope' }, { ...good, start: -1 }, { ...good, end: 1e9 }, { ...good, start: 5, end: 5, quote: '' }, { ...good, start: 0.5 }],
    text,
  )
  t.same(result.valid, [good])
  t.equal(result.invalid.length, 6)
})
