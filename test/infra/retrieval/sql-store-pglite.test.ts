import t from 'tap'
import { createSqlRetrievalStore } from '../../../src/infra/retrieval/sql-store.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import type { VectorScanInfo } from '../../../src/infra/retrieval/search-sql.ts'
import { retrievalContract } from '../../contracts/retrieval.ts'

await retrievalContract(t, async () => {
  const db = await createPgliteDatabase()
  await migrate(db)
  const scans: VectorScanInfo[] = []
  return { store: createSqlRetrievalStore({ sql: db, onVectorScan: (s) => scans.push(s) }), scans, cleanup: () => db.close() }
})
