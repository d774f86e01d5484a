/** The SQL port's contract on both adapters: PGlite (in memory) and a real Postgres 15 server. */
import t from 'tap'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { sqlContract } from '../../contracts/sql.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'

t.test('PGlite', async (t) => {
  await sqlContract(t, async () => {
    const db = await createPgliteDatabase()
    return { db, cleanup: () => db.close() }
  })
})

t.test('Postgres', async (t) => {
  const server = await freshPostgresDatabase()
  if (isSkip(server)) return t.plan(0, server.skip)
  await sqlContract(t, async () => {
    const db = createPgDatabase({ url: server.url, poolSize: 3 })
    return {
      db,
      async cleanup() {
        await db.close()
        await server.drop()
      },
    }
  })
})
