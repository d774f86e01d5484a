/**
 * Upload -> progress -> search -> ask with citations -> conversation, on the production engines:
 * Postgres 15 + pgvector (documents, vectors, job queue), and app data (job records,
 * conversations) in the Cosmos DB emulator.
 */
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from '../../helpers/app.ts'
import { cosmosEmulator, freshPostgresDatabase, isSkip, uniqueName } from '../../helpers/servers.ts'
import { createTeam } from '../cms/setup.ts'
import { waitJob } from './jobs.ts'

async function roundTrip(t: Test, app: FastifyInstance) {
  const { alice, bob, carol } = await createTeam(app, 'p')
  const kb = '/v1/projects/p/rag/kbs/kb'
  t.equal((await app.inject({ method: 'POST', url: '/v1/projects/p/rag/kbs', headers: alice, payload: { id: 'kb' } })).statusCode, 201)
  const html = '<html><head><title>Boarding</title></head><body><h1>Boarding</h1><p>Boarding closes twenty minutes before departure.</p><h2>Bags</h2><p>One cabin bag of eight kilograms is included.</p></body></html>'
  const up = await app.inject({ method: 'POST', url: `${kb}/documents`, headers: bob, payload: { id: 'boarding', contentBase64: Buffer.from(html).toString('base64'), filename: 'boarding.html', access: { users: ['bob'] } } })
  t.equal(up.statusCode, 202, up.body)
  const job = await waitJob(app, bob, 'p', up.json().job.id)
  t.match(job, { state: 'succeeded', progress: { percent: 100 } })
  const hits = (await app.inject({ method: 'POST', url: `${kb}/search`, headers: bob, payload: { query: 'cabin bag weight' } })).json().hits
  t.equal(hits[0]?.documentId, 'boarding')
  t.same(hits[0]?.headingPath, ['Boarding', 'Bags'], 'the heading path of the HTML section')
  t.same((await app.inject({ method: 'POST', url: `${kb}/search`, headers: carol, payload: { query: 'cabin bag weight' } })).json().hits, [], 'not readable by carol')
  const ask = (await app.inject({ method: 'POST', url: `${kb}/ask`, headers: bob, payload: { question: 'When does boarding close?' } })).json()
  t.match(ask.answer, /twenty minutes/)
  const text = (await app.inject({ method: 'GET', url: `${kb}/documents/boarding/text`, headers: bob })).body
  t.ok(ask.citations.length > 0 && ask.citations.every((c: { start: number; end: number; quote: string }) => text.slice(c.start, c.end) === c.quote))
  await app.inject({ method: 'POST', url: `${kb}/ask`, headers: bob, payload: { question: 'How heavy may the cabin bag be?', conversationId: ask.conversationId } })
  const conv = (await app.inject({ method: 'GET', url: `/v1/projects/p/rag/conversations/${ask.conversationId}`, headers: bob })).json()
  t.equal(conv.messages.length, 4)
}

t.test('Postgres 15 + pgvector', async (t) => {
  const db = await freshPostgresDatabase()
  if (isSkip(db)) return t.plan(0, db.skip)
  t.teardown(db.drop)
  const { app } = await buildTestApp(t, { DYAD_SQL: 'postgres', DYAD_POSTGRES_URL: db.url })
  await roundTrip(t, app)
})

t.test('app data in Cosmos DB (emulator)', async (t) => {
  const cosmos = cosmosEmulator()
  if (isSkip(cosmos)) return t.plan(0, cosmos.skip)
  const { app } = await buildTestApp(t, {
    DYAD_APPDATA_STORE: 'cosmos',
    DYAD_COSMOS_ENDPOINT: cosmos.endpoint,
    DYAD_COSMOS_KEY: cosmos.key,
    DYAD_COSMOS_DATABASE: uniqueName('rag'),
    DYAD_COSMOS_ALLOW_SELF_SIGNED: 'true',
  })
  await roundTrip(t, app)
})
