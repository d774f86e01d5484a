/**
 * A crash in the middle of an ingestion loses and duplicates nothing. Two rag workers ("processes")
 * share one job queue and one store on one database: worker A takes a large document's job, writes
 * two batches of chunks, and dies (its queue instance is abandoned as a crashed process's would
 * be, and its handler never runs another statement). Once the attempt expires, worker B retries
 * the job from the stored text: the document ends up `ready` with exactly the chunks an
 * uninterrupted ingestion of the same text makes, each once, each quoting the stored text.
 */
import t from 'tap'
import type { FilterCompiler } from '../../../src/contracts/filter.ts'
import type { LlmFacade } from '../../../src/contracts/llm.ts'
import { createSqlAppData } from '../../../src/infra/appdata/sql.ts'
import { createPgBossQueue } from '../../../src/infra/jobs/pg-boss.ts'
import { createSqlRetrievalStore } from '../../../src/infra/retrieval/sql-store.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import type { Embedder } from '../../../plugins/rag/embed/types.ts'
import { createIngestHandler, type IngestJobPayload } from '../../../plugins/rag/ingest.ts'
import type { KnowledgeBase } from '../../../plugins/rag/model.ts'
import { createRagService, INGEST_QUEUE } from '../../../plugins/rag/service.ts'
import { until } from './jobs.ts'

const P = 'crash'
// Ingestion neither searches nor calls a model: anything touching these is a test failure.
const unused = new Proxy({}, { get: (_t, k) => { throw new Error(`ingestion used ${String(k)}`) } })

t.test('a worker that dies mid-ingestion: the job is retried elsewhere, no chunk lost or doubled', async (t) => {
  const db = await createPgliteDatabase()
  t.teardown(() => db.close())
  await migrate(db)
  const store = createSqlRetrievalStore({ sql: db })
  const appData = createSqlAppData({ db })
  const queues = [createPgBossQueue({ sql: db, maintenanceIntervalSeconds: 1 }), createPgBossQueue({ sql: db, maintenanceIntervalSeconds: 1 })] as const
  for (const q of queues) await q.start()
  t.teardown(async () => {
    for (const q of queues) await q.stop({ graceful: false }).catch(() => {})
  })
  const limits = { maxDocumentBytes: 1_000_000, maxDocumentChars: 1_000_000, parseTimeoutMs: 10_000, ingestTimeoutSeconds: 2 }
  const service = (i: 0 | 1) => createRagService({ store, appData, jobs: queues[i], filters: unused as FilterCompiler, llm: unused as LlmFacade, limits })
  const [a, b] = [service(0), service(1)]
  await a.createKb(P, { id: 'kb', chunking: { maxTokens: 32, overlapTokens: 4 } }, 'alice')
  await a.createKb(P, { id: 'control', chunking: { maxTokens: 32, overlapTokens: 4 } }, 'alice')
  const text = Array.from({ length: 220 }, (_, i) => `Paragraph ${i} records the tide table of harbour ${i % 17}, with its pilots, moorings and cranes.`).join('\n\n')

  // Worker A: its third embedding call is where the process dies.
  let calls = 0
  let died!: () => void
  const death = new Promise<void>((r) => (died = r))
  const dying = (inner: Embedder): Embedder => ({
    ...inner,
    async embed(texts) {
      if (++calls === 3) {
        await queues[0].abandon()
        died()
        return new Promise<Float32Array[]>(() => {}) // never returns: nothing after this runs
      }
      return inner.embed(texts)
    },
  })
  const handlerA = createIngestHandler({ store, appData, getKb: a.getKb, embedderFor: async (p: string, kb: KnowledgeBase, v: number) => dying(await a.embedderFor(p, kb, v)) })
  await queues[0].work<IngestJobPayload>(INGEST_QUEUE, { concurrency: 1, pollIntervalSeconds: 1 }, handlerA)

  const up = await a.upload(P, 'kb', { id: 'big', bytes: Buffer.from(text), format: 'text', access: { public: true } })
  await death
  const before = await store.chunkCount(P, 'kb', 'big')
  t.equal(before, 64, 'two batches of 32 chunks were written before the crash')
  t.equal((await store.getDocument(P, 'kb', 'big'))?.status, 'processing', 'not published')

  // Worker B (the other process) retries the job once the dead attempt has expired.
  await queues[1].work<IngestJobPayload>(INGEST_QUEUE, { concurrency: 1, pollIntervalSeconds: 1 }, createIngestHandler({ store, appData, getKb: b.getKb, embedderFor: b.embedderFor }))
  const job = await until('the retried job', async () => {
    const j = await b.getJob(P, up.job!.id)
    return j.state === 'succeeded' || j.state === 'failed' ? j : undefined
  })
  t.match(job, { state: 'succeeded', attempts: 2, progress: { percent: 100 } })
  const doc = (await store.getDocument(P, 'kb', 'big'))!
  t.equal(doc.status, 'ready')

  // The same text ingested without a crash, as the reference.
  const ref = await b.upload(P, 'control', { id: 'big', bytes: Buffer.from(text), format: 'text', access: { public: true } })
  await until('the reference job', async () => ((await b.getJob(P, ref.job!.id)).state === 'succeeded' ? true : undefined))
  const got = await store.listChunks(P, 'kb', 'big', 1)
  const want = await store.listChunks(P, 'control', 'big', 1)
  t.ok(want.length > 96, `a document of several batches (${want.length} chunks)`)
  t.equal(await store.chunkCount(P, 'kb', 'big'), want.length, 'no chunk lost, none doubled')
  t.same(got.map((c) => [c.index, c.start, c.end, c.text]), want.map((c) => [c.index, c.start, c.end, c.text]), 'exactly the chunks of an uninterrupted ingestion')
  t.ok(got.every((c) => doc.text.slice(c.start, c.end) === c.text), 'every chunk quotes the stored text')
})
