/**
 * The client's last-known-good file: every namespace it has fetched, written after each fetch that
 * brought new content, so a process that starts while Dyad is unreachable still has its config.
 *
 * Written atomically (a temporary file in the same directory, flushed to disk, then renamed over
 * the old one), so a crash mid-write leaves the previous file, never half of one. Writes are
 * serialized and coalesced: while one is running, later changes wait and go out together in the
 * next. The file records what it was fetched for (project, app, env, cluster, client id, labels);
 * a file written for another scope is ignored rather than served.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { ConfigSnapshot } from './types.ts'

export interface CacheScope {
  projectId: string
  app: string
  env: string
  cluster: string
  clientId?: string
  labels: Record<string, string>
}

interface CacheFileBody {
  version: 1
  scope: CacheScope
  writtenAt: string
  namespaces: Record<string, Omit<ConfigSnapshot, 'source'>>
}

const sameScope = (a: CacheScope, b: CacheScope) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
const canonical = (s: CacheScope) => ({ ...s, clientId: s.clientId ?? null, labels: Object.fromEntries(Object.entries(s.labels).sort(([x], [y]) => (x < y ? -1 : 1))) })

export interface CacheFile {
  /** What the file holds for this scope (empty when it is missing, unreadable or for another scope). */
  load(): Promise<Map<string, ConfigSnapshot>>
  /** Schedules a write of `entries`; resolves when a write including them has finished (or failed). */
  save(entries: ReadonlyMap<string, ConfigSnapshot>): Promise<void>
}

export function createCacheFile(path: string, scope: CacheScope, onError: (err: unknown) => void): CacheFile {
  let latest: ReadonlyMap<string, ConfigSnapshot> | undefined
  let running: Promise<void> | undefined
  let queued: Promise<void> | undefined

  async function writeNow(entries: ReadonlyMap<string, ConfigSnapshot>) {
    const body: CacheFileBody = {
      version: 1,
      scope,
      writtenAt: new Date().toISOString(),
      namespaces: Object.fromEntries([...entries].map(([ns, { source: _s, ...snap }]) => [ns, snap])),
    }
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    try {
      await mkdir(dirname(path), { recursive: true })
      const fh = await open(tmp, 'w', 0o600)
      try {
        await fh.writeFile(JSON.stringify(body))
        await fh.sync()
      } finally {
        await fh.close()
      }
      await rename(tmp, path)
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {})
      onError(err)
    }
  }

  function next(): Promise<void> {
    const entries = latest!
    latest = undefined
    return writeNow(entries)
  }

  return {
    async load() {
      let body: CacheFileBody
      try {
        body = JSON.parse(await readFile(path, 'utf8')) as CacheFileBody
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(err)
        return new Map()
      }
      if (body?.version !== 1 || typeof body.namespaces !== 'object' || !body.scope || !sameScope(body.scope, scope)) return new Map()
      return new Map(Object.entries(body.namespaces).map(([ns, snap]) => [ns, { ...snap, source: 'last-known-good' as const }]))
    },

    save(entries) {
      latest = new Map(entries)
      if (!running) {
        running = next().finally(() => {
          running = undefined
        })
        return running
      }
      // One write runs: the next one (already queued or queued now) will carry these entries too.
      queued ??= running.then(() => {
        queued = undefined
        running = next().finally(() => {
          running = undefined
        })
        return running
      })
      return queued
    },
  }
}
