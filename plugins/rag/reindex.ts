/**
 * The reindex job: learns a new corpus model from the knowledge base's own text and re-embeds every
 * chunk into the next index version, while searches keep using the serving version; then switches.
 *
 * 1. The KB record names the pending version (set by the API before the job is queued); ingestion
 *    jobs that run from then on also write chunks for it once its model is stored.
 *    A reindex that changes the embedding model builds the pending version with the new model
 *    (declared to the store with its dimension, so it gets its own graph when the length changes);
 *    the record switches to it with the version.
 * 2. Learn the model in a worker thread from a bounded, seeded sample of the ready documents; store it.
 * 3. Re-embed every ready document's chunks of the serving version into the pending one (skipping
 *    documents already complete there, so a rerun after a crash resumes).
 * 4. Switch `indexVersion`; run pass 3 once more for documents that became ready in between.
 * 5. After every process's knowledge-base cache has expired, drop the old version (chunks and graph).
 * Progress is documents done over documents in the base.
 */
import type { AppDataStore } from '../../src/infra/ports/appdata.ts'
import type { JobContext } from '../../src/infra/ports/jobs.ts'
import type { RetrievalStore } from '../../src/infra/ports/retrieval.ts'
import { isDyadError } from '../../src/shared/errors.ts'
import { learnInWorker } from './embed/learn.ts'
import { patchJob } from './job-records.ts'
import { updateKbRecord } from './kb-records.ts'
import type { Embedder } from './embed/types.ts'
import { embeddingOf, type IngestJob, type KnowledgeBase } from './model.ts'
import type { ModelStore } from './models.ts'
import { embeddingInput } from './text/chunk.ts'

const MAX_TRAIN_DOCS = 20_000
const MAX_TRAIN_CHARS = 20_000
const LEARN_TIMEOUT_MS = 10 * 60_000
const PAGE = 100
const BATCH = 64

/** One attempt may take long (learning, then every chunk once more); a dead worker's job returns after an hour. */
export const REINDEX_QUEUE_OPTIONS = { retryLimit: 2, retryDelaySeconds: 30, expireInSeconds: 3600 }

export interface ReindexPayload { projectId: string; kbId: string; jobId: string; version: number }

export interface ReindexDeps {
  store: RetrievalStore
  appData: AppDataStore
  models: ModelStore
  /** The embedder an index version is built with (its own model: the pending one's when a reindex changes it). */
  embedderFor(projectId: string, kb: KnowledgeBase, version: number): Promise<Embedder>
  /** How long a process may serve a knowledge-base record from its cache (old chunks stay that long). */
  kbCacheMs: number
  forgetKb(projectId: string, kbId: string): void
  now?: () => Date
}

export function createReindexHandler(deps: ReindexDeps) {
  const { store, appData, models } = deps
  const now = deps.now ?? (() => new Date())

  const job = (p: ReindexPayload, patch: Partial<IngestJob>) => patchJob(appData, p.projectId, p.jobId, patch, now)

  async function updateKb(p: ReindexPayload, change: (kb: KnowledgeBase) => KnowledgeBase | undefined): Promise<KnowledgeBase | undefined> {
    const before = await updateKbRecord(appData, p.projectId, p.kbId, change)
    deps.forgetKb(p.projectId, p.kbId)
    return before
  }

  async function* readyDocuments(p: ReindexPayload) {
    let cursor: string | undefined
    do {
      const page = await store.listDocuments(p.projectId, p.kbId, { limit: PAGE, cursor })
      for (const d of page.items) if (d.status === 'ready') yield d
      cursor = page.nextCursor
    } while (cursor)
  }

  /** Embeds every ready document's chunks of `from` into `to`; returns how many documents it re-embedded. */
  async function pass(p: ReindexPayload, kb: KnowledgeBase, from: number, to: number, signal: AbortSignal, total: number) {
    const embedder = await deps.embedderFor(p.projectId, kb, to)
    let seen = 0
    let written = 0
    for await (const d of readyDocuments(p)) {
      if (signal.aborted) throw new Error('cancelled')
      seen++
      const [old, done] = await Promise.all([store.listChunks(p.projectId, p.kbId, d.id, from), store.listChunks(p.projectId, p.kbId, d.id, to)])
      if (old.length > 0 && done.length < old.length) {
        for (let i = 0; i < old.length; i += BATCH) {
          const batch = old.slice(i, i + BATCH)
          const vectors = await embedder.embed(batch.map((c) => embeddingInput(c, d.title)))
          await store.putChunks(p.projectId, p.kbId, d.id, to, batch.map((c, j) => ({ ...c, embedding: vectors[j]! })))
        }
        written++
      }
      if (seen % 20 === 0) {
        const r = await job(p, { progress: { percent: Math.min(99, Math.floor((seen / Math.max(1, total)) * 100)), chunksDone: seen, chunksTotal: total } })
        if (r?.state === 'cancelled') throw new Error('cancelled')
      }
    }
    return written
  }

  return async function handle(ctx: JobContext<ReindexPayload>): Promise<void> {
    const p = ctx.payload
    const started = await job(p, { state: 'running', attempts: ctx.attempt, queueId: ctx.id })
    if (!started || started.state === 'cancelled') return
    let kb = await updateKb(p, (k) => (k.pending?.version === p.version ? undefined : k))
    if (!kb || kb.pending?.version !== p.version) {
      await job(p, { state: 'cancelled', error: { code: 'RAG_REINDEX_SUPERSEDED', message: 'Another reindex or a deletion replaced this one.' } })
      return
    }
    const from = kb.indexVersion
    try {
      // The new version's vectors may have another length (a model change): it gets its own graph.
      await store.declareIndexVersion(p.projectId, p.kbId, p.version, embeddingOf(kb, p.version).dimension)
      const total = await store.countDocuments(p.projectId, p.kbId, { op: 'eq', field: { path: ['status'] }, value: 'ready' })
      if (!(await models.has(p.projectId, p.kbId, p.version))) {
        // A seeded reservoir sample keeps learning bounded for any size of base.
        const texts: string[] = []
        let n = 0
        let seed = 0x9e3779b9
        for await (const d of readyDocuments(p)) {
          const text = (d.title ? `${d.title}\n${d.text}` : d.text).slice(0, MAX_TRAIN_CHARS)
          n++
          if (texts.length < MAX_TRAIN_DOCS) texts.push(text)
          else {
            seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
            const j = seed % n
            if (j < MAX_TRAIN_DOCS) texts[j] = text
          }
        }
        const model = await learnInWorker(texts, {}, LEARN_TIMEOUT_MS)
        await models.save(p.projectId, p.kbId, p.version, model)
      }
      kb = await updateKb(p, (k) => (k.pending?.version !== p.version || (k.trainedVersions ?? []).includes(p.version) ? undefined : { ...k, trainedVersions: [...(k.trainedVersions ?? []), p.version] }))
      if (!kb) return
      await pass(p, kb, from, p.version, ctx.signal, total)
      kb = await updateKb(p, (k) => (k.pending?.version !== p.version ? undefined : { ...k, indexVersion: p.version, embedding: embeddingOf(k, p.version), trainedDocs: total, pending: undefined, trainedVersions: (k.trainedVersions ?? []).filter((v) => v >= from) }))
      if (!kb || kb.indexVersion !== p.version) return
      await pass(p, kb, from, p.version, ctx.signal, total)
      // Processes that cached the old record search the old version until their cache expires.
      await new Promise((r) => setTimeout(r, deps.kbCacheMs + 1_000))
      if (from !== p.version) await store.dropIndexVersion(p.projectId, p.kbId, from)
      if (from !== p.version) await models.deleteVersion(p.projectId, p.kbId, from)
      await job(p, { state: 'succeeded', progress: { percent: 100, chunksDone: total, chunksTotal: total } })
    } catch (err) {
      const cancelled = ctx.signal.aborted || (err as Error)?.message === 'cancelled'
      if (!cancelled) await job(p, { state: 'failed', error: { code: isDyadError(err) ? err.code : 'RAG_REINDEX_FAILED', message: String((err as Error)?.message ?? err).slice(0, 500) } })
      // The abandoned version's chunks and model go; the serving version was never touched.
      const after = await updateKb(p, (k) => (k.pending?.version === p.version ? { ...k, pending: undefined, trainedVersions: (k.trainedVersions ?? []).filter((v) => v !== p.version) } : undefined))
      if (after && after.indexVersion !== p.version) {
        await store.dropIndexVersion(p.projectId, p.kbId, p.version)
        await models.deleteVersion(p.projectId, p.kbId, p.version)
      }
    }
  }
}
