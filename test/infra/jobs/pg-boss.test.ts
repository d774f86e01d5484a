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
function harness(sqlFor: () => Promise<SqlDatabase>, done: () => Promise<void>, canCrash: boolean): JobsHarness {
  const made: { q: JobQueue; sql: SqlDatabase }[] = []
  const dead = new Set<SqlDatabase>()
  const crashed: JobQueue[] = []
  let buried = false
  return {
    // A dead process, as the database sees it: the instance's pool is closed and whatever it still
    // tries to send never arrives (its statements hang instead of failing, so its timers stay quiet);
    // its active job stays 'active' until it expires.
    crash: canCrash
      ? async (q) => {
          const entry = made.find((m) => m.q === q)!
          made.splice(made.indexOf(entry), 1)
          crashed.push(q)
          dead.add(entry.sql)
          await entry.sql.close()
        }
      : undefined,
    async queue() {
      const real = await sqlFor()
      // Once the test is over (`buried`), a crashed instance's statements fail so its stop() can finish.
      const never = () => (buried ? Promise.reject(new Error('crashed')) : new Promise<never>(() => {}))
      const sql: SqlDatabase = {
        dialect: real.dialect,
        query: (text, params) => (dead.has(real) ? never() : real.query(text, params)),
        exec: (text) => (dead.has(real) ? never() : real.exec(text)),
        transaction: (fn) => (dead.has(real) ? never() : real.transaction(fn)),
        ping: () => real.ping(),
        close: () => real.close(),
      }
      const q = createPgBossQueue({ sql, schema: 'jobs_test', maintenanceIntervalSeconds: 1 })
      await q.start()
      made.push({ q, sql: real })
      return q
    },
    async cleanup() {
      for (const { q } of made) await q.stop({ graceful: false }).catch(() => {})
      buried = true
      for (const q of crashed) await q.stop({ graceful: false }).catch(() => {})
      await done()
    },
  }
}

t.test('PGlite', async (t) => {
  await jobsContract(t, async () => {
    // One process holds one PGlite; its queue instances share the single connection.
    const db = await createPgliteDatabase()
    return harness(async () => db, () => db.close(), false)
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
        for (const db of pools) await db.close().catch(() => {})
        await server.drop()
      },
      true,
    ),
  )
})
