import pg from 'pg'
import type { SqlDatabase, SqlExecutor, SqlResult } from '../ports/sql.ts'

export interface PgOptions {
  /** libpq connection string, e.g. postgres://user:pass@host:5432/dyad */
  url: string
  /** Pool size. Each DC process holds its own pool against the primary (via HAProxy/Patroni). */
  poolSize?: number
  /** Per-statement timeout, so a stuck query cannot pin a request forever. */
  statementTimeoutMs?: number
}

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query<Row>(text: string, params?: unknown[]): Promise<SqlResult<Row>> {
      const res = await client.query(text, params as unknown[])
      return { rows: res.rows as Row[], rowCount: res.rowCount ?? 0 }
    },
    async exec(text: string) {
      await client.query(text)
    },
  }
}

/** SQL port on a `pg` pool (Postgres 15 + pgvector). */
export function createPgDatabase(opts: PgOptions): SqlDatabase {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: 10_000,
  })
  // An idle client losing its connection (failover) must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  const base = executor(pool)
  return {
    dialect: 'postgres',
    ...base,
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const result = await fn(executor(client))
        await client.query('COMMIT')
        return result
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      } finally {
        client.release()
      }
    },
    async ping() {
      await pool.query('SELECT 1')
    },
    async close() {
      await pool.end()
    },
  }
}
