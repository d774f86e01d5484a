/**
 * Two Dyad processes (one per DC: separate data directories, one real etcd, the same key prefix).
 * A client watching through B sees every release published through A, and keeps seeing them while B
 * is stopped and started again on its data directory and port, and while A restarts: it ends at the
 * latest release, fetched releases only ever move forward, and at no moment did its resume revision
 * pass a release it had not fetched (checked afterwards against the head revision of every release).
 */
import t from 'tap'
import { createCmsClient, type ConfigChangeEvent } from '../../../plugins/cms/client/index.ts'
import { ADMIN_KEY, bearer } from '../../helpers/app.ts'
import { etcdEndpoints, isSkip, uniqueName } from '../../helpers/servers.ts'
import { declareNamespace, publish, startApp, until, type RunningApp } from './client-harness.ts'
import { createTeam, nsUrl } from './setup.ts'

const endpoints = etcdEndpoints()
const P = 'shared'

t.test('a watcher on B never misses a release published on A, across restarts of B and A', { skip: isSkip(endpoints) ? endpoints.skip : false }, async (t) => {
  const kv = { DYAD_KV: 'etcd', DYAD_ETCD_ENDPOINTS: (endpoints as string[]).join(','), DYAD_ETCD_NAMESPACE: `${uniqueName('cms2dc')}/` }
  let a: RunningApp = await startApp(t, { ...kv, DYAD_DC: 'dc1' })
  let b: RunningApp = await startApp(t, { ...kv, DYAD_DC: 'dc2' })
  t.teardown(async () => {
    await a.close()
    await b.close()
  })
  // Platform data lives in each process's own embedded store here, so the team exists in both.
  const teamA = await createTeam(a.app, P)
  const teamB = await createTeam(b.app, P)
  await declareNamespace(a.app, teamA.alice, P, 'checkout', 'prod', 'application')

  /** seq -> store revision of the head that release made (read through A, which reads its own writes). */
  const headRevision = new Map<number, number>()
  let latest = { seq: 0, content: '' }
  const pub = async (i: number) => {
    const r = await publish(a.app, teamA.bob, P, 'checkout', 'prod', 'application', `release=${i}\n`)
    const read = await a.app.inject({ method: 'GET', url: `${nsUrl(P, 'checkout', 'prod', 'application')}/config`, headers: bearer(ADMIN_KEY) })
    t.equal(read.json().seq, r.seq, `A serves release ${r.seq} at once`)
    headRevision.set(r.seq, read.json().revision)
    latest = { seq: r.seq, content: r.content }
  }

  const watches: string[] = []
  const client = createCmsClient({
    baseUrl: b.baseUrl,
    apiKey: teamB.bob.authorization!.slice('Bearer '.length),
    projectId: P,
    app: 'checkout',
    env: 'prod',
    clientId: 'b-pod',
    backoff: { initialMs: 20, maxMs: 300 },
    onError: () => {},
    fetch: (input, init) => {
      if (String(input).includes('/cms/watch')) watches.push(new URL(String(input)).searchParams.get('revision')!)
      return fetch(input, init)
    },
  })
  const fetched: number[] = []
  /** (resume revision, seq held) at every moment the resume revision advanced. */
  const progress: Array<[number, number]> = []
  const w = client.watch(['application'], (e: ConfigChangeEvent) => void (e.current && fetched.push(e.current.seq)), {
    onProgress: (r) => progress.push([r, client.current('application')?.seq ?? 0]),
  })
  t.teardown(() => client.close())
  await w.ready

  const t0 = performance.now()
  await pub(1)
  await until('B\'s watcher to fetch release 1', () => client.current('application')?.seq === 1 || undefined, 10_000, 2)
  t.pass(`release 1 published on A was fetched through B ${(performance.now() - t0).toFixed(0)} ms after the publish started`)

  for (let i = 2; i <= 30; i++) {
    if (i === 8) await b.close()
    if (i === 14) b = await b.restart()
    if (i === 20) a = await a.restart()
    await pub(i)
    await new Promise((r) => setTimeout(r, 15))
  }
  await until('the watcher to reach the latest release', () => client.current('application')?.seq === latest.seq || undefined, 20_000)

  t.equal(client.current('application')!.content, latest.content, 'it holds the latest content')
  t.ok(watches.length >= 2, `it reconnected (watch connections resumed from ${watches.join(', ')})`)
  t.ok(fetched.every((s, i) => i === 0 || s > fetched[i - 1]!), `fetched releases only move forward: ${fetched.join(' ')}`)
  t.equal(fetched.at(-1), latest.seq)
  t.ok(fetched.includes(1), 'the first release was seen')
  const skipped = progress.filter(([r, held]) => [...headRevision].some(([seq, rev]) => rev <= r && seq > held))
  t.same(skipped, [], `the resume revision never passed a release the client had not fetched (${progress.length} advances checked)`)
  t.ok(progress.every(([r], i) => i === 0 || r >= progress[i - 1]![0]), 'the resume revision never went backwards')
})
