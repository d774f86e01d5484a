/**
 * etcd goes away (a throwaway member of this test's own, killed): both processes keep serving the
 * last release from memory, writes fail with a 503 KV_UNAVAILABLE, a process restarted on its data
 * directory while etcd is down starts from its last-known-good snapshot and serves the release; once
 * etcd is back, writes succeed again and both caches (and a watching client) converge on the new
 * release. Every wait is bounded; the durations are printed as test points.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { createCmsClient } from '../../../plugins/cms/client/index.ts'
import { ADMIN_KEY, JWT_SECRET } from '../../helpers/app.ts'
import { startServer, type ServerProcess } from '../../helpers/process.ts'
import { uniqueName } from '../../helpers/servers.ts'
import { declareNamespace, publish, startApp, startEtcd, until, type RunningApp } from './client-harness.ts'
import { createTeam, nsUrl } from './setup.ts'

const P = 'shop'
const NS = nsUrl(P, 'checkout', 'prod', 'application')


t.test('etcd down: reads from memory, writes 503, restart from the snapshot, recovery', async (t) => {
  const etcd = await startEtcd(join(t.testdir(), 'etcd'))
  t.teardown(() => etcd.stop())
  const kv = { DYAD_KV: 'etcd', DYAD_ETCD_ENDPOINTS: etcd.endpoint, DYAD_ETCD_NAMESPACE: `${uniqueName('cmsdown')}/` }
  const a: RunningApp = await startApp(t, { ...kv, DYAD_DC: 'dc1' })
  let b: RunningApp = await startApp(t, { ...kv, DYAD_DC: 'dc2' })
  const teamA = await createTeam(a.app, P)
  const teamB = await createTeam(b.app, P)
  await declareNamespace(a.app, teamA.alice, P, 'checkout', 'prod', 'application')
  const r1 = await publish(a.app, teamA.bob, P, 'checkout', 'prod', 'application', 'timeout=30\n')
  const read = async (app: RunningApp) => {
    const res = await app.app.inject({ method: 'GET', url: `${NS}/config`, headers: app === a ? teamA.bob : teamB.bob })
    return { status: res.statusCode, seq: res.statusCode === 200 ? (res.json().seq as number) : undefined, body: res.body }
  }
  await until('B to serve release 1', async () => (await read(b)).seq === 1 || undefined)
  const snapshotFile = join(b.dataDir, 'cms-snapshot.json')
  await until("B's snapshot to hold release 1", () => readFileSync(snapshotFile, 'utf8').includes(r1.key) || undefined, 5000, 50)

  const client = createCmsClient({ baseUrl: b.baseUrl, apiKey: teamB.bob.authorization!.slice(7), projectId: P, app: 'checkout', env: 'prod', backoff: { initialMs: 50, maxMs: 500 }, onError: () => {} })
  t.teardown(() => client.close())
  const w = client.watch(['application'], () => {})
  await w.ready
  await until('the client to hold release 1', () => client.current('application')?.seq === 1 || undefined)
  const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`


  await t.test('etcd hanging (SIGSTOP): reads from memory, writes 503 after the adapter\'s deadline', async (t) => {
    etcd.pause()
    try {
      const t0 = performance.now()
      t.equal((await read(b)).seq, 1, `B serves release 1 (${ms(t0)})`)
      const t1 = performance.now()
      const res = await a.app.inject({ method: 'PUT', url: `${NS}/draft`, headers: teamA.bob, payload: { content: 'timeout=40\n' } })
      t.equal(res.statusCode, 503, res.body.slice(0, 300))
      t.equal(res.json().code, 'KV_UNAVAILABLE', `a draft write fails with KV_UNAVAILABLE after ${ms(t1)} (the read of the namespace record: two attempts of the 5 s call deadline, src/infra/kv/etcd.ts)`)
    } finally {
      etcd.resume()
    }
    await until('etcd to answer again', () => publish(a.app, teamA.bob, P, 'checkout', 'prod', 'application', 'timeout=30\n').then(() => true, () => undefined), 20_000, 200)
  })
  const seqNow = (await read(a)).seq!

  await etcd.kill()

  await t.test('etcd gone (killed): reads keep serving the last release from memory', async (t) => {
    for (const app of [a, b]) {
      const t0 = performance.now()
      const r = await read(app)
      t.equal(r.seq, seqNow, `${app === a ? 'A' : 'B'} serves release ${seqNow} (${ms(t0)})`)
    }
  })

  await t.test('writes fail with 503 KV_UNAVAILABLE', async (t) => {
    const t0 = performance.now()
    const res = await a.app.inject({ method: 'PUT', url: `${NS}/draft`, headers: teamA.bob, payload: { content: 'timeout=45\n' } })
    t.equal(res.statusCode, 503, res.body)
    t.equal(res.json().code, 'KV_UNAVAILABLE', `with a clear code (${ms(t0)})`)
    const t1 = performance.now()
    const rel = await a.app.inject({ method: 'POST', url: `${NS}/releases`, headers: teamA.bob, payload: {} })
    t.equal(rel.statusCode, 503, `publishing too (${ms(t1)})`)
  })

  // B is restarted as a real process (src/server.ts) on its data directory and port: a start that
  // fails then exits instead of leaving a half-built app's stores open in the test process.
  await b.close()
  const serverEnv = {
    ...kv,
    DYAD_DC: 'dc2',
    DYAD_DATA_DIR: b.dataDir,
    DYAD_PORT: String(b.port),
    DYAD_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    DYAD_JWT_SECRET: JWT_SECRET,
    DYAD_RATE_LIMIT_PER_MINUTE: '0',
  }
  let restarted: ServerProcess | undefined
  const stopRestarted = async () => {
    if (!restarted || restarted.child.exitCode !== null || restarted.child.signalCode !== null) return
    restarted.child.kill('SIGTERM')
    const killer = setTimeout(() => restarted?.child.kill('SIGKILL'), 10_000)
    await restarted.exited
    clearTimeout(killer)
  }
  t.teardown(stopRestarted)
  const readB = async () => {
    const res = await fetch(`${b.baseUrl}${NS}/config`, { headers: teamB.bob, signal: AbortSignal.timeout(5000) })
    return { status: res.status, body: await res.text() }
  }

  await t.test('a process restarted while etcd is down starts from its snapshot', async (t) => {
    const t0 = performance.now()
    restarted = startServer(serverEnv, 30_000)
    const started: true | Error = await restarted.ready.then(() => true as const, (err: Error) => err)
    if (started !== true) {
      t.fail(`B did not start while etcd is down (${ms(t0)}): ${started.message.split('\n').filter((l: string) => /error|Error|at /.test(l)).slice(0, 6).join(' | ')}`)
      restarted = undefined
      return
    }
    t.pass(`B started in ${ms(t0)} (policy watch deferred until etcd answers; authorization from its last-known-good snapshot)`)
    const r = await readB()
    t.equal(r.status, 200, `the restarted B serves the release from its snapshot: ${r.body.slice(0, 200)}`)
    t.equal(JSON.parse(r.body).seq, seqNow)
    t.equal((await fetch(`${b.baseUrl}/health/ready`)).status, 503, 'and reports itself not ready (etcd unreachable)')
  })

  await t.test('etcd back: writes succeed, caches and the client converge', async (t) => {
    const t0 = performance.now()
    await etcd.start()
    t.pass(`etcd restarted (${ms(t0)})`)
    const t1 = performance.now()
    const r2 = await until('a publish to succeed', () => publish(a.app, teamA.bob, P, 'checkout', 'prod', 'application', 'timeout=60\n').catch(() => undefined), 30_000, 200)
    t.equal(r2.seq, seqNow + 1, `a write succeeded ${ms(t1)} after etcd was back`)
    const t2 = performance.now()
    await until('A to serve the new release', async () => (await read(a)).seq === r2.seq || undefined, 10_000)
    if (!restarted) throw new Error('B did not start while etcd was down (see the previous step)')
    await until('the restarted B to serve the new release', async () => {
      const r = await readB()
      return (r.status === 200 && JSON.parse(r.body).seq === r2.seq) || undefined
    }, 15_000)
    await until('the client to hold the new release', () => client.current('application')?.seq === r2.seq || undefined, 10_000)
    t.pass(`A, B and the client converged ${ms(t2)} after the write`)
    await until("B's snapshot to be the store's again", () => readFileSync(snapshotFile, 'utf8').includes(r2.key) || undefined, 5000, 50)
    t.equal((await fetch(`${b.baseUrl}/health/ready`)).status, 200, 'B is ready again')
  })
})
