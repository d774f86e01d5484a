import t from 'tap'
import { createSqlKv } from '../../../src/infra/kv/sql-kv.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { kvContract } from '../../contracts/kv.ts'

await kvContract(t, async () => {
  const db = await createPgliteDatabase()
  await migrate(db)
  const store = createSqlKv({ db })
  return {
    store,
    compact: (revision) => store.compact(revision),
    async cleanup() {
      await store.close()
      await db.close()
    },
  }
})
