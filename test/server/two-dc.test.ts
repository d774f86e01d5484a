/**
 * The production profile, end to end, as two real processes (one per DC) on shared real stores:
 * Postgres 15 + pgvector (SQL, platform store), etcd (key-value), the Cosmos DB emulator (app data).
 * Both start at the same moment (migrations and bootstrap must not collide), then a write through
 * one DC is read through the other, and a policy uploaded in dc1 is served by dc2 from its watch.
 */
import t from 'tap'
import { startServer } from '../helpers/process.ts'
import { cosmosEmulator, etcdEndpoints, freshPostgresDatabase, isSkip, uniqueName } from '../helpers/servers.ts'

const etcd = etcdEndpoints()
const cosmos = cosmosEmulator()
const skip = isSkip(etcd) ? etcd.skip : isSkip(cosmos) ? cosmos.skip : false

t.test('two DCs on shared Postgres, etcd and Cosmos', { skip }, async (t) => {
  const pg = await freshPostgresDatabase()
  if (isSkip(pg)) return t.plan(0, pg.skip)
  t.teardown(() => pg.drop())
  const { endpoint, key } = cosmos as { endpoint: string; key: string }
  const adminKey = 'dyad_twodcadmin0001_' + 'T'.repeat(43)
  const shared = {
    DYAD_SQL: 'postgres',
    DYAD_POSTGRES_URL: pg.url,
    DYAD_KV: 'etcd',
    DYAD_ETCD_ENDPOINTS: (etcd as string[]).join(','),
    DYAD_ETCD_NAMESPACE: `${uniqueName('procs')}/`,
    DYAD_APPDATA_STORE: 'cosmos',
    DYAD_COSMOS_ENDPOINT: endpoint,
    DYAD_COSMOS_KEY: key,
    DYAD_COSMOS_DATABASE: uniqueName('dyad'),
    DYAD_COSMOS_ALLOW_SELF_SIGNED: 'true',
    DYAD_BOOTSTRAP_ADMIN_KEY: adminKey,
  }
  const dc1 = startServer({ ...shared, DYAD_DC: 'dc1', DYAD_DATA_DIR: t.testdir() + '/dc1' })
  const dc2 = startServer({ ...shared, DYAD_DC: 'dc2', DYAD_DATA_DIR: t.testdir() + '/dc2' })
  t.teardown(async () => {
    for (const p of [dc1, dc2]) p.child.kill('SIGTERM')
    await Promise.all([dc1.exited, dc2.exited])
  })
  const [a1, a2] = await Promise.all([dc1.ready, dc2.ready])
  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }

  for (const address of [a1, a2]) {
    const ready = await fetch(`${address}/health/ready`)
    t.equal(ready.status, 200, `${address} ready: ${JSON.stringify((await ready.json()).checks)}`)
  }

  const created = await fetch(`${a1}/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ id: 'global', name: 'Global' }) })
  t.equal(created.status, 201)
  const read = await fetch(`${a2}/v1/projects/global`, { headers })
  t.equal(read.status, 200, 'dc2 reads what dc1 wrote (shared platform store)')
  t.equal(read.headers.get('x-dyad-dc'), 'dc2')

  const put = await fetch(`${a1}/v1/projects/global/opa/v1/policies/g.rego`, { method: 'PUT', headers: { ...headers, 'content-type': 'text/plain' }, body: 'package g\n\nimport rego.v1\n\nallow if input.n > 1\n' })
  t.equal(put.status, 200)
  let result: unknown
  for (let i = 0; i < 100 && result !== true; i++) {
    const res = await fetch(`${a2}/v1/projects/global/opa/v1/data/g/allow`, { method: 'POST', headers, body: JSON.stringify({ input: { n: 2 } }) })
    result = (await res.json()).result
    if (result !== true) await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(result, true, 'dc2 serves the policy uploaded in dc1')

  // Decision logs land in Cosmos and are visible from either DC; the audit log records the DC.
  const logs = await (await fetch(`${a1}/v1/projects/global/decisions?path=g/allow`, { headers })).json()
  t.ok(logs.items.length >= 1 && logs.items.every((d: { dc: string }) => d.dc === 'dc2'), 'decision logged by dc2, read through dc1')
  const audit = await (await fetch(`${a2}/v1/audit?projectId=global`, { headers })).json()
  t.ok(audit.items.some((e: { dc: string; action: string }) => e.dc === 'dc1' && e.action === 'policy.write'))
})
