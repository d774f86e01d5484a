/**
 * The official SDKs through Dyad to a local provider that speaks both wire formats: same-format
 * and cross-format calls (OpenAI client to an Anthropic upstream and back), streamed and not, with
 * tools; usage accounted exactly as the provider reported it; fallback on 429, 5xx and timeouts
 * before a stream starts and never after; provider keys never leave the process.
 */
import t, { type Test } from 'tap'
import { startLlmUpstream } from '../../helpers/llm-upstream.ts'
import { bearer } from '../../helpers/app.ts'
import { llmApp } from './setup.ts'

const KEYS = { oai: 'sk-test-openai-SECRET123', ant: 'sk-ant-test-SECRET456', oai2: 'sk-second-SECRET789' }

async function setup(t: Test) {
  const up = await startLlmUpstream()
  const up2 = await startLlmUpstream()
  t.teardown(() => up.close())
  t.teardown(() => up2.close())
  const logLines: string[] = []
  const env = await llmApp(t, {}, { logLines })
  await env.configure({
    providers: {
      oai: { type: 'openai', baseUrl: up.openaiUrl, timeoutMs: 500 },
      ant: { type: 'anthropic', baseUrl: up.anthropicUrl },
      oai2: { type: 'openai', baseUrl: up2.openaiUrl },
    },
    models: {
      gpt: { targets: [{ provider: 'oai', model: 'gpt-4o-mini', price: { input: 1, output: 2 } }] },
      claude: { targets: [{ provider: 'ant', model: 'claude-test' }] },
      ha: { targets: [{ provider: 'oai', model: 'first' }, { provider: 'oai2', model: 'second' }] },
      emb: { kind: 'embedding', targets: [{ provider: 'oai', model: 'text-embedding-3-small' }] },
    },
  })
  for (const [p, k] of Object.entries(KEYS)) await env.setKey(p, k)
  return { ...env, up, up2, logLines }
}

t.test('same-format and cross-format calls, streamed and not, with exact usage', async (t) => {
  const { openai, anthropic, up, usage } = await setup(t)
  const oc = openai()
  const ac = anthropic()

  const a = await oc.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hello world' }] })
  t.equal(a.choices[0]!.message.content, 'echo: hello world')
  let seen = up.requests.at(-1)!
  t.equal(seen.path, '/v1/chat/completions')
  t.equal(seen.headers.authorization, `Bearer ${KEYS.oai}`, 'the provider key is sent upstream')
  t.equal(seen.body.model, 'gpt-4o-mini', 'the alias resolves to the target model')
  t.same(a.usage, { prompt_tokens: 2 + 7, completion_tokens: 3, total_tokens: 12 })

  // OpenAI client -> Anthropic upstream.
  const b = await oc.chat.completions.create({ model: 'claude', messages: [{ role: 'system', content: 'terse' }, { role: 'user', content: 'cross format' }], max_tokens: 50 })
  seen = up.requests.at(-1)!
  t.equal(seen.path, '/v1/messages')
  t.equal(seen.headers['x-api-key'] ?? String(seen.headers.authorization).replace(/^Bearer /, ''), KEYS.ant, 'the Anthropic key is sent upstream (the SDK sends it as a bearer token)')
  t.equal(seen.body.system, 'terse')
  t.equal(seen.body.max_tokens, 50)
  t.same(seen.body.messages, [{ role: 'user', content: [{ type: 'text', text: 'cross format' }] }])
  t.equal(b.choices[0]!.message.content, 'echo: cross format')
  t.equal(b.choices[0]!.finish_reason, 'stop')
  t.same(b.usage, { prompt_tokens: 3 + 7, completion_tokens: 3, total_tokens: 13 })

  // Anthropic client -> OpenAI upstream.
  const c = await ac.messages.create({ model: 'gpt', max_tokens: 64, system: 'terse', messages: [{ role: 'user', content: 'other way' }] })
  seen = up.requests.at(-1)!
  t.equal(seen.path, '/v1/chat/completions')
  t.same(seen.body.messages, [{ role: 'system', content: 'terse' }, { role: 'user', content: 'other way' }])
  t.equal((c.content[0] as any).text, 'echo: other way')
  t.equal(c.stop_reason, 'end_turn')
  t.same([c.usage.input_tokens, c.usage.output_tokens], [3 + 7, 3])

  // Streams, with tools, both ways.
  const tools = [{ type: 'function' as const, function: { name: 'lookup', description: 'find', parameters: { type: 'object', properties: { x: { type: 'number' } } } } }]
  const s1 = await oc.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'call:lookup' }], tools, stream: true, stream_options: { include_usage: true } })
  const calls: Record<number, { id?: string; name?: string; args: string }> = {}
  let finish: string | null = null
  let u1: any
  for await (const ch of s1) {
    for (const tc of ch.choices[0]?.delta.tool_calls ?? []) {
      const slot = (calls[tc.index] ??= { args: '' })
      slot.id ??= tc.id
      slot.name ??= tc.function?.name
      slot.args += tc.function?.arguments ?? ''
    }
    finish = ch.choices[0]?.finish_reason ?? finish
    if (ch.usage) u1 = ch.usage
  }
  t.same(calls, { 0: { id: 'toolu_up', name: 'lookup', args: '{"x":1}' } }, 'an Anthropic tool_use streams as OpenAI tool_call deltas')
  t.equal(finish, 'tool_calls')
  t.same([u1.prompt_tokens, u1.completion_tokens], [1 + 7, 3])
  t.same(up.requests.at(-1)!.body.tools, [{ name: 'lookup', description: 'find', input_schema: { type: 'object', properties: { x: { type: 'number' } } } }])

  const s2 = ac.messages.stream({ model: 'gpt', max_tokens: 64, tools: [{ name: 'lookup', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'call:lookup' }] })
  const m2 = await s2.finalMessage()
  t.equal(m2.stop_reason, 'tool_use')
  t.same(m2.content, [{ type: 'tool_use', id: 'call_up', name: 'lookup', input: { x: 1 } }], 'an OpenAI tool call streams as an Anthropic tool_use block')
  t.same([m2.usage.input_tokens, m2.usage.output_tokens], [1 + 7, 3])

  // A tool result goes back in the other format.
  await ac.messages.create({
    model: 'gpt',
    max_tokens: 20,
    messages: [
      { role: 'user', content: 'call:lookup' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_up', name: 'lookup', input: { x: 1 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_up', content: '42' }] },
    ],
  })
  t.same(up.requests.at(-1)!.body.messages.slice(1), [
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_up', type: 'function', function: { name: 'lookup', arguments: '{"x":1}' } }] },
    { role: 'tool', tool_call_id: 'call_up', content: '42' },
  ])

  // Responses API to Anthropic, whole and streamed.
  const r = await oc.responses.create({ model: 'claude', instructions: 'terse', input: 'respond please', max_output_tokens: 40 })
  t.equal(r.output_text, 'echo: respond please')
  t.same([r.usage?.input_tokens, r.usage?.output_tokens], [3 + 7, 3])
  const rs = await oc.responses.create({ model: 'claude', input: 'stream it', stream: true })
  let text = ''
  for await (const ev of rs) if (ev.type === 'response.output_text.delta') text += ev.delta
  t.equal(text, 'echo: stream it')

  const e = await oc.embeddings.create({ model: 'emb', input: ['one two', 'three'] })
  t.equal(e.data.length, 2)
  t.equal(e.usage.prompt_tokens, 3)

  // Usage: exactly what the provider reported, per model.
  const rows = await usage('model')
  const gpt = rows.find((x) => x.group === 'gpt-4o-mini')!
  t.same([gpt.requests, gpt.inputTokens, gpt.outputTokens], [4, 9 + 10 + 8 + 9, 3 + 3 + 3 + 3], 'OpenAI-upstream calls, summed exactly')
  t.equal(gpt.costUsd, (gpt.inputTokens * 1 + gpt.outputTokens * 2) / 1e6, 'cost from the target price')
  const claude = rows.find((x) => x.group === 'claude-test')!
  t.equal(claude.requests, 4)
  t.equal(claude.inputTokens, 10 + 8 + 10 + 9)
})

t.test('fallback on 429, 5xx and timeouts before streaming, never after', async (t) => {
  const { app, keys, openai, anthropic, up, up2 } = await setup(t)
  const oc = openai()
  for (const fault of [{ status: 429 }, { status: 500 }, { status: 503 }, { delayMs: 1500 }]) {
    up.faults.push(fault)
    const before = up2.requests.length
    const r = await oc.chat.completions.create({ model: 'ha', messages: [{ role: 'user', content: 'fall back' }] })
    t.equal(r.model, 'second', `after ${JSON.stringify(fault)} the second target answers`)
    t.equal(up2.requests.length, before + 1)
  }
  // Streaming: a failure before the first event falls back too.
  up.faults.push({ status: 502 })
  let text = ''
  for await (const ch of await oc.chat.completions.create({ model: 'ha', messages: [{ role: 'user', content: 'stream fall back' }], stream: true })) text += ch.choices[0]?.delta.content ?? ''
  t.equal(text, 'echo: stream fall back')
  t.equal(up2.requests.at(-1)!.body.model, 'second')

  // A 400 from the provider is the request's fault: no fallback, a 400 to the client.
  up.faults.push({ status: 400 })
  const before = up2.requests.length
  const bad = await oc.chat.completions.create({ model: 'ha', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
  t.equal(bad.status, 400)
  t.equal(up2.requests.length, before, 'not retried elsewhere')

  // Mid-stream: the upstream drops the connection after the first chunks; the client gets an
  // error event (the SDK throws), and the second target is never called.
  up.faults.push({ breakAfterChunks: 3 })
  const before2 = up2.requests.length
  const got: string[] = []
  const err = await (async () => {
    for await (const ch of await oc.chat.completions.create({ model: 'ha', messages: [{ role: 'user', content: 'a b c d e f g h' }], stream: true })) got.push(ch.choices[0]?.delta.content ?? '')
  })().catch((e) => e)
  t.ok(err instanceof Error, 'the SDK raises the error event')
  t.match(String(err.message), /LLM_UPSTREAM_ERROR|provider|stream/i)
  t.ok(got.join('').length > 0, 'some text had been relayed')
  t.equal(up2.requests.length, before2, 'no fallback after streaming started')

  const aerr = await (async () => {
    up.faults.push({ breakAfterChunks: 3 })
    const s = anthropic().messages.stream({ model: 'ha', max_tokens: 50, messages: [{ role: 'user', content: 'a b c d e f' }] })
    await s.finalMessage()
  })().catch((e) => e)
  t.ok(aerr instanceof Error, 'the Anthropic SDK raises the error event too')

  // Every target failing: a 502 in Dyad's error shape.
  up.faults.push({ status: 500 })
  up2.faults.push({ status: 500 })
  const all = await oc.chat.completions.create({ model: 'ha', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e)
  t.equal(all.status, 502)
  up.faults.push({ status: 500 })
  up2.faults.push({ status: 500 })
  const raw = await app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: bearer(keys.bob!), payload: { model: 'ha', messages: [{ role: 'user', content: 'x' }] } })
  t.equal(raw.statusCode, 502)
  t.equal(raw.json().code, 'LLM_UPSTREAM_ERROR', "in Dyad's error shape")
})

t.test('no API response, log line, metric or error contains a provider key', async (t) => {
  const { app, openai, up, up2, logLines, keys } = await setup(t)
  const oc = openai()
  const bodies: string[] = []
  await oc.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] })
  // Providers rejecting the key and quoting it back.
  up.faults.push({ status: 401, echoKey: true })
  up2.faults.push({ status: 401, echoKey: true })
  const e = await oc.chat.completions.create({ model: 'ha', messages: [{ role: 'user', content: 'x' }] }).catch((x) => x)
  t.equal(e.status, 502)
  bodies.push(JSON.stringify(e.error ?? {}), String(e.message))
  up.faults.push({ status: 400, echoKey: true })
  const e2 = await oc.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] }).catch((x) => x)
  t.equal(e2.status, 400)
  bodies.push(JSON.stringify(e2.error ?? {}), String(e2.message))
  for (const url of ['/v1/projects/acme/llm/config', '/v1/projects/acme/llm/usage', '/metrics', '/openapi.json']) {
    bodies.push((await app.inject({ method: 'GET', url, headers: bearer(keys.alice!) })).body)
  }
  const everything = bodies.join('\n') + logLines.join('\n')
  for (const k of Object.values(KEYS)) t.notOk(everything.includes(k), `key ${k.slice(0, 8)}… appears nowhere`)
  t.ok(everything.includes('incorrect API key provided: [redacted]'), 'the provider message is kept, the key scrubbed')
})
