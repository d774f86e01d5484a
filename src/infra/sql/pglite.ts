import { mkdirSync } from 'node:fs'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import type { SqlDatabase, SqlExecutor, SqlResult } from '../ports/sql.ts'
import { lockDataDir } from './data-dir-lock.ts'

export interface PgliteOptions {
  /** Directory that holds the database; omit for an in-memory database (tests). */
  dataDir?: string
}

function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<Row>(text: string, params?: unknown[]): Promise<SqlResult<Row>> {
      const res = await db.query<Row>(text, params as unknown[])
      // PGlite reports affectedRows 0 for SELECT; the pg driver reports the row count, so take the larger.
      return { rows: res.rows, rowCount: Math.max(res.affectedRows ?? 0, res.rows.length) }
    },
    async exec(text: string) {
      await db.exec(text)
    },
  }
}

/**
 * SQL port on PGlite (Postgres in WASM, with pgvector), the embedded default.
 *
 * Durability: `relaxedDurability` stays off, so PGlite flushes its files to disk before a query's
 * promise resolves; an acknowledged write survives SIGKILL. The price is that the next open after a
 * kill replays WAL (seen to take 10 s to over a minute), which the server's readiness reflects.
 *
 * A data directory belongs to one process at a time (a lock file beside it, released on close).
 */
export async function createPgliteDatabase(opts: PgliteOptions = {}): Promise<SqlDatabase> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true })
  // Held from before the open until after the close: a second process on this directory would
  // overwrite our files (see data-dir-lock.ts). Throws DataDirLockedError when it is taken.
  const lock = opts.dataDir ? lockDataDir(opts.dataDir) : null
  let db: PGlite
  try {
    db = await PGlite.create(opts.dataDir, { extensions: { vector }, relaxedDurability: false })
    await db.exec('CREATE EXTENSION IF NOT EXISTS vector')
  } catch (err) {
    lock?.release()
    throw err
  }
  const base = executor(db)
  let closed = false
  return {
    dialect: 'pglite',
    ...base,
    transaction(fn) {
      return db.transaction((tx) => fn(executor(tx)))
    },
    async ping() {
      await db.query('SELECT 1')
    },
    async close() {
      if (closed) return
      closed = true
      try {
        await db.close()
      } finally {
        lock?.release()
      }
    },
  }
}
