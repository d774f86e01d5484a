import t from 'tap'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { sqlPlatformContracts } from './sql-contracts.ts'

// One in-memory database for the file (opening PGlite takes seconds).
const db = await createPgliteDatabase()
t.teardown(() => db.close())
await migrate(db)
sqlPlatformContracts(t, db)
