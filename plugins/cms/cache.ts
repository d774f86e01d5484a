/**
 * The cms read side: apps, environments and namespace heads of every project, in memory, fed by
 * one watch on the store's `cms/c/` prefix (changes from this DC and the other arrive the same way).
 * A read never waits on etcd.
 *
 * Start: one range at one revision, then a watch from the next revision, so nothing falls between
 * the two. If the history the watch needs was compacted, it re-reads and watches again. After each
 * applied batch the whole cached state is written (debounced, atomically) to a last-known-good
 * snapshot file; a process that starts while etcd is unreachable serves from that snapshot (marked
 * `stale` in readiness) and keeps retrying until etcd answers, then replaces it.
 */
import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../../src/shared/atomic-file.ts'
import type { KvStore, KvWatch } from '../../src/infra/ports/kv.ts'
import { KvErrors } from '../../src/infra/kv/errors.ts'
import { matchesGray } from './gray.ts'
import type { ClientInfo, ConfigChange, ConfigReads, EffectiveConfig, NamespaceHead, NamespaceRef } from './model.ts'
import { DEFAULT_CLUSTER } from './model.ts'
import { createInstances } from './instances.ts'
import { keys, parseCachedKey, type AppRecord, type EnvRecord, type HeadRecord } from './store.ts'

interface ProjectState {
  apps: Map<string, AppRecord>
  /** `app/env` -> record */
  envs: Map<string, EnvRecord>
  /** `app/env/cluster/ns` -> head */
  heads: Map<string, NamespaceHead>
}

interface Snapshot {
  version: 1
  revision: number
  entries: Array<[key: string, value: string, modRevision: number]>
  /** Heads deleted (namespace, app or project deletions), with the revision they went at. */
  tombstones?: Array<[key: string, revision: number]>
}

/** Deleted heads remembered for watches that resume from before the deletion (oldest dropped first). */
const MAX_TOMBSTONES = 10_000

interface Tombstone {
  ref: NamespaceRef
  revision: number
}

/**
 * Deleted heads by cached key, indexed by project so a watch's replay looks at its own project's
 * only; at most MAX_TOMBSTONES in all, the oldest dropped first.
 */
function createTombstones() {
  const byProject = new Map<string, Map<string, Tombstone>>()
  /** Every key, oldest first, with its project. */
  const order = new Map<string, string>()
  const remove = (key: string) => {
    const p = order.get(key)
    if (p === undefined) return
    order.delete(key)
    const m = byProject.get(p)!
    m.delete(key)
    if (m.size === 0) byProject.delete(p)
  }
  return {
    has: (key: string) => order.has(key),
    delete: remove,
    set(key: string, t: Tombstone) {
      remove(key)
      const p = t.ref.projectId
      let m = byProject.get(p)
      if (!m) byProject.set(p, (m = new Map()))
      m.set(key, t)
      order.set(key, p)
      if (order.size > MAX_TOMBSTONES) remove(order.keys().next().value!)
    },
    ofProject: (projectId: string) => byProject.get(projectId) ?? new Map<string, Tombstone>(),
    *entries(): Generator<[string, Tombstone]> {
      for (const [key, p] of order) yield [key, byProject.get(p)!.get(key)!]
    },
  }
}

export interface ConfigCache extends ConfigReads {
  start(): Promise<void>
  close(): Promise<void>
  /** Store revision the cache has applied. */
  readonly revision: number
  /** True while serving from the snapshot file because the store has not answered yet. */
  readonly stale: boolean
  app(projectId: string, app: string): AppRecord | undefined
  apps(projectId: string): AppRecord[]
  env(projectId: string, app: string, env: string): EnvRecord | undefined
  envs(projectId: string, app: string): EnvRecord[]
  head(ref: NamespaceRef): NamespaceHead | undefined
  /**
   * Namespaces of (project, app, env, cluster) whose head was deleted, with the revision, as far as
   * this process knows (deletions it applied, or found against its snapshot at start).
   */
  deletedHeads(projectId: string, app: string, env: string, cluster: string): Array<{ ref: NamespaceRef; revision: number }>
  /** Namespaces the project holds. */
  namespaceCount(projectId: string): number
  /** Resolves once the cache has applied `revision` (read-your-writes after a local write); false on timeout. */
  waitFor(revision: number, timeoutMs: number): Promise<boolean>
  instances: ReturnType<typeof createInstances>
}

const nsKey = (r: { app: string; env: string; cluster: string; namespace: string }) => `${r.app}/${r.env}/${r.cluster}/${r.namespace}`

export interface ConfigCacheOptions {
  kv: KvStore
  snapshotFile?: string
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void; info(obj: object, msg: string): void }
  /** How long `start` waits for the store before falling back to the snapshot. */
  startTimeoutMs?: number
}

export function createConfigCache(opts: ConfigCacheOptions): ConfigCache {
  const { kv, log } = opts
  const projects = new Map<string, ProjectState>()
  /** Raw cached entries, for the snapshot file. */
  const raw = new Map<string, [string, number]>()
  /** Cached head key -> the revision it was deleted at. */
  const tombstones = createTombstones()
  const listeners = new Map<string, Set<(c: ConfigChange) => void>>()
  const waiters = new Set<{ revision: number; resolve: (ok: boolean) => void }>()
  let revision = 0
  let stale = false
  let watch: KvWatch | undefined
  let closed = false
  let retryTimer: NodeJS.Timeout | undefined
  let snapshotTimer: NodeJS.Timeout | undefined
  let snapshotWriting: Promise<void> = Promise.resolve()

  const project = (p: string): ProjectState => {
    let s = projects.get(p)
    if (!s) projects.set(p, (s = { apps: new Map(), envs: new Map(), heads: new Map() }))
    return s
  }

  function emit(change: ConfigChange) {
    const set = listeners.get(change.ref.projectId)
    if (!set) return
    for (const l of [...set]) {
      try {
        l(change)
      } catch (err) {
        log.error({ err }, 'cms change listener failed')
      }
    }
  }

  /** Applies one put (value) or delete (undefined) of a cached key. */
  function apply(key: string, value: string | undefined, modRevision: number, notify: boolean) {
    const k = parseCachedKey(key)
    if (!k) return
    if (value === undefined) raw.delete(key)
    else raw.set(key, [value, modRevision])
    if (k.kind === 'app') {
      if (value === undefined) projects.get(k.projectId)?.apps.delete(k.app)
      else project(k.projectId).apps.set(k.app, JSON.parse(value))
    } else if (k.kind === 'env') {
      if (value === undefined) projects.get(k.projectId)?.envs.delete(`${k.app}/${k.env}`)
      else project(k.projectId).envs.set(`${k.app}/${k.env}`, JSON.parse(value))
    } else {
      const s = value === undefined ? projects.get(k.ref.projectId) : project(k.ref.projectId)
      if (!s) return
      tombstones.delete(key)
      if (value === undefined) {
        s.heads.delete(nsKey(k.ref))
        tombstones.set(key, { ref: k.ref, revision: modRevision })
      } else {
        const h = JSON.parse(value) as HeadRecord
        s.heads.set(nsKey(k.ref), { ref: k.ref, format: h.format, main: h.main, gray: h.gray, revision: modRevision })
      }
      if (notify) {
        const h = value === undefined ? undefined : s.heads.get(nsKey(k.ref))
        emit({ ref: k.ref, releaseKey: h?.main?.key, grayReleaseKey: h?.gray?.release.key, revision: modRevision })
      }
    }
  }

  function advance(to: number) {
    if (to <= revision) return
    revision = to
    for (const w of waiters) {
      if (w.revision <= revision) {
        waiters.delete(w)
        w.resolve(true)
      }
    }
    scheduleSnapshot()
  }

  /** Replaces the whole state with a fresh read; tells listeners of every head that changed. */
  function replace(entries: Array<[string, string, number]>, at: number, notify: boolean) {
    const fresh = new Map(entries.map(([k, v, r]) => [k, [v, r] as [string, number]]))
    for (const key of [...raw.keys()]) if (!fresh.has(key)) apply(key, undefined, at, notify)
    for (const [key, [value, mod]] of fresh) {
      const old = raw.get(key)
      if (!old || old[0] !== value || old[1] !== mod) apply(key, value, mod, notify)
    }
    advance(at)
  }

  function scheduleSnapshot() {
    if (!opts.snapshotFile || snapshotTimer || stale || closed) return
    snapshotTimer = setTimeout(() => {
      snapshotTimer = undefined
      snapshotWriting = snapshotWriting.then(writeSnapshot, () => writeSnapshot())
    }, 500)
    snapshotTimer.unref()
  }

  async function writeSnapshot() {
    const file = opts.snapshotFile!
    const snap: Snapshot = { version: 1, revision, entries: [...raw].map(([k, [v, r]]) => [k, v, r]), tombstones: [...tombstones.entries()].map(([k, t]) => [k, t.revision]) }
    try {
      await writeFileAtomic(file, JSON.stringify(snap))
    } catch (err) {
      log.warn({ err, file }, 'could not write the cms snapshot')
    }
  }

  async function readSnapshot(): Promise<Snapshot | undefined> {
    if (!opts.snapshotFile) return undefined
    try {
      const snap = JSON.parse(await readFile(opts.snapshotFile, 'utf8')) as Snapshot
      return snap.version === 1 && Array.isArray(snap.entries) ? snap : undefined
    } catch {
      return undefined
    }
  }

  async function sync(notify: boolean): Promise<void> {
    const res = await kv.range(keys.cachedPrefix)
    if (closed) return
    stale = false
    replace(res.entries.map((e) => [e.key, e.value, e.modRevision]), res.revision, notify)
    await watch?.cancel()
    watch = await kv.watch(
      keys.cachedPrefix,
      (ev) => {
        apply(ev.key, ev.type === 'put' ? ev.value : undefined, ev.modRevision, true)
        advance(ev.modRevision)
      },
      { fromRevision: res.revision + 1, onError: onWatchError },
    )
  }

  function onWatchError(err: Error) {
    if (KvErrors.compacted.is(err)) {
      log.warn({}, 'cms watch history was compacted; re-reading the cached state')
      retry(0)
    } else log.warn({ err }, 'cms watch error (retrying)')
  }

  function retry(delayMs: number) {
    if (closed || retryTimer) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      sync(true).catch((err) => {
        log.warn({ err }, 'cms store still unreachable; serving the last known state')
        retry(1000)
      })
    }, delayMs)
    retryTimer.unref()
  }

  const heads = (p: string) => projects.get(p)?.heads

  /**
   * Deletions from before this start: the snapshot's own tombstones, and heads it held that the
   * store no longer has (deleted while this process was down; dated at `at`, the revision read).
   */
  function keepTombstones(snap: Snapshot, at: number) {
    const add = (key: string, rev: number) => {
      const k = parseCachedKey(key)
      if (k?.kind === 'head' && !raw.has(key) && !tombstones.has(key)) tombstones.set(key, { ref: k.ref, revision: rev })
    }
    for (const t of Array.isArray(snap.tombstones) ? snap.tombstones : []) if (Array.isArray(t) && typeof t[0] === 'string' && Number.isSafeInteger(t[1])) add(t[0], t[1])
    for (const e of snap.entries) if (typeof e[0] === 'string') add(e[0], at)
  }

  function effective(h: NamespaceHead | undefined, ref: NamespaceRef, client: ClientInfo): EffectiveConfig | undefined {
    if (!h) return undefined
    if (h.gray && matchesGray(h.gray.rule, ref, client)) return { ref, cluster: h.ref.cluster, release: h.gray.release, gray: true, revision: h.revision }
    if (!h.main) return undefined
    return { ref, cluster: h.ref.cluster, release: h.main, gray: false, revision: h.revision }
  }

  const instances = createInstances()

  return {
    get revision() {
      return revision
    },
    get stale() {
      return stale
    },
    instances,

    async start() {
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), opts.startTimeoutMs ?? 3000).unref())
      const first = sync(false).then(
        () => 'ok' as const,
        (err: unknown) => err,
      )
      const outcome = await Promise.race([first, timeout])
      const snap = await readSnapshot()
      if (outcome === 'ok') {
        if (snap) keepTombstones(snap, revision)
        return
      }
      if (!snap) {
        if (outcome !== 'timeout') throw outcome
        // No snapshot to fall back to: wait for the store as long as it takes the first time.
        const late = await first
        if (late !== 'ok') throw late
        return
      }
      log.warn({ err: outcome === 'timeout' ? undefined : outcome, revision: snap.revision }, 'cms store unreachable at start; serving the last-known-good snapshot')
      stale = true
      replace(snap.entries, snap.revision, false)
      keepTombstones(snap, snap.revision)
      // The first sync may still succeed; if it failed, keep retrying.
      void first.then((r) => {
        if (r !== 'ok') retry(1000)
      })
    },

    async close() {
      closed = true
      clearTimeout(retryTimer)
      clearTimeout(snapshotTimer)
      for (const w of waiters) w.resolve(false)
      waiters.clear()
      await watch?.cancel().catch(() => {})
      await snapshotWriting
      if (opts.snapshotFile && !stale && revision > 0) await writeSnapshot()
    },

    waitFor(rev, timeoutMs) {
      if (rev <= revision) return Promise.resolve(true)
      return new Promise((resolve) => {
        const w = { revision: rev, resolve }
        waiters.add(w)
        setTimeout(() => {
          if (waiters.delete(w)) resolve(false)
        }, timeoutMs).unref()
      })
    },

    app: (p, app) => projects.get(p)?.apps.get(app),
    apps: (p) => [...(projects.get(p)?.apps.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
    env: (p, app, env) => projects.get(p)?.envs.get(`${app}/${env}`),
    envs: (p, app) => [...(projects.get(p)?.envs ?? [])].filter(([k]) => k.startsWith(`${app}/`)).map(([, v]) => v),
    head: (ref) => heads(ref.projectId)?.get(nsKey(ref)),
    deletedHeads(p, app, env, cluster) {
      const prefix = keys.head({ projectId: p, app, env, cluster, namespace: '' })
      return [...tombstones.ofProject(p)].filter(([k]) => k.startsWith(prefix)).map(([, t]) => t)
    },
    namespaceCount: (p) => heads(p)?.size ?? 0,
    hasEnv: (p, app, env) => projects.get(p)?.envs.has(`${app}/${env}`) ?? false,

    read(ref, client) {
      const hs = heads(ref.projectId)
      if (!hs) return undefined
      const own = effective(hs.get(nsKey(ref)), ref, client)
      if (own || ref.cluster === DEFAULT_CLUSTER) return own
      return effective(hs.get(nsKey({ ...ref, cluster: DEFAULT_CLUSTER })), ref, client)
    },

    heads(p, app, env, cluster) {
      const prefix = `${app}/${env}/${cluster}/`
      return [...(heads(p) ?? [])].filter(([k]) => k.startsWith(prefix)).map(([, h]) => h)
    },

    subscribe(p, listener) {
      let set = listeners.get(p)
      if (!set) listeners.set(p, (set = new Set()))
      set.add(listener)
      return () => {
        set.delete(listener)
        if (set.size === 0 && listeners.get(p) === set) listeners.delete(p)
      }
    },

    nextChange(p, accept, timeoutMs, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve(undefined)
        const done = (c: ConfigChange | undefined) => {
          unsubscribe()
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          resolve(c)
        }
        const onAbort = () => done(undefined)
        const unsubscribe = this.subscribe(p, (c) => {
          if (accept(c)) done(c)
        })
        const timer = setTimeout(() => done(undefined), timeoutMs)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },

    recordInstance: (ref, client, releaseKey) => instances.record(ref, client, releaseKey),
  }
}
