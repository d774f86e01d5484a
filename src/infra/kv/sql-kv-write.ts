import type { SqlDatabase, SqlExecutor } from '../ports/sql.ts'
import type { KvCompare, KvEntry, KvOp } from '../ports/kv.ts'
import { ENTRY_COLUMNS, prefixCondition, toEntry, type EntryRow } from './sql-kv-common.ts'
import { KvErrors } from './errors.ts'
import { checkLeaseId } from './validate.ts'

/**
 * One write transaction of the SQL store. It starts by locking the kv_meta row, so it sees every
 * earlier write and no other writer runs until it commits; that lock is the whole concurrency
 * story (compare-and-swap cannot lose an update, revisions are gap-free and commit in order).
 *
 * Like etcd, a transaction takes the next revision only if it changes something (a delete of an
 * absent key or a failed compare leaves the revision alone), and all its changes share it.
 */
export class SqlKvWriter {
  private base: number
  private rev: number | undefined
  private sub = 0
  /** True once any change was recorded; the caller then wakes local watches after commit. */
  dirty = false

  constructor(
    private readonly tx: SqlExecutor,
    base: number,
  ) {
    this.base = base
  }

  /** The store revision as of this transaction's changes so far. */
  get revision(): number {
    return this.rev ?? this.base
  }

  /** Closes the current revision, so the next change takes a new one. */
  seal(): void {
    if (this.rev === undefined) return
    this.base = this.rev
    this.rev = undefined
    this.sub = 0
  }

  async put(key: string, value: string, lease?: string): Promise<void> {
    const leaseId = lease === undefined ? null : checkLeaseId(lease)
    if (leaseId !== null) {
      const alive = await this.tx.query('SELECT 1 FROM kv_leases WHERE id = $1 AND expires_at > now()', [leaseId])
      if (alive.rows.length === 0) throw KvErrors.leaseNotFound(`Lease ${leaseId} does not exist or has expired.`)
    }
    const rev = this.rev ?? this.base + 1
    await this.tx.query(
      `WITH e AS (
         INSERT INTO kv_entries AS k (key, value, create_revision, mod_revision, version, lease_id)
         VALUES ($1, $2, $3::bigint, $3::bigint, 1, $4::bigint)
         ON CONFLICT (key) DO UPDATE
           SET value = EXCLUDED.value, mod_revision = EXCLUDED.mod_revision, version = k.version + 1,
               lease_id = EXCLUDED.lease_id
         RETURNING key, value)
       INSERT INTO kv_changes (revision, sub, key, type, value) SELECT $3::bigint, $5::int, key, 'put', value FROM e`,
      [key, value, rev, leaseId, this.sub],
    )
    this.recorded(rev, 1)
  }

  delete(key: string): Promise<number> {
    return this.deleteWhere('key = $3', [key])
  }

  deletePrefix(prefix: string): Promise<number> {
    const cond = prefixCondition('key', prefix, 3)
    return this.deleteWhere(cond.sql, cond.params)
  }

  async get(key: string): Promise<KvEntry | undefined> {
    const res = await this.tx.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM kv_entries WHERE key = $1`, [key])
    return res.rows[0] ? toEntry(res.rows[0]) : undefined
  }

  async apply(op: KvOp): Promise<{ get?: KvEntry }> {
    switch (op.type) {
      case 'put':
        await this.put(op.key, op.value, op.lease)
        return {}
      case 'delete':
        await this.delete(op.key)
        return {}
      case 'deletePrefix':
        await this.deletePrefix(op.prefix)
        return {}
      case 'get':
        return { get: await this.get(op.key) }
    }
  }

  /** Evaluates etcd-style guards: an absent key has revisions/version 0 and fails every value compare. */
  async compare(compares: KvCompare[]): Promise<boolean> {
    if (compares.length === 0) return true
    const keys = [...new Set(compares.map((c) => c.key))]
    const res = await this.tx.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM kv_entries WHERE key = ANY($1::text[])`, [keys])
    const found = new Map(res.rows.map((row) => [row.key, toEntry(row)]))
    return compares.every((c) => {
      const entry = found.get(c.key)
      if (c.target === 'value') {
        if (!entry) return false
        return c.op === '=' ? entry.value === c.value : entry.value !== c.value
      }
      const actual = entry ? entry[c.target] : 0
      switch (c.op) {
        case '=':
          return actual === c.value
        case '!=':
          return actual !== c.value
        case '<':
          return actual < c.value
        case '>':
          return actual > c.value
      }
    })
  }

  /** Deletes the keys of every expired lease (with delete events), then the leases. */
  async sweepExpiredLeases(): Promise<void> {
    const expired = await this.tx.query<{ id: string }>('SELECT id FROM kv_leases WHERE expires_at <= now() FOR UPDATE')
    if (expired.rows.length === 0) return
    await this.dropLeases(expired.rows.map((r) => String(r.id)))
  }

  async revokeLease(id: string): Promise<void> {
    await this.dropLeases([checkLeaseId(id)])
  }

  /**
   * Drops change-feed history below `revision`. Under the write lock, and in the same statement
   * snapshot rules as every feed read (which reads kv_meta and kv_changes together), so a watch
   * either sees the rows it needs or sees the new compact_revision, never a silent gap.
   */
  async compact(revision: number): Promise<void> {
    await this.tx.query('DELETE FROM kv_changes WHERE revision < $1', [revision])
    await this.tx.query('UPDATE kv_meta SET compact_revision = GREATEST(compact_revision, $1) WHERE id = 1', [revision])
  }

  /** Persists the new revision. Call once, after the last change. */
  async finish(): Promise<void> {
    if (this.dirty) await this.tx.query('UPDATE kv_meta SET revision = $1 WHERE id = 1', [this.revision])
  }

  private async dropLeases(ids: string[]): Promise<void> {
    // Lease expiry is its own revision, as on etcd, not folded into the caller's write.
    this.seal()
    await this.deleteWhere('lease_id = ANY($3::bigint[])', [ids])
    await this.tx.query('DELETE FROM kv_leases WHERE id = ANY($1::bigint[])', [ids])
    this.seal()
  }

  /** Deletes matching keys and records one delete event per key, in key order. `cond` params start at $3. */
  private async deleteWhere(cond: string, params: unknown[]): Promise<number> {
    const rev = this.rev ?? this.base + 1
    const res = await this.tx.query(
      `WITH d AS (DELETE FROM kv_entries WHERE ${cond} RETURNING key)
       INSERT INTO kv_changes (revision, sub, key, type, value)
       SELECT $1::bigint, $2::int + (row_number() OVER (ORDER BY key))::int - 1, key, 'delete', NULL FROM d
       RETURNING sub`,
      [rev, this.sub, ...params],
    )
    // Counted from RETURNING rows: PGlite's rowCount is not reliable for every statement shape.
    this.recorded(rev, res.rows.length)
    return res.rows.length
  }

  private recorded(rev: number, count: number): void {
    if (count === 0) return
    this.rev = rev
    this.sub += count
    this.dirty = true
  }
}

/**
 * Runs `fn` in one SQL transaction holding the store's write lock. Expired leases are swept first
 * (under the same lock), so `fn` never sees a key whose lease has run out.
 */
export async function runWrite<T>(db: SqlDatabase, fn: (w: SqlKvWriter) => Promise<T>): Promise<{ result: T; writer: SqlKvWriter }> {
  return db.transaction(async (tx) => {
    const meta = await tx.query<{ revision: string | number }>('SELECT revision FROM kv_meta WHERE id = 1 FOR UPDATE')
    if (meta.rows.length === 0) throw new Error('kv_meta is empty: run the SQL migrations (migrations/0002_kv.sql) first')
    const writer = new SqlKvWriter(tx, Number(meta.rows[0].revision))
    await writer.sweepExpiredLeases()
    const result = await fn(writer)
    await writer.finish()
    return { result, writer }
  })
}
