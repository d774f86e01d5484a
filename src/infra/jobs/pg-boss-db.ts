import type { SqlDatabase, SqlExecutor } from '../ports/sql.ts'
import { SqlErrors } from '../sql/errors.ts'

/** The one method pg-boss calls on a custom `db`. */
export interface BossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number }>
}

const MULTIPLE_COMMANDS = '42601' // syntax_error; PGlite's "cannot insert multiple commands into a prepared statement"

/**
 * pg-boss's `db` shim over the SQL port.
 *
 * pg-boss sends two kinds of text: parameterised single statements, and parameterless scripts
 * (schema creation, maintenance) wrapped in `BEGIN; SET LOCAL ...; pg_advisory_xact_lock(...); ...;
 * COMMIT;`. On a pg pool a parameterless query uses the simple protocol, which runs a script on one
 * pooled connection, so it passes straight through. PGlite's `query` always prepares (one statement
 * only), so a script is refused with 42601 and re-run through `exec` (its simple protocol); no result
 * of those scripts is read by pg-boss. A script runs as one unit on PGlite's single connection, so
 * the advisory lock inside is always granted at once (same session) and nothing interleaves with it;
 * if it fails half way we roll back, so the shared connection is not left in an aborted transaction.
 */
export function bossDb(sql: SqlDatabase | SqlExecutor, dialect: SqlDatabase['dialect']): BossDb {
  return {
    async executeSql(text, values) {
      const params = values && values.length ? values : undefined
      if (dialect === 'postgres' || params) return sql.query(text, params)
      try {
        return await sql.query(text)
      } catch (err) {
        if ((err as { code?: string }).code !== MULTIPLE_COMMANDS) throw err
      }
      try {
        await sql.exec(text)
      } catch (err) {
        // Outside a transaction this is only a warning; inside one it frees the connection.
        if (/^\s*BEGIN\b/i.test(text)) await sql.exec('ROLLBACK').catch(() => {})
        throw err
      }
      return { rows: [], rowCount: 0 }
    },
  }
}

/**
 * The SQL port with a switch that cuts this queue instance off from the database: after `sever()`
 * every statement, including the next one of a transaction already open, rejects without being
 * sent. `abandon()` needs this because pg-boss still holds work in flight when it is told to stop
 * (a worker's completion of a handler that returns later, its shutdown's "fail what is active"),
 * and an instance declared dead must not write any of it: its active jobs stay active until they
 * expire, exactly as when the process is gone.
 */
export function severable(sql: SqlDatabase): { sql: SqlDatabase; sever(): void } {
  let severed = false
  const check = () => {
    if (severed) throw SqlErrors.unavailable('This job queue instance was abandoned; it no longer reaches the database.')
  }
  const guard = (ex: SqlExecutor): SqlExecutor => ({
    async query(text, params) {
      check()
      return ex.query(text, params)
    },
    async exec(text) {
      check()
      return ex.exec(text)
    },
  })
  return {
    sever: () => {
      severed = true
    },
    sql: {
      dialect: sql.dialect,
      ...guard(sql),
      async transaction(fn) {
        check()
        return sql.transaction((tx) => fn(guard(tx)))
      },
      ping: () => sql.ping(),
      close: () => sql.close(),
    },
  }
}
