/**
 * The rag domain through HTTP on the embedded profile (PGlite + pgvector, app data on SQL, jobs on
 * pg-boss): knowledge bases, upload -> job progress (polling and SSE) -> search -> ask with
 * citations, access decided by the read policy (shipped and replaced per project) and checked
 * against evaluating the policy document by document, malformed uploads, dedupe, replace, delete.
 */
import t from 'tap'
import { buildTestApp, bearer, JWT_SECRET } from '../../helpers/app.ts'
import { signHs256 } from '../../helpers/jwt.ts'
import { createTeam } from '../cms/setup.ts'
import { waitJob } from './jobs.ts'

const P = 'lib'
const KB = `/v1/projects/${P}/rag/kbs/handbook`

const DOCS = {
  vacation: { text: '# Vacation\n\nEmployees get thirty days of paid vacation per year. Vacation requests go to the team lead two weeks ahead.\n\n## Carry-over\n\nUnused vacation days carry over until March.', access: { users: ['bob'] }, metadata: { dept: 'hr', level: 1 } },
  salaries: { text: 'Salary bands are reviewed every April. The engineering salary band for seniors is confidential.', access: { users: ['carol'] }, metadata: { dept: 'finance', level: 3 } },
  coffee: { text: 'The coffee machine on the third floor is cleaned every Friday afternoon.', access: { public: true }, metadata: { dept: 'facilities', level: 0 } },
  security: { text: 'Report security incidents to the security team within one hour. Rotate your laptop password every ninety days.', access: { groups: ['sec'] }, metadata: { dept: 'it', level: 2 } },
} as const

t.test('upload, progress, search, ask: only what the read policy allows', async (t) => {
  const { app } = await buildTestApp(t)
  const { alice, bob, carol } = await createTeam(app, P)
  const dave = bearer(signHs256({ sub: 'dave', groups: ['sec'], exp: Math.floor(Date.now() / 1000) + 3600 }, JWT_SECRET))
  await app.inject({ method: 'PUT', url: `/v1/projects/${P}/members/dave`, headers: alice, payload: { role: 'project-user' } })

  t.equal((await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/kbs`, headers: bob, payload: { id: 'handbook' } })).statusCode, 403, 'a project user cannot create knowledge bases')
  const created = await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/kbs`, headers: alice, payload: { id: 'handbook', name: 'Handbook', chunking: { maxTokens: 64, overlapTokens: 8 } } })
  t.equal(created.statusCode, 201, created.body)
  t.match(created.json(), { id: 'handbook', embedding: { provider: 'offline', dimension: 512 }, chunking: { maxTokens: 64, overlapTokens: 8 }, indexVersion: 1 })
  t.equal((await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/kbs`, headers: alice, payload: { id: 'handbook' } })).json().code, 'RAG_KB_EXISTS')

  const jobs: Record<string, string> = {}
  for (const [id, d] of Object.entries(DOCS)) {
    const res = await app.inject({ method: 'POST', url: `${KB}/documents`, headers: bob, payload: { id, text: d.text, format: 'markdown', access: d.access, metadata: d.metadata } })
    t.equal(res.statusCode, 202, res.body)
    t.equal(res.json().document.status, 'processing')
    jobs[id] = res.json().job.id
  }
  // SSE progress of one job: progress events, then done with the final record.
  const sse = await app.inject({ method: 'GET', url: `/v1/projects/${P}/rag/jobs/${jobs.vacation}/events`, headers: bob })
  t.equal(sse.statusCode, 200)
  t.match(sse.headers['content-type'], /text\/event-stream/)
  const events = [...sse.body.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]!) }))
  t.ok(events.length >= 2, 'at least one progress event and done')
  t.equal(events.at(-1)!.event, 'done')
  t.match(events.at(-1)!.data, { state: 'succeeded', progress: { percent: 100 } })
  t.ok(events.slice(0, -1).every((e) => e.event === 'progress'))
  for (const id of Object.keys(DOCS)) {
    const job = await waitJob(app, bob, P, jobs[id]!)
    t.equal(job.state, 'succeeded', `${id}: ${JSON.stringify(job.error)}`)
    t.ok(job.progress.chunksTotal >= 1 && job.progress.chunksDone === job.progress.chunksTotal)
  }

  const search = async (who: Record<string, string>, query: string, extra: object = {}) => {
    const res = await app.inject({ method: 'POST', url: `${KB}/search`, headers: who, payload: { query, k: 20, ...extra } })
    if (res.statusCode !== 200) throw new Error(res.body)
    return res.json().hits as Array<{ documentId: string; text: string; start: number; end: number; ranks: object }>
  }
  const docsOf = (hits: Array<{ documentId: string }>) => [...new Set(hits.map((h) => h.documentId))].sort()

  // Who sees what under the shipped policy: own user entry, group (JWT claim), public; admin all.
  t.same(docsOf(await search(bob, 'vacation salary coffee security')), ['coffee', 'vacation'])
  t.same(docsOf(await search(carol, 'vacation salary coffee security')), ['coffee', 'salaries'])
  t.same(docsOf(await search(dave, 'vacation salary coffee security')), ['coffee', 'security'])
  t.same(docsOf(await search(alice, 'vacation salary coffee security')), ['coffee', 'salaries', 'security', 'vacation'])
  for (const mode of ['vector', 'keyword', 'hybrid']) {
    const hits = await search(bob, 'how many vacation days', { mode, k: 3 })
    t.equal(hits[0]?.documentId, 'vacation', `${mode}: the vacation document ranks first`)
    t.ok(hits.every((h) => h.documentId !== 'salaries'), `${mode}: never a document bob may not read`)
  }
  t.same(docsOf(await search(alice, 'vacation salary coffee security', { filter: { type: 'gte', key: 'level', value: 2 } })), ['salaries', 'security'], 'metadata filter')
  t.same(docsOf(await search(alice, 'vacation salary coffee security', { filter: { type: 'or', filters: [{ type: 'eq', key: 'dept', value: 'hr' }, { type: 'in', key: 'dept', value: ['it'] }] } })), ['security', 'vacation'])
  const count = async (who: Record<string, string>) => (await app.inject({ method: 'POST', url: `${KB}/count`, headers: who, payload: {} })).json().count
  t.equal(await count(bob), 2)
  t.equal(await count(alice), 4)
  t.equal((await app.inject({ method: 'GET', url: `${KB}/documents/salaries`, headers: bob })).statusCode, 404, 'an unreadable document is as absent as a missing one')
  t.equal((await app.inject({ method: 'GET', url: `${KB}/documents/salaries`, headers: carol })).json().characters, DOCS.salaries.text.length)
  t.same((await app.inject({ method: 'GET', url: `${KB}/documents`, headers: bob })).json().items.map((d: { id: string }) => d.id).sort(), ['coffee', 'vacation'])

  // Ask: an extractive answer whose citations are spans of the stored text.
  const ask = await app.inject({ method: 'POST', url: `${KB}/ask`, headers: bob, payload: { question: 'How many days of paid vacation do employees get?' } })
  t.equal(ask.statusCode, 200, ask.body)
  const answer = ask.json()
  t.match(answer.answer, /thirty days/)
  t.ok(answer.citations.length >= 1)
  for (const c of answer.citations) {
    const text = (await app.inject({ method: 'GET', url: `${KB}/documents/${c.documentId}/text`, headers: bob })).body
    t.equal(text.slice(c.start, c.end), c.quote, 'the citation is the stored text at its span')
    t.not(c.documentId, 'salaries')
  }
  // Through the LLM gateway (the embedded default's offline chat model): accounted like any call.
  const viaModel = await app.inject({ method: 'POST', url: `${KB}/ask`, headers: bob, payload: { question: 'How many days of paid vacation?', model: 'default-chat' } })
  t.equal(viaModel.statusCode, 200, viaModel.body)
  t.match(viaModel.json(), { answer: /^Offline model: /, model: String })
  const usage = (await app.inject({ method: 'GET', url: `/v1/projects/${P}/llm/usage?groupBy=model`, headers: alice })).json().items
  t.ok(usage.some((u: { requests: number }) => u.requests >= 1), 'the answer is in the usage ledger')
  t.equal((await app.inject({ method: 'POST', url: `${KB}/ask`, headers: bob, payload: { question: 'x', model: 'no-such-model' } })).statusCode, 404, 'an unknown model is the gateway\'s 404')
  const again = await app.inject({ method: 'POST', url: `${KB}/ask`, headers: bob, payload: { question: 'When is the coffee machine cleaned?', conversationId: answer.conversationId, stream: true } })
  t.equal(again.statusCode, 200)
  const order = [...again.body.matchAll(/event: (\w+)\n/g)].map((m) => m[1])
  t.equal(order[0], 'retrieval')
  t.equal(order.at(-1), 'done')
  t.equal(order.at(-2), 'citations')
  t.ok(order.slice(1, -2).length > 0 && order.slice(1, -2).every((e) => e === 'delta'), 'text deltas between retrieval and citations')
  const conv = await app.inject({ method: 'GET', url: `/v1/projects/${P}/rag/conversations/${answer.conversationId}`, headers: bob })
  t.equal(conv.json().messages.length, 4, 'the conversation continued')
  t.equal((await app.inject({ method: 'GET', url: `/v1/projects/${P}/rag/conversations/${answer.conversationId}`, headers: carol })).statusCode, 404, "another subject's conversation is not visible")

  // A project replaces the read policy: clearance by metadata level.
  const policy = 'package dyad.rag\n\ndefault read := false\n\nread if input.document.metadata.level <= 1\n'
  const put = await app.inject({ method: 'PUT', url: `/v1/projects/${P}/opa/v1/policies/rag`, headers: { ...alice, 'content-type': 'text/plain' }, payload: policy })
  t.equal(put.statusCode, 200, put.body)
  t.same(docsOf(await search(carol, 'vacation salary coffee security')), ['coffee', 'vacation'], 'the replaced policy decides')
  t.same(docsOf(await search(alice, 'vacation salary coffee security')), ['coffee', 'vacation'], 'admins too: the policy no longer exempts them')
})

t.test('uploads that cannot be indexed fail clearly and leave the knowledge base consistent', async (t) => {
  const { app } = await buildTestApp(t, { DYAD_RAG_MAX_DOCUMENT_BYTES: '4096' })
  const { alice, bob } = await createTeam(app, P)
  await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/kbs`, headers: alice, payload: { id: 'handbook' } })
  const up = (payload: object) => app.inject({ method: 'POST', url: `${KB}/documents`, headers: bob, payload })
  const first = await up({ id: 'a', text: 'Paris is the capital of France.', access: { public: true } })
  t.equal(first.statusCode, 202)
  await waitJob(app, bob, P, first.json().job.id)

  const cases: Array<[string, object, number, string]> = [
    ['broken PDF', { contentBase64: Buffer.from('%PDF-1.7\nthis is not a pdf').toString('base64'), format: 'pdf' }, 422, 'RAG_DOCUMENT_UNPARSABLE'],
    ['empty', { text: '   \n ' }, 422, 'RAG_DOCUMENT_EMPTY'],
    ['oversized', { text: 'x '.repeat(4000) }, 413, 'RAG_DOCUMENT_TOO_LARGE'],
    ['unknown extension', { contentBase64: Buffer.from('hello').toString('base64'), filename: 'a.exe' }, 415, 'RAG_UNSUPPORTED_FORMAT'],
    ['both text and bytes', { text: 'a', contentBase64: 'YQ==' }, 400, 'RAG_UPLOAD_INVALID'],
    ['wrong format name', { text: 'a', format: 'docx' }, 400, 'VALIDATION_FAILED'],
    ['bad base64', { contentBase64: '***', format: 'text' }, 400, 'RAG_UPLOAD_INVALID'],
  ]
  for (const [what, body, status, code] of cases) {
    const res = await up(body)
    t.equal(res.statusCode, status, `${what}: ${res.body}`)
    t.equal(res.json().code, code, what)
  }
  t.equal((await app.inject({ method: 'POST', url: `${KB}/count`, headers: bob, payload: {} })).json().count, 1, 'nothing half-stored')

  const dup = await up({ text: 'Paris is the capital of France.' })
  t.equal(dup.statusCode, 200)
  t.same({ deduplicated: dup.json().deduplicated, id: dup.json().document.id }, { deduplicated: true, id: 'a' }, 'the same content is a no-op')

  // Concurrent uploads of the same new bytes: one document, one set of chunks.
  const same = await Promise.all(Array.from({ length: 5 }, () => up({ text: 'Rome is the capital of Italy.', access: { public: true } })))
  t.same(same.map((r) => r.statusCode).filter((c) => c !== 200 && c !== 202), [], same.map((r) => r.body).join('\n'))
  t.equal(new Set(same.map((r) => r.json().document.id)).size, 1, 'every upload names the same document')
  for (const r of same) if (r.json().job) t.equal((await waitJob(app, bob, P, r.json().job.id)).state, 'succeeded')
  const rome = (await app.inject({ method: 'POST', url: `${KB}/search`, headers: bob, payload: { query: 'Rome Italy', mode: 'keyword', k: 20 } })).json().hits
  t.same(rome.map((h: { text: string }) => h.text), ['Rome is the capital of Italy.'], 'indexed once')
  t.equal((await app.inject({ method: 'DELETE', url: `${KB}/documents/${same[0]!.json().document.id}`, headers: bob })).statusCode, 204)

  const replaced = await up({ id: 'a', text: 'Berlin is the capital of Germany.', access: { public: true } })
  t.equal(replaced.statusCode, 202)
  await waitJob(app, bob, P, replaced.json().job.id)
  const hits = (await app.inject({ method: 'POST', url: `${KB}/search`, headers: bob, payload: { query: 'capital', mode: 'keyword' } })).json().hits
  t.same(hits.map((h: { text: string }) => h.text), ['Berlin is the capital of Germany.'], 'replace drops the old chunks')

  t.equal((await app.inject({ method: 'DELETE', url: `${KB}/documents/a`, headers: bob })).statusCode, 204)
  t.equal((await app.inject({ method: 'POST', url: `${KB}/search`, headers: bob, payload: { query: 'capital', mode: 'keyword' } })).json().hits.length, 0)
  t.equal((await app.inject({ method: 'DELETE', url: `${KB}/documents/a`, headers: bob })).json().code, 'RAG_DOCUMENT_NOT_FOUND')

  // Deleting the project removes its rag data: a project re-created with the same id starts empty.
  const admin = bearer((await import('../../helpers/app.ts')).ADMIN_KEY)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/projects/${P}`, headers: admin })).statusCode, 204)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: P, name: P } })
  t.same((await app.inject({ method: 'GET', url: `/v1/projects/${P}/rag/kbs`, headers: admin })).json().items, [])
})

t.test('reindex: a learned corpus model in the next index version, the old one serving meanwhile', async (t) => {
  const { app } = await buildTestApp(t)
  const { alice, bob } = await createTeam(app, P)
  await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/kbs`, headers: alice, payload: { id: 'handbook' } })
  const topics = ['vacation days paid leave holiday', 'salary payroll bonus compensation', 'laptop password security incident', 'coffee kitchen floor cleaning']
  for (let i = 0; i < 24; i++) {
    const words = topics[i % topics.length]!
    const res = await app.inject({ method: 'POST', url: `${KB}/documents`, headers: bob, payload: { id: `d${i}`, text: `Note ${i} about ${words}. More on ${words.split(' ').reverse().join(' ')}.`, access: { public: true } } })
    await waitJob(app, bob, P, res.json().job.id)
  }
  const search = async () => (await app.inject({ method: 'POST', url: `${KB}/search`, headers: bob, payload: { query: 'payroll bonus', mode: 'vector', k: 5 } })).json().hits.map((h: { documentId: string }) => h.documentId)
  const before = await search()
  t.equal(before.length, 5)

  const started = await app.inject({ method: 'POST', url: `${KB}/reindex`, headers: alice })
  t.equal(started.statusCode, 202, started.body)
  t.match(started.json(), { kind: 'reindex', state: 'queued' })
  t.equal((await app.inject({ method: 'POST', url: `${KB}/reindex`, headers: alice })).json().code, 'RAG_REINDEX_IN_PROGRESS', 'one reindex at a time')
  t.equal((await app.inject({ method: 'POST', url: `${KB}/reindex`, headers: bob })).statusCode, 403)
  // An upload while the reindex runs must end up in the new version too.
  const late = await app.inject({ method: 'POST', url: `${KB}/documents`, headers: bob, payload: { id: 'late', text: 'A late note about payroll and bonus payments.', access: { public: true } } })
  let served = 0
  for (let i = 0; ; i++) {
    const job = (await app.inject({ method: 'GET', url: `/v1/projects/${P}/rag/jobs/${started.json().id}`, headers: bob })).json()
    if (job.state === 'succeeded') break
    if (job.state === 'failed' || i > 400) throw new Error(JSON.stringify(job))
    if ((await search()).length === 5) served++
    await new Promise((r) => setTimeout(r, 50))
  }
  await waitJob(app, bob, P, late.json().job.id)
  t.ok(served > 0, 'searches answered while the reindex ran')
  const kb = (await app.inject({ method: 'GET', url: KB, headers: bob })).json()
  t.match(kb, { indexVersion: 2, trainedVersions: [2] })
  t.notOk(kb.pending)
  const after = await search()
  t.equal(after.length, 5)
  t.ok(after.every((id: string) => ['d1', 'd5', 'd9', 'd13', 'd17', 'd21', 'late'].includes(id)), `the payroll notes rank first with the learned model: ${after}`)
  const lateHit = (await app.inject({ method: 'POST', url: `${KB}/search`, headers: bob, payload: { query: 'late note payroll', mode: 'keyword', k: 3 } })).json().hits
  t.equal(lateHit[0]?.documentId, 'late', 'the document uploaded during the reindex is in the new version')
})

t.test('cancel: a queued ingestion job stops and its document stays unsearchable', async (t) => {
  const { app } = await buildTestApp(t)
  const { alice, bob } = await createTeam(app, P)
  await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/kbs`, headers: alice, payload: { id: 'handbook' } })
  const text = Array.from({ length: 400 }, (_, i) => `Paragraph ${i} about the archive retention rules.`).join('\n\n')
  const up = await app.inject({ method: 'POST', url: `${KB}/documents`, headers: bob, payload: { id: 'big', text, access: { public: true } } })
  const jobId = up.json().job.id
  const cancelled = await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/jobs/${jobId}/cancel`, headers: bob })
  t.equal(cancelled.statusCode, 200)
  if (cancelled.json().state === 'succeeded') return t.pass('the job finished before the cancel arrived')
  t.equal(cancelled.json().state, 'cancelled')
  await new Promise((r) => setTimeout(r, 2_000)) // a worker that had it sees the cancel within about a second
  t.equal((await app.inject({ method: 'GET', url: `/v1/projects/${P}/rag/jobs/${jobId}`, headers: bob })).json().state, 'cancelled', 'the cancel sticks')
  t.equal((await app.inject({ method: 'GET', url: `${KB}/documents/big`, headers: bob })).json().status, 'failed')
  t.same((await app.inject({ method: 'POST', url: `${KB}/search`, headers: bob, payload: { query: 'archive retention', mode: 'keyword' } })).json().hits, [])
  t.equal((await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/jobs/job_nope/cancel`, headers: bob })).json().code, 'RAG_JOB_NOT_FOUND')
})
