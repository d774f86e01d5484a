/**
 * The SSE watch on the wire: a stream from revision R replays every watched namespace that changed
 * after R (deleted ones included), then `ready` with the revision it is caught up to (as its id, so
 * a plain EventSource resumes from there); Last-Event-ID wins over `revision`, and an empty one is
 * ignored.
 */
import t from 'tap'
import { buildTestApp } from '../../helpers/app.ts'
import { createTeam, nsUrl } from './setup.ts'

interface SseEvent {
  event?: string
  id?: string
  data?: string
}

/** Reads events until `ready` (bounded by a timeout), then aborts the stream. */
async function untilReady(url: string, headers: Record<string, string>): Promise<SseEvent[]> {
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), 5_000)
  const events: SseEvent[] = []
  try {
    const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: abort.signal })
    if (res.status !== 200) throw new Error(`watch: ${res.status} ${await res.text()}`)
    const decoder = new TextDecoder()
    let buffer = ''
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true })
      let cut: number
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        const ev: SseEvent = {}
        for (const line of block.split('\n')) {
          const m = /^(event|id|data): ?(.*)$/.exec(line)
          if (m) ev[m[1] as keyof SseEvent] = m[2]
        }
        if (ev.event) events.push(ev)
        if (ev.event === 'ready') return events
      }
    }
    throw new Error('the stream ended before ready')
  } finally {
    clearTimeout(timer)
    abort.abort()
  }
}

t.test('replay, then ready; Last-Event-ID and revision', async (t) => {
  const { app } = await buildTestApp(t)
  const { alice, bob } = await createTeam(app, 'w1')
  const base = '/v1/projects/w1/cms'
  await app.inject({ method: 'POST', url: `${base}/apps`, headers: alice, payload: { name: 'api' } })
  await app.inject({ method: 'POST', url: `${base}/apps/api/envs`, headers: alice, payload: { name: 'dev' } })
  const revisions: number[] = []
  for (const name of ['one', 'two']) {
    t.equal((await app.inject({ method: 'POST', url: `${base}/apps/api/envs/dev/clusters/default/namespaces`, headers: alice, payload: { name, format: 'properties' } })).statusCode, 201)
    const ns = nsUrl('w1', 'api', 'dev', name)
    await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: { ...bob, 'content-type': 'text/plain' }, payload: `k=${name}\n` })
    t.equal((await app.inject({ method: 'POST', url: `${ns}/releases`, headers: bob, payload: {} })).statusCode, 201)
    revisions.push((await app.inject({ url: `${ns}/config`, headers: bob })).json().revision)
  }
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const watch = (query: string) => `${address}${base}/watch?app=api&env=dev&${query}`

  const all = await untilReady(watch('revision=0'), bob)
  t.same(all.map((e) => e.event), ['change', 'change', 'ready'], 'both namespaces replayed, then ready')
  t.same(all.slice(0, 2).map((e) => JSON.parse(e.data!).namespace), ['one', 'two'], 'in revision order')
  t.same(all.slice(0, 2).map((e) => Number(e.id)), revisions, 'each change carries its revision as id')
  const readyRevision = JSON.parse(all[2]!.data!).revision as number
  t.ok(readyRevision >= revisions[1]!, 'ready names the revision the stream is caught up to')
  t.equal(Number(all[2]!.id), readyRevision, 'and carries it as id, for an EventSource that resumes')

  const after = await untilReady(watch(`revision=${revisions[0]}`), bob)
  t.same(after.map((e) => JSON.parse(e.data!).namespace ?? 'ready'), ['two', 'ready'], 'from revision R: only what changed after R')

  const byHeader = await untilReady(watch('revision=0'), { ...bob, 'last-event-id': String(revisions[0]) })
  t.same(byHeader.map((e) => e.event), ['change', 'ready'], 'Last-Event-ID wins over revision')

  const empty = await untilReady(watch(`revision=${revisions[1]}`), { ...bob, 'last-event-id': '' })
  t.same(empty.map((e) => e.event), ['ready'], 'an empty Last-Event-ID is ignored (not revision 0)')

  const narrowed = await untilReady(watch('revision=0&namespaces=one'), bob)
  t.same(narrowed.map((e) => e.event), ['change', 'ready'], 'only the watched namespaces')

  // A deleted namespace is reported to a watch that resumes from before the deletion.
  const before = Number(all[2]!.id)
  t.equal((await app.inject({ method: 'DELETE', url: nsUrl('w1', 'api', 'dev', 'two'), headers: alice })).statusCode, 204)
  const resumed = await untilReady(watch(`revision=${before}`), bob)
  t.same(resumed.map((e) => e.event), ['change', 'ready'], 'the deletion is replayed')
  const gone = JSON.parse(resumed[0]!.data!)
  t.equal(gone.namespace, 'two')
  t.notOk('releaseKey' in gone, 'with no release key: the namespace is gone')
  t.ok(Number(resumed[0]!.id) > before)
  const poll = await app.inject({ url: `${base}/notifications?app=api&env=dev&revision=${before}`, headers: bob })
  t.equal(poll.statusCode, 200, 'the long-poll reports it at once too')
  t.same(poll.json().changes.map((c: { namespace: string }) => c.namespace), ['two'])
})
