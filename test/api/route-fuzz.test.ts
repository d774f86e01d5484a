/**
 * Walks every operation in /openapi.json and sends generated bad requests (wrong types, missing
 * fields, malformed JSON, oversized bodies, unknown ids, bad path and query values). Every answer
 * must be a 4xx with the error shape and a stable code: never a 5xx, a hang, or a success.
 * Also checks that a project-scoped key is refused (403) on every project route of another project.
 */
import t from 'tap'
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts'

type Op = { method: string; path: string; op: any }

function operations(doc: any): Op[] {
  const ops: Op[] = []
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) if (item[method]) ops.push({ method: method.toUpperCase(), path, op: item[method] })
  }
  return ops
}

/** Deterministic PRNG so a failure reproduces. */
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
}

function fill(path: string, values: Record<string, string>) {
  return path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(values[name] ?? 'zz-unknown-zz'))
}

function wrongValuesFor(schema: any): unknown[] {
  const type = Array.isArray(schema?.type) ? schema.type.filter((x: string) => x !== 'null')[0] : schema?.type
  switch (type) {
    case 'string':
      return [12345, true, { a: 1 }, ['x'], 'x'.repeat(5000)]
    case 'integer':
    case 'number':
      return ['12', 'abc', 1.5, -1e20, { n: 1 }]
    case 'boolean':
      return ['true', 1, null]
    case 'array':
      return ['not-an-array', { a: 1 }, 7]
    case 'object':
      return ['str', [1, 2], 42]
    default:
      return [{ deeply: { nested: 'value' } }]
  }
}

t.test('no generated bad request produces a 5xx', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'real', name: 'Real' } })
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const random = rng(42)
  let sent = 0
  const failures: string[] = []

  const check = async (label: string, req: { method: string; url: string; headers?: Record<string, string>; payload?: any }) => {
    sent++
    const res = await app.inject({ ...req, headers: { ...admin, ...req.headers } } as any)
    const ok = res.statusCode >= 400 && res.statusCode < 500 && typeof res.json().code === 'string' && typeof res.json().message === 'string'
    if (!ok) failures.push(`${label}: ${req.method} ${req.url} -> ${res.statusCode} ${res.body.slice(0, 200)}`)
  }

  for (const { method, path, op } of operations(doc)) {
    const label = `${method} ${path}`
    const pathParams = (op.parameters ?? []).filter((p: any) => p.in === 'path')
    const queryParams = (op.parameters ?? []).filter((p: any) => p.in === 'query')
    const valid = Object.fromEntries(pathParams.map((p: any) => [p.name, p.name === 'projectId' ? 'real' : p.name === 'keyId' ? 'abcdef0123456789' : 'someone']))
    const isPublic = !op.security
    if (isPublic) continue

    // Unauthenticated.
    sent++
    const anon = await app.inject({ method, url: fill(path, valid) } as any)
    if (anon.statusCode !== 401) failures.push(`${label} without credentials -> ${anon.statusCode}`)

    // Bad and unknown path parameters.
    for (const p of pathParams) {
      for (const bad of ['UPPER CASE!', 'x'.repeat(300), '..', '%00', 'zz-unknown-zz']) {
        await check(`${label} path ${p.name}=${bad.slice(0, 12)}`, { method, url: fill(path, { ...valid, [p.name]: bad }), payload: method === 'GET' || method === 'DELETE' ? undefined : {} })
      }
    }
    // Bad query values.
    for (const q of queryParams) {
      for (const bad of wrongValuesFor(q.schema)) {
        if (typeof bad === 'object' && bad !== null) continue
        await check(`${label} query ${q.name}`, { method, url: `${fill(path, valid)}?${q.name}=${encodeURIComponent(String(bad))}` })
      }
    }
    const bodySchema = op.requestBody?.content?.['application/json']?.schema
    if (!bodySchema) continue
    const url = fill(path, valid)
    const json = { 'content-type': 'application/json' }
    await check(`${label} malformed JSON`, { method, url, headers: json, payload: '{"name": ' })
    await check(`${label} empty JSON body`, { method, url, headers: json, payload: '' })
    await check(`${label} wrong content type`, { method, url, headers: { 'content-type': 'text/plain' }, payload: 'hello' })
    await check(`${label} array body`, { method, url, payload: [1, 2, 3] })
    await check(`${label} string body`, { method, url, headers: json, payload: '"just a string"' })
    await check(`${label} oversized body`, { method, url, headers: json, payload: JSON.stringify({ name: 'x'.repeat(1_100_000) }) })
    await check(`${label} deep nesting`, { method, url, headers: json, payload: '['.repeat(5000) + ']'.repeat(5000) })
    await check(`${label} unknown field`, { method, url, payload: { ['unknown_' + Math.floor(random() * 1000)]: 1 } })
    if ((bodySchema.required ?? []).length > 0) await check(`${label} missing required`, { method, url, payload: {} })
    const props = Object.entries<any>(bodySchema.properties ?? {})
    for (const [name, schema] of props) {
      for (const bad of wrongValuesFor(schema)) {
        const payload: Record<string, unknown> = {}
        for (const [n, s] of props) payload[n] = s.type === 'string' ? 'ok' : s.enum ? s.enum[0] : undefined
        payload[name] = bad
        await check(`${label} ${name}=${JSON.stringify(bad).slice(0, 20)}`, { method, url, payload })
      }
    }
  }
  t.ok(sent > 200, `sent ${sent} requests`)
  t.same(failures, [], 'every bad request got a 4xx with the error shape')
})

t.test('a project-scoped key is refused on every route of another project', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  for (const id of ['own', 'other']) await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id, name: id } })
  await app.inject({ method: 'PUT', url: '/v1/projects/own/members/owner', headers: admin, payload: { role: 'project-admin' } })
  await app.inject({ method: 'PUT', url: '/v1/projects/other/members/owner', headers: admin, payload: { role: 'project-admin' } })
  // The subject is an admin of both projects, but this key is scoped to 'own'.
  const key = (await app.inject({ method: 'POST', url: '/v1/projects/own/api-keys', headers: admin, payload: { name: 'k', subject: 'owner' } })).json().apiKey
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const projectOps = operations(doc).filter((o) => o.path.includes('{projectId}'))
  t.ok(projectOps.length >= 8, `${projectOps.length} project routes`)
  for (const { method, path } of projectOps) {
    const values = { projectId: 'other', subject: 'owner', keyId: 'abcdef0123456789' }
    const res = await app.inject({ method, url: fill(path, values), headers: bearer(key), payload: method === 'GET' || method === 'DELETE' ? undefined : {} } as any)
    t.equal(res.statusCode, 403, `${method} ${path} on another project`)
    // Deleting a project is a platform action: refused to every project-scoped key.
    if (method === 'DELETE' && path === '/v1/projects/{projectId}') continue
    const own = await app.inject({ method, url: fill(path, { ...values, projectId: 'own' }), headers: bearer(key), payload: method === 'GET' || method === 'DELETE' ? undefined : {} } as any)
    t.not(own.statusCode, 403, `${method} ${path} on its own project is not refused`)
  }
})
