import t from 'tap'
import { createSqlPlatformStore } from '../../../src/infra/platform/sql.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { platformStoreContract } from '../../contracts/platform-store.ts'

// One in-memory database for the file (opening PGlite takes seconds); each subtest gets empty tables.
const db = await createPgliteDatabase()
t.teardown(() => db.close())
await migrate(db)

platformStoreContract(t, async () => {
  await db.exec(`TRUNCATE platform_projects, platform_members, platform_admins, platform_api_keys,
    platform_audit_log, platform_idempotency`)
  return { store: createSqlPlatformStore({ db }), cleanup: async () => {} }
})
