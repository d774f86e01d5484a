import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SqlDatabase } from '../ports/sql.ts'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url))

export interface MigrationResult {
  applied: string[]
  skipped: string[]
}

/**
 * Applies `migrations/NNNN_name.sql` in name order, each in its own transaction, recording it in
 * `dyad_migrations`. Idempotent: a recorded migration is skipped. Two processes starting together
 * (one per DC) serialise on an advisory lock so neither applies a migration twice.
 */
export async function migrate(db: SqlDatabase, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
  // Under the lock too: CREATE TABLE IF NOT EXISTS is not safe against itself, two sessions can
  // both find the table missing and one fails on the catalog's unique index.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(424242)')
    await tx.exec(`CREATE TABLE IF NOT EXISTS dyad_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
  })
  const result: MigrationResult = { applied: [], skipped: [] }
  for (const file of files) {
    const sql = readFileSync(join(dir, file), 'utf8')
    const applied = await db.transaction(async (tx) => {
      // Transaction-scoped lock: released at commit/rollback, so no unlock on error paths.
      await tx.query('SELECT pg_advisory_xact_lock(424242)')
      const done = await tx.query('SELECT 1 FROM dyad_migrations WHERE name = $1', [file])
      if (done.rowCount > 0) return false
      await tx.exec(sql)
      await tx.query('INSERT INTO dyad_migrations (name) VALUES ($1)', [file])
      return true
    })
    ;(applied ? result.applied : result.skipped).push(file)
  }
  return result
}
