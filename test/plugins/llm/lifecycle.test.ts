/**
 * Provider keys rotate without a restart (through Dyad at once, in the secrets store within the
 * cache TTL, at once after the provider rejects the old key), and a stream the client abandons is
 * settled and accounted with what was relayed.
 */
import t from 'tap'
import { startLlmUpstream } from '../../helpers/llm-upstream.ts'
import { bearer } from '../../helpers/app.ts'
import { keyPath } from '../../../plugins/llm/keys.ts'
import { llmApp } from './setup.ts'

const sentKey = (h: Record<string, unknown>) => String(h.authorization ?? '').replace(/^Bearer /, '')

t.test('a rotated provider key is used without a restart', async (t) => {
  const up = await startLlmUpstream()
  t.teardown(() => up.close())
  const env = await llmApp(t, { DYAD_LLM_KEY_TTL_MS: '300' })
  await env.configure({ providers: { oai: { type: 'openai', baseUrl: up.openaiUrl } }, models: { gpt: { targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] } } })
  const call = () => env.openai().chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }] })
  await env.setKey('oai', 'sk-first-000001')
  await call()
  t.equal(sentKey(up.requests.at(-1)!.headers), 'sk-first-000001')
  await env.setKey('oai', 'sk-second-00002')
  await call()
  t.equal(sentKey(up.requests.at(-1)!.headers), 'sk-second-00002', 'a key stored through Dyad is used at once')
  // Rotated in the secrets store directly (as an operator rotates it in Vault).
  await env.stores.secrets.put(keyPath('acme', 'oai'), { apiKey: 'sk-third-000003' })
  await new Promise((r) => setTimeout(r, 400))
  await call()
  t.equal(sentKey(up.requests.at(-1)!.headers), 'sk-third-000003', 'picked up after the cache TTL')
  // A 401 drops the cached key: the next call reads the store again, even within the TTL.
  await env.stores.secrets.put(keyPath('acme', 'oai'), { apiKey: 'sk-fourth-00004' })
  up.faults.push({ status: 401 })
  const failed = await call().catch((e) => e)
  t.equal(failed.status, 502)
  await call()
  t.equal(sentKey(up.requests.at(-1)!.headers), 'sk-fourth-00004')
  const del = await env.app.inject({ method: 'DELETE', url: '/v1/projects/acme/llm/providers/oai/key', headers: bearer(env.keys.alice!) })
  t.equal(del.statusCode, 204)
  const missing = await env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: bearer(env.keys.bob!), payload: { model: 'gpt', messages: [{ role: 'user', content: 'x' }] } })
  t.equal(missing.statusCode, 424)
  t.equal(missing.json().code, 'LLM_PROVIDER_KEY_MISSING')
})

t.test('a stream the client abandons is settled with what was relayed', async (t) => {
  const up = await startLlmUpstream()
  t.teardown(() => up.close())
  up.chunkDelayMs = 20
  const env = await llmApp(t)
  await env.configure({ providers: { oai: { type: 'openai', baseUrl: up.openaiUrl } }, models: { gpt: { targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] } }, budgets: { tokensPerMonth: 100_000 } })
  await env.setKey('oai', 'sk-abandon-0001')
  const words = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ')
  const ctrl = new AbortController()
  const stream = await env.openai().chat.completions.create({ model: 'gpt', max_tokens: 1000, stream: true, messages: [{ role: 'user', content: words }] }, { signal: ctrl.signal })
  let got = 0
  const done = (async () => {
    for await (const ch of stream) {
      if (ch.choices[0]?.delta.content) got++
      if (got === 5) ctrl.abort()
    }
  })().catch((e) => e)
  await done
  t.equal(got, 5)
  // The usage row arrives once the server notices the closed connection and settles.
  let row: { errors: number; outputTokens: number; inputTokens: number } | undefined
  for (let i = 0; i < 100 && !row; i++) {
    await new Promise((r) => setTimeout(r, 50))
    row = (await env.usage('model')).find((r) => r.errors === 1)
  }
  t.ok(row, 'the abandoned call is accounted (as not ok)')
  t.ok(row!.outputTokens >= 5 && row!.outputTokens < 200, `charged for the relayed text (${row!.outputTokens} tokens), not the whole answer`)
  t.ok(up.requests.length === 1, 'no fallback was tried')
  const budget = JSON.parse((await env.app.inject({ method: 'GET', url: '/v1/projects/acme/llm/budget', headers: bearer(env.keys.alice!) })).body).items
  const b = budget.find((x: { scope: string; unit: string }) => x.scope === 'project' && x.unit === 'tokens')
  t.ok(b.leased - b.heldHere === row!.inputTokens + row!.outputTokens, 'the reservation was settled: spent = what was charged')
})
