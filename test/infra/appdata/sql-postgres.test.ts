import t from 'tap'
import { createSqlAppData } from '../../../src/infra/appdata/sql.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { appDataContract } from '../../contracts/appdata.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'

const server = await freshPostgresDatabase()
if (isSkip(server)) {
  t.plan(0, server.skip)
} else {
  await appDataContract(t, async () => {
    const db = createPgDatabase({ url: server.url })
    await migrate(db)
    const store = createSqlAppData({ db })
    return {
      store,
      async cleanup() {
        await store.close()
        await db.close()
        await server.drop()
      },
    }
  })
}
