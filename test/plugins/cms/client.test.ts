/**
 * The cms client against a real Dyad server (embedded profile, listening on 127.0.0.1: SSE needs a
 * socket): reads with ETag/304, a watch that sees a publish, a reconnect after the network drops
 * that resumes without missing the releases published meanwhile, gray releases by label, the
 * long-poll fallback, typed errors, and the cache file serving when the server is down.
 */
import { join } from 'node:path'
import t from 'tap'
import { CmsClientError, createCmsClient, type CmsClientOptions, type ConfigChangeEvent } from '../../../plugins/cms/client/index.ts'
import { declareNamespace, publish, startApp, startProxy, until } from './client-harness.ts'
import { createTeam } from './setup.ts'

const P = 'shop'

/** A fetch that records the status of every answer (to see 304s and reconnects). */
function recordingFetch() {
  const log: Array<{ url: string; status: number }> = []
  const f: typeof fetch = async (input, init) => {
    const res = await fetch(input, init)
    log.push({ url: String(input), status: res.status })
    return res
  }
  return { fetch: f, log }
}

t.test('get, watch, reconnect, gray, long-poll, errors, cache file', async (t) => {
  const dyad = await startApp(t, { DYAD_LOG_LEVEL: process.env.CMS_TEST_LOG ?? 'silent' })
  const team = await createTeam(dyad.app, P)
  await declareNamespace(dyad.app, team.alice, P, 'checkout', 'dev', 'application')
  await declareNamespace(dyad.app, team.alice, P, 'checkout', 'dev', 'features', 'json')
  const bobKey = team.bob.authorization!.slice('Bearer '.length)
  const pub = (ns: string, content: string, body?: object) => publish(dyad.app, team.bob, P, 'checkout', 'dev', ns, content, body)
  const r1 = await pub('application', 'timeout=30\n')
  await pub('features', '{"beta": false}')

  const proxy = await startProxy(dyad.port)
  t.teardown(() => proxy.close())
  const rec = recordingFetch()
  const cacheFile = join(dyad.dataDir, 'client', 'cms-cache.json')
  const options: CmsClientOptions = { baseUrl: proxy.url, apiKey: bobKey, projectId: P, app: 'checkout', env: 'dev', clientId: 'pod-1', cacheFile, fetch: rec.fetch, backoff: { initialMs: 20, maxMs: 200 } }
  const client = createCmsClient(options)
  t.teardown(() => client.close())

  await t.test('get: 200, then 304 for the release it holds', async (t) => {
    const a = await client.get('application')
    t.match(a, { namespace: 'application', content: 'timeout=30\n', releaseKey: r1.key, seq: 1, format: 'properties', cluster: 'default', gray: false, source: 'server' })
    t.type(a.revision, 'number')
    const again = await client.get('application')
    t.same(again, a, 'same snapshot')
    t.same(rec.log.slice(-2).map((l) => l.status), [200, 304], 'the second read was a 304')
  })

  const changes: ConfigChangeEvent[] = []
  const progress: number[] = []
  const watch = client.watch(['application', 'features'], (e) => void changes.push(e), { onProgress: (r) => progress.push(r) })
  t.teardown(() => watch.close())
  const seqOf = (ns: string) => client.current(ns)?.seq ?? 0

  await t.test('watch: sees a publish and fetches it', async (t) => {
    await watch.ready
    await until('features to be fetched', () => seqOf('features') === 1 || undefined)
    const r2 = await pub('application', 'timeout=45\n')
    const e = await until('the change event', () => changes.find((c) => c.current?.seq === 2))
    t.match(e, { namespace: 'application', previous: { seq: 1 }, current: { seq: 2, content: 'timeout=45\n', releaseKey: r2.key } })
    t.equal(watch.revision, e.revision, 'the resume revision is the fetched change')
    t.equal(changes.filter((c) => c.namespace === 'application' && c.current?.seq === 1).length, 0, 'the release it already held (a 304 on replay) is not a change')
  })

  await t.test('network drop: the releases published meanwhile arrive after the reconnect', async (t) => {
    const watchesBefore = rec.log.filter((l) => l.url.includes('/cms/watch')).length
    const before = watch.revision
    await proxy.drop()
    const r3 = await pub('application', 'timeout=60\n')
    const r4 = await pub('application', 'timeout=90\n')
    const f2 = await pub('features', '{"beta": true}')
    t.equal(seqOf('application'), 2, 'nothing arrives while the network is down')
    await proxy.restore()
    await until('the client to catch up', () => (seqOf('application') === r4.seq && seqOf('features') === f2.seq) || undefined, 10_000)
    t.ok(rec.log.filter((l) => l.url.includes('/cms/watch')).length > watchesBefore, 'it reconnected')
    const resumedFrom = rec.log.filter((l) => l.url.includes('/cms/watch')).slice(watchesBefore).map((l) => Number(new URL(l.url).searchParams.get('revision')))
    t.ok(resumedFrom.every((r) => r >= before), `every reconnect resumed at or after ${before}: ${resumedFrom.join(', ')}`)
    t.equal(client.current('application')!.content, 'timeout=90\n')
    t.ok(r3.seq < r4.seq)
    t.same([...progress].sort((a, b) => a - b), progress, 'the resume revision never went backwards')
  })

  await t.test('gray: a labelled client gets the gray release and is told of it; others are not', async (t) => {
    const gray = createCmsClient({ ...options, labels: { dc: 'dc2' }, clientId: 'pod-2', cacheFile: undefined, fetch: undefined })
    t.teardown(() => gray.close())
    const seen: ConfigChangeEvent[] = []
    const w = gray.watch(['application'], (e) => void seen.push(e))
    await w.ready
    await until('the gray client to hold the main release', () => gray.current('application')?.seq === 4 || undefined)
    const others = changes.length
    const g = await pub('application', 'timeout=120\n', { gray: { labels: { dc: ['dc2'] } } })
    const e = await until('the gray change', () => seen.find((c) => c.current?.seq === g.seq))
    t.match(e.current, { gray: true, content: 'timeout=120\n' })
    await new Promise((r) => setTimeout(r, 200))
    t.equal(client.current('application')!.seq, 4, 'the unlabelled client keeps the main release')
    t.equal(changes.length, others, 'and sees no change (its re-fetch was a 304)')
    const abort = await dyad.app.inject({ method: 'POST', url: `/v1/projects/${P}/cms/apps/checkout/envs/dev/clusters/default/namespaces/application/gray/abort`, headers: team.bob })
    t.equal(abort.statusCode, 204)
    await until('the gray client back on the main release', () => gray.current('application')?.seq === 4 || undefined)
  })

  await t.test('long-poll mode', async (t) => {
    const lp = createCmsClient({ ...options, cacheFile: undefined, fetch: undefined, clientId: 'pod-3' })
    t.teardown(() => lp.close())
    const seen: ConfigChangeEvent[] = []
    const w = lp.watch(['application'], (e) => void seen.push(e), { mode: 'long-poll' })
    await w.ready
    t.equal(lp.current('application')?.seq, 4, 'the first poll replays what it did not hold')
    const r = await pub('application', 'timeout=150\n')
    await until('the long-poll change', () => seen.find((c) => c.current?.seq === r.seq))
    t.equal(w.revision, seen.at(-1)!.revision)
  })

  await t.test('typed errors', async (t) => {
    const bad = createCmsClient({ ...options, apiKey: 'dyad_nokey00000000001_' + 'B'.repeat(43), cacheFile: undefined })
    const e1 = (await bad.get('application').catch((e: unknown) => e)) as CmsClientError
    t.ok(e1 instanceof CmsClientError)
    t.match(e1, { status: 401, code: 'UNAUTHENTICATED' })
    t.match(e1.requestId, /\S/, 'carries the request id')
    await declareNamespace(dyad.app, team.alice, P, 'checkout', 'dev', 'empty')
    t.match(await client.get('empty').catch((e: unknown) => e), { status: 404, code: 'CMS_NOT_PUBLISHED' })
    const other = createCmsClient({ ...options, env: 'nope', cacheFile: undefined })
    t.match(await other.get('application').catch((e: unknown) => e), { status: 404, code: 'CMS_ENV_NOT_FOUND' })
  })

  await t.test('cache file: a client started while the server is down serves the last-known-good config', async (t) => {
    await client.get('application')
    await client.flush()
    await proxy.drop()
    const cold = createCmsClient({ ...options, fetch: undefined, onError: () => {} })
    const a = await cold.get('application')
    t.match(a, { source: 'last-known-good', seq: client.current('application')!.seq, content: client.current('application')!.content })
    t.match(await cold.get('features'), { source: 'last-known-good', content: '{"beta": true}' })
    t.match(await cold.get('never-fetched').catch((e: unknown) => e), { status: 0, code: 'CLIENT_NETWORK_ERROR' }, 'no copy: the transport error')
    await proxy.restore()
    t.match(await cold.get('application'), { source: 'server' }, 'back to the server once it answers (a 304 on the file copy)')
  })
})
