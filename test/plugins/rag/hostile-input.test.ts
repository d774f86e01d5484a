/**
 * Hostile input to the rag routes: control bytes and lone surrogates in document text and
 * queries, filters nested past the body's depth limit or with huge lists, oversized queries.
 * Document text is normalised on the way in (control bytes dropped, a lone surrogate becomes
 * U+FFFD, as any UTF-8 decoder does) and stays indexable; everything else is a 4xx with a stable
 * code (never a 500), nothing is half-stored, and the server keeps answering.
 */
import t from 'tap'
import { buildTestApp } from '../../helpers/app.ts'
import { createTeam } from '../cms/setup.ts'
import { waitJob } from './jobs.ts'

const P = 'hostile'
const KB = `/v1/projects/${P}/rag/kbs/kb`

function nested(depth: number): object {
  let f: object = { type: 'eq', key: 'dept', value: 'hr' }
  for (let i = 0; i < depth; i++) f = { type: 'and', filters: [f] }
  return f
}

t.test('hostile documents, queries and filters are refused with 4xx', async (t) => {
  const { app } = await buildTestApp(t)
  const { alice } = await createTeam(app, P)
  t.equal((await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/kbs`, headers: alice, payload: { id: 'kb' } })).statusCode, 201)
  const ok = await app.inject({ method: 'POST', url: `${KB}/documents`, headers: alice, payload: { id: 'fine', text: 'A plain document about harbours.', access: { public: true }, metadata: { dept: 'hr' } } })
  t.equal(ok.statusCode, 202)

  const refused = async (what: string, url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, headers: alice, payload })
    t.ok(res.statusCode >= 400 && res.statusCode < 500, `${what}: 4xx (${res.statusCode} ${res.body.slice(0, 200)})`)
    t.match(res.json(), { code: /^(RAG_|VALIDATION_FAILED$|BODY_TOO_DEEP$)/, requestId: String }, `${what}: a stable code`)
  }
  for (const [id, text, stored] of [['nul', 'before\u0000after\u0007 bell', 'beforeafter bell'], ['sur', 'broken \ud800 text', 'broken \ufffd text']]) {
    const res = await app.inject({ method: 'POST', url: `${KB}/documents`, headers: alice, payload: { id, text, access: { public: true } } })
    t.equal(res.statusCode, 202, res.body)
    t.equal((await waitJob(app, alice, P, res.json().job.id)).state, 'succeeded')
    const hits = (await app.inject({ method: 'POST', url: `${KB}/search`, headers: alice, payload: { query: stored.split(' ')[0], mode: 'keyword' } })).json().hits
    t.equal(hits.find((h: { documentId: string }) => h.documentId === id)?.text, stored, `${id}: normalised, stored and indexed`)
  }
  await refused('a NUL in metadata', `${KB}/documents`, { id: 'meta', text: 'ok', metadata: { dept: 'h\u0000r' } })
  await refused('a NUL in the query', `${KB}/search`, { query: 'harbour\u0000' })
  await refused('a lone surrogate in the query', `${KB}/search`, { query: '\udc00 harbour' })
  await refused('a filter nested 200 deep', `${KB}/search`, { query: 'harbour', filter: nested(200) })
  await refused('a filter with 100,000 values', `${KB}/search`, { query: 'harbour', filter: { type: 'in', key: 'dept', value: Array.from({ length: 100_000 }, (_, i) => `v${i}`) } })
  await refused('a query of 1 MB', `${KB}/search`, { query: 'harbour '.repeat(130_000) })
  await refused('k of a million', `${KB}/search`, { query: 'harbour', k: 1_000_000 })
  await refused('a nested filter in ask', `${KB}/ask`, { question: 'harbour?', filter: nested(200) })
  await refused('a nested filter in count', `${KB}/count`, { filter: nested(200) })

  // Nothing half-stored, and the server still serves.
  const docs = (await app.inject({ method: 'GET', url: `${KB}/documents`, headers: alice })).json().items.map((d: { id: string }) => d.id)
  t.same(docs.sort(), ['fine', 'nul', 'sur'], 'only the accepted documents exist')
  t.equal((await app.inject({ method: 'POST', url: `${KB}/search`, headers: alice, payload: { query: 'harbours', filter: nested(3) } })).statusCode, 200, 'a reasonable nested filter works')
})
