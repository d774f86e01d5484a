import { MongoClient } from 'mongodb'
import type { PlatformStore } from '../ports/platform.ts'
import { mongoApiKeys } from './mongo-keys.ts'
import { mongoAudit } from './mongo-audit.ts'
import { ensureIndexes, platformCollections, type PlatformCollections } from './mongo-collections.ts'
import { mongoIdempotency } from './mongo-idempotency.ts'
import { mongoMembers } from './mongo-members.ts'
import { mongoProjects } from './mongo-projects.ts'

export interface MongoPlatformStoreOptions {
  /** mongodb:// or mongodb+srv:// connection string. */
  uri: string
  /** Database holding the platform_* collections. */
  database: string
}

/**
 * Platform store on MongoDB. The store owns its client and closes it in `close()`.
 *
 * Nothing connects at construction: the first operation (normally the readiness probe) connects and
 * creates the indexes the semantics depend on (unique members and idempotency keys). If that fails,
 * the next operation tries again, so a MongoDB that comes up late does not need a process restart.
 */
export function createMongoPlatformStore(opts: MongoPlatformStoreOptions): PlatformStore {
  const client = new MongoClient(opts.uri, { appName: 'dyad-platform' })
  const db = client.db(opts.database)
  const collections = platformCollections(db)
  let indexed: Promise<void> | undefined
  const cols = async (): Promise<PlatformCollections> => {
    indexed ??= ensureIndexes(collections).catch((err: unknown) => {
      indexed = undefined
      throw err
    })
    await indexed
    return collections
  }
  return {
    kind: 'mongodb',
    ...mongoProjects(cols),
    ...mongoMembers(cols),
    ...mongoApiKeys(cols),
    ...mongoAudit(cols),
    ...mongoIdempotency(cols),
    async ping() {
      await cols()
      await db.command({ ping: 1 })
    },
    async close() {
      await client.close()
    },
  }
}
