import t from 'tap'
import { RagErrors } from '../../../../plugins/rag/errors.ts'
import { chunkDocument, embeddingInput } from '../../../../plugins/rag/text/chunk.ts'
import { tokenCount } from '../../../../plugins/rag/text/segment.ts'
import type { ParsedDocument } from '../../../../plugins/rag/text/types.ts'
import { prng } from '../../../../plugins/rag/embed/hash.ts'

const PIECES = ['word', 'Satz.', 'end!', '\n', '\n\n', ' ', '  ', '😀', 'ünïcode', 'x'.repeat(300), '.', '?', '\t', 'ab\u0301', '漢字。']

function randomDoc(rand: () => number): ParsedDocument {
  const parts: string[] = []
  const n = Math.floor(rand() * 400)
  for (let i = 0; i < n; i++) parts.push(PIECES[Math.floor(rand() * PIECES.length)]!)
  const text = parts.join(rand() < 0.5 ? ' ' : '')
  const cuts = [0, ...Array.from({ length: Math.floor(rand() * 4) }, () => Math.floor(rand() * text.length)), text.length]
    .sort((a, b) => a - b)
    // Sections from a parser never split a surrogate pair either.
    .map((c) => (c > 0 && c < text.length && /[\uDC00-\uDFFF]/.test(text[c]!) ? c - 1 : c))
  const sections = cuts.slice(1).map((end, i) => ({ start: cuts[i]!, end, headingPath: [`s${i}`] })).filter((s) => s.end > s.start)
  return { text, sections }
}

t.test('property: exact slices, inside one section, within budget, no split surrogate', async (t) => {
  const rand = prng(7)
  let checked = 0
  for (let round = 0; round < 300; round++) {
    const doc = randomDoc(rand)
    const maxTokens = 16 + Math.floor(rand() * 100)
    const overlapTokens = Math.floor(rand() * (maxTokens / 2))
    const chunks = chunkDocument(doc, { maxTokens, overlapTokens })
    chunks.forEach((c, i) => {
      const ok =
        c.index === i &&
        doc.text.slice(c.start, c.end) === c.text &&
        c.text.trim() === c.text && c.text !== '' &&
        c.tokens === tokenCount(c.text) && c.tokens <= maxTokens &&
        !/^[\uDC00-\uDFFF]/.test(c.text) && !/[\uD800-\uDBFF]$/.test(c.text) &&
        doc.sections.some((s) => s.start <= c.start && c.end <= s.end && s.headingPath.join() === c.headingPath.join())
      if (!ok) t.fail(`round ${round} chunk ${i}: ${JSON.stringify(c)}`)
      checked++
    })
    // Every non-space character is in some chunk.
    const covered = new Uint8Array(doc.text.length)
    for (const c of chunks) covered.fill(1, c.start, c.end)
    const inSection = (i: number) => doc.sections.some((s) => s.start <= i && i < s.end)
    for (let i = 0; i < doc.text.length; i++) if (!covered[i] && inSection(i) && /\S/.test(doc.text[i]!)) { t.fail(`round ${round}: char ${i} not covered`); break }
  }
  t.ok(checked > 1000, `checked ${checked} chunks`)
})

t.test('prefers paragraph ends and overlaps in tokens', async (t) => {
  const para = (n: number) => Array.from({ length: 6 }, (_, i) => `Sentence ${n}.${i} is here.`).join(' ')
  const text = [para(1), para(2), para(3), para(4)].join('\n\n')
  const chunks = chunkDocument({ text, sections: [{ start: 0, end: text.length, headingPath: ['H'] }] }, { maxTokens: 100, overlapTokens: 0 })
  t.ok(chunks.length >= 2)
  for (const c of chunks.slice(0, -1)) t.ok(text.slice(c.end, c.end + 2) === '\n\n', `chunk ends at a paragraph: ${JSON.stringify(c.text.slice(-20))}`)
  const overlapped = chunkDocument({ text, sections: [{ start: 0, end: text.length, headingPath: ['H'] }] }, { maxTokens: 100, overlapTokens: 20 })
  t.ok(overlapped[1]!.start < overlapped[0]!.end, 'the second chunk starts inside the first')
})

t.test('5 MB document chunks in linear-ish time', async (t) => {
  const text = 'Lorem ipsum dolor sit amet, consectetur. Adipiscing elit sed do!\n\n'.repeat(75_000)
  const started = Date.now()
  const chunks = chunkDocument({ text, sections: [{ start: 0, end: text.length, headingPath: [] }] }, { maxTokens: 512, overlapTokens: 64 })
  t.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`)
  t.ok(chunks.length > 1000)
})

t.test('options are validated; embeddingInput carries the heading path', async (t) => {
  const doc = { text: 'abc', sections: [{ start: 0, end: 3, headingPath: [] }] }
  t.throws(() => chunkDocument(doc, { maxTokens: 4, overlapTokens: 0 }), { code: RagErrors.invalidChunking.code })
  t.throws(() => chunkDocument(doc, { maxTokens: 100, overlapTokens: 60 }), { code: RagErrors.invalidChunking.code })
  const [c] = chunkDocument({ text: 'Body.', sections: [{ start: 0, end: 5, headingPath: ['Guide', 'Install'] }] }, { maxTokens: 50, overlapTokens: 0 })
  t.same(c, { index: 0, text: 'Body.', start: 0, end: 5, headingPath: ['Guide', 'Install'], tokens: 2 })
  t.equal(embeddingInput(c!, 'Guide'), 'Guide > Install\n\nBody.')
  t.equal(embeddingInput(c!, 'Manual'), 'Manual > Guide > Install\n\nBody.')
  t.equal(embeddingInput({ ...c!, headingPath: [] }), 'Body.')
})
