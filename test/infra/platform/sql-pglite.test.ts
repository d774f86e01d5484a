import t from 'tap'
import { createSqlPlatformStore } from '../../../src/infra/platform/sql.ts'
import { createSqlAuditLog } from '../../../src/infra/audit/sql.ts'
import { createSqlIdempotencyStore } from '../../../src/infra/idempotency/sql.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { platformStoreContract } from '../../contracts/platform-store.ts'
import { auditLogContract } from '../../contracts/audit.ts'
import { idempotencyContract } from '../../contracts/idempotency.ts'

// One in-memory database for the file (opening PGlite takes seconds); each subtest gets empty tables.
const db = await createPgliteDatabase()
t.teardown(() => db.close())
await migrate(db)
const empty = () =>
  db.exec(`TRUNCATE platform_projects, platform_members, platform_admins, platform_api_keys,
    platform_audit_log, platform_idempotency`)

platformStoreContract(t, async () => {
  await empty()
  return { store: createSqlPlatformStore({ db, accessPollIntervalMs: 20 }), cleanup: async () => {} }
})
auditLogContract(t, async () => {
  await empty()
  return { store: createSqlAuditLog({ db }), cleanup: async () => {} }
})
idempotencyContract(t, async () => {
  await empty()
  return { store: createSqlIdempotencyStore({ db }), cleanup: async () => {} }
})
