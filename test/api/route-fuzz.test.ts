/**
 * Walks every operation in /openapi.json and sends generated bad requests (wrong types, missing
 * fields, malformed JSON, oversized bodies, unknown ids, bad path and query values; control bytes,
 * broken percent-encoding and 1k-100k character values in every path parameter). Every answer must
 * be a 4xx with the error shape and a stable code: never a 5xx, a hang, or a success.
 * Also checks that a project-scoped key is refused (403) on every project route of another project.
 */
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts'
import { rawRequest } from '../helpers/raw-http.ts'

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
  // `{*}` is a wildcard (OPA data paths, policy ids): its value is a path and keeps its slashes.
  return path.replace(/\{(\w+|\*)\}/g, (_, name) => (name === '*' ? (values[name] ?? 'zz/unknown') : encodeURIComponent(values[name] ?? 'zz-unknown-zz')))
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

function invalidQueryValues(schema: any): string[] {
  const out: string[] = []
  if (schema?.type === 'integer' || schema?.type === 'number') out.push('abc', '1e400', '')
  if (schema?.type === 'integer') out.push('1.5')
  if (schema?.minimum !== undefined) out.push(String(schema.minimum - 1))
  if (schema?.maximum !== undefined) out.push(String(schema.maximum + 1))
  if (schema?.maxLength !== undefined) out.push('x'.repeat(schema.maxLength + 1))
  if (schema?.format === 'date-time') out.push('not-a-date', '2026-13-45T99:00:00Z')
  return out
}

t.test('no generated bad request produces a 5xx', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'real', name: 'Real' } })
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const random = rng(42)
  let sent = 0
  const failures: string[] = []

  /** 'reject': the input is invalid and must get a 4xx; 'no5xx': valid but unknown ids may succeed or 4xx. */
  const check = async (label: string, req: { method: string; url: string; headers?: Record<string, string>; payload?: any }, expect: 'reject' | 'no5xx' = 'reject') => {
    sent++
    const res = await app.inject({ ...req, headers: { ...admin, ...req.headers } } as any)
    const isError = res.statusCode >= 400
    const shaped = !isError || (typeof res.json().code === 'string' && typeof res.json().message === 'string')
    const ok = res.statusCode < 500 && shaped && (expect === 'no5xx' || isError)
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
    const noBody = method === 'GET' || method === 'DELETE' ? undefined : {}
    for (const p of pathParams) {
      if (p.name === '*') {
        // Any path is a valid data path or policy id: odd ones must still never be a 5xx.
        for (const odd of ['UPPER CASE!', 'a//b', '%00', 'x'.repeat(2000), '%E9t%E9', '..%2F..']) {
          await check(`${label} wildcard ${odd.slice(0, 12)}`, { method, url: fill(path, { ...valid, '*': odd }), payload: noBody }, 'no5xx')
        }
        continue
      }
      for (const bad of ['UPPER CASE!', 'x'.repeat(300), '%00', 'a/b', '\u00e9t\u00e9']) {
        await check(`${label} path ${p.name}=${bad.slice(0, 12)}`, { method, url: fill(path, { ...valid, [p.name]: bad }), payload: noBody })
      }
      await check(`${label} unknown ${p.name}`, { method, url: fill(path, { ...valid, [p.name]: 'zz-unknown-zz' }), payload: noBody }, 'no5xx')
    }
    // Bad query values: each is outside what the parameter's schema allows.
    for (const q of queryParams) {
      for (const bad of invalidQueryValues(q.schema)) {
        await check(`${label} query ${q.name}=${bad.slice(0, 12)}`, { method, url: `${fill(path, valid)}?${q.name}=${encodeURIComponent(bad)}` })
      }
    }
    await check(`${label} unknown query parameter`, { method, url: `${fill(path, valid)}?surprise=1` }, queryParams.length ? 'reject' : 'no5xx')
    const content = op.requestBody?.content ?? {}
    const url = fill(path, valid)
    const json = { 'content-type': 'application/json' }
    if (content['text/plain']) {
      await check(`${label} JSON object instead of text`, { method, url, headers: json, payload: '{"a": 1}' })
      await check(`${label} oversized text`, { method, url, headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(1_100_000) })
    }
    if (content['application/gzip']) {
      await check(`${label} not gzip`, { method, url, headers: { 'content-type': 'application/gzip' }, payload: Buffer.from('not a bundle') })
      await check(`${label} truncated gzip`, { method, url, headers: { 'content-type': 'application/gzip' }, payload: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]) })
    }
    const bodySchema = content['application/json']?.schema
    if (!bodySchema) continue
    await check(`${label} malformed JSON`, { method, url, headers: json, payload: '{"name": ' })
    await check(`${label} wrong content type`, { method, url, headers: { 'content-type': 'application/x-unknown' }, payload: 'hello' })
    await check(`${label} oversized body`, { method, url, headers: json, payload: JSON.stringify({ name: 'x'.repeat(1_100_000) }) })
    await check(`${label} deep nesting`, { method, url, headers: json, payload: '['.repeat(5000) + ']'.repeat(5000) }, bodySchema.type ? 'reject' : 'no5xx')
    // The rest needs a typed body; "any JSON" bodies (OPA data documents) accept all of it.
    if (bodySchema.type !== 'object' && bodySchema.type !== 'array') continue
    await check(`${label} empty JSON body`, { method, url, headers: json, payload: '' })
    await check(`${label} string body`, { method, url, headers: json, payload: '"just a string"' })
    await check(`${label} ${bodySchema.type === 'array' ? 'object' : 'array'} body`, { method, url, payload: bodySchema.type === 'array' ? { a: 1 } : [1, 2, 3] })
    if (bodySchema.type === 'object' && bodySchema.additionalProperties === false) {
      await check(`${label} unknown field`, { method, url, payload: { ['unknown_' + Math.floor(random() * 1000)]: 1 } })
    }
    if ((bodySchema.required ?? []).length > 0) await check(`${label} missing required`, { method, url, payload: {} })
    const props = Object.entries<any>(bodySchema.properties ?? {})
    for (const [name, schema] of props) {
      if (!schema.type) continue // any JSON value is valid here (e.g. OPA's `input`)
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

/**
 * Hostile path parameters, already percent-encoded as they go on the wire: every control byte,
 * percent-encoding that is malformed or decodes to invalid UTF-8, encoded slashes and dots, and
 * values far longer than any id. Each goes into every path parameter of every operation.
 */
function hostileParams(): Array<[label: string, value: string]> {
  const out: Array<[string, string]> = []
  for (let b = 0; b <= 0x20; b++) {
    const byte = b === 0x20 ? 0x7f : b
    const hex = byte.toString(16).padStart(2, '0')
    out.push([`control %${hex}`, `a%${hex}b`])
  }
  out.push(['lone NUL', '%00'])
  for (const v of [
    '%', // a percent sign with nothing after it
    'a%2', // truncated escape
    '%zz', // not hex
    '%c0%af', // overlong UTF-8 for "/"
    '%ed%a0%80', // a lone UTF-16 surrogate encoded as UTF-8
    '%f0%9f%98', // a truncated 4-byte sequence
    '%ff%fe', // bytes that are never UTF-8
    '%e9t%e9', // Latin-1, not UTF-8
    '%2500', // double-encoded NUL
    '%252f', // double-encoded slash
    '%2f', // an encoded slash inside one parameter
    'a%2fb%2f..%2f..',
    '%2e%2e', // encoded ".."
    '..',
    '%u0000', // IIS-style escape
    '%0d%0aset-cookie:%20x=y', // header injection attempt
  ]) out.push([`encoding ${v}`, v])
  for (const n of [1_000, 10_000, 100_000]) out.push([`${n / 1000}k characters`, 'a'.repeat(n)])
  return out
}

t.test('hostile path parameters never give a 5xx, and every error has code and requestId', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'real', name: 'Real' } })
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  const hostile = hostileParams()
  // Over real HTTP too for the values Node's parser or the router handle before Fastify's routing
  // (a 100k URL never reaches a route there; with `inject` it does): fewer, each on its own connection.
  const overHttp = new Set(['lone NUL', 'encoding %', 'encoding %zz', 'encoding %c0%af', 'encoding %2f', '1k characters', '10k characters', '100k characters'])
  const failures: string[] = []
  let sent = 0
  const record = (what: string, status: number, body: any, text: string) => {
    sent++
    const shaped = status < 400 || (typeof body?.code === 'string' && typeof body?.requestId === 'string' && typeof body?.message === 'string')
    if (!(status >= 200 && status < 500) || !shaped) failures.push(`${what} -> ${status} ${text.slice(0, 160)}`)
  }
  for (const { method, path, op } of operations(doc)) {
    const pathParams = (op.parameters ?? []).filter((p: any) => p.in === 'path')
    const valid = Object.fromEntries(pathParams.map((p: any) => [p.name, p.name === 'projectId' ? 'real' : p.name === 'keyId' ? 'abcdef0123456789' : 'someone']))
    const withBody = method !== 'GET' && method !== 'DELETE'
    for (const p of pathParams) {
      // One parameter's values are independent, so they are sent concurrently to keep the file fast.
      await Promise.all(
        hostile.map(async ([label, value]) => {
          // Substituted as is: the values are already what goes on the wire.
          const url = path.replace(/\{(\w+|\*)\}/g, (_, name) => (name === p.name ? value : encodeURIComponent(valid[name])))
          const what = `${method} ${path} ${p.name}=${label}`
          const res = await app.inject({ method, url, headers: admin, payload: withBody ? {} : undefined } as any)
          let body: any
          try {
            body = res.json()
          } catch {}
          record(`${what} (inject)`, res.statusCode, body, res.body)
          if (!overHttp.has(label)) return
          const payload = withBody ? 'content-type: application/json\r\ncontent-length: 2\r\n\r\n{}' : '\r\n'
          const raw = await rawRequest(port, `${method} ${url} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${ADMIN_KEY}\r\nconnection: close\r\n${payload}`)
          record(`${what} (http)`, raw.status, raw.body, JSON.stringify(raw.body))
        }),
      )
    }
  }
  t.ok(sent > 2000, `sent ${sent} requests`)
  t.same(failures.sort(), [], 'no 5xx, and every error response has code and requestId')
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
  for (const { method, path, op } of projectOps) {
    const values = { projectId: 'other', subject: 'ghost', keyId: 'abcdef0123456789' }
    const res = await app.inject({ method, url: fill(path, values), headers: bearer(key), payload: method === 'GET' || method === 'DELETE' ? undefined : {} } as any)
    // Routes outside Dyad's schemes (Apollo's protocol, signed with its own access keys) do not
    // take a Dyad key at all: 401 on every project (400 first when the appId to check against is missing).
    if (!op.security) {
      const refused = res.statusCode === 401 || (res.statusCode === 400 && res.json().code === 'CMS_APOLLO_INVALID_APP_ID')
      t.ok(refused, `${method} ${path} does not accept a Dyad key (${res.statusCode})`)
      continue
    }
    t.equal(res.statusCode, 403, `${method} ${path} on another project`)
    // Platform actions under a project path (deleting the project, replacing its authorization
    // policy, setting its traffic limits) are refused to every project-scoped key, even on its own project.
    if ((method === 'DELETE' && path === '/v1/projects/{projectId}') || path === '/v1/projects/{projectId}/authz-policy' || (method !== 'GET' && path === '/v1/projects/{projectId}/traffic')) continue
    const own = await app.inject({ method, url: fill(path, { ...values, projectId: 'own' }), headers: bearer(key), payload: method === 'GET' || method === 'DELETE' ? undefined : {} } as any)
    t.not(own.statusCode, 403, `${method} ${path} on its own project is not refused`)
  }
})
