/**
 * The ingestion job: the stored document text → chunks → vectors → the index, then `ready`.
 *
 * Runs on the job queue (at least once: after a crash the job expires and runs again elsewhere).
 * Chunking is deterministic over the stored text and sections, and the store's putChunks is
 * idempotent per (document, index version, chunk index), so a rerun neither duplicates nor loses
 * chunks (it redoes the document's batches; embedding is cheap next to a lost chunk). A job whose
 * document was replaced or deleted since it was queued stops as `cancelled` without touching the
 * newer document. While a reindex builds the next index version, chunks go to both versions.
 *
 * Progress (percent, chunks done/total, error) is written to the job record in the app-data store,
 * which polling and SSE read, from either DC.
 */
import type { AppDataStore } from '../../src/infra/ports/appdata.ts'
import type { JobContext } from '../../src/infra/ports/jobs.ts'
import type { RetrievalStore } from '../../src/infra/ports/retrieval.ts'
import { isDyadError } from '../../src/shared/errors.ts'
import type { Embedder } from './embed/types.ts'
import { patchJob } from './job-records.ts'
import type { IngestJob, IngestPayload, KnowledgeBase } from './model.ts'
import { chunkDocument, embeddingInput } from './text/chunk.ts'

const BATCH = 32
const PROGRESS_EVERY_MS = 250
/** Attempts the queue makes before a transient failure is final (the queue's retryLimit + 1). */
export const INGEST_ATTEMPTS = 4

export interface IngestDeps {
  store: RetrievalStore
  appData: AppDataStore
  getKb(projectId: string, kbId: string): Promise<KnowledgeBase>
  embedderFor(projectId: string, kb: KnowledgeBase, version: number): Promise<Embedder>
  /** After a document is published: start a reindex if the base has grown enough (service.maybeReindex). */
  afterPublish?(projectId: string, kbId: string): Promise<void>
  now?: () => Date
  log?: { warn(obj: object, msg: string): void }
}

export type IngestJobPayload = IngestPayload & { contentHash: string }

export function createIngestHandler(deps: IngestDeps) {
  const { store, appData } = deps
  const now = deps.now ?? (() => new Date())

  const update = (p: IngestJobPayload, patch: Partial<IngestJob>) => patchJob(appData, p.projectId, p.jobId, patch, now)

  return async function handle(job: JobContext<IngestJobPayload>): Promise<void> {
    const p = job.payload
    const record = await update(p, { state: 'running', attempts: job.attempt, queueId: job.id })
    if (!record || record.state === 'cancelled') return
    const doc = await store.getDocument(p.projectId, p.kbId, p.documentId)
    if (!doc || doc.contentHash !== p.contentHash) {
      await update(p, { state: 'cancelled', error: { code: 'RAG_DOCUMENT_SUPERSEDED', message: 'The document was replaced or deleted before it was indexed.' } })
      return
    }
    try {
      let kb = await deps.getKb(p.projectId, p.kbId)
      const chunks = chunkDocument({ text: doc.text, sections: p.sections, title: p.title }, kb.chunking)
      const total = chunks.length
      const written = new Set<number>()
      let lastProgress = 0
      /** Chunks for one index version with that version's embedder; idempotent, so a rerun redoes it safely. */
      const index = async (version: number, report: boolean) => {
        const embedder = await deps.embedderFor(p.projectId, kb, version)
        for (let done = 0; done < total; ) {
          if (job.signal.aborted) throw new Error('cancelled')
          const batch = chunks.slice(done, done + BATCH)
          const vectors = await embedder.embed(batch.map((c) => embeddingInput(c, p.title)))
          await store.putChunks(p.projectId, p.kbId, p.documentId, version, batch.map((c, i) => ({ ...c, embedding: vectors[i]! })))
          done += batch.length
          if (report && (Date.now() - lastProgress >= PROGRESS_EVERY_MS || done === total)) {
            lastProgress = Date.now()
            const r = await update(p, { progress: { percent: Math.floor((done / total) * 100), chunksDone: done, chunksTotal: total } })
            if (r?.state === 'cancelled') throw new Error('cancelled')
          }
        }
        written.add(version)
      }
      await index(kb.indexVersion, true)
      // A reindex in progress whose model is stored gets this document too (reindex.ts).
      if (kb.pending && (kb.trainedVersions ?? []).includes(kb.pending.version)) await index(kb.pending.version, false)
      // Only the job that still owns the document (same content) may publish it.
      if (!(await store.setDocumentStatus(p.projectId, p.kbId, p.documentId, 'ready', p.contentHash))) return
      // A reindex that switched versions meanwhile must find this document in the new one.
      kb = await deps.getKb(p.projectId, p.kbId)
      if (!written.has(kb.indexVersion)) await index(kb.indexVersion, false)
      await update(p, { state: 'succeeded', progress: { percent: 100, chunksDone: total, chunksTotal: total } })
      // Best effort: the document is published either way, and the next one checks again.
      await deps.afterPublish?.(p.projectId, p.kbId).catch((err) => deps.log?.warn({ err, kbId: p.kbId }, 'automatic reindex not started'))
    } catch (err) {
      if (job.signal.aborted || (err as Error)?.message === 'cancelled') return
      // A client-class error (the document cannot be indexed) is final; anything else is retried by
      // the queue, and so is a gateway's 429 (a token budget or rate limit that frees up).
      const permanent = isDyadError(err) && err.statusCode < 500 && err.statusCode !== 429
      if (permanent || job.attempt >= INGEST_ATTEMPTS) {
        const e = isDyadError(err) ? { code: err.code, message: err.message } : { code: 'RAG_INGEST_FAILED', message: String((err as Error)?.message ?? err).slice(0, 500) }
        await update(p, { state: 'failed', error: e })
        await store.setDocumentStatus(p.projectId, p.kbId, p.documentId, 'failed', p.contentHash)
        return
      }
      deps.log?.warn({ err, jobId: p.jobId }, 'ingestion attempt failed; the queue retries it')
      await update(p, { state: 'queued', error: { code: 'RAG_INGEST_RETRYING', message: String((err as Error)?.message ?? err).slice(0, 500) } })
      throw err
    }
  }
}
