import t from 'tap'
import { createSqlQuota } from '../../../src/infra/quota/sql.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { quotaContract } from '../../contracts/quota.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'

const server = await freshPostgresDatabase()
if (isSkip(server)) {
  t.plan(0, server.skip)
} else {
  await quotaContract(t, async () => {
    // Two pools of connections, as two processes (one per DC) on the same primary have.
    const db1 = createPgDatabase({ url: server.url, poolSize: 5 })
    const db2 = createPgDatabase({ url: server.url, poolSize: 5 })
    await migrate(db1)
    return {
      a: createSqlQuota({ db: db1 }),
      b: createSqlQuota({ db: db2 }),
      async cleanup() {
        await db1.close()
        await db2.close()
        await server.drop()
      },
    }
  })
}
