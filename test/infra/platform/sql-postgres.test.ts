import t from 'tap'
import { createSqlPlatformStore } from '../../../src/infra/platform/sql.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'
import { createSqlAuditLog } from '../../../src/infra/audit/sql.ts'
import { createSqlIdempotencyStore } from '../../../src/infra/idempotency/sql.ts'
import { platformStoreContract } from '../../contracts/platform-store.ts'
import { auditLogContract } from '../../contracts/audit.ts'
import { idempotencyContract } from '../../contracts/idempotency.ts'

const server = await freshPostgresDatabase()
if (isSkip(server)) {
  t.plan(0, server.skip)
} else {
  // One database for the file; each subtest starts from empty tables.
  const db = createPgDatabase({ url: server.url, poolSize: 5 })
  t.teardown(async () => {
    await db.close()
    await server.drop()
  })
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
}
