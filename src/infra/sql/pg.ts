import pg from 'pg'
import type { SqlDatabase, SqlExecutor, SqlResult } from '../ports/sql.ts'
import { SqlErrors } from './errors.ts'

export interface PgOptions {
  /** libpq connection string, e.g. postgres://user:pass@host:5432/dyad */
  url: string
  /** Pool size. Each DC process holds its own pool against the primary (via HAProxy/Patroni). */
  poolSize?: number
  /** Per-statement timeout, so a stuck query cannot pin a request forever. */
  statementTimeoutMs?: number
}

/**
 * SQLSTATEs and socket errors that say "the server", not "the statement", failed: class 08
 * (connection exception), 57P01-57P03 (shutting down, crash, starting up), 25006 (a read-only
 * transaction: this server is no longer the primary). Anything else is the caller's to handle.
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|25006)$/
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH'])

function translate(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown }
  const code = typeof e?.code === 'string' ? e.code : ''
  const message = typeof e?.message === 'string' ? e.message : ''
  if (UNAVAILABLE_STATES.test(code) || UNAVAILABLE_SOCKET.has(code) || /^Connection terminated|timeout exceeded when trying to connect/.test(message)) {
    const out = SqlErrors.unavailable(`The database is unavailable: ${message || code}`)
    out.cause = err
    return out
  }
  return err
}

/**
 * Postgres reports a commit whose wait for the synchronous standby was cancelled as a success plus
 * a WARNING ("canceling wait for synchronous replication ..."; the message is in English: the
 * servers run with lc_messages C, Patroni's default). The notice arrives on the connection before
 * the command completes, so a flag set by the listener is read after each statement.
 */
const SYNC_CANCELLED = /^canceling (the )?wait for synchronous replication/
const unconfirmed = new WeakMap<pg.PoolClient, boolean>()

function watchNotices(client: pg.PoolClient) {
  if (unconfirmed.has(client)) return
  unconfirmed.set(client, false)
  // A connection lost while the client is checked out emits 'error' besides failing the query in
  // flight; without a listener that event would be an uncaught exception and stop the process.
  client.on('error', () => {})
  client.on('notice', (n) => {
    if (SYNC_CANCELLED.test(n.message ?? '')) unconfirmed.set(client, true)
  })
}

async function run(client: pg.PoolClient, text: string, params?: unknown[]) {
  unconfirmed.set(client, false)
  let res: pg.QueryResult
  try {
    res = await client.query(text, params as unknown[])
  } catch (err) {
    throw translate(err)
  }
  if (unconfirmed.get(client)) throw SqlErrors.commitUnconfirmed()
  return res
}

function executor(client: pg.PoolClient): SqlExecutor {
  return {
    async query<Row>(text: string, params?: unknown[]): Promise<SqlResult<Row>> {
      const res = await run(client, text, params)
      return { rows: res.rows as Row[], rowCount: res.rowCount ?? 0 }
    },
    async exec(text: string) {
      await run(client, text)
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

  const acquire = async () => {
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (err) {
      throw translate(err)
    }
    watchNotices(client)
    return client
  }
  /** A statement outside a transaction: its own client, so its notices are its own. */
  const once = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await acquire()
    let broken: Error | undefined
    try {
      return await fn(client)
    } catch (err) {
      if (SqlErrors.unavailable.is(err)) broken = err as Error
      throw err
    } finally {
      // A client whose connection failed is destroyed, not handed to the next caller.
      client.release(broken)
    }
  }

  return {
    dialect: 'postgres',
    query: <Row>(text: string, params?: unknown[]) => once(async (c) => {
      const res = await run(c, text, params)
      return { rows: res.rows as Row[], rowCount: res.rowCount ?? 0 } as SqlResult<Row>
    }),
    exec: (text: string) => once(async (c) => void (await run(c, text))),
    async transaction(fn) {
      return once(async (client) => {
        try {
          await run(client, 'BEGIN')
          const result = await fn(executor(client))
          await run(client, 'COMMIT')
          return result
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {})
          throw err
        }
      })
    },
    async ping() {
      await once((c) => run(c, 'SELECT 1'))
    },
    async close() {
      await pool.end()
    },
  }
}
