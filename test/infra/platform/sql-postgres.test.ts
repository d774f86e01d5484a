import t from 'tap'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'
import { freshPostgresDatabase, isSkip } from '../../helpers/servers.ts'
import { sqlPlatformContracts } from './sql-contracts.ts'

const server = await freshPostgresDatabase()
if (isSkip(server)) {
  t.plan(0, server.skip)
} else {
  // One database for the file.
  const db = createPgDatabase({ url: server.url, poolSize: 5 })
  t.teardown(async () => {
    await db.close()
    await server.drop()
  })
  await migrate(db)
  sqlPlatformContracts(t, db)
}
