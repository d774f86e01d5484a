/**
 * The OpenAI- and Anthropic-compatible endpoints under /llm/v1, for the official SDKs given Dyad's
 * base URL (`<dyad>/llm/v1`) and a Dyad API key. The project is the key's (or the Dyad-Project
 * header's, for an unscoped credential). Calls are accounted in the usage ledger rather than the
 * audit log, and are not replayed by Idempotency-Key (a replayed generation would be a new one),
 * so the routes are declared `readOnly` to the gateway.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ChatRequest, StreamEvent } from '../model.ts'
import type { Caller, LlmService } from '../service.ts'
import { parseMessagesRequest, messageStreamWriter, renderMessage } from '../wire/anthropic.ts'
import { chatChunkWriter, parseChatCompletion, renderChatCompletion } from '../wire/openai-chat.ts'
import { parseResponsesRequest, renderResponse, responseStreamWriter } from '../wire/openai-responses.ts'
import { invalid, nowSeconds } from '../wire/common.ts'
import { isDyadError } from '../../../src/shared/errors.ts'

const tags = ['llm']
const PREFIX = '/llm/v1'
const config = { action: 'llm.invoke', readOnly: true, projectFromCaller: true } as const
const body = { type: 'object', required: ['model'], additionalProperties: true, properties: { model: { type: 'string', minLength: 1, maxLength: 256 } } } as const
const anyObject = { type: 'object', additionalProperties: true } as const
const sseResponse = { description: 'JSON, or with `stream: true` a text/event-stream of the format\'s events.', ...anyObject }

interface Writer {
  start(): string
  event(e: StreamEvent): string
  error(code: string, message: string): string
}

export function callerOf(req: FastifyRequest): Caller {
  return { projectId: req.projectId!, subject: req.principal.subject, keyId: req.principal.keyId, requestId: String(req.id), log: req.log }
}

/** Aborted when the client goes away before the answer is complete. */
function clientSignal(reply: FastifyReply): AbortSignal {
  const ctrl = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) ctrl.abort()
  })
  return ctrl.signal
}

async function sendStream(reply: FastifyReply, service: LlmService, req: FastifyRequest, chat: ChatRequest, endpoint: string, makeWriter: (model: string) => Writer) {
  const { model, events } = await service.stream(callerOf(req), chat, endpoint, clientSignal(reply))
  const writer = makeWriter(model)
  async function* frames() {
    yield writer.start()
    try {
      for await (const ev of events) yield writer.event(ev)
    } catch (err) {
      // Headers are sent: end the stream with the format's own error event.
      const code = isDyadError(err) ? err.code : 'INTERNAL'
      if (!isDyadError(err)) req.log.error({ err }, 'llm stream failed')
      yield writer.error(code, isDyadError(err) ? err.message : 'internal error; the request id identifies it in the logs')
    }
  }
  return reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    .send(Readable.from(frames(), { objectMode: false }))
}

export async function wireRoutes(app: FastifyInstance, { service }: { service: LlmService }) {
  app.post<{ Body: Record<string, unknown> }>(`${PREFIX}/chat/completions`, {
    config,
    schema: { tags, summary: 'OpenAI-compatible chat completion (stream: true for SSE chunks)', body, response: { 200: sseResponse } },
    handler: async (req, reply) => {
      const chat = parseChatCompletion(req.body)
      if (chat.stream) return sendStream(reply, service, req, chat, 'chat.completions', (model) => chatChunkWriter(model, chat.includeUsage))
      return renderChatCompletion(await service.chat(callerOf(req), chat, 'chat.completions', clientSignal(reply)))
    },
  })

  app.post<{ Body: Record<string, unknown> }>(`${PREFIX}/responses`, {
    config,
    schema: { tags, summary: 'OpenAI-compatible Responses API call, stateless (stream: true for typed SSE events)', body, response: { 200: sseResponse } },
    handler: async (req, reply) => {
      const chat = parseResponsesRequest(req.body)
      if (chat.stream) return sendStream(reply, service, req, chat, 'responses', (model) => responseStreamWriter(model))
      return renderResponse(await service.chat(callerOf(req), chat, 'responses', clientSignal(reply)))
    },
  })

  app.post<{ Body: Record<string, unknown> }>(`${PREFIX}/messages`, {
    config,
    schema: { tags, summary: 'Anthropic-compatible message (stream: true for message stream events)', body, response: { 200: sseResponse } },
    handler: async (req, reply) => {
      const chat = parseMessagesRequest(req.body, { requireMaxTokens: true })
      if (chat.stream) return sendStream(reply, service, req, chat, 'messages', (model) => messageStreamWriter(model))
      return renderMessage(await service.chat(callerOf(req), chat, 'messages', clientSignal(reply)))
    },
  })

  app.post<{ Body: Record<string, unknown> }>(`${PREFIX}/messages/count_tokens`, {
    config,
    schema: { tags, summary: "Anthropic-compatible token count of a message request (the provider's own count for Anthropic targets)", body, response: { 200: { type: 'object', required: ['input_tokens'], properties: { input_tokens: { type: 'integer' } } } } },
    handler: async (req) => ({ input_tokens: await service.countTokens(callerOf(req), parseMessagesRequest(req.body, { requireMaxTokens: false })) }),
  })

  app.post<{ Body: Record<string, unknown> }>(`${PREFIX}/embeddings`, {
    config,
    schema: { tags, summary: 'OpenAI-compatible embeddings', body, response: { 200: anyObject } },
    handler: async (req, reply) => {
      const b = req.body
      const input = typeof b.input === 'string' ? [b.input] : Array.isArray(b.input) && b.input.length > 0 && b.input.length <= 2048 && b.input.every((x) => typeof x === 'string') ? (b.input as string[]) : invalid('input must be a string or a list of 1 to 2048 strings (token arrays are not supported)', 'input')
      if (b.encoding_format !== undefined && b.encoding_format !== 'float' && b.encoding_format !== 'base64') invalid('encoding_format must be float or base64', 'encoding_format')
      const dimensions = b.dimensions === undefined ? undefined : Number.isInteger(b.dimensions) && (b.dimensions as number) > 0 && (b.dimensions as number) <= 8192 ? (b.dimensions as number) : invalid('dimensions must be an integer from 1 to 8192', 'dimensions')
      const r = await service.embed(callerOf(req), { model: b.model as string, input, dimensions }, 'embeddings', clientSignal(reply))
      const base64 = b.encoding_format === 'base64'
      return {
        object: 'list',
        model: r.model,
        data: r.vectors.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v })),
        usage: { prompt_tokens: r.usage.inputTokens, total_tokens: r.usage.inputTokens },
      }
    },
  })

  app.get(`${PREFIX}/models`, {
    config: { action: 'llm.invoke', projectFromCaller: true },
    schema: { tags, summary: "The project's models and aliases, in a shape both the OpenAI and the Anthropic SDK list", response: { 200: anyObject } },
    handler: async (req) => {
      const models = await service.models(req.projectId!)
      const created = nowSeconds()
      const data = models.map((mdl) => ({ id: mdl.id, object: 'model', created, owned_by: 'dyad', type: 'model', display_name: mdl.id, created_at: new Date(created * 1000).toISOString() }))
      return { object: 'list', data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null }
    },
  })
}

