/**
 * Child process for the cms scenarios (never import it: it starts the servers when loaded; types only): one complete Dyad app (embedded SQL in a throwaway data
 * directory; the key-value store as DYAD_BENCH_CMS_ENV says: embedded, or etcd with a prefix shared
 * by several children, which is how two "DCs" share config) and, with DYAD_BENCH_CMS_BARE=1, a bare
 * Fastify app with a GET route returning a constant config body (the parent sends it). Reports ports and the admin key
 * over IPC; answers `{ type: 'memory' }` with its memory after a full GC; stops when told or when
 * the parent goes away.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config/load.ts'
import { BARE_CONFIG_PATH } from './cms-child.ts'

export interface CmsServersReady {
  type: 'ready'
  dyadPort: number
  barePort?: number
  adminKey: string
}

export interface CmsServerMemory {
  type: 'memory'
  rss: number
  heapUsed: number
  external: number
  arrayBuffers: number
}


const dataDir = mkdtempSync(join(tmpdir(), 'dyad-bench-cms-'))
const adminKey = process.env.DYAD_BENCH_ADMIN_KEY ?? `dyad_bench${randomBytes(4).toString('hex')}_${randomBytes(24).toString('base64url')}`
const extra = JSON.parse(process.env.DYAD_BENCH_CMS_ENV ?? '{}') as Record<string, string>

const config = loadConfig({
  DYAD_DATA_DIR: dataDir,
  DYAD_LOG_LEVEL: 'silent',
  DYAD_BOOTSTRAP_ADMIN_KEY: adminKey,
  DYAD_HOST: '127.0.0.1',
  DYAD_PORT: '0',
  // One principal sends thousands of requests a second (see http-servers.ts).
  DYAD_RATE_LIMIT_PER_MINUTE: '0',
  ...extra,
})
const dyad = await buildApp({ config, logger: false })
await dyad.app.listen({ host: '127.0.0.1', port: 0 })

let bare: FastifyInstance | undefined
/** Set by the parent (`{ type: 'bare-body', body }`) once it has read Dyad's answer, so both send the same bytes. */
let bareBody: object = {}
if (process.env.DYAD_BENCH_CMS_BARE === '1') {
  bare = Fastify({ logger: false })
  bare.get(BARE_CONFIG_PATH, async (_req, reply) => reply.header('etag', '"bare"').header('cache-control', 'no-cache').send(bareBody))
  await bare.listen({ host: '127.0.0.1', port: 0 })
}

let closing = false
async function shutdown(code: number) {
  if (closing) return
  closing = true
  setTimeout(() => process.exit(code), 15000).unref()
  await Promise.allSettled([bare?.close(), dyad.app.close()])
  rmSync(dataDir, { recursive: true, force: true })
  process.exit(code)
}

process.on('message', (m: unknown) => {
  if (m === 'stop') return void shutdown(0)
  if ((m as { type?: string })?.type === 'bare-body') {
    bareBody = (m as { body: object }).body
    process.send!({ type: 'bare-body-set' })
  }
  if ((m as { type?: string })?.type === 'memory') {
    ;(globalThis as { gc?: () => void }).gc?.()
    const u = process.memoryUsage()
    const reply: CmsServerMemory = { type: 'memory', rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers }
    process.send!(reply)
  }
})
process.on('disconnect', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))

const ready: CmsServersReady = {
  type: 'ready',
  dyadPort: (dyad.app.server.address() as AddressInfo).port,
  ...(bare ? { barePort: (bare.server.address() as AddressInfo).port } : {}),
  adminKey,
}
process.send!(ready)
