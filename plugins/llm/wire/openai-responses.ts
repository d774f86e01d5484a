/**
 * OpenAI's Responses API wire format (`POST /llm/v1/responses`), stateless: `input` (text or
 * items: messages, function calls and their outputs) and `instructions` in, `output` items and the
 * typed stream events out. Stored responses (`previous_response_id`, `store: true` reads) are not
 * kept: a request that needs one is refused with a clear 400.
 */
import type { ChatRequest, ChatResponse, Message, Part, StreamEvent } from '../model.ts'
import { extraFields, invalid, isObject, newId, nowSeconds, openAiToolChoice, optInt, optNumber, sse, str } from './common.ts'

const LIFTED = new Set(['model', 'input', 'instructions', 'tools', 'tool_choice', 'max_output_tokens', 'temperature', 'top_p', 'stream', 'store', 'previous_response_id'])

function itemText(content: unknown, param: string): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) invalid(`${param} must be text or a list of content parts`, param)
  return content
    .map((p, i) => {
      if (!isObject(p) || !['input_text', 'output_text', 'text', 'refusal'].includes(String(p.type))) invalid(`${param}[${i}]: only text content is supported`, `${param}[${i}]`)
      return str(p.type === 'refusal' ? p.refusal : p.text, `${param}[${i}].text`)
    })
    .join('')
}

export function parseResponsesRequest(body: Record<string, unknown>): ChatRequest & { stream: boolean } {
  const model = str(body.model, 'model')
  if (body.previous_response_id !== undefined && body.previous_response_id !== null) invalid('previous_response_id is not supported: Dyad does not store responses; send the conversation as input', 'previous_response_id')
  const system: string[] = []
  if (typeof body.instructions === 'string' && body.instructions) system.push(body.instructions)
  const messages: Message[] = []
  const push = (role: Message['role'], part: Part) => {
    const last = messages[messages.length - 1]
    if (last && last.role === role && role === 'assistant') last.parts.push(part)
    else messages.push({ role, parts: [part] })
  }
  if (typeof body.input === 'string') messages.push({ role: 'user', parts: [{ type: 'text', text: body.input }] })
  else if (Array.isArray(body.input)) {
    body.input.forEach((item: unknown, i: number) => {
      const param = `input[${i}]`
      if (!isObject(item)) invalid(`${param} must be an object`, param)
      const type = item.type ?? 'message'
      if (type === 'message') {
        const text = itemText(item.content, `${param}.content`)
        if (item.role === 'system' || item.role === 'developer') system.push(text)
        else if (item.role === 'user') messages.push({ role: 'user', parts: [{ type: 'text', text }] })
        else if (item.role === 'assistant') push('assistant', { type: 'text', text })
        else invalid(`${param}.role must be user, assistant, system or developer`, `${param}.role`)
      } else if (type === 'function_call') {
        push('assistant', { type: 'tool_call', id: str(item.call_id, `${param}.call_id`), name: str(item.name, `${param}.name`), arguments: str(item.arguments ?? '{}', `${param}.arguments`) })
      } else if (type === 'function_call_output') {
        const output = typeof item.output === 'string' ? item.output : itemText(item.output, `${param}.output`)
        messages.push({ role: 'tool', parts: [{ type: 'tool_result', callId: str(item.call_id, `${param}.call_id`), content: output }] })
      } else if (type === 'reasoning') {
        // Reasoning items from an earlier turn carry nothing a stateless call can reuse.
      } else invalid(`${param}.type ${JSON.stringify(type)} is not supported`, `${param}.type`)
    })
  } else invalid('input must be text or a list of items', 'input')
  if (messages.length === 0) invalid('input holds no message', 'input')
  let tools: ChatRequest['tools']
  if (Array.isArray(body.tools)) {
    tools = body.tools.map((t: unknown, i: number) => {
      if (!isObject(t) || t.type !== 'function') invalid(`tools[${i}]: only function tools are supported`, `tools[${i}]`)
      return { name: str(t.name, `tools[${i}].name`), description: typeof t.description === 'string' ? t.description : undefined, parameters: isObject(t.parameters) ? t.parameters : { type: 'object', properties: {} } }
    })
  }
  const toolChoice = openAiToolChoice(body.tool_choice)
  return {
    model,
    system: system.length ? system.join('\n\n') : undefined,
    messages,
    tools,
    toolChoice,
    maxTokens: optInt(body.max_output_tokens, 'max_output_tokens'),
    temperature: optNumber(body.temperature, 'temperature'),
    topP: optNumber(body.top_p, 'top_p'),
    source: { format: 'openai-responses', extra: extraFields(body, LIFTED) },
    stream: body.stream === true,
  }
}

type OutputItem = Record<string, unknown>

function responseObject(id: string, created: number, model: string, status: string, output: OutputItem[], usage?: ChatResponse['usage'], incomplete?: boolean, error?: { code: string; message: string }) {
  return {
    id,
    object: 'response',
    created_at: created,
    status,
    error: error ?? null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    model,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: usage ? { input_tokens: usage.inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: usage.outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: usage.inputTokens + usage.outputTokens } : null,
  }
}

export function renderResponse(r: ChatResponse) {
  const output: OutputItem[] = []
  const text = r.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('')
  if (text) output.push({ type: 'message', id: newId('msg_'), status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] })
  for (const p of r.parts) if (p.type === 'tool_call') output.push({ type: 'function_call', id: newId('fc_'), call_id: p.id, name: p.name, arguments: p.arguments, status: 'completed' })
  const incomplete = r.stopReason === 'max_tokens'
  return responseObject(`resp_${r.id}`, nowSeconds(), r.model, incomplete ? 'incomplete' : 'completed', output, r.usage, incomplete)
}

/** Turns canonical stream events into the Responses API's typed events. */
export function responseStreamWriter(model: string) {
  const id = newId('resp_')
  const created = nowSeconds()
  let seq = 0
  const out: OutputItem[] = []
  /** canonical block index -> its output item and accumulated text/arguments */
  const open = new Map<number, { outputIndex: number; item: OutputItem; text: string }>()
  const ev = (type: string, data: Record<string, unknown>) => sse({ type, sequence_number: seq++, ...data }, type)

  function close(index: number): string {
    const b = open.get(index)
    if (!b) return ''
    open.delete(index)
    if (b.item.type === 'message') {
      const part = { type: 'output_text', text: b.text, annotations: [] }
      b.item.content = [part]
      b.item.status = 'completed'
      return ev('response.output_text.done', { item_id: b.item.id, output_index: b.outputIndex, content_index: 0, text: b.text }) + ev('response.content_part.done', { item_id: b.item.id, output_index: b.outputIndex, content_index: 0, part }) + ev('response.output_item.done', { output_index: b.outputIndex, item: b.item })
    }
    b.item.arguments = b.text
    b.item.status = 'completed'
    return ev('response.function_call_arguments.done', { item_id: b.item.id, output_index: b.outputIndex, arguments: b.text }) + ev('response.output_item.done', { output_index: b.outputIndex, item: b.item })
  }

  return {
    start() {
      const r = responseObject(id, created, model, 'in_progress', [])
      return ev('response.created', { response: r }) + ev('response.in_progress', { response: r })
    },
    event(e: StreamEvent): string {
      switch (e.type) {
        case 'text': {
          let s = ''
          let b = open.get(e.index)
          if (!b) {
            const item = { type: 'message', id: newId('msg_'), status: 'in_progress', role: 'assistant', content: [] as unknown[] }
            b = { outputIndex: out.length, item, text: '' }
            out.push(item)
            open.set(e.index, b)
            s += ev('response.output_item.added', { output_index: b.outputIndex, item }) + ev('response.content_part.added', { item_id: item.id, output_index: b.outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } })
          }
          b.text += e.text
          return s + ev('response.output_text.delta', { item_id: b.item.id, output_index: b.outputIndex, content_index: 0, delta: e.text })
        }
        case 'tool_start': {
          const item = { type: 'function_call', id: newId('fc_'), call_id: e.id, name: e.name, arguments: '', status: 'in_progress' }
          const b = { outputIndex: out.length, item, text: '' }
          out.push(item)
          open.set(e.index, b)
          return ev('response.output_item.added', { output_index: b.outputIndex, item })
        }
        case 'tool_args': {
          const b = open.get(e.index)
          if (!b) return ''
          b.text += e.json
          return ev('response.function_call_arguments.delta', { item_id: b.item.id, output_index: b.outputIndex, delta: e.json })
        }
        case 'end': {
          let s = ''
          for (const index of [...open.keys()]) s += close(index)
          const incomplete = e.stopReason === 'max_tokens'
          const r = responseObject(id, created, e.model ?? model, incomplete ? 'incomplete' : 'completed', out, e.usage, incomplete)
          return s + ev(incomplete ? 'response.incomplete' : 'response.completed', { response: r })
        }
      }
    },
    error: (code: string, message: string) => ev('error', { code, message, param: null }),
  }
}
