/**
 * The local load runner against two real Dyad processes (dc1, dc2) on one Postgres and one etcd:
 * the smoke scenario's setup, a short open-model load on both DCs at once (every API of the mix,
 * writes included), teardown, and threshold judgement, including a run whose thresholds must fail.
 */
import t from 'tap'
import { scenarios } from '../../loadtest/k6/scenarios.js'
import { formatReport, runLoad } from '../../loadtest/local/runner.ts'
import { startServer } from '../helpers/process.ts'
import { etcdEndpoints, freshPostgresDatabase, isSkip, uniqueName } from '../helpers/servers.ts'

const etcd = etcdEndpoints()

t.test('smoke scenario on two DCs', { skip: isSkip(etcd) ? etcd.skip : false }, async (t) => {
  const pg = await freshPostgresDatabase()
  if (isSkip(pg)) return t.plan(0, pg.skip)
  t.teardown(() => pg.drop())
  const adminKey = 'dyad_loadrunner00001_' + 'L'.repeat(43)
  const shared = {
    DYAD_SQL: 'postgres',
    DYAD_POSTGRES_URL: pg.url,
    DYAD_KV: 'etcd',
    DYAD_ETCD_ENDPOINTS: (etcd as string[]).join(','),
    DYAD_ETCD_NAMESPACE: `${uniqueName('load')}/`,
    DYAD_BOOTSTRAP_ADMIN_KEY: adminKey,
  }
  const dc1 = startServer({ ...shared, DYAD_DC: 'dc1', DYAD_DATA_DIR: t.testdir() + '/dc1' })
  const dc2 = startServer({ ...shared, DYAD_DC: 'dc2', DYAD_DATA_DIR: t.testdir() + '/dc2' })
  t.teardown(async () => {
    for (const p of [dc1, dc2]) p.child.kill('SIGTERM')
    await Promise.all([dc1.exited, dc2.exited])
  })
  const [u1, u2] = await Promise.all([dc1.ready, dc2.ready])
  const dcs = [{ dc: 'dc1', url: u1 }, { dc: 'dc2', url: u2 }]

  const report = await runLoad({ scenario: 'smoke', dcs, adminKey, duration: 3, rate: 10 })
  const text = formatReport(report)
  t.ok(report.ok, text)
  for (const d of report.dcs) {
    t.equal(d.requests + d.dropped, 30, `${d.dc}: every arrival was sent or dropped`)
    t.equal(d.failed, 0, `${d.dc}: no failed request`)
    t.equal(d.thresholds.length, Object.values(scenarios.smoke.thresholds).flat().length, `${d.dc}: each threshold judged`)
  }

  const played = new Set(report.dcs.flatMap((d) => d.byRequest.map((q) => q.request)))
  t.same([...played].sort(), scenarios.smoke.mix.map((m) => m.request).sort(), 'every request of the mix was played (60 arrivals, 4 equal weights)')

  // What the writes through both DCs left behind is gone with the project (teardown).
  const gone = await fetch(`${u2}/v1/projects/${report.project}`, { headers: { authorization: `Bearer ${adminKey}` } })
  t.equal(gone.status, 404, 'teardown deleted the run project')

  // A scenario whose latency bound no real request can meet fails its thresholds.
  const strict = scenarios.smoke.thresholds
  scenarios.smoke.thresholds = { ...strict, http_req_duration: ['p(99)<0.001'] }
  t.teardown(() => {
    scenarios.smoke.thresholds = strict
  })
  const failing = await runLoad({ scenario: 'smoke', dcs, adminKey, duration: 1, rate: 5 })
  t.notOk(failing.ok, 'the impossible bound fails the run')
  t.match(formatReport(failing), /FAIL http_req_duration p\(99\)<0\.001/)
  for (const d of failing.dcs) t.ok(d.thresholds.some((r) => !r.ok && r.metric === 'http_req_duration'), `${d.dc} fails it`)
})
