/**
 * OpenAI's chat completions wire format (`POST /llm/v1/chat/completions`): the request into the
 * canonical shape, the answer and the stream out of it, as the `openai` SDK reads them.
 */
import type { ChatRequest, ChatResponse, Message, Part, StopReason, StreamEvent } from '../model.ts'
import { extraFields, invalid, isObject, newId, nowSeconds, openAiToolChoice, optInt, optNumber, sse, stopList, str } from './common.ts'

const LIFTED = new Set(['model', 'messages', 'tools', 'tool_choice', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'stream', 'stream_options', 'n'])

function contentText(content: unknown, param: string): string {
  if (content === null || content === undefined) return ''
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) invalid(`${param} must be a string or a list of content parts`, param)
  return content
    .map((p, i) => {
      if (!isObject(p) || (p.type !== 'text' && p.type !== 'refusal')) invalid(`${param}[${i}]: only text content parts are supported`, `${param}[${i}]`)
      return str(p.type === 'text' ? p.text : p.refusal, `${param}[${i}].text`)
    })
    .join('')
}

export function parseChatCompletion(body: Record<string, unknown>): ChatRequest & { stream: boolean; includeUsage: boolean } {
  const model = str(body.model, 'model')
  if (!Array.isArray(body.messages) || body.messages.length === 0) invalid('messages must be a non-empty list', 'messages')
  if (body.n !== undefined && body.n !== null && body.n !== 1) invalid('only n = 1 is supported', 'n')
  const system: string[] = []
  const messages: Message[] = []
  body.messages.forEach((m: unknown, i: number) => {
    const param = `messages[${i}]`
    if (!isObject(m)) invalid(`${param} must be an object`, param)
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(contentText(m.content, `${param}.content`))
        break
      case 'user':
        messages.push({ role: 'user', parts: [{ type: 'text', text: contentText(m.content, `${param}.content`) }] })
        break
      case 'assistant': {
        const parts: Part[] = []
        const text = contentText(m.content, `${param}.content`)
        if (text) parts.push({ type: 'text', text })
        if (m.tool_calls !== undefined) {
          if (!Array.isArray(m.tool_calls)) invalid(`${param}.tool_calls must be a list`, `${param}.tool_calls`)
          m.tool_calls.forEach((tc: unknown, j: number) => {
            if (!isObject(tc) || !isObject(tc.function)) invalid(`${param}.tool_calls[${j}] must be a function call`, `${param}.tool_calls[${j}]`)
            const f = tc.function
            parts.push({ type: 'tool_call', id: str(tc.id, `${param}.tool_calls[${j}].id`), name: str(f.name, `${param}.tool_calls[${j}].function.name`), arguments: str(f.arguments ?? '{}', `${param}.tool_calls[${j}].function.arguments`) })
          })
        }
        messages.push({ role: 'assistant', parts })
        break
      }
      case 'tool':
        messages.push({ role: 'tool', parts: [{ type: 'tool_result', callId: str(m.tool_call_id, `${param}.tool_call_id`), content: contentText(m.content, `${param}.content`) }] })
        break
      default:
        invalid(`${param}.role must be system, developer, user, assistant or tool`, `${param}.role`)
    }
  })
  let tools: ChatRequest['tools']
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) invalid('tools must be a list', 'tools')
    tools = body.tools.map((t: unknown, i: number) => {
      if (!isObject(t) || t.type !== 'function' || !isObject(t.function)) invalid(`tools[${i}] must be a function tool`, `tools[${i}]`)
      const f = t.function
      return { name: str(f.name, `tools[${i}].function.name`), description: typeof f.description === 'string' ? f.description : undefined, parameters: isObject(f.parameters) ? f.parameters : { type: 'object', properties: {} } }
    })
  }
  const toolChoice = openAiToolChoice(body.tool_choice)
  const streamOptions = isObject(body.stream_options) ? body.stream_options : {}
  return {
    model,
    system: system.length ? system.join('\n\n') : undefined,
    messages,
    tools,
    toolChoice,
    maxTokens: optInt(body.max_completion_tokens, 'max_completion_tokens') ?? optInt(body.max_tokens, 'max_tokens'),
    temperature: optNumber(body.temperature, 'temperature'),
    topP: optNumber(body.top_p, 'top_p'),
    stop: stopList(body.stop, 'stop'),
    source: { format: 'openai-chat', extra: extraFields(body, LIFTED) },
    stream: body.stream === true,
    includeUsage: streamOptions.include_usage === true,
  }
}

export function finishReason(r: StopReason): string {
  return r === 'max_tokens' ? 'length' : r === 'tool_use' ? 'tool_calls' : r === 'refusal' ? 'content_filter' : 'stop'
}

const usageOf = (u: ChatResponse['usage']) => ({ prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens })

export function renderChatCompletion(r: ChatResponse) {
  const text = r.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('')
  const calls = r.parts.filter((p): p is Extract<Part, { type: 'tool_call' }> => p.type === 'tool_call')
  return {
    id: `chatcmpl-${r.id}`,
    object: 'chat.completion',
    created: nowSeconds(),
    model: r.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: calls.length && !text ? null : text, refusal: null, ...(calls.length ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) } : {}) },
        finish_reason: finishReason(r.stopReason),
        logprobs: null,
      },
    ],
    usage: usageOf(r.usage),
  }
}

/** Turns canonical stream events into `chat.completion.chunk` SSE lines. */
export function chatChunkWriter(model: string, includeUsage: boolean) {
  const id = newId('chatcmpl-')
  const created = nowSeconds()
  const toolIndex = new Map<number, number>()
  const chunk = (delta: unknown, finish: string | null = null) => sse({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })
  return {
    start: () => chunk({ role: 'assistant', content: '' }),
    event(ev: StreamEvent): string {
      switch (ev.type) {
        case 'text':
          return chunk({ content: ev.text })
        case 'tool_start': {
          const i = toolIndex.size
          toolIndex.set(ev.index, i)
          return chunk({ tool_calls: [{ index: i, id: ev.id, type: 'function', function: { name: ev.name, arguments: '' } }] })
        }
        case 'tool_args':
          return chunk({ tool_calls: [{ index: toolIndex.get(ev.index) ?? 0, function: { arguments: ev.json } }] })
        case 'end': {
          let out = chunk({}, finishReason(ev.stopReason))
          if (includeUsage && ev.usage) out += sse({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageOf(ev.usage) })
          return out + sse('[DONE]')
        }
      }
    },
    error: (code: string, message: string) => sse({ error: { message, type: 'server_error', code } }),
  }
}
