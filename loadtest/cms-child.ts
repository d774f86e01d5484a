/** Starting and driving the cms scenarios' server children (loadtest/cms-servers.ts) and setting them up over HTTP. */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { send, type Target } from './http-client.ts'
import type { CmsServerMemory, CmsServersReady } from './cms-servers.ts'

const SERVERS = fileURLToPath(new URL('./cms-servers.ts', import.meta.url))
const START_TIMEOUT_MS = 120_000
export const PROJECT = 'bench'
export const NS_PATH = `/v1/projects/${PROJECT}/cms/apps/checkout/envs/prod/clusters/default/namespaces/application`
/** The bare app's route: Dyad's config path, answering the same body as Dyad's config read. */
export const BARE_CONFIG_PATH = `${NS_PATH}/config`

export interface CmsChild {
  ready: CmsServersReady
  memory(): Promise<CmsServerMemory>
  setBareBody(body: object): Promise<void>
  stop(): Promise<void>
}

/** The soft limit on open files of this process (children inherit it), from /proc. */
export function openFileLimit(): number {
  const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
  return m ? Number(m[1]) : 1024
}

function ask<T>(child: ChildProcess, msg: object, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if ((m as { type?: string })?.type === type) {
        child.off('message', on)
        resolve(m as T)
      }
    }
    child.on('message', on)
    child.send(msg)
  })
}

/**
 * Starts a child with Dyad (and optionally the bare app). `fdLimit` raises its open-file limit
 * through the shell's `ulimit -n` first (root may raise it past the hard limit; otherwise it stays).
 */
export function startCmsChild(env: Record<string, string>, opts: { bare?: boolean; fdLimit?: number } = {}): Promise<CmsChild> {
  // DYAD_BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server child.
  const extra = (process.env.DYAD_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const node = [process.execPath, ...extra, '--import', 'tsx', '--expose-gc', SERVERS]
  const script = opts.fdLimit ? `ulimit -n ${opts.fdLimit} 2>/dev/null || ulimit -n hard 2>/dev/null; exec "$@"` : 'exec "$@"'
  const child = spawn('bash', ['-c', script, 'bash', ...node], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...(opts.bare ? { DYAD_BENCH_CMS_BARE: '1' } : {}), DYAD_BENCH_CMS_ENV: JSON.stringify(env) },
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`cms server child did not start within ${START_TIMEOUT_MS} ms`))
    }, START_TIMEOUT_MS)
    const onExit = (code: number | null) => {
      clearTimeout(timer)
      reject(new Error(`cms server child exited with code ${code} before it was ready`))
    }
    child.once('exit', onExit)
    child.once('message', (m) => {
      clearTimeout(timer)
      child.off('exit', onExit)
      resolve({
        ready: m as CmsServersReady,
        memory: () => ask<CmsServerMemory>(child, { type: 'memory' }, 'memory'),
        setBareBody: async (body) => void (await ask(child, { type: 'bare-body', body }, 'bare-body-set')),
        stop: () =>
          child.exitCode !== null
            ? Promise.resolve()
            : new Promise<void>((done) => {
                const kill = setTimeout(() => child.kill('SIGKILL'), 20_000)
                child.once('exit', () => {
                  clearTimeout(kill)
                  done()
                })
                child.send('stop')
              }),
      })
    })
  })
}

const json = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' })

async function must(t: Target, ok: number[], what: string): Promise<string> {
  const r = await send(t)
  if (!ok.includes(r.status)) throw new Error(`${what}: expected ${ok.join('/')}, got ${r.status} ${r.body.slice(0, 300)}`)
  return r.body
}

/** The project, a project-user `alice` and her project-scoped key. Returns the key. */
export async function createProjectKey(port: number, adminKey: string): Promise<string> {
  await must({ name: 'setup', port, method: 'POST', path: '/v1/projects', headers: json(adminKey), body: JSON.stringify({ id: PROJECT, name: 'Bench' }) }, [201], 'create project')
  await must({ name: 'setup', port, method: 'PUT', path: `/v1/projects/${PROJECT}/members/alice`, headers: json(adminKey), body: JSON.stringify({ role: 'project-user' }) }, [200], 'add member')
  const created = await must({ name: 'setup', port, method: 'POST', path: `/v1/projects/${PROJECT}/api-keys`, headers: json(adminKey), body: JSON.stringify({ name: 'bench', subject: 'alice' }) }, [201], 'create key')
  return (JSON.parse(created) as { apiKey: string }).apiKey
}

/** App `checkout`, unprotected env `prod`, namespace `application` (properties). */
export async function declareNamespace(port: number, adminKey: string): Promise<void> {
  const base = `/v1/projects/${PROJECT}/cms`
  await must({ name: 'setup', port, method: 'POST', path: `${base}/apps`, headers: json(adminKey), body: JSON.stringify({ name: 'checkout' }) }, [201], 'create app')
  await must({ name: 'setup', port, method: 'POST', path: `${base}/apps/checkout/envs`, headers: json(adminKey), body: JSON.stringify({ name: 'prod' }) }, [201], 'create env')
  await must({ name: 'setup', port, method: 'POST', path: `${base}/apps/checkout/envs/prod/clusters/default/namespaces`, headers: json(adminKey), body: JSON.stringify({ name: 'application', format: 'properties' }) }, [201], 'create namespace')
}

/** Writes the draft (not timed by callers) and returns a function that publishes it. */
export async function draft(port: number, key: string, content: string): Promise<() => Promise<{ seq: number; key: string }>> {
  await must({ name: 'draft', port, method: 'PUT', path: `${NS_PATH}/draft`, headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' }, body: content }, [201], 'write draft')
  return async () => JSON.parse(await must({ name: 'publish', port, method: 'POST', path: `${NS_PATH}/releases`, headers: json(key), body: '{}' }, [201], 'publish')) as { seq: number; key: string }
}

/** A properties document of about `bytes` bytes. */
export function document(bytes: number, version: number): string {
  const lines = [`version=${version}`]
  for (let i = 0; lines.join('\n').length < bytes; i++) lines.push(`service.setting.${String(i).padStart(3, '0')}=value-${i}-${'x'.repeat(16)}`)
  return `${lines.join('\n')}\n`
}
