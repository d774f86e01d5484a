/**
 * Child process for the http-decision scenario: a complete Dyad app (embedded profile, throwaway
 * data dir) and a bare Fastify app with one constant JSON route, both on 127.0.0.1, in one process
 * of the same kind, so the client can hit them alternately. Reports ports and the admin key over
 * IPC; closes both apps and removes the data dir when told to stop or when the parent goes away.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config/load.ts'

export interface ServersReady {
  type: 'ready'
  dyadPort: number
  barePort: number
  adminKey: string
}

const dataDir = mkdtempSync(join(tmpdir(), 'dyad-bench-'))
const adminKey = `dyad_bench${randomBytes(4).toString('hex')}_${randomBytes(24).toString('base64url')}`

const config = loadConfig({
  DYAD_DATA_DIR: dataDir,
  DYAD_LOG_LEVEL: 'silent',
  DYAD_BOOTSTRAP_ADMIN_KEY: adminKey,
  DYAD_HOST: '127.0.0.1',
  DYAD_PORT: '0',
  // The benchmark is one principal sending thousands of requests a second; the limiter would turn
  // most of them into 429s and measure those instead.
  DYAD_RATE_LIMIT_PER_MINUTE: '0',
})

const dyad = await buildApp({ config, logger: false })
await dyad.app.listen({ host: '127.0.0.1', port: 0 })

const bare = Fastify({ logger: false })
bare.post('/v1/data/app/rbac/allow', async () => ({ result: true }))
await bare.listen({ host: '127.0.0.1', port: 0 })

let closing = false
async function shutdown(code: number) {
  if (closing) return
  closing = true
  const timer = setTimeout(() => process.exit(code), 15000)
  timer.unref()
  await Promise.allSettled([bare.close(), dyad.app.close()])
  rmSync(dataDir, { recursive: true, force: true })
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
