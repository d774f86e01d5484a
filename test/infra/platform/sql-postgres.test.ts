import t from 'tap'
import { createSqlPlatformStore } from '../../../src/infra/platform/sql.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'
import { platformStoreContract } from '../../contracts/platform-store.ts'

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

  platformStoreContract(t, async () => {
    await db.exec(`TRUNCATE platform_projects, platform_members, platform_admins, platform_api_keys,
      platform_audit_log, platform_idempotency`)
    return { store: createSqlPlatformStore({ db }), cleanup: async () => {} }
  })
}
