/**
 * OpenAI's Files and Vector Stores APIs (the subset file search uses) on the rag service, so the
 * `openai` SDK works unchanged against `/llm/v1`:
 * - a file is uploaded bytes kept in the app-data store (split into parts below Cosmos DB's
 *   document limit) until a vector store indexes it;
 * - a vector store is a knowledge base (`vs_...`) with the default embedder and chunking;
 * - attaching a file uploads it as a document of that knowledge base (id = file id, attributes =
 *   metadata) and its ingestion job gives the vector-store file's status and `last_error`;
 * - search is the hybrid search with OpenAI's `filters` (same shape as ours) and
 *   `ranking_options.score_threshold` (on the fused score, which is not OpenAI's 0-1 scale).
 * OpenAI has no per-document permissions: attached files are readable by every caller of the
 * project (`access.public`), which is what the SDK's users expect; the read policy still applies.
 */
import { randomUUID } from 'node:crypto'
import type { AppDataStore } from '../../../src/infra/ports/appdata.ts'
import type { MetadataFilter } from '../../../src/infra/ports/retrieval.ts'
import { isDyadError } from '../../../src/shared/errors.ts'
import { RagErrors } from '../errors.ts'
import { COLLECTIONS, type IngestJob, type Reader } from '../model.ts'
import type { RagService } from '../service.ts'

const FILES = 'rag.files'
const PARTS = 'rag.fileparts'
const VS_FILES = 'rag.vsfiles'
/** Base64 characters per part: ~1.5 MB of text per document, below Cosmos DB's 2 MB item limit. */
const PART_CHARS = 1_500_000

export interface FileMeta {
  id: string
  filename: string
  bytes: number
  purpose: string
  parts: number
  created_at: number
  [k: string]: unknown
}

interface VsFile {
  vectorStoreId: string
  fileId: string
  jobId?: string
  created_at: number
  attributes: Record<string, string | number | boolean>
  /** Set when the upload itself was refused (the document never got a job). */
  error?: { code: string; message: string }
  [k: string]: unknown
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000)
const vsFileId = (vs: string, file: string) => `${vs}__${file}`
const notFound = (what: string) => RagErrors.fileNotFound(`No such ${what}.`)

function statusOf(job: IngestJob | undefined, link: VsFile): { status: 'in_progress' | 'completed' | 'cancelled' | 'failed'; last_error: { code: string; message: string } | null } {
  if (link.error) return { status: 'failed', last_error: { code: link.error.code === RagErrors.unsupportedFormat.code ? 'unsupported_file' : 'invalid_file', message: link.error.message } }
  if (!job) return { status: 'completed', last_error: null } // deduplicated: the same content was already indexed
  if (job.state === 'succeeded') return { status: 'completed', last_error: null }
  if (job.state === 'cancelled') return { status: 'cancelled', last_error: null }
  if (job.state === 'failed') return { status: 'failed', last_error: { code: 'server_error', message: job.error?.message ?? 'ingestion failed' } }
  return { status: 'in_progress', last_error: null }
}

export function createOpenAiVectorStores(deps: { service: RagService; appData: AppDataStore; maxFileBytes: number }) {
  const { service, appData } = deps

  async function createFile(projectId: string, input: { filename: string; purpose: string; bytes: Uint8Array }): Promise<FileMeta> {
    if (input.bytes.length > deps.maxFileBytes) throw RagErrors.documentTooLarge(`The file is ${input.bytes.length} bytes, more than ${deps.maxFileBytes} allowed.`)
    const id = `file-${randomUUID().replaceAll('-', '')}`
    const b64 = Buffer.from(input.bytes).toString('base64')
    const parts = Math.max(1, Math.ceil(b64.length / PART_CHARS))
    for (let i = 0; i < parts; i++) await appData.create(projectId, PARTS, `${id}.${i}`, { data: b64.slice(i * PART_CHARS, (i + 1) * PART_CHARS) })
    // The metadata goes last: a file is listed only once all its parts are stored.
    const meta: FileMeta = { id, filename: input.filename, bytes: input.bytes.length, purpose: input.purpose, parts, created_at: Math.floor(Date.now() / 1000) }
    await appData.create(projectId, FILES, id, meta)
    return meta
  }

  async function fileMeta(projectId: string, id: string): Promise<FileMeta> {
    const doc = await appData.get<FileMeta>(projectId, FILES, id)
    if (!doc) throw notFound(`file ${id}`)
    return doc.body
  }

  async function fileBytes(projectId: string, meta: FileMeta): Promise<Uint8Array> {
    let b64 = ''
    for (let i = 0; i < meta.parts; i++) b64 += (await appData.get<{ data: string }>(projectId, PARTS, `${meta.id}.${i}`))?.body.data ?? ''
    return new Uint8Array(Buffer.from(b64, 'base64'))
  }

  async function listFiles(projectId: string) {
    return (await appData.query<FileMeta>(projectId, FILES, { limit: 1000, order: 'desc' })).items.map((d) => d.body)
  }

  async function deleteFile(projectId: string, id: string): Promise<void> {
    const meta = await fileMeta(projectId, id)
    await appData.delete(projectId, FILES, id)
    for (let i = 0; i < meta.parts; i++) await appData.delete(projectId, PARTS, `${id}.${i}`)
  }

  async function vectorStore(projectId: string, id: string) {
    const kb = await service.getKb(projectId, id)
    const links = (await appData.query<VsFile>(projectId, VS_FILES, { where: { vectorStoreId: id }, limit: 1000 })).items.map((d) => d.body)
    // The store's job records in one query, not one read per file; a job beyond that page is read on its own.
    const page = await appData.query<IngestJob>(projectId, COLLECTIONS.jobs, { where: { kbId: id }, limit: 1000 })
    const jobs = new Map(page.items.map((d) => [d.body.id, d.body]))
    const counts = { in_progress: 0, completed: 0, failed: 0, cancelled: 0, total: links.length }
    let usage = 0
    for (const link of links) {
      const job = link.jobId ? (jobs.get(link.jobId) ?? (await service.getJob(projectId, link.jobId).catch(() => undefined))) : undefined
      counts[statusOf(job, link).status]++
      usage += job?.progress.chunksTotal ?? 0
    }
    return {
      id: kb.id,
      object: 'vector_store' as const,
      created_at: seconds(kb.createdAt),
      name: kb.name,
      usage_bytes: usage,
      file_counts: counts,
      status: counts.in_progress > 0 ? ('in_progress' as const) : ('completed' as const),
      last_active_at: null,
      metadata: (kb.metadata as Record<string, string> | undefined) ?? {},
      expires_at: null,
    }
  }

  async function createVectorStore(projectId: string, actor: string, input: { name?: string; file_ids?: string[]; metadata?: Record<string, string> }, reader: Reader) {
    const id = `vs_${randomUUID().replaceAll('-', '')}`
    await service.createKb(projectId, { id, name: input.name ?? '' }, actor, { metadata: input.metadata ?? {} })
    for (const fileId of input.file_ids ?? []) await attach(projectId, id, fileId, {}, reader)
    return vectorStore(projectId, id)
  }

  async function listVectorStores(projectId: string) {
    const page = await service.listKbs(projectId)
    const out = []
    for (const kb of page.items) if (kb.id.startsWith('vs_')) out.push(await vectorStore(projectId, kb.id))
    return out
  }

  async function attach(projectId: string, vsId: string, fileId: string, attributes: Record<string, string | number | boolean>, _reader: Reader) {
    await service.getKb(projectId, vsId)
    const meta = await fileMeta(projectId, fileId)
    const link: VsFile = { vectorStoreId: vsId, fileId, created_at: Math.floor(Date.now() / 1000), attributes }
    try {
      const res = await service.upload(projectId, vsId, { id: fileId, filename: meta.filename, bytes: await fileBytes(projectId, meta), metadata: attributes, access: { public: true } })
      if (res.job) link.jobId = res.job.id
    } catch (err) {
      // OpenAI reports a file it cannot index as the attachment's last_error, not as a failed call.
      if (!(isDyadError(err) && err.statusCode < 500)) throw err
      link.error = { code: err.code, message: err.message }
    }
    await appData.put(projectId, VS_FILES, vsFileId(vsId, fileId), link)
    return vectorStoreFile(projectId, link)
  }

  async function vectorStoreFile(projectId: string, link: VsFile) {
    const job = link.jobId ? await service.getJob(projectId, link.jobId).catch(() => undefined) : undefined
    return {
      id: link.fileId,
      object: 'vector_store.file' as const,
      created_at: link.created_at,
      vector_store_id: link.vectorStoreId,
      usage_bytes: job?.progress.chunksTotal ?? 0,
      attributes: link.attributes,
      ...statusOf(job, link),
    }
  }

  async function getVsFile(projectId: string, vsId: string, fileId: string) {
    const doc = await appData.get<VsFile>(projectId, VS_FILES, vsFileId(vsId, fileId))
    if (!doc) throw notFound(`file ${fileId} in vector store ${vsId}`)
    return vectorStoreFile(projectId, doc.body)
  }

  async function listVsFiles(projectId: string, vsId: string) {
    await service.getKb(projectId, vsId)
    const links = (await appData.query<VsFile>(projectId, VS_FILES, { where: { vectorStoreId: vsId }, limit: 1000 })).items
    return Promise.all(links.map((d) => vectorStoreFile(projectId, d.body)))
  }

  async function detach(projectId: string, vsId: string, fileId: string) {
    const doc = await appData.get<VsFile>(projectId, VS_FILES, vsFileId(vsId, fileId))
    if (!doc) throw notFound(`file ${fileId} in vector store ${vsId}`)
    await service.deleteDocument(projectId, vsId, fileId).catch(() => {})
    await appData.delete(projectId, VS_FILES, vsFileId(vsId, fileId))
  }

  async function deleteVectorStore(projectId: string, vsId: string) {
    const links = (await appData.query<VsFile>(projectId, VS_FILES, { where: { vectorStoreId: vsId }, limit: 1000 })).items
    await service.deleteKb(projectId, vsId)
    for (const d of links) await appData.delete(projectId, VS_FILES, d.id)
  }

  async function search(projectId: string, vsId: string, reader: Reader, input: { query: string | string[]; filters?: MetadataFilter; max_num_results?: number; ranking_options?: { score_threshold?: number } }) {
    const query = Array.isArray(input.query) ? input.query.join(' ') : input.query
    const hits = await service.search(projectId, vsId, reader, {
      query,
      mode: 'hybrid',
      k: input.max_num_results ?? 10,
      filter: input.filters,
      scoreThreshold: input.ranking_options?.score_threshold,
    })
    const files = new Map<string, string>()
    for (const h of hits) if (!files.has(h.documentId)) files.set(h.documentId, h.title ?? h.documentId)
    return {
      object: 'vector_store.search_results.page' as const,
      search_query: [query],
      data: hits.map((h) => ({
        file_id: h.documentId,
        filename: files.get(h.documentId)!,
        score: h.score,
        attributes: h.metadata,
        content: [{ type: 'text' as const, text: h.text }],
      })),
      has_more: false,
      next_page: null,
    }
  }

  async function onProjectDeleted(projectId: string) {
    for (const c of [FILES, PARTS, VS_FILES]) await appData.deleteCollection(projectId, c)
  }

  return { createFile, fileMeta, listFiles, deleteFile, createVectorStore, listVectorStores, vectorStore, deleteVectorStore, attach, getVsFile, listVsFiles, detach, search, onProjectDeleted }
}

export type OpenAiVectorStores = ReturnType<typeof createOpenAiVectorStores>
