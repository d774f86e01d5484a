/**
 * Two processes (one per DC) start at the same moment on an empty database: both run the
 * migrations, neither fails, and each migration is applied exactly once. Several rounds on fresh
 * databases, because the race it guards against (CREATE TABLE IF NOT EXISTS against itself) only
 * shows when the two sessions interleave.
 */
import t from 'tap'
import { MIGRATIONS_DIR, migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'
import { readdirSync } from 'node:fs'

const count = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).length

for (let round = 1; round <= 4; round++) {
  t.test(`round ${round}: two processes migrate one empty database together`, async (t) => {
    const fresh = await freshPostgresDatabase()
    if (isSkip(fresh)) return t.plan(0, fresh.skip)
    const a = createPgDatabase({ url: fresh.url })
    const b = createPgDatabase({ url: fresh.url })
    t.teardown(async () => {
      await a.close()
      await b.close()
      await fresh.drop()
    })
    const [ra, rb] = await Promise.all([migrate(a), migrate(b)])
    t.equal(ra.applied.length + rb.applied.length, count, 'every migration applied once in all')
    t.equal(ra.applied.length + ra.skipped.length, count)
    t.equal(rb.applied.length + rb.skipped.length, count)
    const rows = await a.query<{ n: string }>('SELECT count(*)::text AS n FROM dyad_migrations')
    t.equal(Number(rows.rows[0].n), count)
  })
}
