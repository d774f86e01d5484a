import t from 'tap'
import { createSqlRetrievalStore } from '../../../src/infra/retrieval/sql-store.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { retrievalContract } from '../../contracts/retrieval.ts'

await retrievalContract(t, async () => {
  const db = await createPgliteDatabase()
  await migrate(db)
  return { store: createSqlRetrievalStore({ sql: db }), cleanup: () => db.close() }
})
