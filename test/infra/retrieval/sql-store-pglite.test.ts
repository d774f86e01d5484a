import t from 'tap'
import { createSqlRetrievalStore } from '../../../src/infra/retrieval/sql-store.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import type { VectorScanInfo } from '../../../src/infra/retrieval/search-sql.ts'
import { retrievalContract } from '../../contracts/retrieval.ts'

// A narrow beam: on the contract's few hundred chunks the default (100) would see a third of them
// at once, so a filtered query would fill k without the iterative scan the contract checks. And an
// exact-pass bound the contract's corpora straddle: its 10-chunk filters are ranked exactly, its
// 15-chunk ones go through the iterative scan (the default, 5,000, would rank every one exactly).
const TUNING = { efSearch: 10, exactMax: 10 }

await retrievalContract(t, async () => {
  const db = await createPgliteDatabase()
  await migrate(db)
  const scans: VectorScanInfo[] = []
  return { store: createSqlRetrievalStore({ sql: db, tuning: TUNING, onVectorScan: (s) => scans.push(s) }), scans, cleanup: () => db.close() }
})
