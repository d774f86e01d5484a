/**
 * Automatic reindexing: a knowledge base on the offline embedder learns its corpus model by itself
 * once it has enough ready documents, and again only after it has doubled; a base embedded by a
 * gateway model never reindexes on its own (its re-embedding is billed).
 */
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../../helpers/app.ts'
import { createTeam } from '../cms/setup.ts'
import { until, waitJob } from './jobs.ts'

const P = 'auto'
const KBS = `/v1/projects/${P}/rag/kbs`

t.test('a base reindexes itself at the threshold and again when it has doubled', async (t) => {
  const { app } = await buildTestApp(t, { DYAD_RAG_AUTO_REINDEX_DOCUMENTS: '4' })
  const { alice } = await createTeam(app, P)
  const kb = async (id: string) => (await app.inject({ method: 'GET', url: `${KBS}/${id}`, headers: alice })).json()
  const upload = async (app: FastifyInstance, id: string, doc: string) => {
    const res = await app.inject({ method: 'POST', url: `${KBS}/${id}/documents`, headers: alice, payload: { id: doc, text: `Note ${doc} about tides, bread and chess number ${doc}.`, access: { public: true } } })
    if (res.statusCode !== 202) throw new Error(res.body)
    const job = await waitJob(app, alice, P, res.json().job.id)
    if (job.state !== 'succeeded') throw new Error(JSON.stringify(job))
  }
  for (const [id, embedding] of [['offline', {}], ['hosted', { provider: 'gateway' }]] as const) {
    t.equal((await app.inject({ method: 'POST', url: KBS, headers: alice, payload: { id, embedding } })).statusCode, 201)
  }

  for (const d of ['d1', 'd2', 'd3']) await upload(app, 'offline', d)
  t.notOk((await kb('offline')).pending, 'below the threshold: no reindex')
  await upload(app, 'offline', 'd4')
  const first = await until('the first automatic reindex', async () => {
    const k = await kb('offline')
    return k.indexVersion === 2 && !k.pending ? k : undefined
  })
  t.match(first, { indexVersion: 2, trainedVersions: [2], trainedDocs: 4 }, 'learned from the 4 ready documents')

  // The next one waits until the base has doubled (8 ready documents).
  for (const d of ['d5', 'd6', 'd7']) await upload(app, 'offline', d)
  const k7 = await kb('offline')
  t.ok(k7.indexVersion === 2 && !k7.pending, 'no reindex before doubling')
  await upload(app, 'offline', 'd8')
  const second = await until('the second automatic reindex', async () => {
    const k = await kb('offline')
    return k.indexVersion === 3 && !k.pending ? k : undefined
  })
  t.match(second, { trainedDocs: 8 })
  const hits = (await app.inject({ method: 'POST', url: `${KBS}/offline/search`, headers: alice, payload: { query: 'tides bread', k: 20 } })).json().hits
  t.equal(new Set(hits.map((h: { documentId: string }) => h.documentId)).size, 8, 'every document is in the new version')

  for (const d of ['h1', 'h2', 'h3', 'h4', 'h5']) await upload(app, 'hosted', d)
  const hosted = await kb('hosted')
  t.ok(hosted.indexVersion === 1 && !hosted.pending, 'a gateway-embedded base does not reindex by itself')
})
