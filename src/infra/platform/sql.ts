import type { PlatformStore } from '../ports/platform.ts'
import type { SqlDatabase } from '../ports/sql.ts'
import { sqlApiKeys } from './sql-keys.ts'
import { sqlAudit } from './sql-audit.ts'
import { sqlIdempotency } from './sql-idempotency.ts'
import { sqlMembers } from './sql-members.ts'
import { sqlProjects } from './sql-projects.ts'

export interface SqlPlatformStoreOptions {
  /**
   * The process's SQL database (PGlite or Postgres) with `migrations/0001_platform.sql` applied. It is
   * shared with other domains, so the store never closes it; whoever created it does.
   */
  db: SqlDatabase
}

/** Platform store on the SQL port: the default, embedded (PGlite) or on Postgres 15. */
export function createSqlPlatformStore({ db }: SqlPlatformStoreOptions): PlatformStore {
  return {
    kind: 'postgres',
    ...sqlProjects(db),
    ...sqlMembers(db),
    ...sqlApiKeys(db),
    ...sqlAudit(db),
    ...sqlIdempotency(db),
    ping: () => db.ping(),
    async close() {},
  }
}
