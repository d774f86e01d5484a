/**
 * OpenAI and OpenAI-compatible endpoints (Azure OpenAI's v1 API, vLLM, Ollama, LiteLLM) through the
 * official `openai` SDK's chat completions and embeddings. The SDK's own retries are off: the
 * router decides what to try next. Fields a client sent in OpenAI's own format that the canonical
 * shape has no place for (response_format, seed, logprobs, ...) are forwarded as they were.
 */
import OpenAI from 'openai'
import type { ChatCompletionChunk, ChatCompletionCreateParams, ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import type { ChatRequest, ChatResponse, Part, StopReason, StreamEvent } from '../model.ts'
import { fromSdkError, type Provider, sdkClients, UpstreamFailure } from './types.ts'

/** Fields the wire parser lifted into the canonical request; everything else in `extra` is forwarded. */
const LIFTED = new Set(['model', 'messages', 'tools', 'tool_choice', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'stream', 'stream_options', 'n'])

const client = sdkClients((call) => new OpenAI({ apiKey: call.apiKey ?? 'unused', baseURL: call.baseUrl, timeout: call.timeoutMs, maxRetries: 0 }))

/** Reasoning models (o-series, GPT-5) refuse `max_tokens` and take `max_completion_tokens`. */
const usesCompletionTokens = (model: string) => /^(o\d|gpt-5)/i.test(model)

export function toOpenAiMessages(req: ChatRequest): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = []
  if (req.system) out.push({ role: 'system', content: req.system })
  for (const m of req.messages) {
    if (m.role === 'assistant') {
      const text = m.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('')
      const calls = m.parts.filter((p): p is Extract<Part, { type: 'tool_call' }> => p.type === 'tool_call')
      out.push({
        role: 'assistant',
        content: text || (calls.length ? null : ''),
        ...(calls.length ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) } : {}),
      })
      continue
    }
    const text = m.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text)
    for (const p of m.parts) if (p.type === 'tool_result') out.push({ role: 'tool', tool_call_id: p.callId, content: p.content })
    if (text.length) out.push({ role: 'user', content: text.join('\n') })
  }
  return out
}

export function toOpenAiBody(req: ChatRequest, model: string): ChatCompletionCreateParams {
  const body: Record<string, unknown> = {}
  if (req.source.format === 'openai-chat') for (const [k, v] of Object.entries(req.source.extra)) if (!LIFTED.has(k)) body[k] = v
  Object.assign(body, { model, messages: toOpenAiMessages(req) })
  if (req.tools?.length) body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }))
  const c = req.toolChoice
  if (c) body.tool_choice = c.type === 'tool' ? { type: 'function', function: { name: c.name } } : c.type
  if (req.maxTokens !== undefined) body[usesCompletionTokens(model) ? 'max_completion_tokens' : 'max_tokens'] = req.maxTokens
  if (req.temperature !== undefined) body.temperature = req.temperature
  if (req.topP !== undefined) body.top_p = req.topP
  if (req.stop?.length) body.stop = req.stop
  return body as unknown as ChatCompletionCreateParams
}

export function stopFromOpenAi(reason: string | null | undefined): StopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens'
    case 'tool_calls':
    case 'function_call':
      return 'tool_use'
    case 'content_filter':
      return 'refusal'
    default:
      return 'end'
  }
}

export function createOpenAiProvider(): Provider {
  return {
    async chat(req, call) {
      try {
        const r = await client(call).chat.completions.create({ ...toOpenAiBody(req, call.model), stream: false }, { signal: call.signal })
        const choice = r.choices?.[0]
        if (!choice) throw new UpstreamFailure('protocol', 'the provider answered without a choice')
        const parts: ChatResponse['parts'] = []
        if (choice.message.content) parts.push({ type: 'text', text: choice.message.content })
        for (const tc of choice.message.tool_calls ?? []) if (tc.type === 'function') parts.push({ type: 'tool_call', id: tc.id, name: tc.function.name, arguments: tc.function.arguments })
        return {
          id: r.id,
          model: r.model ?? call.model,
          parts,
          stopReason: stopFromOpenAi(choice.finish_reason),
          usage: { inputTokens: r.usage?.prompt_tokens ?? 0, outputTokens: r.usage?.completion_tokens ?? 0 },
        }
      } catch (err) {
        throw fromSdkError(err, call.apiKey)
      }
    },
    async *stream(req, call) {
      let stream: AsyncIterable<ChatCompletionChunk>
      try {
        stream = await client(call).chat.completions.create({ ...toOpenAiBody(req, call.model), stream: true, stream_options: { include_usage: true } }, { signal: call.signal })
      } catch (err) {
        throw fromSdkError(err, call.apiKey)
      }
      let finish: string | null | undefined
      let usage: { inputTokens: number; outputTokens: number } | undefined
      let model: string | undefined
      const started = new Set<number>()
      try {
        for await (const chunk of stream) {
          model ??= chunk.model
          if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 }
          const choice = chunk.choices?.[0]
          if (!choice) continue
          const d = choice.delta ?? {}
          if (d.content) yield { type: 'text', index: 0, text: d.content } satisfies StreamEvent
          for (const tc of d.tool_calls ?? []) {
            // Text is block 0; tool call i is block i + 1.
            const index = tc.index + 1
            if (!started.has(index)) {
              started.add(index)
              yield { type: 'tool_start', index, id: tc.id ?? `call_${index}`, name: tc.function?.name ?? '' } satisfies StreamEvent
            }
            if (tc.function?.arguments) yield { type: 'tool_args', index, json: tc.function.arguments } satisfies StreamEvent
          }
          if (choice.finish_reason) finish = choice.finish_reason
        }
      } catch (err) {
        throw fromSdkError(err, call.apiKey)
      }
      if (finish === undefined) throw new UpstreamFailure('protocol', 'the provider stream ended without a finish reason')
      yield { type: 'end', stopReason: stopFromOpenAi(finish), usage, model }
    },
    async embed(req, call) {
      try {
        const r = await client(call).embeddings.create({ model: call.model, input: req.input, ...(req.dimensions ? { dimensions: req.dimensions } : {}), encoding_format: 'float' }, { signal: call.signal })
        const vectors: number[][] = new Array(req.input.length)
        for (const d of r.data) vectors[d.index] = d.embedding
        return { model: r.model ?? call.model, vectors, usage: { inputTokens: r.usage?.prompt_tokens ?? 0 } }
      } catch (err) {
        throw fromSdkError(err, call.apiKey)
      }
    },
  }
}
