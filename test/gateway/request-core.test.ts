/**
 * The holes a new user found in the request path, each closed and kept closed: path parameters
 * checked before authorization, 404 for projects that do not exist on every project route, one
 * credential header, canonical idempotency, the audit outcome filter, and deletion of a project
 * removing what every domain holds for it.
 */
import t from 'tap'
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts'

const json = (headers: Record<string, string>) => ({ ...headers, 'content-type': 'application/json' })

t.test('path parameters: control bytes and impossible project ids are a 400 for any caller', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  for (const url of ['/v1/projects/a%00b', '/v1/projects/a%01/members', '/v1/projects/UPPER', '/v1/projects/UPPER/opa/v1/policies', `/v1/projects/${'a'.repeat(64)}`]) {
    const res = await app.inject({ method: 'GET', url, headers: admin })
    t.equal(res.statusCode, 400, url.slice(0, 60))
    t.equal(res.json().code, 'VALIDATION_FAILED')
    t.ok(res.json().requestId)
  }
  const long = await app.inject({ method: 'GET', url: `/v1/projects/${'a'.repeat(2000)}`, headers: admin })
  t.equal(long.statusCode, 414, 'a path segment past the router limit')
  const anon = await app.inject({ method: 'GET', url: '/v1/projects/a%00b' })
  t.equal(anon.statusCode, 401, 'authentication still comes first')
})

t.test('every project route answers 404 PLATFORM_PROJECT_NOT_FOUND for a project that does not exist', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  let checked = 0
  for (const [path, ops] of Object.entries<Record<string, unknown>>(spec.paths)) {
    if (!path.startsWith('/v1/projects/{projectId}')) continue
    for (const method of Object.keys(ops)) {
      const url = path.replace('{projectId}', 'ghost').replace(/\{[^}]+\}/g, 'x')
      const res = await app.inject({ method: method.toUpperCase() as 'GET', url, headers: json(admin), payload: method === 'get' || method === 'delete' ? undefined : '{}' })
      t.equal(res.statusCode, 404, `${method.toUpperCase()} ${path}`)
      t.equal(res.json().code, 'PLATFORM_PROJECT_NOT_FOUND', `${method.toUpperCase()} ${path}`)
      checked++
    }
  }
  t.ok(checked > 15, `${checked} operations checked`)
  const upload = await app.inject({ method: 'PUT', url: '/v1/projects/ghost/opa/v1/policies/x.rego', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'package x\n' })
  t.equal(upload.statusCode, 404, 'no policy upload into a project that was never created')
})

t.test('Authorization and X-API-Key together are refused', async (t) => {
  const { app } = await buildTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { ...bearer(ADMIN_KEY), 'x-api-key': ADMIN_KEY } })
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, 'BAD_REQUEST')
  t.equal((await app.inject({ method: 'GET', url: '/v1/whoami', headers: { 'x-api-key': ADMIN_KEY } })).statusCode, 200)
})

t.test('Basic auth takes an API key as the password, nothing else', async (t) => {
  const { app } = await buildTestApp(t)
  const basic = (userPass: string) => ({ authorization: `Basic ${Buffer.from(userPass).toString('base64')}` })
  const ok = await app.inject({ method: 'GET', url: '/v1/whoami', headers: basic(`spring:${ADMIN_KEY}`) })
  t.equal(ok.statusCode, 200, ok.body)
  t.equal((await app.inject({ method: 'GET', url: '/v1/whoami', headers: basic(`:${ADMIN_KEY}`) })).statusCode, 200, 'any user name, even empty')
  for (const bad of [`spring:${ADMIN_KEY.slice(0, -1)}x`, 'spring:hunter2', ADMIN_KEY, `${ADMIN_KEY}:x`]) {
    const res = await app.inject({ method: 'GET', url: '/v1/whoami', headers: basic(bad) })
    t.equal(res.statusCode, 401, `refused: ${bad.slice(0, 12)}...`)
    t.equal(res.json().code, 'UNAUTHENTICATED')
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/whoami', headers: { authorization: 'Basic !!!' } })).statusCode, 401, 'not base64')
})

t.test('idempotency compares bodies canonically; the audit log filters on outcome', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = json(bearer(ADMIN_KEY))
  const first = await app.inject({ method: 'POST', url: '/v1/projects', headers: { ...admin, 'idempotency-key': 'k1' }, payload: '{"id":"same","name":"Same","description":"d"}' })
  t.equal(first.statusCode, 201)
  const again = await app.inject({ method: 'POST', url: '/v1/projects', headers: { ...admin, 'idempotency-key': 'k1' }, payload: '{"description":"d","name":"Same","id":"same"}' })
  t.equal(again.statusCode, 201, 'the same JSON with its keys reordered is the same request')
  t.equal(again.headers['idempotent-replayed'], 'true')
  const other = await app.inject({ method: 'POST', url: '/v1/projects', headers: { ...admin, 'idempotency-key': 'k1' }, payload: '{"id":"same","name":"Other","description":"d"}' })
  t.equal(other.statusCode, 422)

  t.equal((await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'same', name: 'Dup' } })).statusCode, 409)
  const failures = (await app.inject({ method: 'GET', url: '/v1/audit?outcome=failure', headers: bearer(ADMIN_KEY) })).json().items
  t.ok(failures.length >= 1 && failures.every((e: { outcome: string }) => e.outcome === 'failure'), 'only failures')
  const successes = (await app.inject({ method: 'GET', url: '/v1/audit?outcome=success', headers: bearer(ADMIN_KEY) })).json().items
  t.ok(successes.length >= 1 && successes.every((e: { outcome: string }) => e.outcome === 'success'), 'only successes')
})

t.test('deleting a project deletes its policies, data, authz policy and decision logs; a re-created project inherits nothing', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  const create = () => app.inject({ method: 'POST', url: '/v1/projects', headers: json(admin), payload: { id: 'shop', name: 'Shop' } })
  t.equal((await create()).statusCode, 201)
  t.equal((await app.inject({ method: 'PUT', url: '/v1/projects/shop/opa/v1/policies/p.rego', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'package shop\n\nimport rego.v1\n\nallow if input.ok\n' })).statusCode, 200)
  t.equal((await app.inject({ method: 'PUT', url: '/v1/projects/shop/opa/v1/data/limits', headers: json(admin), payload: { max: 3 } })).statusCode, 204)
  t.equal((await app.inject({ method: 'POST', url: '/v1/projects/shop/opa/v1/data/shop/allow', headers: json(admin), payload: { input: { ok: true } } })).json().result, true)
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/shop/decisions', headers: admin })).json().items.length, 1)
  t.equal((await app.inject({ method: 'PUT', url: '/v1/projects/shop/members/bo', headers: json(admin), payload: { role: 'project-user' } })).statusCode, 200)

  t.equal((await app.inject({ method: 'DELETE', url: '/v1/projects/shop', headers: admin })).statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/shop/opa/v1/policies', headers: admin })).statusCode, 404, 'gone with the project')
  t.equal((await create()).statusCode, 201, 're-created with the same id')
  t.strictSame((await app.inject({ method: 'GET', url: '/v1/projects/shop/opa/v1/policies', headers: admin })).json().result, [], 'no policies inherited')
  t.strictSame((await app.inject({ method: 'GET', url: '/v1/projects/shop/opa/v1/data', headers: admin })).json().result, {}, 'no data inherited')
  t.strictSame((await app.inject({ method: 'GET', url: '/v1/projects/shop/decisions?path=shop/allow', headers: admin })).json().items, [], 'no decision logs inherited')
  t.strictSame((await app.inject({ method: 'GET', url: '/v1/projects/shop/members', headers: admin })).json().items ?? [], [], 'no members inherited')
})

t.test('/metrics carries decision, authorization-cache and decision-log series', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: json(admin), payload: { id: 'm', name: 'M' } })
  await app.inject({ method: 'PUT', url: '/v1/projects/m/opa/v1/policies/p.rego', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'package m\n\nimport rego.v1\n\nallow if input.ok\n' })
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/v1/projects/m/opa/v1/data/m/allow', headers: json(admin), payload: { input: { ok: true } } })
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(text, /dyad_policy_decisions_total\{[^}]*outcome="ok"[^}]*\} 3/)
  t.match(text, /dyad_policy_eval_seconds_count\{[^}]*\} 3/)
  t.match(text, /dyad_authz_decision_cache_hits\{[^}]*\} [1-9]/, 'repeated authorizations hit the cache')
  t.match(text, /dyad_decision_log_buffered/)
  t.match(text, /nodejs_version_info/)
})

t.test("one tenant's unstorable decision event does not stall another tenant's decision log", async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  for (const id of ['ta', 'tb']) await app.inject({ method: 'POST', url: '/v1/projects', headers: json(admin), payload: { id, name: id } })
  await app.inject({ method: 'PUT', url: '/v1/projects/tb/opa/v1/policies/p.rego', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'package tb\n\nimport rego.v1\n\nallow := true\n' })
  // A NUL character is valid JSON and valid Rego input, but Postgres' jsonb cannot store it.
  const poison = await app.inject({ method: 'POST', url: '/v1/projects/ta/opa/v1/data', headers: json(admin), payload: '{"input":{"x":"\\u0000"}}' })
  t.equal(poison.statusCode, 200, 'the decision itself is answered')
  t.equal((await app.inject({ method: 'POST', url: '/v1/projects/tb/opa/v1/data/tb/allow', headers: json(admin), payload: { input: {} } })).statusCode, 200)
  const logged = (await app.inject({ method: 'GET', url: '/v1/projects/tb/decisions?path=tb/allow', headers: admin })).json().items
  t.equal(logged.length, 1, "the other tenant's decision is logged")
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(text, /dyad_decision_log_dropped_total\{[^}]*reason="unstorable"[^}]*\} 1/, 'the refused event is counted as dropped')
})
