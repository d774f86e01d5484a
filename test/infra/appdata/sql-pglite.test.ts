import t from 'tap'
import { createSqlAppData } from '../../../src/infra/appdata/sql.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { appDataContract } from '../../contracts/appdata.ts'

await appDataContract(t, async () => {
  const db = await createPgliteDatabase()
  await migrate(db)
  const store = createSqlAppData({ db })
  return {
    store,
    async cleanup() {
      await store.close()
      await db.close()
    },
  }
})
