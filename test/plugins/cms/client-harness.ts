/**
 * What the cms client, two-DC and etcd-down tests (and the cms benchmarks) share: a throwaway etcd
 * they can kill and restart, a Dyad app rebuilt on the same data directory and port (a process
 * restart), a TCP proxy whose connections can be cut (a network drop), publishing through HTTP,
 * and bounded waits.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo, type Server, type Socket, connect } from 'node:net'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../src/app.ts'
import { loadConfig } from '../../../src/config/load.ts'
import type { Test } from 'tap'
import { ADMIN_KEY, JWT_SECRET, pgliteTemplate } from '../../helpers/app.ts'
import { nsUrl } from './setup.ts'

/** Polls `probe` until it returns a value other than undefined, or throws after `ms`. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 10_000, everyMs = 20): Promise<T> {
  const end = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await probe()
      if (v !== undefined && v !== false) return v as T
    } catch (err) {
      last = err
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = []
  return new Promise((resolve, reject) => {
    const next = () => {
      if (servers.length === n) {
        const ports = servers.map((s) => (s.address() as AddressInfo).port)
        let closed = 0
        for (const s of servers) s.close(() => ++closed === n && resolve(ports))
        return
      }
      const s = createServer()
      s.once('error', reject)
      s.listen({ host: '127.0.0.1', port: 0, exclusive: true }, next)
      servers.push(s)
    }
    next()
  })
}

export interface Etcd {
  endpoint: string
  /** SIGKILL: the member is gone (connections refused) until `start`. */
  kill(): Promise<void>
  /** SIGSTOP / SIGCONT: the member hangs (connections accepted, nothing answered). */
  pause(): void
  resume(): void
  /** Starts the member again on the same data directory and ports; resolves once it is healthy. */
  start(): Promise<void>
  stop(): Promise<void>
}

/** One etcd member on free loopback ports with its own data directory (as deploy/test/servers.sh starts it). */
export async function startEtcd(dir: string): Promise<Etcd> {
  mkdirSync(dir, { recursive: true })
  const [client, peer] = await freePorts(2)
  const endpoint = `http://127.0.0.1:${client}`
  let proc: ChildProcess | undefined
  const args = [
    '--name', 'cms-test', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `cms-test=http://127.0.0.1:${peer}`, '--initial-cluster-state', 'new',
    '--logger', 'zap', '--log-outputs', 'stderr', '--log-level', 'error',
  ]
  const exited = () => !proc || proc.exitCode !== null || proc.signalCode !== null
  async function start() {
    proc = spawn('etcd', args, { stdio: ['ignore', 'ignore', 'ignore'] })
    const p = proc
    await until('etcd to be healthy', async () => {
      if (p.exitCode !== null) throw new Error(`etcd exited with ${p.exitCode}`)
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) })
      return ((await res.json()) as { health?: string }).health === 'true' || undefined
    }, 20_000, 50)
  }
  async function kill() {
    if (exited()) return
    const p = proc!
    const gone = new Promise((r) => p.once('exit', r))
    p.kill('SIGCONT')
    p.kill('SIGKILL')
    await gone
  }
  await start()
  return {
    endpoint,
    kill,
    pause: () => void proc?.kill('SIGSTOP'),
    resume: () => void proc?.kill('SIGCONT'),
    start,
    stop: kill,
  }
}

export interface RunningApp {
  app: FastifyInstance
  port: number
  baseUrl: string
  dataDir: string
  /** Closes the app and builds a new one on the same data directory, listening on the same port. */
  restart(extraEnv?: Record<string, string>): Promise<RunningApp>
  close(): Promise<void>
}

/**
 * A Dyad app on `dataDir` (which must hold a migrated PGlite, e.g. from `buildTestApp`), listening on
 * 127.0.0.1 (`port` 0: a free one). SSE needs a real socket, hence no `inject`.
 */
export async function listenApp(dataDir: string, env: Record<string, string>, port = 0): Promise<RunningApp> {
  const config = loadConfig({
    DYAD_DATA_DIR: dataDir,
    DYAD_LOG_LEVEL: 'silent',
    DYAD_JWT_SECRET: JWT_SECRET,
    DYAD_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    DYAD_DC: 'dc-test',
    DYAD_RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  })
  const { app } = await buildApp({ config, logger: false })
  await app.listen({ host: '127.0.0.1', port })
  return running(app, dataDir, env)
}

/**
 * A fresh app on a data directory of its own, listening; closed and removed on teardown. Unlike
 * `buildTestApp`'s, it can be restarted on the same directory (with other settings).
 */
export async function startApp(t: Test, env: Record<string, string>): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dyad-cms-test-'))
  cpSync(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true })
  const started = await listenApp(dataDir, env)
  let current = started
  t.teardown(async () => {
    await current.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  // Track restarts so teardown closes the instance that runs last.
  const track = (r: RunningApp): RunningApp => {
    const inner = r.restart
    r.restart = async (extra) => (current = track(await inner(extra)))
    return r
  }
  return track(started)
}

function running(app: FastifyInstance, dataDir: string, env: Record<string, string>): RunningApp {
  const bound = (app.server.address() as AddressInfo).port
  let closed = false
  const self: RunningApp = {
    app,
    port: bound,
    baseUrl: `http://127.0.0.1:${bound}`,
    dataDir,
    async restart(extraEnv = {}) {
      await self.close()
      return listenApp(dataDir, { ...env, ...extraEnv }, bound)
    },
    async close() {
      if (closed) return
      closed = true
      await app.close()
    },
  }
  return self
}

/** A TCP proxy to `target` whose connections can be cut and refused for a while (a network drop). */
export async function startProxy(targetPort: number): Promise<{ port: number; url: string; drop(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  const [port] = await freePorts(1)
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((down) => {
        const up = connect(targetPort, '127.0.0.1')
        for (const s of [down, up]) {
          sockets.add(s)
          s.on('close', () => sockets.delete(s))
          s.on('error', () => {})
        }
        down.pipe(up).pipe(down)
        down.on('close', () => up.destroy())
        up.on('close', () => down.destroy())
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
  const drop = async () => {
    const s = server
    server = undefined
    for (const sock of sockets) sock.destroy()
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
  await listen()
  return { port: port!, url: `http://127.0.0.1:${port}`, drop, restore: listen, close: drop }
}

/** Creates app / env / namespace through HTTP (alice is project-admin), ignoring "already exists". */
export async function declareNamespace(app: FastifyInstance, headers: Record<string, string>, p: string, appName: string, env: string, ns: string, format = 'properties', cluster = 'default') {
  const base = `/v1/projects/${p}/cms`
  for (const [url, payload] of [
    [`${base}/apps`, { name: appName }],
    [`${base}/apps/${appName}/envs`, { name: env }],
    [`${base}/apps/${appName}/envs/${env}/clusters/${cluster}/namespaces`, { name: ns, format }],
  ] as const) {
    const res = await app.inject({ method: 'POST', url, headers, payload })
    if (res.statusCode !== 201 && res.json().code !== 'CMS_ALREADY_EXISTS') throw new Error(`${url}: ${res.statusCode} ${res.body}`)
  }
}

/**
 * Publishes `content` in an unprotected environment: draft, then release (optionally gray). Returns
 * the release record.
 */
export async function publish(app: FastifyInstance, headers: Record<string, string>, p: string, appName: string, env: string, ns: string, content: string, body: object = {}, cluster = 'default') {
  const url = nsUrl(p, appName, env, ns, cluster)
  const draft = await app.inject({ method: 'GET', url: `${url}/draft`, headers })
  const put = await app.inject({ method: 'PUT', url: `${url}/draft`, headers: draft.statusCode === 200 ? { ...headers, 'if-match': draft.headers.etag as string } : headers, payload: { content } })
  if (put.statusCode >= 300) throw new Error(`draft: ${put.statusCode} ${put.body}`)
  const rel = await app.inject({ method: 'POST', url: `${url}/releases`, headers, payload: body })
  if (rel.statusCode !== 201) throw new Error(`publish: ${rel.statusCode} ${rel.body}`)
  return rel.json() as { seq: number; key: string; content: string }
}
