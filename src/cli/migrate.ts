/** `npm run migrate`: applies pending migrations to the configured SQL store and reports them. */
import { ConfigError, loadConfig } from '../config/load.ts'
import { createPgDatabase } from '../infra/sql/pg.ts'
import { createPgliteDatabase } from '../infra/sql/pglite.ts'
import { migrate } from '../infra/sql/migrate.ts'
import { DataDirLockedError } from '../infra/sql/data-dir-lock.ts'

try {
  const config = loadConfig()
  const db = config.sql.kind === 'postgres' ? createPgDatabase({ url: config.sql.url, poolSize: 1 }) : await createPgliteDatabase({ dataDir: config.sql.dataDir })
  try {
    const result = await migrate(db)
    for (const name of result.applied) process.stdout.write(`applied ${name}\n`)
    process.stdout.write(`${result.applied.length} applied, ${result.skipped.length} already applied\n`)
  } finally {
    await db.close()
  }
} catch (err) {
  // A bad setting, or the embedded data directory held by a running server: say so in one line.
  const expected = err instanceof ConfigError || err instanceof DataDirLockedError
  process.stderr.write(`${expected ? (err as Error).message : (err as Error).stack}\n`)
  process.exit(expected ? 2 : 1)
}
