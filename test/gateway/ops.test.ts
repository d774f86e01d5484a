import t from 'tap'
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts'
import { sample } from '../helpers/prometheus.ts'

t.test('health, readiness per dependency, metrics and request ids', async (t) => {
  const { app } = await buildTestApp(t)
  const live = await app.inject({ method: 'GET', url: '/health/live' })
  t.same(live.json(), { status: 'ok', dc: 'dc-test' })
  const ready = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json().checks, { sql: 'ok', kv: 'ok', platformStore: 'ok', appDataStore: 'ok', secrets: 'ok' })
  t.same(ready.json().runtime, { node: process.version, v8: process.versions.v8 }, 'readiness names the runtime that answers')

  const traced = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { ...bearer(ADMIN_KEY), 'x-request-id': 'trace-123' } })
  t.equal(traced.headers['x-request-id'], 'trace-123', 'a plain caller-supplied id is kept')
  const hostile = await app.inject({ method: 'GET', url: '/v1/whoami', headers: { ...bearer(ADMIN_KEY), 'x-request-id': 'bad id\nwith newline' } })
  t.match(hostile.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'anything else is replaced')
  const denied = await app.inject({ method: 'GET', url: '/v1/audit', headers: { authorization: 'Bearer nope' } })
  t.equal(denied.json().requestId, denied.headers['x-request-id'], 'errors carry the request id')

  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(metrics.statusCode, 200)
  t.match(metrics.headers['content-type'], /^text\/plain/)
  const whoami = { method: 'GET', route: '/v1/whoami', dc: 'dc-test' }
  t.ok(sample(metrics.body, 'dyad_http_requests_total', { ...whoami, status: '200' })! >= 1, 'requests by route, method, status and dc')
  t.ok(sample(metrics.body, 'dyad_http_request_duration_seconds_bucket', { ...whoami, le: '0.005' }) !== undefined, 'latency histogram')
  t.ok(sample(metrics.body, 'process_cpu_user_seconds_total', { dc: 'dc-test' })! > 0, 'process default metrics')
  t.ok(sample(metrics.body, 'nodejs_heap_size_used_bytes', { dc: 'dc-test' })! > 0, 'runtime default metrics')
  t.match(metrics.body, `nodejs_version_info{version="${process.version}"`)
})

t.test('readiness reports a dependency that is down', async (t) => {
  const { app, stores } = await buildTestApp(t)
  const original = stores.secrets.ping
  stores.secrets.ping = async () => {
    throw new Error('vault sealed')
  }
  const res = await app.inject({ method: 'GET', url: '/health/ready' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().status, 'unavailable')
  t.match(res.json().checks.secrets, /vault sealed/)
  t.equal(res.json().checks.sql, 'ok')
  stores.secrets.ping = original
})
