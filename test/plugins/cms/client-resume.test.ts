/**
 * The client's resume rule, error mapping, idle timeout and cache file against a scripted fake of
 * Dyad's read API (node:http on 127.0.0.1), where failures can be placed exactly: which fetch fails,
 * what each watch connection announces. The real server is exercised in client.test.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { CmsClientError, createCmsClient, type CmsClientOptions } from '../../../plugins/cms/client/index.ts'

interface Fake {
  url: string
  /** Query of every watch connection, in order. */
  watches: URLSearchParams[]
  /** Namespaces fetched, in order, with the status answered. */
  fetches: Array<[string, number]>
  close(): Promise<void>
}

type WatchScript = (conn: number, q: URLSearchParams, res: ServerResponse) => void
type ConfigScript = (ns: string, n: number, req: IncomingMessage, res: ServerResponse) => void

async function fake(t: Test, onWatch: WatchScript, onConfig: ConfigScript): Promise<Fake> {
  const watches: URLSearchParams[] = []
  const fetches: Array<[string, number]> = []
  const perNs = new Map<string, number>()
  const open = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x')
    if (u.pathname.endsWith('/cms/watch')) {
      watches.push(u.searchParams)
      open.add(res)
      res.on('close', () => open.delete(res))
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      onWatch(watches.length, u.searchParams, res)
      return
    }
    const m = /\/namespaces\/([^/]+)\/config$/.exec(u.pathname)
    if (m) {
      const ns = decodeURIComponent(m[1]!)
      const n = (perNs.get(ns) ?? 0) + 1
      perNs.set(ns, n)
      res.on('finish', () => fetches.push([ns, res.statusCode]))
      onConfig(ns, n, req, res)
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const close = async () => {
    for (const r of open) r.destroy()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.teardown(close)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, watches, fetches, close }
}

const config = (ns: string, seq: number, revision: number) =>
  JSON.stringify({ app: 'a', env: 'e', cluster: 'default', namespace: ns, releaseKey: `${seq}-k${ns}`, seq, format: 'text', content: `${ns}@${seq}`, gray: false, revision })
const change = (ns: string, revision: number) => `id: ${revision}\nevent: change\ndata: ${JSON.stringify({ app: 'a', env: 'e', cluster: 'default', namespace: ns, revision })}\n\n`
const ready = (revision: number) => `event: ready\ndata: {"revision":${revision}}\n\n`
const base = (url: string, extra: Partial<CmsClientOptions> = {}): CmsClientOptions => ({ baseUrl: url, apiKey: 'k', projectId: 'p', app: 'a', env: 'e', backoff: { initialMs: 10, maxMs: 50 }, ...extra })

async function until(what: string, cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

t.test('a failed fetch never lets the resume revision pass it, even when a namespace of the same revision was fetched', async (t) => {
  const f = await fake(
    t,
    (conn, q, res) => {
      // Both connections replay what changed after the revision they resume from.
      const since = Number(q.get('revision'))
      const all: Array<[string, number]> = [['a', 5], ['b', 5], ['c', 6]]
      res.write(ready(6) + all.filter(([, r]) => r > since).map(([ns, r]) => change(ns, r)).join(''))
      if (conn >= 2) setTimeout(() => res.write(change('a', 9)), 50)
    },
    (ns, n, req, res) => {
      if (ns === 'b' && n === 1) return void res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 503, code: 'KV_UNAVAILABLE', error: 'Service Unavailable', message: 'down', requestId: 'r1' }))
      const seq = ns === 'a' && n > 2 ? 2 : 1
      if (req.headers['if-none-match'] === `"${seq}-k${ns}"`) return void res.writeHead(304).end()
      res.writeHead(200, { 'content-type': 'application/json' }).end(config(ns, seq, ns === 'c' ? 6 : ns === 'a' && seq === 2 ? 9 : 5))
    },
  )
  const errors: unknown[] = []
  const progress: number[] = []
  const changes: string[] = []
  const client = createCmsClient(base(f.url, { onError: (e) => errors.push(e) }))
  const w = client.watch(['a', 'b', 'c'], (e) => void changes.push(`${e.namespace}:${e.current?.seq}`), { onProgress: (r) => progress.push(r) })
  await until('release 2 of a', () => changes.includes('a:2'))
  await w.close()

  t.same(f.watches.map((q) => q.get('revision')), ['0', '4'], 'the first connection starts at 0; the reconnect resumes at 4, below the revision whose fetch failed')
  t.same(f.watches[0]!.get('namespaces'), 'a,b,c')
  t.same(progress, [5, 5, 6, 9], 'the revision moved to 5 (a), fell back to 4 when b failed, and moved on only as b, c and the live change were fetched')
  t.equal(w.revision, 9)
  t.same(changes, ['a:1', 'b:1', 'c:1', 'a:2'], 'each namespace told once per release; the 304 of the replayed a is not a change')
  t.ok(errors.some((e) => e instanceof CmsClientError && e.code === 'KV_UNAVAILABLE' && e.status === 503 && e.requestId === 'r1'), 'the failed fetch reported with Dyad\'s code and request id')
  t.same(f.fetches.filter(([ns]) => ns === 'a').map(([, s]) => s), [200, 304, 200], 'the replayed a was a conditional GET (304)')
})

t.test('a stream that goes silent is reopened after the idle timeout', async (t) => {
  const f = await fake(
    t,
    (_conn, _q, res) => res.write(ready(1)),
    (ns, _n, _req, res) => res.writeHead(200).end(config(ns, 1, 1)),
  )
  const errors: CmsClientError[] = []
  const client = createCmsClient(base(f.url, { idleTimeoutMs: 150, onError: (e) => errors.push(e as CmsClientError) }))
  const w = client.watch(['a'], () => {})
  await w.ready
  await until('a second connection', () => f.watches.length >= 2)
  await w.close()
  t.equal(errors[0]?.code, 'CLIENT_TIMEOUT', 'reported as a timeout')
})

t.test('errors: Dyad bodies, foreign bodies, no server', async (t) => {
  const f = await fake(
    t,
    () => {},
    (ns, _n, req, res) => {
      if (ns === 'denied') return void res.writeHead(401, { 'content-type': 'application/json', 'x-request-id': 'h1' }).end(JSON.stringify({ statusCode: 401, code: 'UNAUTHENTICATED', error: 'Unauthorized', message: 'bad key', requestId: 'b1' }))
      if (ns === 'proxy') return void res.writeHead(502, { 'x-request-id': 'h2' }).end('<html>bad gateway</html>')
      if (ns === 'missing') return void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 404, code: 'CMS_NOT_PUBLISHED', error: 'Not Found', message: 'no release', requestId: 'b3' }))
      if (ns === 'slow') return void setTimeout(() => res.writeHead(200).end(config(ns, 1, 1)), 1000)
      t.equal(req.headers.authorization, 'Bearer k')
      res.writeHead(200).end(config(ns, 1, 1))
    },
  )
  const client = createCmsClient(base(f.url, { requestTimeoutMs: 200, clientId: 'c 1', labels: { dc: 'dc2', v: '1.2' } }))
  const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as CmsClientError)
  t.match(await err(client.get('denied')), { name: 'CmsClientError', status: 401, code: 'UNAUTHENTICATED', requestId: 'b1', retryable: false })
  t.match(await err(client.get('proxy')), { status: 502, code: 'HTTP_502', requestId: 'h2', retryable: true })
  t.match(await err(client.get('missing')), { status: 404, code: 'CMS_NOT_PUBLISHED', requestId: 'b3' })
  t.match(await err(client.get('slow')), { status: 0, code: 'CLIENT_TIMEOUT' })
  t.match(await client.get('ok'), { namespace: 'ok', seq: 1, content: 'ok@1', source: 'server' })
  await f.close()
  t.match(await err(createCmsClient(base(f.url)).get('ok')), { status: 0, code: 'CLIENT_NETWORK_ERROR' }, 'nothing listening')
  t.match(await client.get('ok'), { seq: 1, source: 'last-known-good' }, 'a namespace read before is served from memory when the server is gone')
  t.throws(() => createCmsClient(base(f.url, { labels: { 'a,b': 'x' } })), TypeError, 'labels that cannot be sent are refused at once')
})

t.test('cache file: written atomically after fetches, read when the server is down, ignored for another scope', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'cms-cache.json')
  let seq = 1
  const f = await fake(
    t,
    () => {},
    (ns, _n, req, res) => {
      if (req.headers['if-none-match'] === `"${seq}-k${ns}"`) return void res.writeHead(304).end()
      res.writeHead(200).end(config(ns, seq, seq))
    },
  )
  const client = createCmsClient(base(f.url, { cacheFile: file, clientId: 'c1' }))
  await client.get('a')
  seq = 2
  await Promise.all([client.get('a'), client.get('b'), client.get('c')])
  await client.flush()
  const body = JSON.parse(readFileSync(file, 'utf8'))
  t.same(Object.keys(body.namespaces).sort(), ['a', 'b', 'c'])
  t.equal(body.namespaces.a.seq, 2)
  t.same(readdirSync(dir), ['cms-cache.json'], 'no temporary file left behind')
  await f.close()

  const restarted = createCmsClient(base(f.url, { cacheFile: file, clientId: 'c1' }))
  t.match(await restarted.get('b'), { seq: 2, content: 'b@2', source: 'last-known-good' }, 'a new client with the server down serves the file')
  const other = createCmsClient(base(f.url, { cacheFile: file, clientId: 'c2' }))
  t.match(await other.get('b').catch((e: CmsClientError) => e.code), 'CLIENT_NETWORK_ERROR', 'a file written for another client id is not served')
  writeFileSync(file, '{"version": 1, "trunc')
  const broken = createCmsClient(base(f.url, { cacheFile: file, clientId: 'c1', onError: () => {} }))
  t.match(await broken.get('b').catch((e: CmsClientError) => e.code), 'CLIENT_NETWORK_ERROR', 'an unreadable file is ignored, not served')
})

t.test('long-poll mode: same resume rule, 304 keeps the revision', async (t) => {
  const polls: string[] = []
  const server = createServer((req, res) => {
    const u = new URL(req.url!, 'http://x')
    if (u.pathname.endsWith('/notifications')) {
      const since = Number(u.searchParams.get('revision'))
      polls.push(String(since))
      if (since === 0) return void res.writeHead(200).end(JSON.stringify({ revision: 3, changes: [{ namespace: 'a', revision: 3 }, { namespace: 'b', revision: 2 }] }))
      if (polls.length === 2) return void res.writeHead(304).end()
      if (since === 3) return void setTimeout(() => res.writeHead(200).end(JSON.stringify({ revision: 7, changes: [{ namespace: 'a', revision: 7 }] })), 30)
      return void setTimeout(() => res.writeHead(304).end(), 200)
    }
    const ns = /namespaces\/(\w+)\/config/.exec(u.pathname)![1]!
    const seq = ns === 'a' ? aSeq++ : 2
    res.writeHead(200).end(config(ns, seq, seq))
  })
  let aSeq = 3
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))))
  const client = createCmsClient(base(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  const seen: string[] = []
  const w = client.watch(['a', 'b'], (e) => void seen.push(`${e.namespace}:${e.current?.seq}`), { mode: 'long-poll' })
  await w.ready
  await until('the change at 7', () => w.revision === 7)
  // The next poll (from 7) starts after the fetch that moved the revision: wait for it to arrive.
  await until('the poll from 7', () => polls.length >= 4)
  await w.close()
  t.same(seen, ['b:2', 'a:3', 'a:4'], 'changes handled in revision order')
  t.same(polls.slice(0, 4), ['0', '3', '3', '7'], 'each poll resumes from the last fetched revision; a 304 leaves it')
})
