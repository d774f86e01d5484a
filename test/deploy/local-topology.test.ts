/**
 * The two-DC topology of deploy/local with the real engines (etcd cluster of three, Patroni-managed
 * Postgres with a synchronous standby, HAProxy per DC, one Dyad per DC, 10 ms simulated RTT): it
 * comes up with both DCs answering, a write in one DC is read in the other, losing the primary's
 * whole DC keeps the other DC serving (reads from memory at once, writes after Patroni's failover)
 * with no acknowledged write lost, and `down` leaves nothing running.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { down, killSite, lbUrl, up, type Topology } from '../../deploy/local/topology.ts'

const required = process.env.DYAD_TEST_REQUIRE_SERVERS === '1'
const missing = ['/usr/bin/patroni', '/usr/sbin/haproxy', '/usr/bin/etcd'].filter((f) => !existsSync(f))
const nsTaken = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes('dyad-dc1')

if (process.getuid?.() !== 0 || missing.length > 0) {
  const why = process.getuid?.() !== 0 ? 'needs root (network namespaces)' : `missing ${missing.join(', ')}`
  if (required) throw new Error(`local topology ${why}; DYAD_TEST_REQUIRE_SERVERS=1 forbids skipping`)
  t.plan(0, why)
} else if (nsTaken) {
  t.fail('a local topology is already up (deploy/local/topology.ts down stops it)')
} else {
  const parent = mkdtempSync(join(tmpdir(), 'dyad-topology-'))
  chmodSync(parent, 0o755) // Patroni and Postgres run as `postgres` and must reach the state below
  const state = join(parent, 'state')
  t.teardown(() => {
    down(state)
    rmSync(parent, { recursive: true, force: true })
  })
  const topo: Topology = await up({ state, rttMs: 10, instances: 1 }).catch((err) => {
    down(state) // a failed start must not leave namespaces behind for the next run
    throw err
  })
  const [dc1, dc2, wit] = topo.sites
  const auth = { authorization: `Bearer ${topo.adminKey}`, 'content-type': 'application/json' }
  const call = async (base: string, path: string, init: RequestInit = {}) => {
    try {
      const r = await fetch(`${base}${path}`, { ...init, headers: { ...auth, ...(init.headers ?? {}) }, signal: AbortSignal.timeout(5000) })
      return { status: r.status, body: (await r.json().catch(() => null)) as Record<string, unknown> | null }
    } catch (err) {
      return { status: 0, body: { error: (err as Error).message } }
    }
  }
  const createProject = (base: string, id: string) =>
    call(base, '/v1/projects', { method: 'POST', headers: { 'idempotency-key': `create-${id}` }, body: JSON.stringify({ id, name: id }) })
  const projectIds = async (base: string) => ((await call(base, '/v1/projects')).body?.items as Array<{ id: string }> | undefined)?.map((p) => p.id)
  /** Bounded retry: `attempt` until it returns true, at most `seconds`. */
  const within = async (seconds: number, attempt: () => Promise<boolean>) => {
    const deadline = Date.now() + seconds * 1000
    while (Date.now() < deadline) {
      if (await attempt()) return true
      await new Promise((r) => setTimeout(r, 250))
    }
    return false
  }

  await t.test('both DCs answer through their load balancers', async (t) => {
    for (const s of [dc1, dc2]) {
      const ready = await call(lbUrl(s), '/health/ready')
      t.equal(ready.status, 200, `${s.name} ready`)
      t.equal(ready.body?.dc, s.name, `${s.name}'s load balancer prefers its own DC's process`)
    }
  })

  const acknowledged: string[] = []
  await t.test('a write in either DC is read in the other', async (t) => {
    for (const [from, to] of [[dc1, dc2], [dc2, dc1]]) {
      const id = `from-${from.name}`
      const res = await createProject(lbUrl(from), id)
      t.equal(res.status, 201, `created in ${from.name}`)
      acknowledged.push(id)
      t.ok((await projectIds(lbUrl(to)))?.includes(id), `read in ${to.name}`)
    }
  })

  await t.test('losing the primary\'s DC: dc2 serves reads at once and writes after failover, nothing acknowledged is lost', async (t) => {
    t.ok(killSite(dc1) > 0, 'every process of dc1 killed')
    const lost = Date.now()
    const whoami = await call(lbUrl(dc2), '/v1/whoami')
    t.equal(whoami.status, 200, `identity is served from memory while Postgres fails over (${JSON.stringify(whoami.body)})`)
    let attempt = 0
    const wrote = await within(60, async () => {
      const id = `after-loss-${attempt++}`
      const res = await createProject(lbUrl(dc2), id)
      if (res.status === 201) acknowledged.push(id)
      else t.ok(res.status === 503 || res.status === 0, `refused while failing over (${res.status} ${String(res.body?.code ?? res.body?.error)}), not a 500`)
      return res.status === 201
    })
    t.ok(wrote, 'writes succeed in dc2 again')
    t.comment(`writes back in dc2 ${((Date.now() - lost) / 1000).toFixed(1)} s after dc1 was lost`)
    const ids = await projectIds(lbUrl(dc2))
    for (const id of acknowledged) t.ok(ids?.includes(id), `acknowledged ${id} survived`)
    t.equal(new Set(ids).size, ids?.length, 'no project listed twice')
    t.equal((await call(`http://${wit.ip}:${wit.etcd}`, '/health')).status, 200, 'etcd keeps quorum with dc2 and the witness')
  })

  await t.test('down leaves nothing running', async (t) => {
    down(state)
    t.notMatch(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout, /dyad-/)
    t.equal(existsSync(state), false, 'state removed')
    const left = spawnSync('pgrep', ['-f', state], { encoding: 'utf8' }).stdout.trim()
    t.equal(left, '', 'no process of the topology remains')
  })
}
