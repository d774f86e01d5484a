import t from 'tap'
import { createSqlQuota } from '../../../src/infra/quota/sql.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { quotaContract } from '../../contracts/quota.ts'

await quotaContract(t, async () => {
  const db = await createPgliteDatabase()
  await migrate(db)
  // PGlite is one connection in one process: the two instances share it.
  return { a: createSqlQuota({ db }), b: createSqlQuota({ db }), cleanup: () => db.close() }
})
