/**
 * Anthropic's Messages wire format (`POST /llm/v1/messages`, `/llm/v1/messages/count_tokens`):
 * the request into the canonical shape, the message and its stream events out, as
 * `@anthropic-ai/sdk` reads them.
 */
import type { ChatRequest, ChatResponse, Message, Part, StopReason, StreamEvent, ToolChoice } from '../model.ts'
import { extraFields, invalid, isObject, newId, optInt, optNumber, sse, stopList, str } from './common.ts'

const LIFTED = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'max_tokens', 'temperature', 'top_p', 'stop_sequences', 'stream'])

function blocksText(content: unknown, param: string): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) invalid(`${param} must be text or a list of text blocks`, param)
  return content.map((b, i) => (isObject(b) && b.type === 'text' ? str(b.text, `${param}[${i}].text`) : invalid(`${param}[${i}]: only text blocks are supported here`, `${param}[${i}]`))).join('')
}

export function parseMessagesRequest(body: Record<string, unknown>, opts: { requireMaxTokens: boolean }): ChatRequest & { stream: boolean } {
  const model = str(body.model, 'model')
  if (!Array.isArray(body.messages) || body.messages.length === 0) invalid('messages must be a non-empty list', 'messages')
  const messages: Message[] = body.messages.map((m: unknown, i: number) => {
    const param = `messages[${i}]`
    if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant')) invalid(`${param}.role must be user or assistant`, `${param}.role`)
    const parts: Part[] = []
    if (typeof m.content === 'string') parts.push({ type: 'text', text: m.content })
    else if (Array.isArray(m.content)) {
      m.content.forEach((b: unknown, j: number) => {
        const bp = `${param}.content[${j}]`
        if (!isObject(b)) invalid(`${bp} must be a content block`, bp)
        if (b.type === 'text') parts.push({ type: 'text', text: str(b.text, `${bp}.text`) })
        else if (b.type === 'tool_use') parts.push({ type: 'tool_call', id: str(b.id, `${bp}.id`), name: str(b.name, `${bp}.name`), arguments: JSON.stringify(b.input ?? {}) })
        else if (b.type === 'tool_result') parts.push({ type: 'tool_result', callId: str(b.tool_use_id, `${bp}.tool_use_id`), content: b.content === undefined ? '' : blocksText(b.content, `${bp}.content`), ...(b.is_error === true ? { isError: true } : {}) })
        else if (b.type === 'thinking' || b.type === 'redacted_thinking') {
          // Earlier turns' thinking blocks carry nothing another model can use.
        } else invalid(`${bp}.type ${JSON.stringify(b.type)} is not supported`, `${bp}.type`)
      })
    } else invalid(`${param}.content must be text or a list of blocks`, `${param}.content`)
    // A user turn that only returns tool results is a tool message in the canonical shape.
    const role = m.role === 'user' && parts.length > 0 && parts.every((p) => p.type === 'tool_result') ? 'tool' : (m.role as 'user' | 'assistant')
    return { role, parts }
  })
  if (opts.requireMaxTokens && body.max_tokens === undefined) invalid('max_tokens is required', 'max_tokens')
  let tools: ChatRequest['tools']
  if (Array.isArray(body.tools)) {
    tools = body.tools.map((t: unknown, i: number) => {
      if (!isObject(t) || (t.type !== undefined && t.type !== 'custom') || !isObject(t.input_schema)) invalid(`tools[${i}]: only custom tools with an input_schema are supported`, `tools[${i}]`)
      return { name: str(t.name, `tools[${i}].name`), description: typeof t.description === 'string' ? t.description : undefined, parameters: t.input_schema }
    })
  }
  let toolChoice: ToolChoice | undefined
  const tc = body.tool_choice
  if (isObject(tc)) {
    if (tc.type === 'auto' || tc.type === 'none') toolChoice = { type: tc.type }
    else if (tc.type === 'any') toolChoice = { type: 'required' }
    else if (tc.type === 'tool') toolChoice = { type: 'tool', name: str(tc.name, 'tool_choice.name') }
    else invalid('tool_choice.type must be auto, any, tool or none', 'tool_choice.type')
  } else if (tc !== undefined) invalid('tool_choice must be an object', 'tool_choice')
  return {
    model,
    system: body.system === undefined ? undefined : blocksText(body.system, 'system'),
    messages,
    tools,
    toolChoice,
    maxTokens: optInt(body.max_tokens, 'max_tokens'),
    temperature: optNumber(body.temperature, 'temperature'),
    topP: optNumber(body.top_p, 'top_p'),
    stop: stopList(body.stop_sequences, 'stop_sequences'),
    source: { format: 'anthropic', extra: extraFields(body, LIFTED) },
    stream: body.stream === true,
  }
}

export function stopReason(r: StopReason): string {
  return r === 'end' ? 'end_turn' : r
}

function argsObject(json: string): unknown {
  try {
    return JSON.parse(json || '{}')
  } catch {
    return {}
  }
}

export function renderMessage(r: ChatResponse) {
  return {
    id: `msg_${r.id}`,
    type: 'message',
    role: 'assistant',
    model: r.model,
    content: r.parts.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'tool_use', id: p.id, name: p.name, input: argsObject(p.arguments) })),
    stop_reason: stopReason(r.stopReason),
    stop_sequence: null,
    usage: { input_tokens: r.usage.inputTokens, output_tokens: r.usage.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  }
}

/** Turns canonical stream events into Anthropic's message stream (one block open at a time). */
export function messageStreamWriter(model: string) {
  const id = newId('msg_')
  /** canonical index -> our block index */
  const blocks = new Map<number, number>()
  let current: number | undefined
  const ev = (type: string, data: Record<string, unknown>) => sse({ type, ...data }, type)

  function open(canonical: number, block: Record<string, unknown>): string {
    let s = current !== undefined ? ev('content_block_stop', { index: current }) : ''
    const index = blocks.size
    blocks.set(canonical, index)
    current = index
    s += ev('content_block_start', { index, content_block: block })
    return s
  }

  return {
    start: () => ev('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } }),
    event(e: StreamEvent): string {
      switch (e.type) {
        case 'text': {
          const s = blocks.get(e.index) === undefined ? open(e.index, { type: 'text', text: '' }) : ''
          return s + ev('content_block_delta', { index: blocks.get(e.index), delta: { type: 'text_delta', text: e.text } })
        }
        case 'tool_start':
          return open(e.index, { type: 'tool_use', id: e.id, name: e.name, input: {} })
        case 'tool_args':
          return blocks.get(e.index) === undefined ? '' : ev('content_block_delta', { index: blocks.get(e.index), delta: { type: 'input_json_delta', partial_json: e.json } })
        case 'end': {
          let s = current !== undefined ? ev('content_block_stop', { index: current }) : ''
          current = undefined
          const u = e.usage ?? { inputTokens: 0, outputTokens: 0 }
          s += ev('message_delta', { delta: { stop_reason: stopReason(e.stopReason), stop_sequence: null }, usage: { input_tokens: u.inputTokens, output_tokens: u.outputTokens } })
          return s + ev('message_stop', {})
        }
      }
    },
    error: (_code: string, message: string) => ev('error', { error: { type: 'api_error', message } }),
  }
}
