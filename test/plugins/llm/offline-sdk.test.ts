/**
 * The embedded default with no setup: the official openai and @anthropic-ai/sdk clients, given
 * Dyad's base URL and a Dyad API key, complete every endpoint through the built-in offline
 * provider, and every call is accounted.
 */
import t from 'tap'
import { llmApp } from './setup.ts'

t.test('openai SDK: chat (whole and streamed), responses (whole and streamed), embeddings, models', async (t) => {
  const { openai, usage } = await llmApp(t)
  const client = openai()

  const chat = await client.chat.completions.create({ model: 'default-chat', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there offline model' }] })
  t.equal(chat.object, 'chat.completion')
  t.match(chat.choices[0]!.message.content, /^Offline model: .*4 words and begins: "hello there offline model"/)
  t.equal(chat.choices[0]!.finish_reason, 'stop')
  t.ok(chat.usage!.prompt_tokens > 0 && chat.usage!.completion_tokens > 0)

  const stream = await client.chat.completions.create({ model: 'default-chat', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there offline model' }], stream: true, stream_options: { include_usage: true } })
  let text = ''
  let finish: string | null | undefined
  let streamedUsage: { prompt_tokens: number; completion_tokens: number } | undefined
  for await (const c of stream) {
    text += c.choices[0]?.delta.content ?? ''
    finish = c.choices[0]?.finish_reason ?? finish
    if (c.usage) streamedUsage = c.usage
  }
  t.equal(text, chat.choices[0]!.message.content, 'the stream carries the same answer')
  t.equal(finish, 'stop')
  t.same(streamedUsage && { p: streamedUsage.prompt_tokens, c: streamedUsage.completion_tokens }, { p: chat.usage!.prompt_tokens, c: chat.usage!.completion_tokens }, 'the same usage streamed')

  const capped = await client.chat.completions.create({ model: 'default-chat', messages: [{ role: 'user', content: 'one two three four five six' }], max_tokens: 3 })
  t.equal(capped.choices[0]!.finish_reason, 'length')
  t.ok(capped.usage!.completion_tokens <= 3)

  const resp = await client.responses.create({ model: 'default-chat', instructions: 'be brief', input: 'what is up' })
  t.equal(resp.status, 'completed')
  t.match(resp.output_text, /^Offline model: .*"what is up"/)

  const rs = await client.responses.create({ model: 'default-chat', input: [{ role: 'user', content: 'streamed response please' }], stream: true })
  let delta = ''
  let completed: any
  for await (const ev of rs) {
    if (ev.type === 'response.output_text.delta') delta += ev.delta
    if (ev.type === 'response.completed') completed = ev.response
  }
  t.match(delta, /"streamed response please"/)
  t.equal(completed?.status, 'completed')
  t.equal(completed?.output?.[0]?.content?.[0]?.text, delta)

  const emb = await client.embeddings.create({ model: 'default-embed', input: ['the cat sat on the mat', 'the cat sat on a mat', 'quarterly revenue report'] })
  t.equal(emb.data.length, 3)
  const [a, b, c] = emb.data.map((d) => d.embedding)
  const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0)
  t.ok(dot(a!, b!) > dot(a!, c!), 'texts sharing words are nearer')
  t.equal(a!.length, 256)
  const b64 = await client.embeddings.create({ model: 'offline-embed', input: 'x', dimensions: 16 })
  t.equal(b64.data[0]!.embedding.length, 16, 'the SDK decodes base64 (its default) and dimensions are honoured')

  const models = await client.models.list()
  const ids = models.data.map((m) => m.id)
  t.ok(ids.includes('default-chat') && ids.includes('offline-embed'))

  const rows = await usage('alias')
  const chatRow = rows.find((r) => r.group === 'default-chat')
  t.equal(chatRow?.requests, 5, 'five chat calls accounted')
  t.equal(rows.find((r) => r.group === 'default-embed')?.requests, 1)
})

t.test('anthropic SDK: messages (whole and streamed), tool use, count_tokens, models', async (t) => {
  const { anthropic } = await llmApp(t)
  const client = anthropic()
  const msg = await client.messages.create({ model: 'default-chat', max_tokens: 200, system: 'be brief', messages: [{ role: 'user', content: 'hello from anthropic' }] })
  t.equal(msg.type, 'message')
  t.equal(msg.stop_reason, 'end_turn')
  t.match((msg.content[0] as any).text, /"hello from anthropic"/)

  const s = client.messages.stream({ model: 'default-chat', max_tokens: 200, messages: [{ role: 'user', content: 'hello from anthropic' }] })
  let text = ''
  s.on('text', (d) => (text += d))
  const final = await s.finalMessage()
  t.equal(text, (msg.content[0] as any).text)
  t.equal(final.stop_reason, 'end_turn')
  t.equal(final.usage.output_tokens, msg.usage.output_tokens)

  const tool = await client.messages.create({
    model: 'default-chat',
    max_tokens: 100,
    tools: [{ name: 'lookup', description: 'look it up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
    tool_choice: { type: 'tool', name: 'lookup' },
    messages: [{ role: 'user', content: 'find it' }],
  })
  t.equal(tool.stop_reason, 'tool_use')
  t.equal((tool.content[0] as any).name, 'lookup')

  const count = await client.messages.countTokens({ model: 'default-chat', messages: [{ role: 'user', content: 'count these words please' }] })
  t.ok(count.input_tokens > 4)

  const models = await client.models.list()
  t.ok(models.data.some((m) => m.id === 'default-chat'))
})

t.test('bad requests get 4xx with stable codes', async (t) => {
  const { app, keys, openai } = await llmApp(t)
  const h = { authorization: `Bearer ${keys.bob}` }
  const bad = await app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: h, payload: { model: 'default-chat', messages: [] } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().code, 'LLM_INVALID_REQUEST')
  const unknown = await app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: h, payload: { model: 'nope', messages: [{ role: 'user', content: 'x' }] } })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().code, 'LLM_MODEL_NOT_FOUND')
  const kind = await app.inject({ method: 'POST', url: '/llm/v1/embeddings', headers: h, payload: { model: 'default-chat', input: 'x' } })
  t.equal(kind.json().code, 'LLM_WRONG_MODEL_KIND')
  const noMax = await app.inject({ method: 'POST', url: '/llm/v1/messages', headers: h, payload: { model: 'default-chat', messages: [{ role: 'user', content: 'x' }] } })
  t.equal(noMax.json().code, 'LLM_INVALID_REQUEST')
  // An unscoped credential must say which project; the platform admin key is unscoped.
  const admin = await app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: { authorization: `Bearer ${'dyad_admin0000000001_' + 'A'.repeat(43)}` }, payload: { model: 'default-chat', messages: [{ role: 'user', content: 'x' }] } })
  t.equal(admin.statusCode, 400)
  t.equal(admin.json().code, 'PROJECT_REQUIRED')
  const adminWithHeader = await app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: { authorization: `Bearer ${'dyad_admin0000000001_' + 'A'.repeat(43)}`, 'dyad-project': 'acme' }, payload: { model: 'default-chat', messages: [{ role: 'user', content: 'x' }] } })
  t.equal(adminWithHeader.statusCode, 200)
  // A scoped key cannot name another project with the header: its scope wins.
  const other = await app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: { ...h, 'dyad-project': 'other' }, payload: { model: 'default-chat', messages: [{ role: 'user', content: 'x' }] } })
  t.equal(other.statusCode, 200)
  const err = await openai().chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
  t.equal(err.status, 404, 'the SDK surfaces the status')
  // A megabyte without a space is counted in bounded time (sliced BPE), not minutes.
  const big = await app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: h, payload: { model: 'default-chat', messages: [{ role: 'user', content: 'x'.repeat(900_000) }] } })
  t.equal(big.statusCode, 200)
  const special = await app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: h, payload: { model: 'default-chat', messages: [{ role: 'user', content: 'a <|endoftext|> b <|im_start|>' }] } })
  t.equal(special.statusCode, 200, 'special-token text is ordinary text')
})
