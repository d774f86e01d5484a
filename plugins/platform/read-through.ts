/**
 * A bounded read-through cache whose entries are dropped by explicit invalidation (the access change
 * feed), not by age. Hits return the value itself, with no promise. A load that races an
 * invalidation is not cached: `epoch` moves on every invalidation, and a load started in an older
 * epoch only answers its own caller. Absent values ("no such key") are cached too, but only for
 * `absentTtlMs` and in a separate, smaller budget, so random ids sent by a hostile caller can neither
 * grow memory nor stay cached forever.
 */
export interface ReadThroughOptions<V> {
  load(key: string): Promise<V>
  /** Whether a loaded value means "absent" (cached with a TTL in the absent budget). */
  isAbsent(value: V): boolean
  maxEntries: number
  maxAbsent: number
  absentTtlMs: number
  /**
   * While distrusted (the change feed is failing), a load that fails still answers with the value
   * cached before, for at most this long after `distrust()`. The feed and the store fail together
   * when the database is away (a failover), and then no revocation can commit either; past this
   * bound (a partition that lets the other DC write) the caller gets the store's error. 0: never.
   */
  staleOnErrorMs?: number
  now?: () => number
}

export interface ReadThrough<V> {
  get(key: string): V | Promise<V>
  invalidate(key: string): void
  clear(): void
  /** Bypass the cache (reads go to the store) until the next clear(). */
  distrust(): void
  readonly size: number
}

export function createReadThrough<V>(opts: ReadThroughOptions<V>): ReadThrough<V> {
  const now = opts.now ?? Date.now
  const present = new Map<string, V>()
  const absent = new Map<string, { value: V; until: number }>()
  const loading = new Map<string, Promise<V>>()
  let epoch = 0
  let trusted = true
  /** What was cached when trust was withdrawn, kept only to answer while the store is failing. */
  let stale = new Map<string, V>()
  let distrustedAt = 0

  const fallback = (key: string, err: unknown): V => {
    if (stale.has(key) && now() - distrustedAt < (opts.staleOnErrorMs ?? 0)) return stale.get(key) as V
    throw err
  }

  // Maps iterate in insertion order: dropping the first key evicts the oldest entry.
  const bound = (m: Map<string, unknown>, max: number) => {
    while (m.size > max) m.delete(m.keys().next().value as string)
  }

  function load(key: string): Promise<V> {
    const pending = loading.get(key)
    if (pending) return pending
    const started = epoch
    const p = opts.load(key).then(
      (value) => {
        if (loading.get(key) === p) loading.delete(key)
        if (started === epoch && trusted) {
          if (opts.isAbsent(value)) {
            absent.set(key, { value, until: now() + opts.absentTtlMs })
            bound(absent, opts.maxAbsent)
          } else {
            present.set(key, value)
            bound(present, opts.maxEntries)
          }
        }
        return value
      },
      (err) => {
        if (loading.get(key) === p) loading.delete(key)
        throw err
      },
    )
    loading.set(key, p)
    return p
  }

  return {
    get(key) {
      if (trusted) {
        if (present.has(key)) return present.get(key) as V
        const a = absent.get(key)
        if (a) {
          if (a.until > now()) return a.value
          absent.delete(key)
        }
        return load(key)
      }
      return load(key).catch((err) => fallback(key, err))
    },
    invalidate(key) {
      epoch++
      stale.delete(key)
      present.delete(key)
      absent.delete(key)
      loading.delete(key)
    },
    clear() {
      epoch++
      present.clear()
      absent.clear()
      loading.clear()
      stale = new Map()
      trusted = true
    },
    distrust() {
      epoch++
      if (trusted) {
        stale = new Map(present)
        distrustedAt = now()
      }
      trusted = false
      present.clear()
      absent.clear()
      loading.clear()
    },
    get size() {
      return present.size + absent.size
    },
  }
}
