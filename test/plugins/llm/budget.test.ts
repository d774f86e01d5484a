/**
 * Token budgets cannot be overshot: 50 concurrent calls against a nearly exhausted budget, through
 * one process (embedded) and through two processes' worth of stores and quota pools on one
 * Postgres, spend at most the budget; the calls that cannot be covered get 429
 * LLM_BUDGET_EXCEEDED; request quotas refuse the call past the limit; the output cap is lowered to
 * what remains.
 */
import t, { type Test } from 'tap'
import { startLlmUpstream } from '../../helpers/llm-upstream.ts'
import { bearer } from '../../helpers/app.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'
import { llmApp } from './setup.ts'

async function storm(apps: Array<{ inject: (o: object) => Promise<{ statusCode: number; body: string }> }>, key: string, n: number) {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      apps[i % apps.length]!.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: bearer(key), payload: { model: 'gpt', max_tokens: 20, messages: [{ role: 'user', content: 'hello world' }] } }),
    ),
  )
  const ok = results.filter((r) => r.statusCode === 200).map((r) => JSON.parse(r.body).usage.total_tokens as number)
  const refused = results.filter((r) => r.statusCode === 429 && JSON.parse(r.body).code === 'LLM_BUDGET_EXCEEDED').length
  return { ok, refused, other: results.filter((r) => r.statusCode !== 200 && r.statusCode !== 429).map((r) => r.body) }
}

async function configure(env: Awaited<ReturnType<typeof llmApp>>, upstreamUrl: string, budgets: object) {
  await env.configure({ providers: { oai: { type: 'openai', baseUrl: upstreamUrl } }, models: { gpt: { targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] } }, budgets })
  await env.setKey('oai', 'sk-budget-test-key')
}

async function spentTokens(env: Awaited<ReturnType<typeof llmApp>>) {
  const rows = await env.usage('model')
  return rows.reduce((s, r) => s + r.inputTokens + r.outputTokens, 0)
}

t.test('one process: 50 concurrent calls never spend more than the budget', async (t) => {
  const up = await startLlmUpstream()
  t.teardown(() => up.close())
  up.chunkDelayMs = 0
  const env = await llmApp(t)
  // Each call reports 9 + 3 = 12 tokens and reserves about 10 + 20: with all 50 in flight at once,
  // the 150-token budget covers five reservations (more as early ones settle).
  await configure(env, up.openaiUrl, { tokensPerMonth: 150 })
  const { ok, refused, other } = await storm([env.app], env.keys.bob!, 50)
  t.same(other, [], 'every call is answered or refused with 429')
  const total = ok.reduce((s, x) => s + x, 0)
  t.ok(total <= 150, `spent ${total} of 150`)
  t.ok(ok.length >= 5, `${ok.length} calls fit`)
  t.equal(ok.length + refused, 50)
  t.equal(await spentTokens(env), total, 'the usage ledger agrees with what the clients were told')
  const budget = JSON.parse((await env.app.inject({ method: 'GET', url: '/v1/projects/acme/llm/budget', headers: bearer(env.keys.alice!) })).body).items
  const project = budget.find((b: { scope: string; unit: string }) => b.scope === 'project' && b.unit === 'tokens')
  t.ok(project.leased <= 150, 'the ledger never leased past the limit')
})

t.test('the output cap is lowered to what remains; request quotas refuse past their limit', async (t) => {
  const up = await startLlmUpstream()
  t.teardown(() => up.close())
  const env = await llmApp(t)
  await configure(env, up.openaiUrl, { tokensPerMonth: 40, keyRequestsPerDay: 3 })
  const r = await env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: bearer(env.keys.bob!), payload: { model: 'gpt', max_tokens: 1000, messages: [{ role: 'user', content: 'hello world' }] } })
  t.equal(r.statusCode, 200)
  t.ok(up.requests.at(-1)!.body.max_tokens <= 30, `max_tokens sent upstream lowered to ${up.requests.at(-1)!.body.max_tokens}`)
  for (let i = 0; i < 2; i++) await env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: bearer(env.keys.alice!), payload: { model: 'gpt', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] } })
  // bob's key: 3 requests a day.
  await env.configure({ providers: { oai: { type: 'openai', baseUrl: up.openaiUrl } }, models: { gpt: { targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] } }, budgets: { keyRequestsPerDay: 3 } })
  const codes: number[] = []
  for (let i = 0; i < 3; i++) codes.push((await env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: bearer(env.keys.bob!), payload: { model: 'gpt', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } })).statusCode)
  t.same(codes, [200, 200, 429], 'the first call of the day counted; the fourth is refused')
  const refused = await env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: bearer(env.keys.bob!), payload: { model: 'gpt', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } })
  t.equal(refused.json().code, 'LLM_QUOTA_EXCEEDED')
  const alice = await env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: bearer(env.keys.alice!), payload: { model: 'gpt', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } })
  t.equal(alice.statusCode, 200, "another key's quota is its own")
})

const server = await freshPostgresDatabase()
t.test('two processes on one Postgres: 50 concurrent calls spread over both never spend more than the budget', { skip: isSkip(server) ? server.skip : false }, async (t: Test) => {
  if (isSkip(server)) return
  t.teardown(() => server.drop())
  const up = await startLlmUpstream()
  t.teardown(() => up.close())
  const env = { DYAD_SQL: 'postgres', DYAD_POSTGRES_URL: server.url }
  const one = await llmApp(t, env)
  const two = await llmApp(t, env, { keys: one.keys })
  await configure(one, up.openaiUrl, { tokensPerMonth: 150 })
  // Each test app has its own local secrets file (production shares Vault): give the second the key too.
  await two.setKey('oai', 'sk-budget-test-key')
  // The second process sees the configuration through its own watch.
  for (let i = 0; i < 100; i++) {
    const r = await two.app.inject({ method: 'GET', url: '/llm/v1/models', headers: bearer(one.keys.bob!) })
    if (r.statusCode === 200 && JSON.parse(r.body).data.some((m: { id: string }) => m.id === 'gpt')) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const { ok, refused, other } = await storm([one.app, two.app], one.keys.bob!, 50)
  t.same(other, [])
  const total = ok.reduce((s, x) => s + x, 0)
  t.ok(total <= 150, `spent ${total} of 150 across both`)
  t.equal(ok.length + refused, 50)
  t.ok(ok.length >= 4, `${ok.length} calls fit`)
  await two.usage() // the usage read writes out that process's queued rows first
  t.equal(await spentTokens(one), total, 'both processes accounted their calls in the one ledger')
})
