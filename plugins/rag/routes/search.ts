/** Search, counts and cited answers (JSON, or SSE for `stream: true`), and conversations. */
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { MetadataFilter, SearchMode } from '../../../src/infra/ports/retrieval.ts'
import type { Reader } from '../model.ts'
import type { AskInput, RagService } from '../service.ts'
import { CitationRecord, HitRecord, KB, BASE, conversationParams, kbParams, tags } from '../schemas.ts'
import type { KbRoutesOptions } from './kbs.ts'
import { callerOf } from './caller.ts'

const filter = { $ref: 'RagFilter#' }
const searchBody = {
  type: 'object',
  additionalProperties: false,
  required: ['query'],
  properties: {
    query: { type: 'string', minLength: 1, maxLength: 4000 },
    mode: { type: 'string', enum: ['vector', 'keyword', 'hybrid'], default: 'hybrid' },
    k: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    filter,
    weights: {
      type: 'object',
      additionalProperties: false,
      required: ['vector', 'keyword'],
      description: 'Hybrid: weight of each ranked list in the reciprocal rank fusion.',
      properties: { vector: { type: 'number', minimum: 0, maximum: 10 }, keyword: { type: 'number', minimum: 0, maximum: 10 } },
    },
    fusion: { type: 'string', enum: ['rrf', 'zscore'], description: 'Hybrid: a weighted sum of z-score-normalised scores (default) or reciprocal rank fusion.' },
    rrfK: { type: 'integer', minimum: 1, maximum: 1000, description: 'Hybrid with fusion rrf: the RRF constant (default 60).' },
    scoreThreshold: { type: 'number' },
  },
} as const
const askBody = {
  type: 'object',
  additionalProperties: false,
  required: ['question'],
  properties: {
    question: { type: 'string', minLength: 1, maxLength: 4000 },
    k: { type: 'integer', minimum: 1, maximum: 20, default: 6 },
    filter,
    conversationId: { type: 'string', maxLength: 128 },
    model: { type: 'string', minLength: 1, maxLength: 200, description: "A chat model or alias of the project's LLM gateway; omitted: the offline extractive answerer." },
    contextTokens: { type: 'integer', minimum: 100, maximum: 100_000, description: 'Token budget for the sources in the prompt (default 3,000).' },
    maxTokens: { type: 'integer', minimum: 1, maximum: 32_000 },
    stream: { type: 'boolean', default: false },
  },
} as const
const answer = {
  type: 'object',
  required: ['conversationId', 'answer', 'citations', 'hits'],
  properties: { conversationId: { type: 'string' }, answer: { type: 'string' }, model: { type: 'string' }, citations: { type: 'array', items: CitationRecord }, hits: { type: 'array', items: HitRecord } },
}
const sse = (data: unknown, event: string) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`

export async function searchRoutes(app: FastifyInstance, { service, readerOf }: { service: RagService; readerOf: KbRoutesOptions['readerOf'] }) {
  app.post<{ Params: { projectId: string; kbId: string }; Body: { query: string; mode: SearchMode; k: number; filter?: MetadataFilter; weights?: { vector: number; keyword: number }; fusion?: 'rrf' | 'zscore'; rrfK?: number; scoreThreshold?: number } }>(`${KB}/search`, {
    config: { action: 'rag.search', readOnly: true },
    schema: { tags, summary: 'Search the chunks the caller may read: vector, keyword or hybrid (RRF), with metadata filters', params: kbParams, body: searchBody, response: { 200: { type: 'object', required: ['hits'], properties: { hits: { type: 'array', items: HitRecord } } } } },
    handler: async (req) => ({ hits: await service.search(req.params.projectId, req.params.kbId, await readerOf(req), req.body, callerOf(req)) }),
  })
  app.post<{ Params: { projectId: string; kbId: string }; Body: { filter?: MetadataFilter } }>(`${KB}/count`, {
    config: { action: 'rag.search', readOnly: true },
    schema: {
      tags,
      summary: 'How many documents the caller may read (ready ones), optionally with a metadata filter',
      params: kbParams,
      body: { type: 'object', additionalProperties: false, properties: { filter } },
      response: { 200: { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } } },
    },
    handler: async (req) => ({ count: await service.countDocuments(req.params.projectId, req.params.kbId, await readerOf(req), req.body?.filter) }),
  })
  app.post<{ Params: { projectId: string; kbId: string }; Body: AskInput & { stream: boolean } }>(`${KB}/ask`, {
    config: { action: 'rag.ask' },
    schema: {
      tags,
      summary: 'Answer a question from the documents the caller may read, with verified citations; `stream: true` sends SSE events `retrieval`, `delta`..., `citations`, `done`',
      params: kbParams,
      body: askBody,
      response: { 200: answer },
    },
    handler: async (req, reply) => {
      const reader: Reader = await readerOf(req)
      const { stream, ...input } = req.body
      const caller = callerOf(req)
      if (!stream) return service.ask(req.params.projectId, req.params.kbId, reader, input, caller)
      // The answer is composed before the first byte, so a failure is still a normal error response.
      const res = await service.ask(req.params.projectId, req.params.kbId, reader, input, caller)
      async function* events() {
        yield sse({ hits: res.hits }, 'retrieval')
        for (const piece of res.answer.match(/\S+\s*/g) ?? []) yield sse({ text: piece }, 'delta')
        yield sse({ citations: res.citations }, 'citations')
        yield sse({ conversationId: res.conversationId }, 'done')
      }
      return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no').send(Readable.from(events()))
    },
  })
  app.get<{ Params: { projectId: string; conversationId: string } }>(`${BASE}/conversations/:conversationId`, {
    config: { action: 'rag.ask' },
    schema: {
      tags,
      summary: "One of the caller's conversations with its messages and citations",
      params: conversationParams,
      response: {
        200: {
          type: 'object',
          required: ['id', 'kbId', 'messages', 'createdAt'],
          properties: {
            id: { type: 'string' },
            kbId: { type: 'string' },
            createdAt: { type: 'string' },
            messages: {
              type: 'array',
              items: {
                type: 'object',
                required: ['role', 'content', 'at'],
                properties: { role: { type: 'string' }, content: { type: 'string' }, at: { type: 'string' }, citations: { type: 'array', items: CitationRecord } },
              },
            },
          },
        },
      },
    },
    handler: async (req) => service.getConversation(req.params.projectId, req.params.conversationId, await readerOf(req)),
  })
}
