/**
 * OpenAI-compatible Files and Vector Stores routes under the LLM gateway's `/llm/v1` base URL, so
 * one `new OpenAI({ baseURL: '<dyad>/llm/v1', apiKey })` client reaches chat and file search. The
 * project is the caller's (project-scoped key or Dyad-Project header), as on the LLM routes.
 */
import { Busboy } from '@fastify/busboy'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { MetadataFilter } from '../../../src/infra/ports/retrieval.ts'
import { RagErrors } from '../errors.ts'
import type { OpenAiVectorStores } from '../openai/vector-stores.ts'
import type { KbRoutesOptions } from './kbs.ts'

const PREFIX = '/llm/v1'
const tags = ['rag', 'openai']
const anyObject = { type: 'object', additionalProperties: true }
const list = (data: unknown[]) => ({ object: 'list', data, first_id: (data[0] as { id?: string })?.id ?? null, last_id: (data.at(-1) as { id?: string })?.id ?? null, has_more: false })
const vsParams = { type: 'object', required: ['vsId'], properties: { vsId: { type: 'string', maxLength: 128 } } }
const vsFileParams = { type: 'object', required: ['vsId', 'fileId'], properties: { vsId: { type: 'string', maxLength: 128 }, fileId: { type: 'string', maxLength: 128 } } }
const fileParams = { type: 'object', required: ['fileId'], properties: { fileId: { type: 'string', maxLength: 128 } } }
const attributes = { type: 'object', maxProperties: 16, additionalProperties: { type: ['string', 'number', 'boolean'] } }

/** One file and its text fields out of a buffered multipart/form-data body (what `files.create` sends). */
function parseMultipart(body: Buffer, contentType: string, maxBytes: number): Promise<{ fields: Record<string, string>; file?: { filename: string; bytes: Buffer } }> {
  return new Promise((resolve, reject) => {
    let bb
    try {
      bb = Busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fields: 20, fieldSize: 64 * 1024, fileSize: maxBytes, parts: 32 } })
    } catch {
      return reject(RagErrors.uploadInvalid('The multipart body has no valid boundary.'))
    }
    const fields: Record<string, string> = {}
    let file: { filename: string; bytes: Buffer } | undefined
    let truncated = false
    bb.on('field', (name, value) => void (fields[name] = value))
    bb.on('file', (_name, stream, filename) => {
      const parts: Buffer[] = []
      stream.on('data', (d: Buffer) => parts.push(d))
      stream.on('limit', () => void (truncated = true))
      stream.on('end', () => void (file = { filename: filename || 'upload', bytes: Buffer.concat(parts) }))
    })
    bb.on('error', () => reject(RagErrors.uploadInvalid('The multipart body is malformed.')))
    bb.on('finish', () => (truncated ? reject(RagErrors.documentTooLarge(`The file is larger than ${maxBytes} bytes.`)) : resolve({ fields, file })))
    bb.end(body)
  })
}

export async function openAiRoutes(app: FastifyInstance, opts: { stores: OpenAiVectorStores; readerOf: KbRoutesOptions['readerOf']; maxFileBytes: number }) {
  const { stores, maxFileBytes } = opts
  // Buffered (bounded) rather than streamed, so the gateway's idempotency hash covers the upload.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: maxFileBytes + 1024 * 1024 }, (_req, body, done) => done(null, body))
  const project = (req: FastifyRequest) => req.projectId!
  const reader = (req: FastifyRequest) => opts.readerOf({ principal: req.principal, params: { projectId: project(req) } })

  app.post(`${PREFIX}/files`, {
    config: { action: 'rag.document.write', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible file upload (multipart: `file`, `purpose`)', consumes: ['multipart/form-data'], response: { 200: anyObject } },
    handler: async (req) => {
      if (!Buffer.isBuffer(req.body)) throw RagErrors.uploadInvalid('Send the file as multipart/form-data.')
      const { fields, file } = await parseMultipart(req.body, String(req.headers['content-type']), maxFileBytes)
      if (!file) throw RagErrors.uploadInvalid('The multipart body has no `file` part.')
      const meta = await stores.createFile(project(req), { filename: file.filename.slice(0, 255), purpose: fields.purpose ?? 'assistants', bytes: file.bytes })
      return fileObject(meta)
    },
  })
  app.get(`${PREFIX}/files`, {
    config: { action: 'rag.document.read', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible file list', response: { 200: anyObject } },
    handler: async (req) => list((await stores.listFiles(project(req))).map(fileObject)),
  })
  app.get<{ Params: { fileId: string } }>(`${PREFIX}/files/:fileId`, {
    config: { action: 'rag.document.read', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible file', params: fileParams, response: { 200: anyObject } },
    handler: async (req) => fileObject(await stores.fileMeta(project(req), req.params.fileId)),
  })
  app.delete<{ Params: { fileId: string } }>(`${PREFIX}/files/:fileId`, {
    config: { action: 'rag.document.write', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible file deletion', params: fileParams, response: { 200: anyObject } },
    handler: async (req) => {
      await stores.deleteFile(project(req), req.params.fileId)
      return { id: req.params.fileId, object: 'file', deleted: true }
    },
  })

  app.post<{ Body: { name?: string; file_ids?: string[]; metadata?: Record<string, string> } }>(`${PREFIX}/vector_stores`, {
    config: { action: 'rag.kb.write', projectFromCaller: true },
    schema: {
      tags,
      summary: 'OpenAI-compatible vector store creation',
      body: {
        type: 'object',
        additionalProperties: true,
        properties: { name: { type: 'string', maxLength: 256 }, file_ids: { type: 'array', maxItems: 500, items: { type: 'string', maxLength: 128 } }, metadata: { type: 'object', maxProperties: 16, additionalProperties: { type: 'string', maxLength: 512 } } },
      },
      response: { 200: anyObject },
    },
    handler: async (req) => stores.createVectorStore(project(req), req.principal.subject, req.body ?? {}, await reader(req)),
  })
  app.get(`${PREFIX}/vector_stores`, {
    config: { action: 'rag.kb.read', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible vector store list', response: { 200: anyObject } },
    handler: async (req) => list(await stores.listVectorStores(project(req))),
  })
  app.get<{ Params: { vsId: string } }>(`${PREFIX}/vector_stores/:vsId`, {
    config: { action: 'rag.kb.read', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible vector store', params: vsParams, response: { 200: anyObject } },
    handler: async (req) => stores.vectorStore(project(req), req.params.vsId),
  })
  app.delete<{ Params: { vsId: string } }>(`${PREFIX}/vector_stores/:vsId`, {
    config: { action: 'rag.kb.write', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible vector store deletion', params: vsParams, response: { 200: anyObject } },
    handler: async (req) => {
      await stores.deleteVectorStore(project(req), req.params.vsId)
      return { id: req.params.vsId, object: 'vector_store.deleted', deleted: true }
    },
  })
  app.post<{ Params: { vsId: string }; Body: { file_id: string; attributes?: Record<string, string | number | boolean> } }>(`${PREFIX}/vector_stores/:vsId/files`, {
    config: { action: 'rag.document.write', projectFromCaller: true },
    schema: {
      tags,
      summary: 'OpenAI-compatible: attach a file to a vector store (indexed by an ingestion job; poll its status)',
      params: vsParams,
      body: { type: 'object', additionalProperties: true, required: ['file_id'], properties: { file_id: { type: 'string', maxLength: 128 }, attributes } },
      response: { 200: anyObject },
    },
    handler: async (req) => stores.attach(project(req), req.params.vsId, req.body.file_id, req.body.attributes ?? {}, await reader(req)),
  })
  app.get<{ Params: { vsId: string } }>(`${PREFIX}/vector_stores/:vsId/files`, {
    config: { action: 'rag.document.read', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible: files of a vector store', params: vsParams, response: { 200: anyObject } },
    handler: async (req) => list(await stores.listVsFiles(project(req), req.params.vsId)),
  })
  app.get<{ Params: { vsId: string; fileId: string } }>(`${PREFIX}/vector_stores/:vsId/files/:fileId`, {
    config: { action: 'rag.document.read', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible: one file of a vector store with its status and last_error', params: vsFileParams, response: { 200: anyObject } },
    handler: async (req) => stores.getVsFile(project(req), req.params.vsId, req.params.fileId),
  })
  app.delete<{ Params: { vsId: string; fileId: string } }>(`${PREFIX}/vector_stores/:vsId/files/:fileId`, {
    config: { action: 'rag.document.write', projectFromCaller: true },
    schema: { tags, summary: 'OpenAI-compatible: detach a file (its chunks go)', params: vsFileParams, response: { 200: anyObject } },
    handler: async (req) => {
      await stores.detach(project(req), req.params.vsId, req.params.fileId)
      return { id: req.params.fileId, object: 'vector_store.file.deleted', deleted: true }
    },
  })
  app.post<{ Params: { vsId: string }; Body: { query: string | string[]; filters?: MetadataFilter; max_num_results?: number; ranking_options?: { score_threshold?: number } } }>(`${PREFIX}/vector_stores/:vsId/search`, {
    config: { action: 'rag.search', readOnly: true, projectFromCaller: true },
    schema: {
      tags,
      summary: 'OpenAI-compatible vector store search (hybrid; `filters` as OpenAI defines them)',
      params: vsParams,
      body: {
        type: 'object',
        additionalProperties: true,
        required: ['query'],
        properties: {
          query: { anyOf: [{ type: 'string', minLength: 1, maxLength: 4000 }, { type: 'array', minItems: 1, maxItems: 8, items: { type: 'string', maxLength: 4000 } }] },
          filters: { $ref: 'RagFilter#' },
          max_num_results: { type: 'integer', minimum: 1, maximum: 50 },
          ranking_options: { type: 'object', properties: { ranker: { type: 'string' }, score_threshold: { type: 'number' } } },
          rewrite_query: { type: 'boolean' },
        },
      },
      response: { 200: anyObject },
    },
    handler: async (req) => stores.search(project(req), req.params.vsId, await reader(req), req.body),
  })
}

function fileObject(meta: { id: string; filename: string; bytes: number; purpose: string; created_at: number }) {
  return { id: meta.id, object: 'file', bytes: meta.bytes, created_at: meta.created_at, filename: meta.filename, purpose: meta.purpose, status: 'processed' }
}
