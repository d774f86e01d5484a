/**
 * Per-project guards (deny patterns with RE2 semantics on prompts and answers, prompt size, masked
 * prompt logging, off by default) and what every call leaves behind: an access-log line with the
 * call's project, target and tokens, and Prometheus series for calls, tokens and rejections.
 */
import t from 'tap'
import { bearer } from '../../helpers/app.ts'
import { llmApp } from './setup.ts'

const chat = (content: string) => ({ model: 'default-chat', messages: [{ role: 'user', content }] })

t.test('deny patterns, prompt size and output checks refuse with stable codes', async (t) => {
  const logLines: string[] = []
  const env = await llmApp(t, {}, { logLines })
  const h = bearer(env.keys.bob!)
  const call = (content: string) => env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: h, payload: chat(content) })

  await call('mail me at jane.doe@example.com about 12345678')
  t.notOk(logLines.some((l) => l.includes('llmPrompt')), 'prompts are not logged unless the project opts in')

  const badPattern = await env.app.inject({ method: 'PUT', url: '/v1/projects/acme/llm/config', headers: bearer(env.keys.alice!), payload: { guards: { denyPatterns: ['(a)\\1'] } } })
  t.equal(badPattern.statusCode, 422, 'a backreference is not RE2')
  t.equal(badPattern.json().code, 'LLM_INVALID_CONFIG')
  const forUser = await env.app.inject({ method: 'PUT', url: '/v1/projects/acme/llm/config', headers: h, payload: { guards: {} } })
  t.equal(forUser.statusCode, 403, 'a project-user cannot change the configuration')

  await env.configure({ guards: { denyPatterns: ['(?i)project\\s+x', 'Offline model'], maxPromptBytes: 200, checkOutput: true, logPrompts: true } })
  const denied = await call('tell me about PROJECT   X')
  t.equal(denied.statusCode, 422)
  t.equal(denied.json().code, 'LLM_PROMPT_DENIED')
  const large = await call('y'.repeat(201))
  t.equal(large.statusCode, 413)
  t.equal(large.json().code, 'LLM_PROMPT_TOO_LARGE')
  const output = await call('hello')
  t.equal(output.statusCode, 422, "the offline model's answer matches the second pattern")
  t.equal(output.json().code, 'LLM_OUTPUT_DENIED')
  t.notMatch(output.body, /Offline model/, 'the withheld answer is not in the error')
  // A pathological pattern for backtracking engines is linear under RE2.
  await env.configure({ guards: { denyPatterns: ['(a+)+$'] } })
  const redos = await call('a'.repeat(150_000) + '!')
  t.equal(redos.statusCode, 200)

  await env.configure({ guards: { logPrompts: true } })
  await call('mail me at jane.doe@example.com about 12345678')
  const logged = logLines.filter((l) => l.includes('llmPrompt')).at(-1) ?? ''
  t.match(logged, /mail me at \[email\] about ########/, 'the logged prompt is masked')
  t.notMatch(logged, /jane\.doe/)
})

t.test('every call leaves an access-log line and metrics', async (t) => {
  const logLines: string[] = []
  const env = await llmApp(t, {}, { logLines })
  const h = bearer(env.keys.bob!)
  await env.configure({ budgets: { keyRequestsPerDay: 2 } })
  await env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: h, payload: chat('count me') })
  await env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: h, payload: { ...chat('count me'), stream: true } })
  const refused = await env.app.inject({ method: 'POST', url: '/llm/v1/chat/completions', headers: h, payload: chat('one too many') })
  t.equal(refused.statusCode, 429)

  const line = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'llm call')
  t.match(line, { reqId: String, llm: { project: 'acme', subject: 'bob', keyId: String, endpoint: 'chat.completions', alias: 'default-chat', provider: 'offline', model: 'offline-chat', status: 'ok', inputTokens: Number, outputTokens: Number, dc: 'dc-test' } })
  const metrics = (await env.app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(metrics, /dyad_llm_requests_total\{[^}]*project="acme"[^}]*endpoint="chat.completions"[^}]*status="ok"[^}]*\} 2/)
  t.match(metrics, /dyad_llm_tokens_total\{[^}]*direction="output"[^}]*\} \d+/)
  t.match(metrics, /dyad_llm_time_to_first_token_seconds_count\{[^}]*provider="offline"[^}]*\} 1/)
  t.match(metrics, /dyad_llm_rejections_total\{[^}]*reason="quota"[^}]*\} 1/)
})
