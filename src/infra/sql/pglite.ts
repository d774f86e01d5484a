import { mkdirSync } from 'node:fs'
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import type { SqlDatabase, SqlExecutor, SqlResult } from '../ports/sql.ts'

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
 */
export async function createPgliteDatabase(opts: PgliteOptions = {}): Promise<SqlDatabase> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true })
  const db = await PGlite.create(opts.dataDir, { extensions: { vector }, relaxedDurability: false })
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector')
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
      await db.close()
    },
  }
}
