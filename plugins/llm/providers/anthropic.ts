/**
 * Anthropic's Messages API through the official `@anthropic-ai/sdk` (its retries off: the router
 * decides what to try next). Anthropic needs `max_tokens`; a request without one gets
 * DEFAULT_MAX_TOKENS, which the budget reservation counts.
 */
import Anthropic from '@anthropic-ai/sdk'
import type { MessageCreateParams, MessageParam, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages'
import type { ChatRequest, ChatResponse, StopReason, StreamEvent } from '../model.ts'
import { fromSdkError, type Provider, sdkClients, UpstreamFailure } from './types.ts'

export const DEFAULT_MAX_TOKENS = 4096
const LIFTED = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'max_tokens', 'temperature', 'top_p', 'stop_sequences', 'stream'])

const client = sdkClients((call) => new Anthropic({ apiKey: call.apiKey ?? 'unused', baseURL: call.baseUrl, timeout: call.timeoutMs, maxRetries: 0 }))

function parseArgs(json: string): Record<string, unknown> {
  try {
    const v = JSON.parse(json || '{}')
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v }
  } catch {
    return { _raw: json }
  }
}

type Block = Exclude<MessageParam['content'], string>[number]

export function toAnthropicMessages(req: ChatRequest): MessageParam[] {
  const out: MessageParam[] = []
  for (const m of req.messages) {
    // Tool results travel in user turns; consecutive turns of one role are merged.
    const role = m.role === 'assistant' ? 'assistant' : 'user'
    const blocks: Block[] = []
    for (const p of m.parts) {
      if (p.type === 'text') {
        if (p.text) blocks.push({ type: 'text', text: p.text })
      } else if (p.type === 'tool_call') blocks.push({ type: 'tool_use', id: p.id, name: p.name, input: parseArgs(p.arguments) })
      else blocks.push({ type: 'tool_result', tool_use_id: p.callId, content: p.content, ...(p.isError ? { is_error: true } : {}) })
    }
    const last = out[out.length - 1]
    if (last && last.role === role) (last.content as Block[]).push(...blocks)
    else out.push({ role, content: blocks })
  }
  return out
}

export function toAnthropicBody(req: ChatRequest, model: string): MessageCreateParams {
  const body: Record<string, unknown> = {}
  if (req.source.format === 'anthropic') for (const [k, v] of Object.entries(req.source.extra)) if (!LIFTED.has(k)) body[k] = v
  Object.assign(body, { model, messages: toAnthropicMessages(req), max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS })
  if (req.system) body.system = req.system
  if (req.tools?.length) body.tools = req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: { type: 'object', ...t.parameters } }))
  const c = req.toolChoice
  if (c) body.tool_choice = c.type === 'tool' ? { type: 'tool', name: c.name } : c.type === 'required' ? { type: 'any' } : { type: c.type }
  if (req.temperature !== undefined) body.temperature = req.temperature
  if (req.topP !== undefined) body.top_p = req.topP
  if (req.stop?.length) body.stop_sequences = req.stop
  return body as unknown as MessageCreateParams
}

export function stopFromAnthropic(reason: string | null | undefined): StopReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens'
    case 'tool_use':
      return 'tool_use'
    case 'stop_sequence':
      return 'stop_sequence'
    case 'refusal':
      return 'refusal'
    default:
      return 'end'
  }
}

/** Input tokens as Anthropic reports them: cached reads and writes are input too. */
function inputOf(u: { input_tokens?: number | null; cache_creation_input_tokens?: number | null; cache_read_input_tokens?: number | null } | undefined): number {
  return (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0)
}

export function createAnthropicProvider(): Provider {
  return {
    async chat(req, call) {
      try {
        const r = await client(call).messages.create({ ...toAnthropicBody(req, call.model), stream: false }, { signal: call.signal })
        const parts: ChatResponse['parts'] = []
        for (const b of r.content) {
          if (b.type === 'text') parts.push({ type: 'text', text: b.text })
          else if (b.type === 'tool_use') parts.push({ type: 'tool_call', id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) })
        }
        return { id: r.id, model: r.model, parts, stopReason: stopFromAnthropic(r.stop_reason), usage: { inputTokens: inputOf(r.usage), outputTokens: r.usage?.output_tokens ?? 0 } }
      } catch (err) {
        throw fromSdkError(err, call.apiKey)
      }
    },
    async *stream(req, call) {
      let stream: AsyncIterable<RawMessageStreamEvent>
      try {
        stream = await client(call).messages.create({ ...toAnthropicBody(req, call.model), stream: true }, { signal: call.signal })
      } catch (err) {
        throw fromSdkError(err, call.apiKey)
      }
      let input = 0
      let output = 0
      let stop: string | null | undefined
      let model: string | undefined
      let ended = false
      try {
        for await (const ev of stream) {
          switch (ev.type) {
            case 'message_start':
              model = ev.message.model
              input = inputOf(ev.message.usage)
              output = ev.message.usage?.output_tokens ?? 0
              break
            case 'content_block_start':
              if (ev.content_block.type === 'tool_use') yield { type: 'tool_start', index: ev.index, id: ev.content_block.id, name: ev.content_block.name } satisfies StreamEvent
              else if (ev.content_block.type === 'text' && ev.content_block.text) yield { type: 'text', index: ev.index, text: ev.content_block.text } satisfies StreamEvent
              break
            case 'content_block_delta':
              if (ev.delta.type === 'text_delta') yield { type: 'text', index: ev.index, text: ev.delta.text } satisfies StreamEvent
              else if (ev.delta.type === 'input_json_delta') yield { type: 'tool_args', index: ev.index, json: ev.delta.partial_json } satisfies StreamEvent
              break
            case 'message_delta':
              stop = ev.delta.stop_reason ?? stop
              if (ev.usage?.output_tokens != null) output = ev.usage.output_tokens
              if (ev.usage && ev.usage.input_tokens != null) input = Math.max(input, inputOf(ev.usage))
              break
            case 'message_stop':
              ended = true
              break
          }
        }
      } catch (err) {
        throw fromSdkError(err, call.apiKey)
      }
      if (!ended) throw new UpstreamFailure('protocol', 'the provider stream ended before message_stop')
      yield { type: 'end', stopReason: stopFromAnthropic(stop), usage: { inputTokens: input, outputTokens: output }, model }
    },
    async countTokens(req, call) {
      try {
        const body = toAnthropicBody(req, call.model) as unknown as Record<string, unknown>
        const r = await client(call).messages.countTokens(
          { model: call.model, messages: body.messages as MessageParam[], ...(body.system ? { system: body.system as string } : {}), ...(body.tools ? { tools: body.tools as never } : {}) },
          { signal: call.signal },
        )
        return r.input_tokens
      } catch (err) {
        throw fromSdkError(err, call.apiKey)
      }
    },
  }
}
