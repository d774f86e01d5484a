/** The job-queue contract on pg-boss, over PGlite (in memory) and over a real Postgres 15 server. */
import t from 'tap'
import { createPgBossQueue, type PgBossQueue } from '../../../src/infra/jobs/pg-boss.ts'
import type { SqlDatabase } from '../../../src/infra/ports/sql.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { jobsContract, type JobsHarness } from '../../contracts/jobs.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'

/**
 * Queue instances on `sqlFor()`; each Postgres instance gets its own pool, as a second process would.
 *
 * A crash is `abandon()`: the instance stops sending anything (its active job stays active until it
 * expires), its timers and workers stop, and, on Postgres, its pool's connections are closed as a
 * dead process's would be. The instance's SQL goes through a wrapper that counts anything still
 * sent after the crash; cleanup fails the test when that is not zero, so "the dead instance wrote
 * nothing more" is checked, not assumed.
 */
function harness(sqlFor: () => Promise<SqlDatabase>, done: () => Promise<void>, ownPools: boolean): JobsHarness {
  const made: { q: PgBossQueue; sql: SqlDatabase }[] = []
  const dead = new Set<PgBossQueue>()
  let sentAfterCrash = 0
  return {
    async crash(q) {
      const entry = made.find((m) => m.q === q)!
      dead.add(entry.q)
      await entry.q.abandon()
      if (ownPools) await entry.sql.close()
    },
    async queue() {
      const real = await sqlFor()
      let q: PgBossQueue | undefined
      const alive = () => {
        if (q && dead.has(q)) {
          sentAfterCrash++
          throw new Error('this instance crashed')
        }
      }
      const sql: SqlDatabase = {
        dialect: real.dialect,
        query: async (text, params) => (alive(), real.query(text, params)),
        exec: async (text) => (alive(), real.exec(text)),
        transaction: async (fn) => {
          alive()
          return real.transaction((tx) =>
            fn({ query: async (text, params) => (alive(), tx.query(text, params)), exec: async (text) => (alive(), tx.exec(text)) }),
          )
        },
        ping: () => real.ping(),
        close: () => real.close(),
      }
      q = createPgBossQueue({ sql, schema: 'jobs_test', maintenanceIntervalSeconds: 1 })
      await q.start()
      made.push({ q, sql: real })
      return q
    },
    async cleanup() {
      for (const { q } of made) await q.stop({ graceful: false }).catch(() => {})
      await done()
      if (sentAfterCrash) throw new Error(`a crashed instance sent ${sentAfterCrash} statement(s) after its crash`)
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
