/**
 * Child process for the HTTP scenarios: a complete Dyad app and a bare Fastify app with the same two
 * routes returning constant JSON, both on 127.0.0.1, in one process of the same kind, so the client
 * can hit them alternately. The Dyad app runs the profile named by DYAD_BENCH_PROFILE:
 *   embedded  PGlite in a throwaway data dir (the `npm start` default);
 *   postgres  Postgres 15 (a fresh database on DYAD_TEST_POSTGRES_URL) + etcd (DYAD_TEST_ETCD_ENDPOINTS),
 *             the production profile, on the servers the test suite uses.
 * Reports ports and the admin key over IPC; closes both apps and removes what it created when told
 * to stop or when the parent goes away.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config/load.ts'
import { freshPostgresDatabase, isSkip } from '../test/helpers/servers.ts'

export interface ServersReady {
  type: 'ready'
  dyadPort: number
  barePort: number
  adminKey: string
}

const profile = process.env.DYAD_BENCH_PROFILE ?? 'embedded'
const dataDir = mkdtempSync(join(tmpdir(), 'dyad-bench-'))
const adminKey = `dyad_bench${randomBytes(4).toString('hex')}_${randomBytes(24).toString('base64url')}`
const cleanups: Array<() => Promise<void>> = [async () => rmSync(dataDir, { recursive: true, force: true })]

let profileEnv: Record<string, string> = {}
if (profile === 'postgres') {
  const pg = await freshPostgresDatabase()
  const etcd = process.env.DYAD_TEST_ETCD_ENDPOINTS
  if (isSkip(pg) || !etcd) throw new Error('the postgres profile needs DYAD_TEST_POSTGRES_URL and DYAD_TEST_ETCD_ENDPOINTS')
  cleanups.push(pg.drop)
  profileEnv = { DYAD_SQL: 'postgres', DYAD_POSTGRES_URL: pg.url, DYAD_KV: 'etcd', DYAD_ETCD_ENDPOINTS: etcd, DYAD_ETCD_NAMESPACE: `bench-${randomBytes(4).toString('hex')}/` }
} else if (profile !== 'embedded') {
  throw new Error(`unknown DYAD_BENCH_PROFILE ${profile}`)
}

const config = loadConfig({
  DYAD_DATA_DIR: dataDir,
  DYAD_LOG_LEVEL: 'silent',
  DYAD_BOOTSTRAP_ADMIN_KEY: adminKey,
  DYAD_HOST: '127.0.0.1',
  DYAD_PORT: '0',
  // The benchmark is one principal sending thousands of requests a second; the limiter would turn
  // most of them into 429s and measure those instead.
  DYAD_RATE_LIMIT_PER_MINUTE: '0',
  ...profileEnv,
})

const dyad = await buildApp({ config, logger: false })
await dyad.app.listen({ host: '127.0.0.1', port: 0 })

const bare = Fastify({ logger: false })
bare.post('/v1/data/app/rbac/allow', async () => ({ result: true }))
bare.get('/v1/whoami', async () => ({ subject: 'alice', via: 'api-key', keyId: 'k', projectScope: 'bench', platformAdmin: false }))
await bare.listen({ host: '127.0.0.1', port: 0 })

let closing = false
async function shutdown(code: number) {
  if (closing) return
  closing = true
  const timer = setTimeout(() => process.exit(code), 15000)
  timer.unref()
  await Promise.allSettled([bare.close(), dyad.app.close()])
  for (const c of cleanups) await c().catch(() => {})
  process.exit(code)
}

process.on('message', (m) => {
  if (m === 'stop') void shutdown(0)
})
process.on('disconnect', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))

const ready: ServersReady = {
  type: 'ready',
  dyadPort: (dyad.app.server.address() as AddressInfo).port,
  barePort: (bare.server.address() as AddressInfo).port,
  adminKey,
}
process.send!(ready)
