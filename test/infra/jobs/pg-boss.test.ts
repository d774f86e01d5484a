/** The job-queue contract on pg-boss, over PGlite (in memory) and over a real Postgres 15 server. */
import t from 'tap'
import { createPgBossQueue } from '../../../src/infra/jobs/pg-boss.ts'
import type { JobQueue } from '../../../src/infra/ports/jobs.ts'
import type { SqlDatabase } from '../../../src/infra/ports/sql.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { jobsContract, type JobsHarness } from '../../contracts/jobs.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'

/** Queue instances on `sqlFor()`; each Postgres instance gets its own pool, as a second process would. */
function harness(sqlFor: () => Promise<SqlDatabase>, done: () => Promise<void>): JobsHarness {
  const made: { q: JobQueue; sql: SqlDatabase }[] = []
  return {
    async queue() {
      const sql = await sqlFor()
      const q = createPgBossQueue({ sql, schema: 'jobs_test', maintenanceIntervalSeconds: 1 })
      await q.start()
      made.push({ q, sql })
      return q
    },
    async cleanup() {
      for (const { q } of made) await q.stop({ graceful: false }).catch(() => {})
      await done()
    },
  }
}

t.test('PGlite', async (t) => {
  await jobsContract(t, async () => {
    // One process holds one PGlite; its queue instances share the single connection.
    const db = await createPgliteDatabase()
    return harness(async () => db, () => db.close())
  })
})

t.test('Postgres', async (t) => {
  const server = await freshPostgresDatabase()
  if (isSkip(server)) return t.plan(0, server.skip)
  const pools: SqlDatabase[] = []
  await jobsContract(t, async () =>
    harness(
      async () => {
        const db = createPgDatabase({ url: server.url, poolSize: 4 })
        pools.push(db)
        return db
      },
      async () => {
        for (const db of pools) await db.close()
        await server.drop()
      },
    ),
  )
})
