import { EventEmitter } from 'node:events'
import type { SqlDatabase } from '../ports/sql.ts'
import type { KvLease, KvStore } from '../ports/kv.ts'
import { KvErrors } from './errors.ts'
import { ENTRY_COLUMNS, prefixCondition, toEntry, translateSqlError, type EntryRow } from './sql-kv-common.ts'
import { SqlKvFeed } from './sql-kv-feed.ts'
import { runWrite, type SqlKvWriter } from './sql-kv-write.ts'
import { checkLeaseId, checkLimit, checkTtl } from './validate.ts'

export interface SqlKvOptions {
  /** The SQL port; `migrate(db)` must have applied migrations/0002_kv.sql. */
  db: SqlDatabase
  /**
   * How often watches poll the change feed for writes by other processes (the other DC's process on
   * a shared Postgres). Local writes wake watches at once. Default 100 ms on Postgres, 1 s on PGlite
   * (a single process owns it, so only a safety net).
   */
  pollIntervalMs?: number
  /** How often expired leases are swept when nobody writes. Default 1 s. */
  sweepIntervalMs?: number
  /**
   * Change-feed retention: a change is kept while it is among the last `keepRevisions` revisions OR
   * younger than `keepMinutes`. A watch resuming from further back gets KV_COMPACTED and must re-list.
   * Default 10 000 revisions / 60 minutes, checked every `intervalMs` (default 60 s).
   */
  retention?: { keepRevisions?: number; keepMinutes?: number; intervalMs?: number }
  /** Failures of the background sweep/compaction (logged by the caller; they are retried). */
  onBackgroundError?: (err: Error) => void
}

/** The embedded store also exposes compaction, for tests and operators. */
export interface SqlKvStore extends KvStore {
  /** Deletes change-feed history below `revision`; watches from earlier revisions then fail. */
  compact(revision: number): Promise<void>
}

/** Stores sharing one SqlDatabase object wake each other's watches on commit. */
const wakers = new WeakMap<SqlDatabase, EventEmitter>()

/** Hides keys whose lease has run out but has not been swept yet, so reads agree with the TTL. */
const LIVE = '(k.lease_id IS NULL OR EXISTS (SELECT 1 FROM kv_leases l WHERE l.id = k.lease_id AND l.expires_at > now()))'

/**
 * KV port on the SQL port: etcd's model (revisions, CAS transactions, leases, watches from a past
 * revision) on PGlite or Postgres. See migrations/0002_kv.sql for the tables and sql-kv-write.ts for
 * the locking that makes it linearizable.
 */
export function createSqlKv(opts: SqlKvOptions): SqlKvStore {
  const { db } = opts
  let waker = wakers.get(db)
  if (!waker) wakers.set(db, (waker = new EventEmitter().setMaxListeners(0)))
  const feed = new SqlKvFeed(db, {
    pollIntervalMs: opts.pollIntervalMs ?? (db.dialect === 'pglite' ? 1_000 : 100),
    pageSize: 500,
  })
  const poke = () => feed.poke()
  waker.on('change', poke)

  async function write<T>(fn: (w: SqlKvWriter) => Promise<T>): Promise<{ result: T; revision: number }> {
    try {
      const { result, writer } = await runWrite(db, fn)
      if (writer.dirty) waker!.emit('change')
      return { result, revision: writer.revision }
    } catch (err) {
      throw translateSqlError(err)
    }
  }

  async function run<Row>(text: string, params: unknown[]) {
    try {
      return await db.query<Row>(text, params)
    } catch (err) {
      throw translateSqlError(err)
    }
  }

  async function compactTo(revision: number): Promise<void> {
    await write(async (w) => {
      if (revision > w.revision) throw KvErrors.invalidArgument(`Cannot compact to ${revision}: the store is at ${w.revision}.`)
      await w.compact(revision)
    })
  }

  const retention = { keepRevisions: 10_000, keepMinutes: 60, intervalMs: 60_000, ...opts.retention }
  async function compactByPolicy(): Promise<void> {
    const res = await run<{ target: string | number | null }>(
      `SELECT LEAST(m.revision - $1::bigint + 1,
                    COALESCE((SELECT min(revision) FROM kv_changes WHERE created_at >= now() - make_interval(mins => $2::int)), m.revision + 1)) AS target
       FROM kv_meta m WHERE m.compact_revision < m.revision - $1::bigint + 1`,
      [retention.keepRevisions, retention.keepMinutes],
    )
    const target = res.rows[0] ? Number(res.rows[0].target) : 0
    if (target > 1) await compactTo(target)
  }

  const report = (err: unknown) => opts.onBackgroundError?.(err instanceof Error ? err : new Error(String(err)))
  let lastCompaction = Date.now()
  let maintaining = false
  const maintenance = setInterval(async () => {
    if (maintaining) return
    maintaining = true
    try {
      const due = await run<{ due: boolean }>('SELECT EXISTS (SELECT 1 FROM kv_leases WHERE expires_at <= now()) AS due', [])
      if (due.rows[0]?.due) await write(async () => {}) // runWrite sweeps expired leases first
      if (Date.now() - lastCompaction >= retention.intervalMs) {
        lastCompaction = Date.now()
        await compactByPolicy()
      }
    } catch (err) {
      report(err)
    } finally {
      maintaining = false
    }
  }, opts.sweepIntervalMs ?? 1_000)
  maintenance.unref()

  function leaseHandle(id: string, ttlSeconds: number): KvLease {
    return {
      id,
      ttlSeconds,
      async keepAliveOnce() {
        const res = await run(
          `UPDATE kv_leases SET expires_at = now() + make_interval(secs => ttl_seconds) WHERE id = $1 AND expires_at > now() RETURNING id`,
          [checkLeaseId(id)],
        )
        if (res.rows.length === 0) throw KvErrors.leaseNotFound(`Lease ${id} does not exist or has expired.`)
      },
      async revoke() {
        await write((w) => w.revokeLease(id))
      },
    }
  }

  return {
    kind: 'embedded',

    async get(key) {
      const res = await run<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM kv_entries k WHERE k.key = $1 AND ${LIVE}`, [key])
      return res.rows[0] ? toEntry(res.rows[0]) : undefined
    },

    async range(prefix, rangeOpts = {}) {
      const limit = rangeOpts.limit ?? 0
      checkLimit(limit)
      const cond = prefixCondition('k.key', prefix, 2)
      // One statement, so the revision and the entries come from the same snapshot: a caller can
      // watch from revision + 1 and miss nothing.
      const res = await run<EntryRow & { revision: string | number }>(
        `SELECT m.revision, e.* FROM kv_meta m LEFT JOIN LATERAL (
           SELECT ${ENTRY_COLUMNS} FROM kv_entries k WHERE ${cond.sql} AND ${LIVE} ORDER BY k.key LIMIT $1
         ) e ON true`,
        [limit === 0 ? null : limit + 1, ...cond.params],
      )
      const rows = res.rows.filter((r) => r.key !== null)
      const more = limit > 0 && rows.length > limit
      return { entries: (more ? rows.slice(0, limit) : rows).map(toEntry), revision: Number(res.rows[0].revision), more }
    },

    async put(key, value, putOpts = {}) {
      const { revision } = await write((w) => w.put(key, value, putOpts.lease))
      return { revision }
    },

    async delete(key) {
      const { result, revision } = await write((w) => w.delete(key))
      return { revision, deleted: result }
    },

    async deletePrefix(prefix) {
      const { result, revision } = await write((w) => w.deletePrefix(prefix))
      return { revision, deleted: result }
    },

    async txn(compares, success, failure = []) {
      const { result, revision } = await write(async (w) => {
        const succeeded = await w.compare(compares)
        const gets = []
        for (const op of succeeded ? success : failure) {
          const out = await w.apply(op)
          if (op.type === 'get') gets.push(out.get)
        }
        return { succeeded, gets }
      })
      return { ...result, revision }
    },

    async grantLease(ttlSeconds) {
      checkTtl(ttlSeconds)
      const res = await run<{ id: string | number }>(
        `INSERT INTO kv_leases (id, ttl_seconds, expires_at)
         VALUES (nextval('kv_lease_ids'), $1::int, now() + make_interval(secs => $1::int)) RETURNING id`,
        [ttlSeconds],
      )
      return leaseHandle(String(res.rows[0].id), ttlSeconds)
    },

    watch(prefix, onEvent, watchOpts = {}) {
      return feed.watch(prefix, onEvent, watchOpts)
    },

    async revision() {
      const res = await run<{ revision: string | number }>('SELECT revision FROM kv_meta WHERE id = 1', [])
      return Number(res.rows[0].revision)
    },

    async ping() {
      await run('SELECT 1 FROM kv_meta WHERE id = 1', [])
    },

    compact: compactTo,

    async close() {
      clearInterval(maintenance)
      feed.close()
      waker!.off('change', poke)
    },
  }
}
