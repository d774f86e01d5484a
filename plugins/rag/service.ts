/**
 * The rag service (no Fastify): knowledge bases, document upload, search and cited answers.
 *
 * Upload parses on the request (in a worker for Markdown, HTML and PDF, with a deadline), so a
 * malformed document is refused with its RAG_ error before anything is stored; the stored text is
 * then chunked, embedded and indexed by an ingestion job (ingest.ts) on the job queue, which
 * workers of both DCs share. A document is searchable only once its job marked it `ready`, so
 * a search never returns a chunk whose text is not the stored document's.
 *
 * Access: which documents a reader may see is the project's `data.dyad.rag.read` policy (the
 * shipped default unless the project replaces it), partially evaluated with the document unknown
 * into a condition the retrieval store puts in the query's WHERE. Counts and answers come from the
 * same restricted queries, so nothing is built from a chunk the reader may not read.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { AppDataStore } from '../../src/infra/ports/appdata.ts'
import { AppDataErrors } from '../../src/infra/appdata/errors.ts'
import type { JobQueue } from '../../src/infra/ports/jobs.ts'
import type { MetadataFilter, RetrievalStore, SearchHit, SearchMode } from '../../src/infra/ports/retrieval.ts'
import { RagStoreErrors } from '../../src/infra/retrieval/errors.ts'
import { fuse, fuseZScore } from '../../src/infra/retrieval/fusion.ts'
import { bm25Rescore } from './rerank.ts'
import type { AccessCondition, FilterCompiler } from '../../src/contracts/filter.ts'
import { RAG_READ_POLICY_PATH } from './access.ts'
import { INGEST_ATTEMPTS } from './ingest.ts'
import { composeExtractiveAnswer, type Citation } from './answer/offline.ts'
import { buildPrompt, citationsFromMarkers } from './answer/llm.ts'
import type { LlmCaller, LlmFacade } from '../../src/contracts/llm.ts'
import { verifyCitations } from './answer/citations.ts'
import { createEmbeddings, sameEmbedding, type EmbeddingSpec } from './embedding.ts'
import { createModelStore } from './models.ts'
import { REINDEX_QUEUE_OPTIONS } from './reindex.ts'
import { RagErrors } from './errors.ts'
import { patchJob } from './job-records.ts'
import { updateKbRecord } from './kb-records.ts'
import { COLLECTIONS, type Conversation, type EmbeddingSettings, type IngestJob, type IngestPayload, type KnowledgeBase, type Reader, type UploadInput } from './model.ts'
import { detectFormat, parseDocument } from './text/parse.ts'

export const INGEST_QUEUE = 'rag-ingest'
export const REINDEX_QUEUE = 'rag-reindex'
export const KB_CACHE_MS = 5_000
const MAX_ASK_CHUNKS = 20
const MAX_CONVERSATION_MESSAGES = 200
const DEFAULT_CONTEXT_TOKENS = 3_000
/** Keyword candidates re-scored by BM25, and the vector list's depth in a hybrid (the store's limits). */
const MAX_CANDIDATES = 200
const MAX_VECTOR_DEPTH = 100
/** Turns of the conversation (question and answer each) a model sees again. */
const HISTORY_TURNS = 3

export interface RagLimits {
  maxDocumentBytes: number
  maxDocumentChars: number
  parseTimeoutMs: number
  /** Ready documents at which an offline-embedded base reindexes by itself (0: never). */
  autoReindexDocuments?: number
  /** How long one ingestion attempt may stay active before the queue retries it (a crashed worker's job). */
  ingestTimeoutSeconds?: number
}

export interface RagServiceDeps {
  store: RetrievalStore
  appData: AppDataStore
  jobs: JobQueue
  filters: FilterCompiler
  llm: LlmFacade
  limits: RagLimits
  now?: () => Date
}

export interface CreateKbInput {
  id: string
  name?: string
  description?: string
  embedding?: EmbeddingSpec
  chunking?: { maxTokens?: number; overlapTokens?: number }
}

export type { EmbeddingSpec } from './embedding.ts'

export interface AskInput {
  question: string
  k?: number
  filter?: MetadataFilter
  conversationId?: string
  /** A chat model or alias of the project's LLM gateway; omitted: the offline extractive answerer. */
  model?: string
  /** Token budget for the sources in the prompt (default 3,000). */
  contextTokens?: number
  maxTokens?: number
}

export interface SearchInput {
  query: string
  mode?: SearchMode
  k?: number
  filter?: MetadataFilter
  weights?: { vector: number; keyword: number }
  fusion?: 'rrf' | 'zscore'
  rrfK?: number
  scoreThreshold?: number
}

const iso = (d: Date) => d.toISOString()
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')


/** A chunk of a readable document only: the policy's condition and "indexed completely". */
function readable(access: AccessCondition): AccessCondition {
  return { op: 'and', args: [{ op: 'eq', field: { path: ['status'] }, value: 'ready' }, access] }
}

export function createRagService(deps: RagServiceDeps) {
  const { store, appData, jobs, filters, limits, llm } = deps
  const now = deps.now ?? (() => new Date())
  const kbCache = new Map<string, { kb: KnowledgeBase; at: number }>()
  const models = createModelStore(appData)
  const { embedderFor, resolveEmbedding } = createEmbeddings({ llm, models })

  async function getKb(projectId: string, kbId: string, fresh = false): Promise<KnowledgeBase> {
    const key = `${projectId}/${kbId}`
    const hit = kbCache.get(key)
    if (!fresh && hit && Date.now() - hit.at < KB_CACHE_MS) return hit.kb
    const doc = await appData.get<KnowledgeBase>(projectId, COLLECTIONS.kbs, kbId)
    if (!doc) {
      kbCache.delete(key)
      throw RagStoreErrors.kbNotFound(`Knowledge base ${kbId} does not exist in this project.`)
    }
    kbCache.set(key, { kb: doc.body, at: Date.now() })
    return doc.body
  }

  const forgetKb = (projectId: string, kbId: string) => void kbCache.delete(`${projectId}/${kbId}`)

  async function accessFor(projectId: string, reader: Reader): Promise<AccessCondition> {
    const cond = await filters.compileFilter(projectId, { path: RAG_READ_POLICY_PATH, input: { subject: reader }, unknowns: ['input.document'] })
    return readable(cond)
  }

  async function createKb(projectId: string, input: CreateKbInput, actor: string, extra: { metadata?: Record<string, string>; caller?: LlmCaller } = {}): Promise<KnowledgeBase> {
    const maxTokens = input.chunking?.maxTokens ?? 400
    const overlapTokens = input.chunking?.overlapTokens ?? 60
    if (overlapTokens >= maxTokens) throw RagErrors.invalidChunking('overlapTokens must be smaller than maxTokens.')
    if (await appData.get(projectId, COLLECTIONS.kbs, input.id)) throw RagErrors.kbExists(`Knowledge base ${input.id} already exists.`)
    const embedding = await resolveEmbedding(projectId, input.embedding ?? {}, extra.caller ?? { projectId, subject: actor })
    const kb: KnowledgeBase = {
      id: input.id,
      name: input.name ?? input.id,
      description: input.description ?? '',
      embedding,
      chunking: { maxTokens, overlapTokens },
      indexVersion: 1,
      createdAt: iso(now()),
      createdBy: actor,
      ...(extra.metadata ? { metadata: extra.metadata } : {}),
    }
    // Storage first: if the record's write fails, a retry finds the storage there (idempotent).
    await store.ensureKnowledgeBase(projectId, kb.id, kb.embedding.dimension)
    try {
      await appData.create(projectId, COLLECTIONS.kbs, kb.id, kb)
    } catch (err) {
      if (AppDataErrors.alreadyExists.is(err)) throw RagErrors.kbExists(`Knowledge base ${kb.id} already exists.`)
      throw err
    }
    return kb
  }

  async function listKbs(projectId: string, cursor?: string) {
    const page = await appData.query<KnowledgeBase>(projectId, COLLECTIONS.kbs, { limit: 100, cursor })
    return { items: page.items.map((d) => d.body), nextCursor: page.nextCursor }
  }

  async function deleteKb(projectId: string, kbId: string): Promise<void> {
    const kb = await getKb(projectId, kbId, true)
    await store.deleteKnowledgeBase(projectId, kbId)
    await appData.delete(projectId, COLLECTIONS.kbs, kbId)
    await models.deleteKb(projectId, kb)
    forgetKb(projectId, kbId)
  }

  /**
   * Starts a reindex: the next index version with a corpus model learned from the base's own text
   * (reindex.ts), embedded by a new model when `embedding` changes it. The serving version answers
   * searches until the new one is complete. One at a time.
   */
  async function reindex(projectId: string, kbId: string, change?: EmbeddingSettings): Promise<IngestJob> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const doc = await appData.get<KnowledgeBase>(projectId, COLLECTIONS.kbs, kbId)
      if (!doc) throw RagStoreErrors.kbNotFound(`Knowledge base ${kbId} does not exist in this project.`)
      if (doc.body.pending) throw RagErrors.reindexInProgress(`Job ${doc.body.pending.jobId} is already building index version ${doc.body.pending.version}.`)
      const at = iso(now())
      const jobId = `job_${randomUUID().replaceAll('-', '')}`
      const version = Math.max(doc.body.indexVersion, ...(doc.body.trainedVersions ?? [])) + 1
      try {
        await appData.put(projectId, COLLECTIONS.kbs, kbId, { ...doc.body, pending: { version, jobId, ...(change ? { embedding: change } : {}) } }, { ifMatch: doc.etag })
      } catch (err) {
        if (AppDataErrors.preconditionFailed.is(err)) continue
        throw err
      }
      forgetKb(projectId, kbId)
      const job: IngestJob = { id: jobId, kind: 'reindex', kbId, documentId: '', state: 'queued', progress: { percent: 0, chunksDone: 0, chunksTotal: 0 }, attempts: 0, createdAt: at, updatedAt: at }
      await appData.create(projectId, COLLECTIONS.jobs, jobId, job)
      // The worker records the queue's id when it starts (a cancel before then needs none: the
      // worker sees the record cancelled and stops).
      await jobs.enqueue({ queue: REINDEX_QUEUE, payload: { projectId, kbId, jobId, version }, ...REINDEX_QUEUE_OPTIONS })
      return job
    }
    throw RagErrors.documentConflict('The knowledge base kept changing; try again.')
  }

  /**
   * A base learns by itself: its first corpus model once it has `autoReindexDocuments` ready
   * documents, a new one whenever it has doubled since (so the work stays proportional to the
   * base: each document is re-embedded a bounded number of times). Offline embedder only: a hosted
   * model's re-embedding is billed, so there a reindex stays the caller's decision. Called by the
   * ingestion job after it published a document.
   */
  async function maybeReindex(projectId: string, kbId: string): Promise<void> {
    const min = limits.autoReindexDocuments ?? 0
    if (min <= 0) return
    const kb = await getKb(projectId, kbId)
    if (kb.pending || kb.embedding.provider !== 'offline') return
    const ready = await store.countDocuments(projectId, kbId, readable({ op: 'true' }))
    if (ready < Math.max(min, 2 * (kb.trainedDocs ?? 0))) return
    try {
      await reindex(projectId, kbId)
    } catch (err) {
      // Another process's job (or the caller's) got there first.
      if (!RagErrors.reindexInProgress.is(err)) throw err
    }
  }

  /**
   * Renames a base, or changes its embedding model: a different model (or dimension) starts a
   * reindex that builds the next index version with it, beside the serving one.
   */
  async function updateKb(projectId: string, kbId: string, patch: { name?: string; description?: string; embedding?: EmbeddingSpec }, caller: LlmCaller) {
    const current = await getKb(projectId, kbId, true)
    const wanted = patch.embedding ? await resolveEmbedding(projectId, patch.embedding, caller) : undefined
    const change = wanted && !sameEmbedding(wanted, current.embedding) ? wanted : undefined
    const job = change ? await reindex(projectId, kbId, change) : undefined
    if (patch.name !== undefined || patch.description !== undefined) {
      const renamed = await updateKbRecord(appData, projectId, kbId, (kb) => ({ ...kb, ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.description !== undefined ? { description: patch.description } : {}) }))
      if (!renamed) throw RagStoreErrors.kbNotFound(`Knowledge base ${kbId} does not exist in this project.`)
    }
    forgetKb(projectId, kbId)
    return { knowledgeBase: await getKb(projectId, kbId, true), ...(job ? { job } : {}) }
  }

  /**
   * The id of an upload that names none: derived from the content, so concurrent uploads of the
   * same bytes (one DC or both) all write one document where check-then-insert would make several.
   * A random id only when a replace has since put other content under the derived one.
   */
  async function contentId(projectId: string, kbId: string, contentHash: string): Promise<string> {
    const derived = `doc_${contentHash.slice(0, 32)}`
    const existing = await store.getDocument(projectId, kbId, derived)
    return !existing || existing.contentHash === contentHash ? derived : `doc_${randomUUID().replaceAll('-', '')}`
  }

  async function upload(projectId: string, kbId: string, input: UploadInput) {
    // Cached: the job reads the record itself, and a base deleted meanwhile is refused by the store.
    const kb = await getKb(projectId, kbId)
    if (input.bytes.length > limits.maxDocumentBytes) {
      throw RagErrors.documentTooLarge(`The document is ${input.bytes.length} bytes, more than ${limits.maxDocumentBytes} allowed.`)
    }
    const format = input.format ?? detectFormat(input.contentType, input.filename)
    if (!format) throw RagErrors.unsupportedFormat('Say the format (text, markdown, html, pdf, json), or give a filename with a known extension.')
    const contentHash = sha256(input.bytes)
    const same = await store.findByContentHash(projectId, kbId, contentHash)
    if (same && same.status !== 'failed' && (input.id === undefined || input.id === same.id)) {
      return { document: same, deduplicated: true as const, job: undefined }
    }
    const parsed = await parseDocument(input.bytes, format, { maxChars: limits.maxDocumentChars, timeoutMs: limits.parseTimeoutMs })
    const id = input.id ?? (await contentId(projectId, kbId, contentHash))
    const previous = await store.getDocument(projectId, kbId, id)
    // The same bytes landed under this id since the check above (a concurrent upload): one document.
    if (previous && previous.contentHash === contentHash && previous.status !== 'failed') return { document: previous, deduplicated: true as const, job: undefined }
    const at = iso(now())
    const title = input.title ?? parsed.title ?? input.filename
    const document = {
      kbId,
      id,
      title,
      contentHash,
      metadata: input.metadata ?? {},
      access: input.access ?? {},
      text: parsed.text,
      status: 'processing',
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
    }
    // The row turns `processing` (unsearchable) before its old chunks go: a crash in between leaves
    // a document that is hidden and re-indexed by its job, never one whose chunks quote old text.
    await store.upsertDocument(projectId, document)
    if (previous) await store.deleteChunks(projectId, kbId, id)
    const jobId = `job_${randomUUID().replaceAll('-', '')}`
    const job: IngestJob = {
      id: jobId,
      kind: 'ingest',
      kbId,
      documentId: id,
      state: 'queued',
      progress: { percent: 0, chunksDone: 0, chunksTotal: 0 },
      attempts: 0,
      createdAt: at,
      updatedAt: at,
    }
    await appData.create(projectId, COLLECTIONS.jobs, jobId, job)
    const payload: IngestPayload & { contentHash: string } = {
      projectId, kbId, documentId: id, jobId, indexVersion: kb.indexVersion, sections: parsed.sections, title, contentHash,
    }
    await jobs.enqueue({ queue: INGEST_QUEUE, payload, retryLimit: INGEST_ATTEMPTS - 1, expireInSeconds: limits.ingestTimeoutSeconds ?? 600 })
    return { document, deduplicated: false as const, job }
  }

  async function getJob(projectId: string, jobId: string): Promise<IngestJob> {
    const doc = await appData.get<IngestJob>(projectId, COLLECTIONS.jobs, jobId)
    if (!doc) throw RagErrors.jobNotFound(`Job ${jobId} does not exist in this project.`)
    return doc.body
  }

  async function cancelJob(projectId: string, jobId: string): Promise<IngestJob> {
    const job = await getJob(projectId, jobId)
    if (job.state !== 'queued' && job.state !== 'running') return job
    const cancelled = (await patchJob(appData, projectId, jobId, { state: 'cancelled' }, now)) ?? job
    // A running handler is aborted through the queue (within about a second, from either DC).
    if (typeof cancelled.queueId === 'string') await jobs.cancel(job.kind === 'reindex' ? REINDEX_QUEUE : INGEST_QUEUE, cancelled.queueId)
    const doc = job.kind === 'reindex' ? undefined : await store.getDocument(projectId, job.kbId, job.documentId)
    if (doc && doc.status === 'processing') await store.setDocumentStatus(projectId, job.kbId, job.documentId, 'failed', doc.contentHash)
    return cancelled
  }

  async function getDocument(projectId: string, kbId: string, id: string, reader: Reader) {
    await getKb(projectId, kbId)
    const access = await filters.compileFilter(projectId, { path: RAG_READ_POLICY_PATH, input: { subject: reader }, unknowns: ['input.document'] })
    // One restricted count decides visibility, so a document the reader may not read is a 404, like one that does not exist.
    const doc = await store.getDocument(projectId, kbId, id)
    if (!doc || (await store.countDocuments(projectId, kbId, { op: 'and', args: [{ op: 'eq', field: { path: ['id'] }, value: id }, access] })) === 0) {
      throw RagStoreErrors.documentNotFound(`Document ${id} does not exist in this knowledge base.`)
    }
    return doc
  }

  async function listDocuments(projectId: string, kbId: string, reader: Reader, opts: { limit: number; cursor?: string }) {
    await getKb(projectId, kbId)
    const access = await filters.compileFilter(projectId, { path: RAG_READ_POLICY_PATH, input: { subject: reader }, unknowns: ['input.document'] })
    return store.listDocuments(projectId, kbId, { limit: opts.limit, cursor: opts.cursor, access })
  }

  async function deleteDocument(projectId: string, kbId: string, id: string): Promise<void> {
    await getKb(projectId, kbId)
    if (!(await store.deleteDocument(projectId, kbId, id))) throw RagStoreErrors.documentNotFound(`Document ${id} does not exist in this knowledge base.`)
  }

  /**
   * Vector, keyword or hybrid search of the chunks the reader may read. Once the index version has
   * a learned corpus model, keyword candidates from full text are re-scored by BM25 (rerank.ts) and
   * the hybrid fuses those with the vector list here; before that, the store's own modes answer.
   */
  async function search(projectId: string, kbId: string, reader: Reader, q: SearchInput, caller?: LlmCaller): Promise<SearchHit[]> {
    const kb = await getKb(projectId, kbId)
    const mode = q.mode ?? 'hybrid'
    const k = q.k ?? 10
    // z-score fusion by default: on msmarco-5k through this pipeline it beat RRF (README, RAG).
    const fusion = q.fusion ?? 'zscore'
    const [access, version] = await Promise.all([accessFor(projectId, reader), models.version(projectId, kb, kb.indexVersion)])
    const embedder = mode === 'keyword' ? undefined : await embedderFor(projectId, kb, kb.indexVersion, caller ?? { projectId, subject: reader.id })
    const embedding = embedder ? (await embedder.embed([q.query]))[0] : undefined
    const base = { projectId, kbId, filter: q.filter, access, indexVersion: kb.indexVersion }
    const threshold = (hits: SearchHit[]) => (q.scoreThreshold === undefined ? hits : hits.filter((h) => h.score >= q.scoreThreshold!)).slice(0, k)
    if (!version.model || mode === 'vector') {
      return store.search({ ...base, mode, text: mode === 'vector' ? undefined : q.query, embedding, k, weights: q.weights, fusion, rrfK: q.rrfK, scoreThreshold: q.scoreThreshold })
    }
    const candidates = await store.search({ ...base, mode: 'keyword', text: q.query, k: Math.min(MAX_CANDIDATES, Math.max(k * 2, 50)) })
    const keyword = bm25Rescore(version.model, q.query, candidates)
    if (mode === 'keyword') return threshold(keyword)
    // Within the HNSW scan's ef_search, so the index pass alone fills the list.
    const vector = await store.search({ ...base, mode: 'vector', embedding, k: Math.min(MAX_VECTOR_DEPTH, Math.max(k * 2, 50)) })
    const weights = q.weights ?? { vector: 1, keyword: 1 }
    return threshold(fusion === 'zscore' ? fuseZScore(vector, keyword, weights) : fuse(vector, keyword, weights, q.rrfK ?? 60))
  }

  async function countDocuments(projectId: string, kbId: string, reader: Reader, filter?: MetadataFilter): Promise<number> {
    await getKb(projectId, kbId)
    return store.countDocuments(projectId, kbId, await accessFor(projectId, reader), filter)
  }

  /** Retrieves, answers from the retrieved text only, and keeps the citations that check out against the stored documents. */
  /**
   * Without `model`, the offline extractive answerer; with it, the model through the LLM gateway
   * (the project's aliases, budgets and accounting), the retrieved chunks as numbered sources within
   * `contextTokens`, and the last turns of the conversation.
   */
  async function ask(projectId: string, kbId: string, reader: Reader, input: AskInput, caller: LlmCaller) {
    const conversation = input.conversationId ? await getConversation(projectId, input.conversationId, reader.id) : undefined
    const hits = await search(projectId, kbId, reader, { query: input.question, mode: 'hybrid', k: Math.min(input.k ?? 6, MAX_ASK_CHUNKS), filter: input.filter }, caller)
    const retrieved = hits.map((h) => ({ documentId: h.documentId, chunkId: h.chunkId, text: h.text, start: h.start, end: h.end, score: h.score, title: h.title }))
    let answer: { text: string; citations: Citation[] }
    let model: string | undefined
    if (input.model) {
      const prompt = buildPrompt(input.question, retrieved, input.contextTokens ?? DEFAULT_CONTEXT_TOKENS)
      const history = (conversation?.body.messages ?? []).slice(-HISTORY_TURNS * 2).map((m) => ({ role: m.role, content: m.content }))
      const res = await llm.chat(caller, { model: input.model, system: prompt.system, messages: [...history, { role: 'user', content: prompt.user }], maxTokens: input.maxTokens })
      answer = { text: res.text, citations: citationsFromMarkers(res.text, prompt.sources) }
      model = res.model
    } else {
      answer = composeExtractiveAnswer(input.question, retrieved)
    }
    const texts = new Map<string, string | undefined>()
    for (const id of new Set(answer.citations.map((c) => c.documentId))) texts.set(id, (await store.getDocument(projectId, kbId, id))?.text)
    const { valid } = verifyCitations(answer.citations, (id) => texts.get(id))
    const at = iso(now())
    const messages = [
      ...(conversation?.body.messages ?? []),
      { role: 'user' as const, content: input.question, at },
      { role: 'assistant' as const, content: answer.text, citations: valid, at },
    ].slice(-MAX_CONVERSATION_MESSAGES)
    const conversationId = conversation?.id ?? `conv_${randomUUID().replaceAll('-', '')}`
    const body: Conversation = { id: conversationId, kbId, subject: reader.id, messages, createdAt: conversation?.body.createdAt ?? at }
    try {
      if (conversation) await appData.put(projectId, COLLECTIONS.conversations, conversationId, body, { ifMatch: conversation.etag })
      else await appData.create(projectId, COLLECTIONS.conversations, conversationId, body)
    } catch (err) {
      if (AppDataErrors.preconditionFailed.is(err)) throw RagErrors.documentConflict('The conversation changed while this answer was composed; ask again.')
      throw err
    }
    return { conversationId, answer: answer.text, citations: valid as Citation[], hits, ...(model ? { model } : {}) }
  }

  async function getConversation(projectId: string, id: string, subject: string) {
    const doc = await appData.get<Conversation>(projectId, COLLECTIONS.conversations, id)
    // Another subject's conversation is as absent as a missing one.
    if (!doc || doc.body.subject !== subject) throw RagErrors.conversationNotFound(`Conversation ${id} does not exist.`)
    return { id, etag: doc.etag, body: doc.body }
  }

  async function onProjectDeleted(projectId: string): Promise<void> {
    await store.deleteProject(projectId)
    for (const c of Object.values(COLLECTIONS)) await appData.deleteCollection(projectId, c)
    await models.deleteProject(projectId)
    for (const key of kbCache.keys()) if (key.startsWith(`${projectId}/`)) kbCache.delete(key)
  }

  return {
    createKb, getKb: (p: string, kb: string) => getKb(p, kb, true), listKbs, updateKb, deleteKb, reindex: (p: string, kb: string) => reindex(p, kb), models, forgetKb,
    upload, getJob, cancelJob, getDocument, listDocuments, deleteDocument,
    search, countDocuments, ask, getConversation: (p: string, id: string, reader: Reader) => getConversation(p, id, reader.id).then((c) => c.body),
    embedderFor, getKbCached: getKb, maybeReindex, onProjectDeleted,
  }
}

export type RagService = ReturnType<typeof createRagService>
