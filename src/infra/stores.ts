/**
 * Builds every port's adapter from configuration. The composition root calls this once; nothing
 * else decides which adapter runs. Adapters are created in dependency order (the SQL database
 * first, because the embedded KV and the default platform/app-data stores live in it) and closed
 * in reverse order.
 */
import type { DyadConfig } from '../config/types.ts'
import type { AppDataStore } from './ports/appdata.ts'
import type { JobQueue } from './ports/jobs.ts'
import type { RetrievalStore } from './ports/retrieval.ts'
import { createPgBossQueue } from './jobs/pg-boss.ts'
import { createSqlRetrievalStore } from './retrieval/sql-store.ts'
import type { AuditLog } from './ports/audit.ts'
import type { IdempotencyStore } from './ports/idempotency.ts'
import type { KvStore } from './ports/kv.ts'
import type { PlatformStore } from './ports/platform.ts'
import type { QuotaStore } from './ports/quota.ts'
import type { SecretsStore } from './ports/secrets.ts'
import type { SqlDatabase } from './ports/sql.ts'
import { createPgDatabase } from './sql/pg.ts'
import { createPgliteDatabase } from './sql/pglite.ts'
import { migrate } from './sql/migrate.ts'
import { createEtcdKv } from './kv/etcd.ts'
import { createSqlKv } from './kv/sql-kv.ts'
import { createSqlPlatformStore } from './platform/sql.ts'
import { createMongoConnection, createMongoPlatformStore } from './platform/mongo.ts'
import { createSqlAuditLog } from './audit/sql.ts'
import { createMongoAuditLog } from './audit/mongo.ts'
import { createSqlIdempotencyStore } from './idempotency/sql.ts'
import { createMongoIdempotencyStore } from './idempotency/mongo.ts'
import { createSqlAppData } from './appdata/sql.ts'
import { createSqlQuota } from './quota/sql.ts'
import { createCosmosAppData } from './appdata/cosmos.ts'
import { createLocalSecrets } from './secrets/local.ts'
import { createVaultSecrets } from './secrets/vault.ts'

export interface Stores {
  sql: SqlDatabase
  kv: KvStore
  /** Projects, members, admins, API keys: the platform domain's. */
  platform: PlatformStore
  /** The gateway's audit log and idempotency records (on the same backend as `platform`). */
  audit: AuditLog
  idempotency: IdempotencyStore
  appData: AppDataStore
  secrets: SecretsStore
  /** Durable quota buckets both DCs lease from (LLM token budgets, request quotas); on the SQL store. */
  quota: QuotaStore
  /** rag's documents, chunks and vectors (Postgres + pgvector, or PGlite with pgvector); on the SQL store. */
  retrieval: RetrievalStore
  /** Durable background jobs (rag ingestion) on the SQL store, shared by both DCs' workers. */
  jobs: JobQueue
  /** Closes every store, newest first; never throws (shutdown must finish). */
  close(): Promise<void>
}

/** Each adapter's options are the slice of configuration that selected it (extra `kind` ignored). */
export async function createStores(config: DyadConfig): Promise<Stores> {
  const opened: Array<{ close(): Promise<void> }> = []
  const track = <T extends { close(): Promise<void> }>(store: T) => {
    opened.push(store)
    return store
  }
  const closeAll = async () => {
    for (const store of opened.reverse()) await store.close().catch(() => {})
    opened.length = 0
  }
  try {
    const sql = track(
      config.sql.kind === 'postgres'
        ? createPgDatabase(config.sql)
        : await createPgliteDatabase(config.sql),
    )
    await migrate(sql)
    const kv = track(
      config.kv.kind === 'etcd'
        ? await createEtcdKv(config.kv)
        : await createSqlKv({ db: sql }),
    )
    // The three platform-side ports share one backend (DYAD_PLATFORM_STORE); on MongoDB also one client.
    const mongo = config.platformStore.kind === 'mongodb' ? track(createMongoConnection(config.platformStore)) : null
    const platform = mongo ? createMongoPlatformStore(mongo) : createSqlPlatformStore({ db: sql })
    const audit = mongo ? createMongoAuditLog(mongo) : createSqlAuditLog({ db: sql })
    const idempotency = mongo ? createMongoIdempotencyStore(mongo) : createSqlIdempotencyStore({ db: sql })
    const appData = track(
      config.appDataStore.kind === 'cosmos'
        ? await createCosmosAppData(config.appDataStore)
        : await createSqlAppData({ db: sql }),
    )
    const secrets = track(
      config.secrets.kind === 'vault'
        ? await createVaultSecrets(config.secrets)
        : await createLocalSecrets(config.secrets),
    )
    const quota = createSqlQuota({ db: sql })
    const retrieval = createSqlRetrievalStore({ sql })
    const jobs = createPgBossQueue({ sql })
    await jobs.start()
    // Stopped before the SQL store closes (closeAll goes newest first); running handlers get a grace period.
    track({ close: () => jobs.stop({ graceful: true, timeoutMs: 5_000 }) })
    return { sql, kv, platform, audit, idempotency, appData, secrets, quota, retrieval, jobs, close: closeAll }
  } catch (err) {
    await closeAll()
    throw err
  }
}
