// Proves a test server really works by using it the way the tests will, retrying until it does or a
// deadline passes (DYAD_PROBE_TIMEOUT_S, default 60). An open port is not enough: etcd may not have
// elected itself leader yet, and Postgres may accept connections before pgvector can be created.
//
//   node probe.mjs etcd     http://127.0.0.1:PORT
//   node probe.mjs postgres postgres://user:pass@127.0.0.1:PORT/postgres
//   node probe.mjs cosmos   https://127.0.0.1:PORT KEY
//
// Exits 0 when the server answered correctly, 1 with the last error otherwise.
import https from 'node:https'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'

const [kind, address, key] = process.argv.slice(2)
const deadline = Date.now() + Number(process.env.DYAD_PROBE_TIMEOUT_S ?? 60) * 1000
// When the caller names the server's pid, a server that died (e.g. its port was taken) fails the
// probe at once instead of after the whole deadline.
const serverPid = Number(process.env.DYAD_PROBE_PID ?? 0)
const suffix = randomBytes(4).toString('hex')

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message)
}

async function probeEtcd(endpoint) {
  // The health endpoint turns true only once the member has a leader and can serve writes.
  const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(3000) })
  const body = await res.json()
  check(body.health === 'true', `etcd /health says ${JSON.stringify(body)}`)
  const { Etcd3 } = await import('etcd3')
  const client = new Etcd3({ hosts: [endpoint], dialTimeout: 3000 })
  try {
    const k = `dyad-probe/${suffix}`
    await client.put(k).value('ok')
    check((await client.get(k).string()) === 'ok', 'etcd: read back a different value')
    await client.delete().key(k)
  } finally {
    client.close()
  }
}

async function probePostgres(url) {
  const { default: pg } = await import('pg')
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  await admin.connect()
  const db = `dyad_probe_${suffix}`
  try {
    await admin.query(`CREATE DATABASE ${db}`)
    const dbUrl = new URL(url)
    dbUrl.pathname = `/${db}`
    const client = new pg.Client({ connectionString: dbUrl.toString() })
    await client.connect()
    try {
      // template1 already has the extension, so this must be a no-op that succeeds.
      await client.query('CREATE EXTENSION IF NOT EXISTS vector')
      const { rows } = await client.query(`SELECT '[1,2,3]'::vector <-> '[1,2,5]' AS d`)
      check(rows[0].d === 2, `pgvector: expected distance 2, got ${rows[0].d}`)
    } finally {
      await client.end()
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => {})
    await admin.end()
  }
}

async function probeCosmos(endpoint, accountKey) {
  const { CosmosClient } = await import('@azure/cosmos')
  const client = new CosmosClient({
    endpoint,
    key: accountKey,
    // The emulator's certificate is self-signed; never do this outside tests.
    agent: new https.Agent({ rejectUnauthorized: false }),
  })
  const { database } = await client.databases.createIfNotExists({ id: `probe_${suffix}` })
  try {
    const { container } = await database.containers.createIfNotExists({ id: 'c', partitionKey: { paths: ['/pk'] } })
    await container.items.upsert({ id: 'a', pk: 'p', v: 1 })
    const { resource } = await container.item('a', 'p').read()
    check(resource?.v === 1, 'cosmos: read back a different item')
  } finally {
    await database.delete()
  }
}

const probes = { etcd: () => probeEtcd(address), postgres: () => probePostgres(address), cosmos: () => probeCosmos(address, key) }
if (!probes[kind] || !address || (kind === 'cosmos' && !key)) {
  console.error('usage: node probe.mjs etcd|postgres|cosmos <address> [cosmos key]')
  process.exit(2)
}

let lastError
for (;;) {
  try {
    await probes[kind]()
    process.exit(0)
  } catch (err) {
    lastError = err
  }
  if (Date.now() > deadline) break
  if (serverPid && !alive(serverPid)) {
    lastError = new Error(`the server process (pid ${serverPid}) has exited`)
    break
  }
  await sleep(300)
}
console.error(`${kind} at ${address.replace(/\/\/[^@/]*@/, '//***@')} is not ready: ${lastError?.message ?? lastError}`)
process.exit(1)
