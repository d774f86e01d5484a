/**
 * OPA's REST API per project, exercised with the official `@open-policy-agent/opa` client for
 * decisions and health. That SDK has no policy-management calls, so policies and data are managed
 * with plain HTTP exactly as OPA documents its Policy and Data APIs.
 */
import { request } from 'node:http'
import { gunzipSync, gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { OPAClient } from '@open-policy-agent/opa'
import { HTTPClient } from '@open-policy-agent/opa/lib/http'
import { OpaApiClient } from '@open-policy-agent/opa/sdk/index'
import { ADMIN_KEY, bearer, buildTestApp } from '../../helpers/app.ts'

const RBAC = `package app.rbac

import rego.v1

default allow := false

allow if "admin" in user_roles

allow if {
	some grant in user_grants
	input.action == grant.action
	input.type == grant.type
}

user_roles contains role if some role in data.user_roles[input.user]

user_grants contains grant if {
	some role in user_roles
	some grant in data.role_grants[role]
}
`

const DATA = {
  user_roles: { alice: ['admin'], bob: ['employee', 'billing'], eve: ['customer'] },
  role_grants: {
    customer: [{ action: 'read', type: 'dog' }, { action: 'read', type: 'cat' }],
    employee: [{ action: 'read', type: 'dog' }, { action: 'update', type: 'dog' }],
    billing: [{ action: 'read', type: 'finance' }],
  },
}

async function setup(t: Test) {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'pets', name: 'Pets' } })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const opaUrl = `${base}/v1/projects/pets/opa`
  const http = (method: string, path: string, body?: string, type = 'application/json') =>
    fetch(`${opaUrl}${path}`, { method, headers: { ...admin, ...(body !== undefined ? { 'content-type': type } : {}) }, body })
  return { app, admin, base, opaUrl, http }
}

t.test('the official OPA client evaluates decisions; policies and data are managed over the REST API', async (t) => {
  const { opaUrl, http } = await setup(t)
  const put = await http('PUT', '/v1/policies/app/rbac.rego', RBAC, 'text/plain')
  t.equal(put.status, 200)
  t.same(await put.json(), {})
  t.equal((await http('PUT', '/v1/data/user_roles', JSON.stringify(DATA.user_roles))).status, 204)
  t.equal((await http('PUT', '/v1/data/role_grants', JSON.stringify(DATA.role_grants))).status, 204)

  const opa = new OPAClient(opaUrl, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  t.equal(await opa.evaluate('app/rbac/allow', { user: 'alice', action: 'delete', type: 'cat' }), true)
  t.equal(await opa.evaluate('app/rbac/allow', { user: 'bob', action: 'update', type: 'dog' }), true)
  t.equal(await opa.evaluate('app/rbac/allow', { user: 'eve', action: 'update', type: 'dog' }), false)
  t.same(await opa.evaluate('app/rbac/user_roles', { user: 'bob' }), ['billing', 'employee'])

  const listed = await (await http('GET', '/v1/policies')).json()
  t.same(listed.result.map((p: { id: string }) => p.id), ['app/rbac.rego'])
  const one = await (await http('GET', '/v1/policies/app/rbac.rego')).json()
  t.equal(one.result.raw, RBAC)

  // Undefined documents have no `result`; decision ids and metrics come back as OPA sends them.
  const undef = await (await http('POST', '/v1/data/app/rbac/nothing?metrics=true', JSON.stringify({ input: {} }))).json()
  t.notOk('result' in undef)
  t.match(undef, { decision_id: /^[0-9a-f-]{36}$/, metrics: { timer_rego_query_eval_ns: Number } })

  const keep = await fetch(`${opaUrl}/v1/data/user_roles`, { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'if-none-match': '*' }, body: '{}' })
  t.equal(keep.status, 304, 'If-None-Match: * never overwrites')

  // PATCH and DELETE on data.
  t.equal((await http('PATCH', '/v1/data/user_roles', JSON.stringify([{ op: 'add', path: '/eve/-', value: 'employee' }]))).status, 204)
  t.equal(await opa.evaluate('app/rbac/allow', { user: 'eve', action: 'update', type: 'dog' }), true)
  t.equal((await http('DELETE', '/v1/data/user_roles/eve')).status, 204)
  t.equal((await http('DELETE', '/v1/data/user_roles/eve')).status, 404)
  const roles = await (await http('GET', '/v1/data/user_roles')).json()
  t.same(Object.keys(roles.result).sort(), ['alice', 'bob'])

  // Query API.
  const q = await (await http('POST', '/v1/query', JSON.stringify({ query: 'data.user_roles[u][_] = "admin"' }))).json()
  t.same(q.result, [{ u: 'alice' }])
  // OPA's answers for a query without bindings and for an undefined one.
  t.same(await (await http('POST', '/v1/query', JSON.stringify({ query: '1 == 1' }))).json(), { result: [{}] })
  t.same(await (await http('POST', '/v1/query', JSON.stringify({ query: '1 == 2' }))).json(), {}, 'undefined: no result key')
  t.same(await (await http('GET', `/v1/query?q=${encodeURIComponent('data.user_roles.nobody')}`)).json(), {})
  // Parse and compile errors as OPA gives them: invalid_parameter, a message per phase, the list.
  const parse = await http('POST', '/v1/query', JSON.stringify({ query: 'x := [1,' }))
  t.equal(parse.status, 400)
  t.match(await parse.json(), { code: 'invalid_parameter', message: 'error(s) occurred while parsing query', errors: [{ code: 'rego_parse_error' }] })
  const unsafe = await http('POST', '/v1/query', JSON.stringify({ query: 'x := y' }))
  t.equal(unsafe.status, 400)
  t.match(await unsafe.json(), { code: 'invalid_parameter', message: 'error(s) occurred while compiling query', errors: [{ code: /^rego_/ }] })

  // Deleting the policy.
  t.equal((await http('DELETE', '/v1/policies/app/rbac.rego')).status, 200)
  t.equal((await http('GET', '/v1/policies/app/rbac.rego')).status, 404)
})

t.test('bad Rego is refused with OPA-shaped errors and never replaces the good policy', async (t) => {
  const { http } = await setup(t)
  await http('PUT', '/v1/policies/p.rego', 'package p\n\nallow := true\n', 'text/plain')
  const bad = await http('PUT', '/v1/policies/p.rego', 'package p\n\nallow := if {\n', 'text/plain')
  t.equal(bad.status, 400)
  const body = await bad.json()
  t.equal(body.code, 'invalid_parameter')
  t.equal(body.message, 'error(s) occurred while compiling module(s)')
  t.equal(body.errors[0].code, 'rego_parse_error')
  t.match(body.errors[0].location, { file: 'p.rego', row: Number, col: Number })
  const unsafe = await (await http('PUT', '/v1/policies/q.rego', 'package q\n\nallow if x > 1\n', 'text/plain')).json()
  t.equal(unsafe.errors[0].code, 'rego_unsafe_var_error')
  t.equal(unsafe.errors[0].location.row, 3)
  const still = await (await http('POST', '/v1/data/p/allow', '{}')).json()
  t.equal(still.result, true, 'the good policy still serves')
})

t.test('runaway policies are stopped by the budget; conflicts are reported', async (t) => {
  const { http } = await setup(t)
  await http('PUT', '/v1/policies/r.rego', 'package r\n\nimport rego.v1\n\nhuge := count(numbers.range(1, 1000000000000))\n\nconflict := 1 if input.a\nconflict := 2 if input.a\n', 'text/plain')
  const huge = await http('POST', '/v1/data/r/huge', '{}')
  t.equal(huge.status, 422)
  const hugeBody = await huge.json()
  t.equal(hugeBody.code, 'POLICY_EVALUATION_ERROR')
  t.ok(['eval_cancel_error', 'eval_builtin_error'].includes(hugeBody.errors[0].code), hugeBody.errors[0].code)
  const conflict = await (await http('POST', '/v1/data/r/conflict', JSON.stringify({ input: { a: true } }))).json()
  t.equal(conflict.errors[0].code, 'eval_conflict_error')
})

t.test('decisions are logged with masking by data.system.log.mask', async (t) => {
  const { http, app, admin } = await setup(t)
  await http('PUT', '/v1/policies/a.rego', 'package a\n\nimport rego.v1\n\nallow if input.user == "ann"\n', 'text/plain')
  await http('PUT', '/v1/policies/mask.rego', 'package system.log\n\nimport rego.v1\n\nmask contains "/input/password"\n\nmask contains {"op": "upsert", "path": "/input/card", "value": "****"}\n', 'text/plain')
  const d = await (await http('POST', '/v1/data/a/allow', JSON.stringify({ input: { user: 'ann', password: 'hunter2', card: '4111' } }))).json()
  t.equal(d.result, true)
  const log = await app.inject({ method: 'GET', url: `/v1/projects/pets/decisions/${d.decision_id}`, headers: admin })
  t.equal(log.statusCode, 200)
  t.match(log.json(), { decision_id: d.decision_id, path: 'a/allow', input: { user: 'ann', card: '****' }, result: true, dc: 'dc-test', subject: 'admin' })
  t.notOk('password' in log.json().input, 'masked field is erased')
  const listed = await app.inject({ method: 'GET', url: '/v1/projects/pets/decisions?path=a/allow', headers: admin })
  t.equal(listed.json().items.length, 1)
})

t.test('?explain=fails answers Fail trace events with their locations', async (t) => {
  const { http } = await setup(t)
  await http('PUT', '/v1/policies/e.rego', 'package e\n\nallow if {\n\tinput.user == "ann"\n\tinput.action == "write"\n}\n', 'text/plain')
  const body = await (await http('POST', '/v1/data/e/allow?explain=fails', JSON.stringify({ input: { user: 'ann', action: 'read' } }))).json()
  t.notOk('result' in body)
  const fails = body.explanation.filter((e: { op: string }) => e.op === 'Fail')
  t.match(fails[0], { op: 'Fail', type: 'expr', query_id: Number, parent_id: Number, node: { index: 1 }, locals: [], location: { file: 'e.rego', row: 5, col: 2 } })
  t.ok(body.explanation.some((e: { op: string; query_id: number }) => e.op === 'Enter' && e.query_id === fails[0].query_id), 'its query is entered')
  const full = await (await http('POST', '/v1/data/e/allow?explain=full', JSON.stringify({ input: { user: 'ann', action: 'write' } }))).json()
  t.equal(full.result, true)
  t.ok(full.explanation.some((e: { op: string }) => e.op === 'Exit'))
  t.equal((await http('POST', '/v1/data/e/allow?explain=debug', '{}')).status, 400, 'debug is still refused')
})

t.test("OPA's query conventions: boolean parameters, ?pretty, and the warning for a body without input", async (t) => {
  const { http, opaUrl } = await setup(t)
  await http('PUT', '/v1/policies/p.rego', 'package p\n\nimport rego.v1\n\nbig := 18446744073709551617\n\nx := input.x\n\nempty := {"a": [], "b": {}}\n', 'text/plain')

  // Bare, any-case `true`, and other values: OPA's getBoolParam, never a 400.
  for (const [query, on] of [['?metrics', true], ['?metrics=TRUE', true], ['?metrics=true&metrics=false', true], ['?metrics=yes', false], ['?metrics=0', false], ['', false]] as const) {
    const res = await http('POST', `/v1/data/p/x${query}`, JSON.stringify({ input: { x: 1 } }))
    t.equal(res.status, 200, query)
    const body = (await res.json()) as { metrics?: unknown; result?: unknown }
    t.equal(body.result, 1)
    t.equal(body.metrics !== undefined, on, `${query || 'no parameter'}: metrics ${on ? 'reported' : 'absent'}`)
  }

  // The metrics OPA reports that Dyad measures; the query is compiled once, then cached.
  const first = (await (await http('POST', '/v1/data/p/big?metrics', JSON.stringify({ input: {} }))).json()) as { metrics: Record<string, number> }
  t.match(first.metrics, { counter_server_query_cache_hit: 0, timer_rego_query_compile_ns: Number, timer_rego_input_parse_ns: Number, timer_rego_query_eval_ns: Number, timer_server_handler_ns: Number })
  const again = (await (await http('POST', '/v1/data/p/big?metrics', JSON.stringify({ input: {} }))).json()) as { metrics: Record<string, number> }
  t.equal(again.metrics.counter_server_query_cache_hit, 1)
  t.notOk('timer_rego_query_compile_ns' in again.metrics, 'no compile timer for a cached query')
  t.ok(Object.values(again.metrics).every((v) => Number.isInteger(v) && v >= 0), 'every metric a non-negative integer')

  const pretty = await (await http('GET', '/v1/data/p/empty?pretty')).text()
  t.match(pretty, /^\{\n  "decision_id": "[0-9a-f-]{36}",\n  "result": \{\n    "a": \[\],\n    "b": \{\}\n  \}\n\}$/, 'two-space indentation; empty collections stay compact')
  const big = await (await http('GET', '/v1/data/p/big?pretty=true')).text()
  t.match(big, /\n  "result": 18446744073709551617\n\}$/, 'indenting keeps every digit')
  const tricky = await (await http('POST', '/v1/data/p/x?pretty', JSON.stringify({ input: { x: { 'a,b': 'c:{d}', q: 'say "hi" [1]' } } }))).json()
  t.same((tricky as { result: unknown }).result, { 'a,b': 'c:{d}', q: 'say "hi" [1]' }, 'punctuation inside strings is left alone')
  const query = await (await http('GET', `/v1/query?q=${encodeURIComponent('y := 1')}&pretty`)).text()
  t.equal(query, '{\n  "result": [\n    {\n      "y": 1\n    }\n  ]\n}')

  // A body without `input` is evaluated without input and answered with OPA's warning.
  for (const body of [JSON.stringify({ x: 1 }), JSON.stringify({}), undefined]) {
    const res = await fetch(`${opaUrl}/v1/data/p/x`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body })
    t.equal(res.status, 200, `body ${body ?? "(none)"}: ${res.status === 200 ? "" : await res.clone().text()}`)
    const out = (await res.json()) as { result?: unknown; warning?: unknown }
    t.equal(out.result, undefined, 'no input: x is undefined')
    t.same(out.warning, { code: 'api_usage_warning', message: "'input' key missing from the request" })
  }
  const withInput = (await (await http('POST', '/v1/data/p/x', JSON.stringify({ input: null }))).json()) as { warning?: unknown }
  t.equal(withInput.warning, undefined, 'an input key, even null, is no misuse')
})

t.test('gzip as OPA speaks it: compressed request bodies, compressed answers of 1 KiB or more, bombs refused', async (t) => {
  const { opaUrl, http } = await setup(t)
  await http('PUT', '/v1/policies/g.rego', 'package g\n\nimport rego.v1\n\necho := input\n', 'text/plain')
  const post = (body: Buffer, headers: Record<string, string>) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const url = new URL(`${opaUrl}/v1/data/g/echo`)
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...headers } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }))
      })
      req.on('error', reject)
      req.end(body)
    })

  const small = await post(gzipSync(JSON.stringify({ input: { a: 1 } })), { 'content-encoding': 'gzip', 'accept-encoding': 'gzip' })
  t.equal(small.status, 200)
  t.notOk(small.headers['content-encoding'], 'an answer under 1 KiB goes uncompressed')
  t.same(JSON.parse(small.body.toString()).result, { a: 1 }, 'the gzip request body was decompressed')

  const big = await post(Buffer.from(JSON.stringify({ input: { text: 'x'.repeat(5000) } })), { 'accept-encoding': 'gzip' })
  t.equal(big.status, 200)
  t.equal(big.headers['content-encoding'], 'gzip')
  t.equal(JSON.parse(gunzipSync(big.body).toString()).result.text.length, 5000)

  const plain = await post(Buffer.from(JSON.stringify({ input: { text: 'x'.repeat(5000) } })), {})
  t.notOk(plain.headers['content-encoding'], 'no Accept-Encoding, no compression')

  // 64 MiB of JSON whitespace in a ~64 KiB gzip: refused by the body limit, which counts what was inflated.
  const bomb = await post(gzipSync(Buffer.concat([Buffer.from('{"input":'), Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from('1}')])), { 'content-encoding': 'gzip' })
  t.equal(bomb.status, 413)
  t.match(JSON.parse(bomb.body.toString()), { code: String, requestId: String })

  const unknown = await post(Buffer.from('{}'), { 'content-encoding': 'compress' })
  t.equal(unknown.status, 415)
  t.match(JSON.parse(unknown.body.toString()), { code: String, requestId: String })
  const broken = await post(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' })
  t.equal(broken.status, 400)
  t.match(JSON.parse(broken.body.toString()), { code: String, requestId: String })
})

t.test('custom health checks over data.system.health, and /health?bundles&plugins', async (t) => {
  const { http, opaUrl } = await setup(t)
  await http('PUT', '/v1/policies/health.rego', 'package system.health\n\nimport rego.v1\n\nlive := true\n\nready if data.config.ready == true\n\nbroken := x if some x in [1, 2]\n\nstring := "yes"\n\nnested.deep := true\n', 'text/plain')
  const status = async (path: string) => {
    const res = await http('GET', path)
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  t.same(await status('/health/live'), { status: 200, body: {} })
  t.same(await status('/health/nested/deep'), { status: 200, body: {} }, 'a path of several segments')
  const notReady = await status('/health/ready')
  t.equal(notReady.status, 404, 'ready is undefined while data.config.ready is not set')
  await http('PUT', '/v1/data/config', JSON.stringify({ ready: false }))
  t.equal((await status('/health/ready')).status, 404, 'false makes the rule undefined (no else): still not healthy')
  await http('PUT', '/v1/data/config', JSON.stringify({ ready: true }))
  t.equal((await status('/health/ready')).status, 200, 'healthy once the data says so')
  const wrongType = await status('/health/string')
  t.equal(wrongType.status, 503)
  t.match(wrongType.body, { code: 'POLICY_UNHEALTHY', message: /data\.system\.health\.string is not true/, requestId: String })
  const failing = await status('/health/broken')
  t.equal(failing.status, 503, 'an evaluation error is unhealthy, not a server error')
  t.match(failing.body, { code: 'POLICY_UNHEALTHY', message: /failed/ })
  t.equal((await status('/health/missing')).status, 404)
  t.equal((await status('/health/')).status, 404, 'no check name')
  t.same(await status('/health?bundles&plugins'), { status: 200, body: {} })
  // The official SDK's low-level client sends OPA's health parameters; it must get a healthy answer.
  const httpClient = new HTTPClient()
  httpClient.addHook('beforeRequest', (req) => {
    const withKey = new Request(req)
    withKey.headers.set('authorization', `Bearer ${ADMIN_KEY}`)
    return withKey
  })
  const sdk = new OpaApiClient({ serverURL: opaUrl, httpClient })
  const health = await sdk.health(true, true, ['decision_logs'])
  t.same(health.healthyServer, {}, 'OpaApiClient.health(bundles, plugins, excludePlugin)')
  t.same(await status('/health?bundles=true&exclude-plugin=decision_logs'), { status: 200, body: {} })
})

t.test('YAML bodies where OPA takes them: data documents and decision input', async (t) => {
  const { http } = await setup(t)
  await http('PUT', '/v1/policies/y.rego', 'package y\n\nimport rego.v1\n\nallow if input.user in data.users\n', 'text/plain')
  t.equal((await http('PUT', '/v1/data/users', '- alice\n- bob\n', 'application/x-yaml')).status, 204)
  t.same(((await (await http('GET', '/v1/data/users')).json()) as { result: unknown }).result, ['alice', 'bob'])
  const yes = await (await http('POST', '/v1/data/y/allow', 'input:\n  user: bob\n', 'application/yaml')).json()
  t.match(yes, { result: true })
  const no = await (await http('POST', '/v1/data/y/allow', 'input: {user: eve}\n', 'application/x-yaml')).json()
  t.match(no, { result: undefined })

  const bad = await http('PUT', '/v1/data/users', 'a: [unclosed\n', 'application/x-yaml')
  t.equal(bad.status, 400)
  t.match(await bad.json(), { code: 'invalid_parameter', message: /not valid YAML/, requestId: String })
  const deep = await http('PUT', '/v1/data/users', '['.repeat(2000) + ']'.repeat(2000), 'application/x-yaml')
  t.equal(deep.status, 400, 'deep nesting is refused before the recursive composer sees it')
  t.match(await deep.json(), { message: /levels deep/ })
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (let i = 1; i < 10; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`)
  const bomb = await http('PUT', '/v1/data/users', laughs.join('\n') + '\n', 'application/x-yaml')
  t.equal(bomb.status, 400, 'a billion laughs is refused (alias limit), not expanded')
  // YAML parses at milliseconds per KiB on the event loop: bodies are capped at 8 KiB.
  const large = await http('PUT', '/v1/data/users', Array.from({ length: 400 }, (_, i) => `k${i}: "${'v'.repeat(20)}"`).join('\n'), 'application/x-yaml')
  t.equal(large.status, 413)
  t.match(await large.json(), { code: String, requestId: String })
  t.equal((await http('PUT', '/v1/data/users', JSON.stringify(Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, 'v'.repeat(20)]))))).status, 204, 'the same document as JSON is fine')
  await http('PUT', '/v1/data/users', '- alice\n- bob\n', 'application/x-yaml')
  const binary = await http('PUT', '/v1/data/users', 'x: !!binary aGVsbG8=\n', 'application/x-yaml')
  t.equal(binary.status, 400)
  t.match(await binary.json(), { message: /no JSON equivalent at '\/x'/ })
  t.same(await (await http('GET', '/v1/data/users')).json().then((b) => (b as { result: unknown }).result), ['alice', 'bob'], 'refused bodies changed nothing')
})
