/**
 * The platform domain's principal directory (src/contracts/directory.ts): API keys, platform-admin
 * flags, memberships and project existence served from memory, so a request by a known caller
 * costs no store read. Entries are dropped exactly by the store's access change feed, which carries
 * changes made by every process on the store (the other DC's included) within its poll interval,
 * and at once by this process's own writes (`changed`). While the feed is failing the caches are
 * bypassed: a revocation must never be missed because the feed was down.
 */
import type { ApiKeyView, PrincipalDirectory } from '../../src/contracts/directory.ts'
import type { ProjectRole } from '../../src/contracts/principal.ts'
import type { AccessChange, PlatformStore } from '../../src/infra/ports/platform.ts'
import { PlatformErrors } from './errors.ts'
import { createReadThrough } from './read-through.ts'

const missing = (projectId: string) => PlatformErrors.projectNotFound(`Project ${projectId} does not exist.`)

/** Don't write `lastUsedAt` on every request: once per interval is enough for humans to read. */
const TOUCH_INTERVAL_MS = 5 * 60_000

export interface DirectoryLimits {
  /** Cached entries per kind (keys, admin flags, memberships, projects). */
  maxEntries: number
  /** Cached "does not exist" answers per kind, each kept at most `absentTtlMs`. */
  maxAbsent: number
  absentTtlMs: number
  /** How long principals cached before the feed failed still answer while the store is failing too. */
  staleOnErrorMs: number
}

export const DEFAULT_DIRECTORY_LIMITS: DirectoryLimits = { maxEntries: 100_000, maxAbsent: 10_000, absentTtlMs: 30_000, staleOnErrorMs: 30_000 }

export interface PlatformDirectory extends PrincipalDirectory {
  /** Starts following the access feed; call once before serving. */
  start(): Promise<void>
  /** Drops what a write by this process changed (the feed would report it a little later). */
  changed(change: AccessChange): void
  close(): Promise<void>
}

export function createDirectory(deps: {
  store: PlatformStore
  log: { warn(obj: object, msg: string): void }
  limits?: Partial<DirectoryLimits>
}): PlatformDirectory {
  const { store } = deps
  const limits = { ...DEFAULT_DIRECTORY_LIMITS, ...deps.limits }
  const cacheOpts = { maxEntries: limits.maxEntries, maxAbsent: limits.maxAbsent, absentTtlMs: limits.absentTtlMs, staleOnErrorMs: limits.staleOnErrorMs }
  const keys = createReadThrough<ApiKeyView | undefined>({
    ...cacheOpts,
    load: async (id) => {
      const k = await store.getApiKey(id)
      return k && { id: k.id, secretHash: k.secretHash, subject: k.subject, projectId: k.projectId, expiresAt: k.expiresAt, revokedAt: k.revokedAt, lastUsedAt: k.lastUsedAt ?? null }
    },
    isAbsent: (v) => v === undefined,
  })
  const admins = createReadThrough<boolean>({ ...cacheOpts, load: (s) => store.isPlatformAdmin(s), isAbsent: (v) => !v })
  const roles = createReadThrough<ProjectRole | null>({
    ...cacheOpts,
    load: async (k) => {
      const slash = k.indexOf('/')
      return (await store.getMember(k.slice(0, slash), k.slice(slash + 1)))?.role ?? null
    },
    isAbsent: (v) => v === null,
  })
  const projects = createReadThrough<boolean>({ ...cacheOpts, load: async (id) => (await store.getProject(id)) !== undefined, isAbsent: (v) => !v })
  const all = [keys, admins, roles, projects]
  const touched = new Map<string, number>()
  let watch: { cancel(): Promise<void> } | undefined

  function changed(c: AccessChange) {
    switch (c.kind) {
      case 'apikey':
        return keys.invalidate(c.key)
      case 'admin':
        return admins.invalidate(c.key)
      case 'member':
        return roles.invalidate(c.key)
      case 'project':
        return projects.invalidate(c.key)
      case 'reset':
        for (const cache of all) cache.clear()
    }
  }

  return {
    apiKey: (id) => keys.get(id),
    isPlatformAdmin: (subject) => admins.get(subject),
    // Project ids are slugs without '/', so the pair key is unambiguous.
    roleOf: (projectId, subject) => roles.get(`${projectId}/${subject}`),
    assertProject(projectId) {
      const exists = projects.get(projectId)
      if (exists === true) return
      if (exists === false) throw missing(projectId)
      return exists.then((ok) => {
        if (!ok) throw missing(projectId)
      })
    },
    touchApiKey(id, at) {
      const last = touched.get(id) ?? 0
      if (at.getTime() - last < TOUCH_INTERVAL_MS) return
      touched.delete(id)
      touched.set(id, at.getTime())
      if (touched.size > limits.maxEntries) touched.delete(touched.keys().next().value as string)
      store.touchApiKey(id, at.toISOString()).catch((err: Error) => deps.log.warn({ err, keyId: id }, 'could not record API key use'))
    },
    changed,
    async start() {
      watch = await store.watchAccess(changed, (err) => {
        deps.log.warn({ err }, 'access change feed failing; reading principals from the store until it recovers')
        for (const cache of all) cache.distrust()
      })
    },
    async close() {
      await watch?.cancel()
    },
  }
}
