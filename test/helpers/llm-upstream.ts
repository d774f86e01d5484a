/**
 * A local LLM provider for tests, on loopback: it speaks OpenAI's wire format (chat completions,
 * streamed and not, embeddings, models) and Anthropic's (messages, streamed and not, count_tokens),
 * with their error bodies, and can be told to fail (a status for the next N calls), to be slow, or
 * to drop the connection in the middle of a stream. It records every request it gets.
 *
 * Its answers are deterministic: the text is `echo: <last user text>`, prompt tokens are the number
 * of words in the request's messages plus 7, output tokens the words of the answer, so a test knows
 * the exact usage the provider reports. A user message `call:<tool>` makes it call that tool.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface UpstreamRequest {
  path: string
  headers: IncomingMessage['headers']
  body: any
}

export interface Fault {
  status?: number
  /** Delay before answering (before headers). */
  delayMs?: number
  /** With `status`: the error message quotes the credential it was sent (as real providers partly do). */
  echoKey?: boolean
  /** Stream: send this many chunks, then destroy the socket. */
  breakAfterChunks?: number
}

const words = (s: string) => (s.match(/\S+/g) ?? []).length

/**
 * A deterministic embedding that carries meaning (texts sharing words point the same way), so a
 * test can check retrieval through a "hosted" model: word counts hashed (FNV-1a) into `dims`, plus
 * a small constant so no vector is zero. Not normalised, as real providers need not be.
 */
function bagOfWords(text: string, dims: number): number[] {
  const v = Array.from({ length: dims }, () => 0.01)
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 0x811c9dc5
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193) >>> 0
    v[h % dims]! += 1
  }
  return v
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((p: any) => (typeof p?.text === 'string' ? p.text : typeof p?.content === 'string' ? p.content : '')).join(' ')
  return ''
}

export async function startLlmUpstream() {
  const requests: UpstreamRequest[] = []
  const faults: Fault[] = []
  /** Delay between streamed chunks. */
  let chunkDelayMs = 0

  function analyse(body: any) {
    const msgs: any[] = body.messages ?? []
    let promptWords = words(textOf(body.system))
    for (const m of msgs) promptWords += words(textOf(m.content))
    const lastUser = [...msgs].reverse().find((m) => m.role === 'user')
    const said = textOf(lastUser?.content).trim()
    const tool = /^call:(\S+)/.exec(said)?.[1]
    const answer = `echo: ${said}`
    return { inputTokens: promptWords + 7, answer, outputTokens: words(answer), tool }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const raw = Buffer.concat(chunks).toString()
    const body = raw ? JSON.parse(raw) : {}
    const path = (req.url ?? '').split('?')[0]!
    requests.push({ path, headers: req.headers, body })
    const anthropic = path.endsWith('/messages') || path.endsWith('/count_tokens')
    const fault = faults.shift() ?? {}
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs))
    if (res.destroyed) return
    if (fault.status) {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.status === 429 ? { 'retry-after-ms': '10' } : {}) })
      const credential = String(req.headers['x-api-key'] ?? req.headers.authorization ?? '').replace(/^Bearer /, '')
      const message = `injected ${fault.status}${fault.echoKey ? `: incorrect API key provided: ${credential}` : ''}`
      res.end(JSON.stringify(anthropic ? { type: 'error', error: { type: fault.status === 429 ? 'rate_limit_error' : 'api_error', message } } : { error: { message, type: 'server_error', code: null } }))
      return
    }
    if (path.endsWith('/models')) return json(res, { object: 'list', data: [{ id: 'up-model', object: 'model', created: 0, owned_by: 'test' }] })
    if (path.endsWith('/embeddings')) {
      const input: string[] = typeof body.input === 'string' ? [body.input] : body.input
      const dims = body.dimensions ?? 8
      return json(res, { object: 'list', model: body.model, data: input.map((s, index) => ({ object: 'embedding', index, embedding: bagOfWords(s, dims) })), usage: { prompt_tokens: input.reduce((n, s) => n + words(s), 0), total_tokens: input.reduce((n, s) => n + words(s), 0) } })
    }
    const a = analyse(body)
    if (path.endsWith('/count_tokens')) return json(res, { input_tokens: a.inputTokens })
    const pieces = a.answer.split(/(?<= )/)
    if (path.endsWith('/chat/completions')) {
      const id = 'chatcmpl-up'
      if (!body.stream) {
        const message = a.tool ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_up', type: 'function', function: { name: a.tool, arguments: '{"x":1}' } }] } : { role: 'assistant', content: a.answer }
        return json(res, { id, object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message, finish_reason: a.tool ? 'tool_calls' : 'stop' }], usage: { prompt_tokens: a.inputTokens, completion_tokens: a.tool ? 3 : a.outputTokens, total_tokens: a.inputTokens + (a.tool ? 3 : a.outputTokens) } })
      }
      const events: unknown[] = [{ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }]
      if (a.tool) {
        events.push({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_up', type: 'function', function: { name: a.tool, arguments: '' } }] }, finish_reason: null }] })
        events.push({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"x":1}' } }] }, finish_reason: null }] })
      } else for (const p of pieces) events.push({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })
      events.push({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: {}, finish_reason: a.tool ? 'tool_calls' : 'stop' }] })
      if (body.stream_options?.include_usage) events.push({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [], usage: { prompt_tokens: a.inputTokens, completion_tokens: a.tool ? 3 : a.outputTokens, total_tokens: 0 } })
      return stream(res, events.map((e) => `data: ${JSON.stringify(e)}\n\n`).concat('data: [DONE]\n\n'), fault)
    }
    if (path.endsWith('/messages')) {
      const out = a.tool ? 3 : a.outputTokens
      const content = a.tool ? [{ type: 'tool_use', id: 'toolu_up', name: a.tool, input: { x: 1 } }] : [{ type: 'text', text: a.answer }]
      const stop = a.tool ? 'tool_use' : 'end_turn'
      if (!body.stream) return json(res, { id: 'msg_up', type: 'message', role: 'assistant', model: body.model, content, stop_reason: stop, stop_sequence: null, usage: { input_tokens: a.inputTokens, output_tokens: out } })
      const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`
      const frames = [ev('message_start', { message: { id: 'msg_up', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: a.inputTokens, output_tokens: 1 } } })]
      if (a.tool) {
        frames.push(ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: 'toolu_up', name: a.tool, input: {} } }))
        frames.push(ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"x":1}' } }))
      } else {
        frames.push(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }))
        for (const p of pieces) frames.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } }))
      }
      frames.push(ev('content_block_stop', { index: 0 }), ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: out } }), ev('message_stop', {}))
      return stream(res, frames, fault)
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: `no route ${path}` } }))
  }

  function json(res: ServerResponse, body: unknown) {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  async function stream(res: ServerResponse, frames: string[], fault: Fault) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    for (let i = 0; i < frames.length; i++) {
      if (fault.breakAfterChunks !== undefined && i >= fault.breakAfterChunks) {
        // Let the chunks already written reach the client first, as a real mid-stream failure would.
        await new Promise((r) => setTimeout(r, 100))
        res.socket?.destroy()
        return
      }
      res.write(frames[i])
      if (chunkDelayMs) await new Promise((r) => setTimeout(r, chunkDelayMs))
    }
    res.end()
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { message: String(err) } }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    /** OpenAI-style base URL (…/v1). */
    openaiUrl: `http://127.0.0.1:${port}/v1`,
    /** Anthropic-style base URL (the SDK appends /v1/messages). */
    anthropicUrl: `http://127.0.0.1:${port}`,
    requests,
    faults,
    set chunkDelayMs(ms: number) {
      chunkDelayMs = ms
    },
    /** The answer's usage for a request body (what the upstream will report). */
    expected: (body: any) => analyse(body),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  }
}

export type LlmUpstream = Awaited<ReturnType<typeof startLlmUpstream>>
