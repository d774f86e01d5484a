/** Knowledge bases, documents and ingestion jobs (polling and SSE progress). */
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { DocumentRecord as StoredDocument } from '../../../src/infra/ports/retrieval.ts'
import { RagErrors } from '../errors.ts'
import type { IngestJob, Reader } from '../model.ts'
import type { EmbeddingSpec, RagService } from '../service.ts'
import { callerOf } from './caller.ts'
import {
  AccessSchema, BASE, DocumentRecord, EmbeddingSpecSchema, JobRecord, KB, KbRecord, MetadataSchema, RagIdSchema,
  docParams, jobParams, kbParams, projectParams, tags,
} from '../schemas.ts'
import type { DocumentFormat } from '../text/types.ts'

const done = { 204: { type: 'null' } }
const page = (schema: object) => ({ type: 'object', required: ['items'], properties: { items: { type: 'array', items: schema }, nextCursor: { type: 'string' } } })
const cursorQuery = { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, cursor: { type: 'string', maxLength: 512 } } }
const JOB_POLL_MS = 300
const JOB_STREAM_MAX_MS = 30 * 60_000

interface UploadBody {
  id?: string
  title?: string
  format?: DocumentFormat
  filename?: string
  text?: string
  contentBase64?: string
  metadata?: Record<string, string | number | boolean>
  access?: { users?: string[]; groups?: string[]; public?: boolean }
}

/** The stored record without its text (which can be megabytes): its length instead. */
export function documentView(d: StoredDocument) {
  const { text, ...rest } = d
  return { ...rest, characters: text.length }
}

export interface KbRoutesOptions {
  service: RagService
  readerOf(req: { principal: { subject: string; platformAdmin: boolean; groups?: string[] }; params: unknown }): Promise<Reader>
  maxDocumentBytes: number
}

export async function kbRoutes(app: FastifyInstance, { service, readerOf, maxDocumentBytes }: KbRoutesOptions) {
  app.post<{ Params: { projectId: string }; Body: { id: string; name?: string; description?: string; embedding?: EmbeddingSpec; chunking?: { maxTokens?: number; overlapTokens?: number } } }>(`${BASE}/kbs`, {
    config: { action: 'rag.kb.write' },
    schema: {
      tags,
      summary: 'Create a knowledge base with its embedding model and chunking settings',
      params: projectParams,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: {
          id: RagIdSchema,
          name: { type: 'string', maxLength: 200 },
          description: { type: 'string', maxLength: 2000 },
          embedding: EmbeddingSpecSchema,
          chunking: {
            type: 'object',
            additionalProperties: false,
            properties: { maxTokens: { type: 'integer', minimum: 32, maximum: 4000 }, overlapTokens: { type: 'integer', minimum: 0, maximum: 1000 } },
          },
        },
      },
      response: { 201: KbRecord },
    },
    handler: async (req, reply) => reply.code(201).send(await service.createKb(req.params.projectId, req.body, req.principal.subject, { caller: callerOf(req) })),
  })
  app.get<{ Params: { projectId: string }; Querystring: { cursor?: string } }>(`${BASE}/kbs`, {
    config: { action: 'rag.kb.read' },
    schema: { tags, summary: 'List knowledge bases', params: projectParams, querystring: cursorQuery, response: { 200: page(KbRecord) } },
    handler: async (req) => service.listKbs(req.params.projectId, req.query.cursor),
  })
  app.get<{ Params: { projectId: string; kbId: string } }>(KB, {
    config: { action: 'rag.kb.read' },
    schema: { tags, summary: 'Get a knowledge base', params: kbParams, response: { 200: KbRecord } },
    handler: async (req) => service.getKb(req.params.projectId, req.params.kbId),
  })
  app.delete<{ Params: { projectId: string; kbId: string } }>(KB, {
    config: { action: 'rag.kb.write' },
    schema: { tags, summary: 'Delete a knowledge base with its documents, chunks and vectors', params: kbParams, response: done },
    handler: async (req, reply) => {
      await service.deleteKb(req.params.projectId, req.params.kbId)
      return reply.code(204).send()
    },
  })

  app.post<{ Params: { projectId: string; kbId: string } }>(`${KB}/reindex`, {
    config: { action: 'rag.kb.write' },
    schema: {
      tags,
      summary: "Learn a new corpus model from the base's own text and re-embed every chunk into the next index version (the current one serves until it is complete): 202 with the job",
      params: kbParams,
      response: { 202: JobRecord },
    },
    handler: async (req, reply) => reply.code(202).send(await service.reindex(req.params.projectId, req.params.kbId)),
  })

  app.patch<{ Params: { projectId: string; kbId: string }; Body: { name?: string; description?: string; embedding?: EmbeddingSpec } }>(KB, {
    config: { action: 'rag.kb.write' },
    schema: {
      tags,
      summary: "Rename a knowledge base or change its embedding model: a new model re-embeds the base in a reindex job (202 with the job; the current index serves until the new one is complete); otherwise 200",
      params: kbParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { name: { type: 'string', maxLength: 200 }, description: { type: 'string', maxLength: 2000 }, embedding: EmbeddingSpecSchema },
      },
      response: {
        200: { type: 'object', required: ['knowledgeBase'], properties: { knowledgeBase: KbRecord } },
        202: { type: 'object', required: ['knowledgeBase', 'job'], properties: { knowledgeBase: KbRecord, job: JobRecord } },
      },
    },
    handler: async (req, reply) => {
      const res = await service.updateKb(req.params.projectId, req.params.kbId, req.body, callerOf(req))
      return reply.code(res.job ? 202 : 200).send(res)
    },
  })

  // Base64 grows the body by a third; the document limit itself is checked on the decoded bytes.
  const bodyLimit = Math.ceil(maxDocumentBytes * 1.4) + 64 * 1024
  app.post<{ Params: { projectId: string; kbId: string }; Body: UploadBody }>(`${KB}/documents`, {
    config: { action: 'rag.document.write' },
    bodyLimit,
    schema: {
      tags,
      summary: 'Upload a document (text, or base64 bytes of Markdown, HTML, PDF or JSON): 202 with its ingestion job, 200 when the same content is already there',
      params: kbParams,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          id: RagIdSchema,
          title: { type: 'string', maxLength: 500 },
          format: { type: 'string', enum: ['text', 'markdown', 'html', 'pdf', 'json'] },
          filename: { type: 'string', maxLength: 255 },
          text: { type: 'string' },
          contentBase64: { type: 'string', contentEncoding: 'base64' },
          metadata: MetadataSchema,
          access: AccessSchema,
        },
      },
      response: {
        200: { type: 'object', required: ['document', 'deduplicated'], properties: { document: DocumentRecord, deduplicated: { type: 'boolean' } } },
        202: { type: 'object', required: ['document', 'deduplicated', 'job'], properties: { document: DocumentRecord, deduplicated: { type: 'boolean' }, job: JobRecord } },
      },
    },
    handler: async (req, reply) => {
      const b = req.body
      if ((b.text === undefined) === (b.contentBase64 === undefined)) throw RagErrors.uploadInvalid('Send exactly one of `text` and `contentBase64`.')
      if (b.contentBase64 !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(b.contentBase64)) throw RagErrors.uploadInvalid('`contentBase64` is not base64.')
      const bytes = b.text !== undefined ? new TextEncoder().encode(b.text) : new Uint8Array(Buffer.from(b.contentBase64!, 'base64'))
      const format = b.format ?? (b.text !== undefined && !b.filename ? 'text' : undefined)
      const res = await service.upload(req.params.projectId, req.params.kbId, {
        id: b.id, title: b.title, format, filename: b.filename, bytes, metadata: b.metadata, access: b.access,
      })
      const body = { document: documentView(res.document), deduplicated: res.deduplicated, ...(res.job ? { job: res.job } : {}) }
      return reply.code(res.deduplicated ? 200 : 202).send(body)
    },
  })
  app.get<{ Params: { projectId: string; kbId: string }; Querystring: { limit: number; cursor?: string } }>(`${KB}/documents`, {
    config: { action: 'rag.document.read' },
    schema: { tags, summary: 'List the documents the caller may read', params: kbParams, querystring: cursorQuery, response: { 200: page(DocumentRecord) } },
    handler: async (req) => {
      const res = await service.listDocuments(req.params.projectId, req.params.kbId, await readerOf(req), req.query)
      return { items: res.items.map(documentView), nextCursor: res.nextCursor }
    },
  })
  app.get<{ Params: { projectId: string; kbId: string; documentId: string } }>(`${KB}/documents/:documentId`, {
    config: { action: 'rag.document.read' },
    schema: { tags, summary: 'Get a document the caller may read (404 otherwise)', params: docParams, response: { 200: DocumentRecord } },
    handler: async (req) => documentView(await service.getDocument(req.params.projectId, req.params.kbId, req.params.documentId, await readerOf(req))),
  })
  app.get<{ Params: { projectId: string; kbId: string; documentId: string } }>(`${KB}/documents/:documentId/text`, {
    config: { action: 'rag.document.read' },
    schema: { tags, summary: 'The stored text of a document the caller may read (what citation offsets index into)', params: docParams, produces: ['text/plain'], response: { 200: { type: 'string' } } },
    handler: async (req, reply) => {
      const doc = await service.getDocument(req.params.projectId, req.params.kbId, req.params.documentId, await readerOf(req))
      return reply.type('text/plain; charset=utf-8').send(doc.text)
    },
  })
  app.delete<{ Params: { projectId: string; kbId: string; documentId: string } }>(`${KB}/documents/:documentId`, {
    config: { action: 'rag.document.write' },
    schema: { tags, summary: 'Delete a document with its chunks and vectors', params: docParams, response: done },
    handler: async (req, reply) => {
      await service.deleteDocument(req.params.projectId, req.params.kbId, req.params.documentId)
      return reply.code(204).send()
    },
  })

  app.get<{ Params: { projectId: string; jobId: string } }>(`${BASE}/jobs/:jobId`, {
    config: { action: 'rag.document.read' },
    schema: { tags, summary: 'An ingestion job: state and progress (percent, chunks done, error)', params: jobParams, response: { 200: JobRecord } },
    handler: async (req) => service.getJob(req.params.projectId, req.params.jobId),
  })
  app.post<{ Params: { projectId: string; jobId: string } }>(`${BASE}/jobs/:jobId/cancel`, {
    config: { action: 'rag.document.write' },
    schema: { tags, summary: 'Cancel an ingestion job (its document is left `failed` and unsearchable)', params: jobParams, response: { 200: JobRecord } },
    handler: async (req) => service.cancelJob(req.params.projectId, req.params.jobId),
  })
  app.get<{ Params: { projectId: string; jobId: string } }>(`${BASE}/jobs/:jobId/events`, {
    config: { action: 'rag.document.read' },
    schema: {
      tags,
      summary: 'Server-sent events: `progress` (the job record) whenever it changes, then `done` with the final record',
      params: jobParams,
      produces: ['text/event-stream'],
    },
    handler: async (req, reply) => {
      const { projectId, jobId } = req.params
      const first = await service.getJob(projectId, jobId) // 404 before the stream starts
      const closed = new AbortController()
      reply.raw.once('close', () => closed.abort())
      async function* events() {
        let job: IngestJob = first
        let last = ''
        const until = Date.now() + JOB_STREAM_MAX_MS
        for (;;) {
          const json = JSON.stringify(job)
          if (json !== last) yield `event: progress\ndata: ${json}\n\n`
          last = json
          if (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') {
            yield `event: done\ndata: ${json}\n\n`
            return
          }
          if (Date.now() > until || closed.signal.aborted) return
          // The job may run in the other DC: its record in the app-data store is the one truth, read on an interval.
          await new Promise((r) => setTimeout(r, JOB_POLL_MS))
          if (closed.signal.aborted) return
          job = await service.getJob(projectId, jobId)
        }
      }
      return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no').send(Readable.from(events()))
    },
  })
}
