/**
 * The cms scenarios:
 *   cms-read         config reads from the cache with an authenticated client vs a bare Fastify GET
 *                    returning the same body, same child process, rounds in rotation;
 *   cms-propagation  publish through process A, time until the cms client watching process B (one
 *                    real etcd between them) is notified and has fetched the new content;
 *   cms-watchers     concurrent SSE watches held by one process, its memory per watch, and the
 *                    fan-out time of one publish to all of them.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { request, type ClientRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCmsClient, createSseParser } from '../plugins/cms/client/index.ts'
import { startEtcd } from '../test/plugins/cms/client-harness.ts'
import { BARE_CONFIG_PATH, createProjectKey, declareNamespace, document, draft, NS_PATH, openFileLimit, PROJECT, startCmsChild, type CmsChild } from './cms-child.ts'
import { load, send, type LoadResult, type Target } from './http-client.ts'
import { scale, type Scenario } from './scenario.ts'
import { fmtBytes, fmtNs, fmtRate, median, summarize } from './stats.ts'

const CONCURRENCY = 10
const pct = (x: number) => `${(x * 100).toFixed(0)}%`
const ms = (x: number) => fmtNs(x * 1e6)

export const cmsRead: Scenario = {
  name: 'cms-read',
  description: 'cms config GET from the cache (project-scoped key, ETag) vs a bare Fastify GET of the same body; 200 and 304',
  async run(opts) {
    const child = await startCmsChild({}, { bare: true })
    try {
      const { dyadPort, barePort, adminKey } = child.ready
      const key = await createProjectKey(dyadPort, adminKey)
      await declareNamespace(dyadPort, adminKey)
      const content = document(1024, 1)
      await (await draft(dyadPort, key, content))()
      const auth = { authorization: `Bearer ${key}` }
      const path = `${NS_PATH}/config?clientId=bench-1`
      const first = await send({ name: 'probe', port: dyadPort, method: 'GET', path, headers: auth })
      if (first.status !== 200) throw new Error(`config read: ${first.status} ${first.body.slice(0, 200)}`)
      await child.setBareBody(JSON.parse(first.body) as object)
      const etag = `"${(JSON.parse(first.body) as { releaseKey: string }).releaseKey}"`
      const dyad: Target = { name: 'cms read 200', port: dyadPort, method: 'GET', path, headers: auth }
      const notModified: Target = { name: 'cms read 304', port: dyadPort, method: 'GET', path, headers: { ...auth, 'if-none-match': etag } }
      const bare: Target = { name: 'bare GET', port: barePort!, method: 'GET', path: BARE_CONFIG_PATH, headers: auth }
      const bareBody = await send(bare)
      if (bareBody.body !== first.body) throw new Error('the bare route does not send the same body')
      const targets: Array<[Target, number]> = [[dyad, 200], [notModified, 304], [bare, 200]]
      const warm = scale(opts, { count: 50000, maxMs: 3000 }, { count: 5000, maxMs: 500 })
      const round = scale(opts, { count: 200000, maxMs: 8000 }, { count: 20000, maxMs: 1500 })
      const passes = opts.quick ? 2 : 3
      for (const [t, status] of targets) await load(t, { concurrency: CONCURRENCY, bound: warm, expectStatus: status })
      const rounds: LoadResult[] = []
      for (let i = 0; i < passes; i++) for (const [t, status] of targets) rounds.push(await load(t, { concurrency: CONCURRENCY, bound: round, expectStatus: status }))
      const agg = (name: string) => {
        const rs = rounds.filter((r) => r.target === name)
        const ok = rs.reduce((n, r) => n + r.samplesNs.length, 0)
        return { requests: rs.reduce((n, r) => n + r.requests, 0), errors: rs.reduce((n, r) => n + r.errors, 0), rps: ok / (rs.reduce((n, r) => n + r.durationMs, 0) / 1000), medianRoundRps: median(rs.map((r) => r.rps)), latencyNs: summarize(rs.flatMap((r) => r.samplesNs)) }
      }
      const totals = new Map(targets.map(([t]) => [t.name, agg(t.name)]))
      const d = totals.get(dyad.name)!
      const n = totals.get(notModified.name)!
      const b = totals.get(bare.name)!
      return {
        tables: [
          {
            title: `cms-read: totals over ${passes} rounds of ${(round.maxMs / 1000).toFixed(1)} s, ${CONCURRENCY} keep-alive connections, a ${Buffer.byteLength(first.body)}-byte answer`,
            columns: ['target', 'requests', 'errors', 'req/s (all rounds)', 'req/s (median round)', 'median', 'p99', 'share of bare'],
            rows: [...totals].map(([name, x]) => ({ target: name, requests: String(x.requests), errors: String(x.errors), 'req/s (all rounds)': fmtRate(x.rps), 'req/s (median round)': fmtRate(x.medianRoundRps), median: fmtNs(x.latencyNs.median), p99: fmtNs(x.latencyNs.p99), 'share of bare': pct(x.rps / b.rps) })),
          },
        ],
        summary: [
          `cms-read: a config read (200) serves ${pct(d.rps / b.rps)} of a bare Fastify GET's requests/s (${fmtRate(d.rps)} vs ${fmtRate(b.rps)}; p99 ${fmtNs(d.latencyNs.p99)} vs ${fmtNs(b.latencyNs.p99)}); goal >= 50%: ${d.rps / b.rps >= 0.5 ? 'met' : 'NOT met'}`,
          `cms-read: a conditional read (304) serves ${pct(n.rps / b.rps)} (${fmtRate(n.rps)}; p99 ${fmtNs(n.latencyNs.p99)})`,
        ],
        notes: [
          'Dyad: GET .../namespaces/application/config?clientId=bench-1 with a project-scoped key of a project-user: authentication, rate-limit bookkeeping (limit off), Rego authorization, project check, the cache read, the instances record, the ETag. The 304 target sends If-None-Match with the release key.',
          'bare: a Fastify route returning the same JSON body (set from Dyad\'s answer), same child process, same client.',
        ],
        data: { totals: Object.fromEntries(totals), shareOfBare: d.rps / b.rps, shareOfBare304: n.rps / b.rps, rounds: rounds.map(({ samplesNs: _s, ...r }) => r) },
      }
    } finally {
      await child.stop()
    }
  },
}

/** etcd for the propagation scenario: the test suite's when set, otherwise a throwaway member. */
async function benchEtcd(): Promise<{ endpoints: string; stop(): Promise<void> }> {
  if (process.env.DYAD_TEST_ETCD_ENDPOINTS) return { endpoints: process.env.DYAD_TEST_ETCD_ENDPOINTS, stop: async () => {} }
  const dir = mkdtempSync(join(tmpdir(), 'dyad-bench-etcd-'))
  const etcd = await startEtcd(dir)
  return { endpoints: etcd.endpoint, stop: async () => (await etcd.stop(), rmSync(dir, { recursive: true, force: true })) }
}

export const cmsPropagation: Scenario = {
  name: 'cms-propagation',
  description: 'publish through process A, until a cms client watching process B (shared real etcd) has fetched it',
  async run(opts) {
    const etcd = await benchEtcd()
    const shared = { DYAD_KV: 'etcd', DYAD_ETCD_ENDPOINTS: etcd.endpoints, DYAD_ETCD_NAMESPACE: `bench-cms-${process.pid}-${Date.now()}/` }
    const children: CmsChild[] = []
    try {
      const a = await startCmsChild({ ...shared, DYAD_DC: 'dc1' })
      children.push(a)
      const b = await startCmsChild({ ...shared, DYAD_DC: 'dc2' })
      children.push(b)
      const keyA = await createProjectKey(a.ready.dyadPort, a.ready.adminKey)
      const keyB = await createProjectKey(b.ready.dyadPort, b.ready.adminKey)
      await declareNamespace(a.ready.dyadPort, a.ready.adminKey)
      await (await draft(a.ready.dyadPort, keyA, document(1024, 0)))()

      let fetchStarted = 0
      const client = createCmsClient({
        baseUrl: `http://127.0.0.1:${b.ready.dyadPort}`,
        apiKey: keyB,
        projectId: PROJECT,
        app: 'checkout',
        env: 'prod',
        clientId: 'bench-b',
        fetch: (input, init) => {
          if (String(input).includes('/config')) fetchStarted = performance.now()
          return fetch(input, init)
        },
      })
      let waiting: { seq: number; resolve: (at: { notified: number; fetched: number }) => void } | undefined
      const w = client.watch(['application'], (e) => {
        if (waiting && e.current && e.current.seq >= waiting.seq) waiting.resolve({ notified: fetchStarted, fetched: performance.now() })
      })
      await w.ready
      const bound = scale(opts, { count: 200, maxMs: 60_000 }, { count: 30, maxMs: 10_000 })
      const toFetched: number[] = []
      const toNotified: number[] = []
      const publishCall: number[] = []
      let timeouts = 0
      const end = performance.now() + bound.maxMs
      for (let i = 1; i <= bound.count && performance.now() < end; i++) {
        const doPublish = await draft(a.ready.dyadPort, keyA, document(1024, i))
        const seen = new Promise<{ notified: number; fetched: number } | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), 5000)
          waiting = { seq: i + 1, resolve: (at) => (clearTimeout(timer), resolve(at)) }
        })
        const t0 = performance.now()
        const rel = await doPublish()
        publishCall.push(performance.now() - t0)
        if (rel.seq !== i + 1) throw new Error(`expected release ${i + 1}, got ${rel.seq}`)
        const at = await seen
        waiting = undefined
        if (!at) {
          timeouts++
          continue
        }
        toNotified.push(at.notified - t0)
        toFetched.push(at.fetched - t0)
        await new Promise((r) => setTimeout(r, 5))
      }
      await client.close()
      const f = summarize(toFetched.map((x) => x * 1e6))
      const nt = summarize(toNotified.map((x) => x * 1e6))
      const pc = summarize(publishCall.map((x) => x * 1e6))
      const row = (what: string, s: typeof f) => ({ measure: what, n: String(s.n), median: fmtNs(s.median), p99: fmtNs(s.p99), max: fmtNs(s.max) })
      return {
        tables: [
          {
            title: `cms-propagation: ${f.n} publishes through A, one at a time; times from the start of A's publish request`,
            columns: ['measure', 'n', 'median', 'p99', 'max'],
            rows: [row('client on B has fetched the new content', f), row('client on B notified (its GET starts)', nt), row("A's publish answered (201)", pc)],
          },
        ],
        summary: [`cms-propagation: publish on A -> fetched through B: p50 ${fmtNs(f.median)}, p99 ${fmtNs(f.p99)} over ${f.n} publishes${timeouts ? ` (${timeouts} not seen within 5 s)` : ''}; goal p99 <= 50 ms: ${f.p99 <= 50e6 && timeouts === 0 ? 'met' : 'NOT met'}`],
        notes: [
          `Two child processes (dc1, dc2), each a complete Dyad (embedded SQL, its own data directory) on one etcd (${process.env.DYAD_TEST_ETCD_ENDPOINTS ? 'the test suite\'s' : 'a throwaway member started for this run'}), same key prefix.`,
          "A publish is the POST .../releases (the draft is written before the clock starts); A answers once its own cache has applied the release. B learns of it from its etcd watch, pushes an SSE change event, and the client (plugins/cms/client, in the bench process) GETs the namespace.",
          'Notified = when the client started its GET after the change event; fetched = when it had the new content.',
        ],
        data: { toFetchedMs: toFetched, toNotifiedMs: toNotified, publishCallMs: publishCall, timeouts },
      }
    } finally {
      for (const c of children) await c.stop()
      await etcd.stop()
    }
  },
}

interface Watcher {
  req: ClientRequest
  ready: Promise<void>
  changedAt?: number
}

function openWatcher(port: number, key: string): Watcher {
  let resolveReady!: () => void
  let rejectReady!: (e: Error) => void
  const ready = new Promise<void>((res, rej) => ((resolveReady = res), (rejectReady = rej)))
  const w: Watcher = { req: undefined as unknown as ClientRequest, ready }
  w.req = request({ host: '127.0.0.1', port, method: 'GET', path: `/v1/projects/${PROJECT}/cms/watch?app=checkout&env=prod&namespaces=application`, agent: false, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) {
      rejectReady(new Error(`watch: ${res.statusCode}`))
      res.resume()
      return
    }
    res.setEncoding('utf8')
    const parser = createSseParser({
      onEvent(e) {
        if (e.event === 'ready') resolveReady()
        else if (e.event === 'change' && w.changedAt === undefined) w.changedAt = performance.now()
      },
    })
    res.on('data', (chunk: string) => parser.push(chunk))
  })
  w.req.on('error', (err) => rejectReady(err))
  w.req.end()
  return w
}

export const cmsWatchers: Scenario = {
  name: 'cms-watchers',
  description: 'concurrent SSE watches held by one process: memory per watch, and one publish fanned out to all',
  async run(opts) {
    const want = opts.quick ? 1000 : 10_000
    const limit = openFileLimit()
    // The bench process holds one socket per watch; the child (its limit raised below) one more each.
    const count = Math.min(want, limit - 500)
    const child = await startCmsChild({ DYAD_CMS_MAX_WATCHERS: String(want * 2) }, { fdLimit: want * 2 + 1000 })
    const watchers: Watcher[] = []
    try {
      const { dyadPort, adminKey } = child.ready
      const key = await createProjectKey(dyadPort, adminKey)
      await declareNamespace(dyadPort, adminKey)
      await (await draft(dyadPort, key, document(1024, 1)))()
      const base = await child.memory()
      const t0 = performance.now()
      const BATCH = 250
      for (let i = 0; i < count; i += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, count - i) }, () => openWatcher(dyadPort, key))
        watchers.push(...batch)
        await Promise.all(batch.map((w) => w.ready))
      }
      const openMs = performance.now() - t0
      await new Promise((r) => setTimeout(r, 500))
      const held = await child.memory()
      const publish = await draft(dyadPort, key, document(1024, 2))
      const p0 = performance.now()
      await publish()
      const deadline = performance.now() + 30_000
      while (watchers.some((w) => w.changedAt === undefined) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10))
      const got = watchers.filter((w) => w.changedAt !== undefined).map((w) => (w.changedAt! - p0) * 1e6)
      const fan = summarize(got)
      for (const w of watchers) w.req.destroy()
      await new Promise((r) => setTimeout(r, 1000))
      const after = await child.memory()
      const per = (k: 'rss' | 'heapUsed' | 'external') => (held[k] - base[k]) / count
      const mem = (m: typeof base) => `rss ${fmtBytes(m.rss)}, heap ${fmtBytes(m.heapUsed)}`
      return {
        tables: [
          {
            title: `cms-watchers: ${count} SSE watches on one process (opened in ${ms(openMs)}, ${fmtRate(count / (openMs / 1000))})`,
            columns: ['measure', 'value'],
            rows: [
              { measure: 'server memory before (after GC)', value: mem(base) },
              { measure: `server memory holding ${count} watches`, value: mem(held) },
              { measure: 'per watch: RSS', value: fmtBytes(per('rss')) },
              { measure: 'per watch: V8 heap', value: fmtBytes(per('heapUsed')) },
              { measure: 'per watch: external', value: fmtBytes(per('external')) },
              { measure: 'server memory after they closed', value: mem(after) },
              { measure: 'one publish reached every watch: received / watching', value: `${fan.n} / ${count}` },
              { measure: 'publish -> change event at the watch, median', value: fmtNs(fan.median) },
              { measure: 'publish -> change event at the watch, p99', value: fmtNs(fan.p99) },
              { measure: 'publish -> change event at the watch, last', value: fmtNs(fan.max) },
            ],
          },
        ],
        summary: [
          `cms-watchers: ${count} SSE watches held by one process${count < want ? ` (of ${want}: open-file limit ${limit})` : ''}, ${fmtBytes(per('rss'))} RSS and ${fmtBytes(per('heapUsed'))} heap per watch; one publish reached ${fan.n} of them, the last after ${fmtNs(fan.max)}`,
        ],
        notes: [
          'Watches are raw HTTP requests from the bench process, one socket each (no keep-alive agent), opened 250 at a time; each waits for the `ready` event. Memory is the server child\'s process.memoryUsage() after a forced GC.',
          'The fan-out time includes the bench process reading and parsing the events of every socket on one core; the server writes each event to every stream in one loop.',
          `The child runs with DYAD_CMS_MAX_WATCHERS=${want * 2} (default 5000 per project per process) and an open-file limit raised with ulimit -n.`,
        ],
        data: { count, want, limit, openMs, base, held, after, perWatch: { rss: per('rss'), heapUsed: per('heapUsed'), external: per('external') }, fanOutNs: fan },
      }
    } finally {
      for (const w of watchers) w.req.destroy()
      await child.stop()
    }
  },
}
