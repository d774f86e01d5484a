import t from 'tap'
import { RagErrors } from '../../../../plugins/rag/errors.ts'
import { detectFormat, parseDocument } from '../../../../plugins/rag/text/parse.ts'
import { minimalPdf } from './pdf-fixture.ts'

const enc = (s: string) => new TextEncoder().encode(s)
const L = { maxChars: 1_000_000 }

t.test('detectFormat: content type first, then extension', async (t) => {
  t.equal(detectFormat('text/markdown; charset=utf-8', 'x.pdf'), 'markdown')
  t.equal(detectFormat('application/ld+json', undefined), 'json')
  t.equal(detectFormat('application/octet-stream', 'Report.PDF'), 'pdf')
  t.equal(detectFormat(undefined, 'page.htm'), 'html')
  t.equal(detectFormat(undefined, 'noext'), undefined)
  t.equal(detectFormat('image/png', 'a.png'), undefined)
})

t.test('plain text: cleaned, one section', async (t) => {
  const doc = await parseDocument(enc('\uFEFFa\r\nb\u0000c\r'), 'text', L)
  t.same(doc, { text: 'a\nbc', sections: [{ start: 0, end: 4, headingPath: [] }] })
})

t.test('markdown: headings become nested section paths', async (t) => {
  const doc = await parseDocument(enc('# Guide\n\nIntro *here*.\n\n## Install\n\nRun `npm`.\n\n> - quoted item\n\n# Other\n\nEnd.'), 'markdown', L)
  t.equal(doc.title, 'Guide')
  t.equal(doc.text, 'Guide\n\nIntro here.\n\nInstall\n\nRun npm.\n\nquoted item\n\nOther\n\nEnd.')
  t.same(doc.sections.map((s) => [doc.text.slice(s.start, s.end), s.headingPath]), [
    ['Guide\n\nIntro here.', ['Guide']],
    ['Install\n\nRun npm.\n\nquoted item', ['Guide', 'Install']],
    ['Other\n\nEnd.', ['Other']],
  ])
})

t.test('html: title, headings, blocks, skipped script/style', async (t) => {
  const doc = await parseDocument(enc('<html><head><title> The  Page </title><style>p{}</style></head><body><h1>A</h1><p>one\n  two</p><script>evil()</script><h3>B</h3><ul><li>x</li><li>y</li></ul></body></html>'), 'html', L)
  t.equal(doc.title, 'The Page')
  t.equal(doc.text, 'A\n\none two\n\nB\n\nx\n\ny')
  t.same(doc.sections.map((s) => s.headingPath), [['A'], ['A', 'B']])
})

t.test('html: 100k nested tags parse without overflowing', async (t) => {
  const doc = await parseDocument(enc('<div>'.repeat(100_000) + 'deep' + '<span>'.repeat(50_000)), 'html', L)
  t.equal(doc.text, 'deep')
})

t.test('json: records as key: value lines, one section per record, bounded depth', async (t) => {
  const doc = await parseDocument(enc(JSON.stringify([{ name: 'Ada', tags: ['x', 'y'], address: { city: 'Oslo' }, kids: [{ n: 1 }] }, { v: null }])), 'json', L)
  t.equal(doc.text, 'name: Ada\ntags: x, y\naddress.city: Oslo\nkids[0].n: 1\n\nv: null')
  t.same(doc.sections.map((s) => s.headingPath), [['Ada'], ['Record 2']])
  const deep = '{"a":'.repeat(100_000) + '"bottom"' + '}'.repeat(100_000)
  const d2 = await parseDocument(enc(deep), 'json', L)
  t.equal(d2.text, 'a.a.a.a.a.a.a.a: [nested]')
  await t.rejects(parseDocument(enc('[1, 2]'), 'json', L), RagErrors.documentUnparsable('JSON record 1 is not an object.'))
  await t.rejects(parseDocument(enc('{"a":'), 'json', L), { code: RagErrors.documentUnparsable.code })
  await t.rejects(parseDocument(enc('{}'), 'json', L), { code: RagErrors.documentEmpty.code })
})

t.test('pdf: pages become sections; truncated or garbage PDFs reject', async (t) => {
  const pdf = minimalPdf(['Hello page one.', 'Second (page) text.'], 'My Doc')
  const doc = await parseDocument(pdf, 'pdf', L)
  t.same(doc, {
    text: 'Hello page one.\n\nSecond (page) text.',
    sections: [{ start: 0, end: 15, headingPath: ['Page 1'] }, { start: 17, end: 36, headingPath: ['Page 2'] }],
    title: 'My Doc',
  })
  await t.rejects(parseDocument(pdf.slice(0, Math.floor(pdf.length / 2)), 'pdf', L), { code: RagErrors.documentUnparsable.code })
  await t.rejects(parseDocument(enc('%PDF-1.4 not really'), 'pdf', L), { code: RagErrors.documentUnparsable.code })
})

t.test('hostile input: bad UTF-8, empty, too large, slow markdown, unknown format', async (t) => {
  await t.rejects(parseDocument(new Uint8Array([0x61, 0xff, 0xfe]), 'text', L), { code: RagErrors.documentUnparsable.code, message: 'The document is not valid UTF-8 text.' })
  await t.rejects(parseDocument(new Uint8Array(), 'text', L), { code: RagErrors.documentEmpty.code })
  await t.rejects(parseDocument(enc(' \n\u0000\t'), 'text', L), { code: RagErrors.documentEmpty.code })
  await t.rejects(parseDocument(enc('x'.repeat(101)), 'text', { maxChars: 100 }), { code: RagErrors.documentTooLarge.code })
  await t.rejects(parseDocument(enc('<p>' + 'y '.repeat(200) + '</p>'), 'html', { maxChars: 100 }), { code: RagErrors.documentTooLarge.code })
  await t.rejects(parseDocument(enc('*'.repeat(200_000) + 'x' + '*'.repeat(200_000)), 'markdown', { maxChars: 1_000_000, timeoutMs: 500 }), { code: RagErrors.parseTimeout.code })
  await t.rejects(parseDocument(enc('x'), 'docx' as never, L), { code: RagErrors.unsupportedFormat.code })
  const long = await parseDocument(enc('z'.repeat(500_000)), 'markdown', L)
  t.equal(long.text.length, 500_000)
})
