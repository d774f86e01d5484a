/**
 * SQL port: the relational store (Postgres 15 + pgvector in production, PGlite embedded).
 *
 * Only what every adapter can honour: parameterised queries ($1, $2 ...) and transactions run by a
 * callback (commit on resolve, rollback on throw). PGlite is a single connection, so transactions
 * there serialise; the pg adapter takes a pooled client per transaction.
 */
export interface SqlResult<Row> {
  rows: Row[]
  rowCount: number
}

export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<SqlResult<Row>>
  /** Runs several statements without parameters (migrations). */
  exec(text: string): Promise<void>
}

export interface SqlDatabase extends SqlExecutor {
  /** 'postgres' (a pg pool) or 'pglite' (embedded, WASM). */
  readonly dialect: 'postgres' | 'pglite'
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>
  /** Cheap liveness probe for /health/ready. */
  ping(): Promise<void>
  close(): Promise<void>
}
