import type { PlatformStore } from '../ports/platform.ts'
import type { SqlDatabase } from '../ports/sql.ts'
import { sqlAccessFeed } from './sql-feed.ts'
import { sqlApiKeys } from './sql-keys.ts'
import { sqlMembers } from './sql-members.ts'
import { sqlProjects } from './sql-projects.ts'

export interface SqlPlatformStoreOptions {
  /**
   * The process's SQL database (PGlite or Postgres) with the platform migrations applied. It is
   * shared with other domains, so the store never closes it; whoever created it does.
   */
  db: SqlDatabase
  /**
   * How often the access feed polls for changes by other processes: default 200 ms on Postgres (the
   * other DC's process shares it; revocation must reach it within a second), 1 s on PGlite (a single
   * process owns it and invalidates its own cache directly, so the poll is only a safety net).
   */
  accessPollIntervalMs?: number
}

/** Platform store on the SQL port: the default, embedded (PGlite) or on Postgres 15. */
export function createSqlPlatformStore({ db, accessPollIntervalMs }: SqlPlatformStoreOptions): PlatformStore {
  return {
    kind: 'postgres',
    ...sqlProjects(db),
    ...sqlMembers(db),
    ...sqlApiKeys(db),
    watchAccess: sqlAccessFeed(db, { pollIntervalMs: accessPollIntervalMs ?? (db.dialect === 'pglite' ? 1_000 : 200) }),
    ping: () => db.ping(),
    async close() {},
  }
}
