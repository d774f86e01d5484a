/** A listening Dyad with one project and keys for the LLM tests, and SDK clients pointed at it. */
import type { Test } from 'tap'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import type { AddressInfo } from 'node:net'
import { ADMIN_KEY, bearer, buildTestApp } from '../../helpers/app.ts'

/** `opts.keys`: join a database another llmApp already set up (a second process on the same stores). */
export async function llmApp(t: Test, env: Record<string, string> = {}, opts: { logLines?: string[]; keys?: Record<string, string> } = {}) {
  const built = await buildTestApp(t, env, opts)
  const { app } = built
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const admin = bearer(ADMIN_KEY)
  const ok = (res: { statusCode: number; body: string }, what: string) => {
    if (res.statusCode >= 300) throw new Error(`${what}: ${res.statusCode} ${res.body}`)
    return res
  }
  const keys: Record<string, string> = { ...opts.keys }
  if (!opts.keys) ok(await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'acme', name: 'acme' } }), 'project')
  if (!opts.keys) for (const [subject, role] of [['alice', 'project-admin'], ['bob', 'project-user']] as const) {
    ok(await app.inject({ method: 'PUT', url: `/v1/projects/acme/members/${subject}`, headers: admin, payload: { role } }), 'member')
    keys[subject] = JSON.parse(ok(await app.inject({ method: 'POST', url: '/v1/projects/acme/api-keys', headers: admin, payload: { name: subject, subject } }), 'key').body).apiKey
  }
  const openai = (key = keys.bob!) => new OpenAI({ apiKey: key, baseURL: `${base}/llm/v1`, maxRetries: 0 })
  const anthropic = (key = keys.bob!) => new Anthropic({ apiKey: key, baseURL: `${base}/llm`, maxRetries: 0 })
  async function configure(config: unknown) {
    ok(await app.inject({ method: 'PUT', url: '/v1/projects/acme/llm/config', headers: bearer(keys.alice!), payload: config as object }), 'llm config')
  }
  async function setKey(provider: string, apiKey: string) {
    ok(await app.inject({ method: 'PUT', url: `/v1/projects/acme/llm/providers/${provider}/key`, headers: bearer(keys.alice!), payload: { apiKey } }), 'provider key')
  }
  async function usage(groupBy = 'model') {
    const r = ok(await app.inject({ method: 'GET', url: `/v1/projects/acme/llm/usage?groupBy=${groupBy}`, headers: bearer(keys.alice!) }), 'usage')
    return JSON.parse(r.body).items as Array<{ group: string; requests: number; errors: number; inputTokens: number; outputTokens: number; costUsd: number }>
  }
  return { ...built, base, keys, openai, anthropic, configure, setKey, usage }
}
