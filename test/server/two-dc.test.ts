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

  // Decision logs land in Cosmos (written by dc2 in the background, within its flush interval) and
  // are visible from either DC; the audit log records the DC.
  let logs: { items: Array<{ dc: string }> } = { items: [] }
  for (let i = 0; i < 50 && logs.items.length === 0; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100))
    logs = await (await fetch(`${a1}/v1/projects/global/decisions?path=g/allow`, { headers })).json()
  }
  t.ok(logs.items.length >= 1 && logs.items.every((d) => d.dc === 'dc2'), 'decision logged by dc2, read through dc1')
  const audit = await (await fetch(`${a2}/v1/audit?projectId=global`, { headers })).json()
  t.ok(audit.items.some((e: { dc: string; action: string }) => e.dc === 'dc1' && e.action === 'policy.write'))

  // Revocation and membership removal made in dc1 reach dc2's in-memory directory through the
  // access change feed. The latency is reported, not asserted (this machine is shared and noisy);
  // the loop only bounds how long the test may wait.
  await fetch(`${a1}/v1/projects/global/members/rev`, { method: 'PUT', headers, body: JSON.stringify({ role: 'project-user' }) })
  const issued = await (await fetch(`${a1}/v1/projects/global/api-keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'r', subject: 'rev' }) })).json()
  const keyHeaders = { authorization: `Bearer ${issued.apiKey}` }
  t.equal((await fetch(`${a2}/v1/projects/global`, { headers: keyHeaders })).status, 200, 'dc2 accepts the key (and caches it)')
  t.equal((await fetch(`${a2}/v1/projects/global`, { headers: keyHeaders })).status, 200)
  const seenIn = async (address: string, status: number) => {
    const started = Date.now()
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${address}/v1/projects/global`, { headers: keyHeaders })).status === status) return Date.now() - started
      await new Promise((r) => setTimeout(r, 20))
    }
    return Infinity
  }
  t.equal((await fetch(`${a1}/v1/projects/global/api-keys/${issued.key.id}`, { method: 'DELETE', headers: { authorization: headers.authorization } })).status, 200)
  t.equal((await fetch(`${a1}/v1/projects/global`, { headers: keyHeaders })).status, 401, 'dc1 refuses the revoked key at once')
  const revokedAfter = await seenIn(a2, 401)
  t.ok(Number.isFinite(revokedAfter), 'dc2 refuses the revoked key')
  t.comment(`revocation reached dc2 after ${revokedAfter} ms`)

  const other = await (await fetch(`${a1}/v1/projects/global/api-keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'r2', subject: 'rev' }) })).json()
  keyHeaders.authorization = `Bearer ${other.apiKey}`
  t.equal((await fetch(`${a2}/v1/projects/global`, { headers: keyHeaders })).status, 200)
  t.equal((await fetch(`${a1}/v1/projects/global/members/rev`, { method: 'DELETE', headers: { authorization: headers.authorization } })).status, 204)
  const removedAfter = await seenIn(a2, 403)
  t.ok(Number.isFinite(removedAfter), 'dc2 refuses the removed member')
  t.comment(`membership removal reached dc2 after ${removedAfter} ms`)
})
