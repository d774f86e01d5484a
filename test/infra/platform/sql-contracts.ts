/**
 * The platform-side contracts (platform store, audit log, idempotency records) on one SQL database,
 * shared by the PGlite and the Postgres test files; each subtest starts from empty tables.
 */
import type { Test } from 'tap'
import { createSqlPlatformStore } from '../../../src/infra/platform/sql.ts'
import { createSqlAuditLog } from '../../../src/infra/audit/sql.ts'
import { createSqlIdempotencyStore } from '../../../src/infra/idempotency/sql.ts'
import type { SqlDatabase } from '../../../src/infra/ports/sql.ts'
import { platformStoreContract } from '../../contracts/platform-store.ts'
import { auditLogContract } from '../../contracts/audit.ts'
import { idempotencyContract } from '../../contracts/idempotency.ts'

export function sqlPlatformContracts(t: Test, db: SqlDatabase): void {
  const empty = () =>
    db.exec(`TRUNCATE platform_projects, platform_members, platform_admins, platform_api_keys,
      platform_audit_log, platform_idempotency`)
  const made = <S>(store: () => S) => async () => {
    await empty()
    return { store: store(), cleanup: async () => {} }
  }
  platformStoreContract(t, made(() => createSqlPlatformStore({ db, accessPollIntervalMs: 20 })))
  auditLogContract(t, made(() => createSqlAuditLog({ db })))
  idempotencyContract(t, made(() => createSqlIdempotencyStore({ db })))
}
