import t from 'tap'
import { createSqlKv } from '../../../src/infra/kv/sql-kv.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { kvContract } from '../../contracts/kv.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'

const server = await freshPostgresDatabase()
if (isSkip(server)) {
  t.plan(0, server.skip)
} else {
  await kvContract(t, async () => {
    const db = createPgDatabase({ url: server.url })
    await migrate(db)
    const store = createSqlKv({ db })
    return {
      store,
      compact: (revision) => store.compact(revision),
      async cleanup() {
        await store.close()
        await db.close()
        await server.drop()
      },
    }
  })
}
