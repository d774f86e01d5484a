import { MongoClient, type Db } from 'mongodb'
import type { PlatformStore } from '../ports/platform.ts'
import { mongoApiKeys } from './mongo-keys.ts'
import { mongoAccessFeed } from './mongo-feed.ts'
import { ensureIndexes, platformCollections, type GetCollections } from './mongo-collections.ts'
import { mongoMembers } from './mongo-members.ts'
import { mongoProjects } from './mongo-projects.ts'

export interface MongoPlatformStoreOptions {
  /** mongodb:// or mongodb+srv:// connection string. */
  uri: string
  /** Database holding the platform_* collections. */
  database: string
}

/**
 * One MongoDB client shared by the platform store, the audit log and the idempotency store (they
 * live in one database). Whoever creates the connection closes it.
 *
 * Nothing connects at construction: the first operation (normally the readiness probe) connects and
 * creates the indexes the semantics depend on (unique members and idempotency keys). If that fails,
 * the next operation tries again, so a MongoDB that comes up late does not need a process restart.
 */
export interface MongoConnection {
  db: Db
  cols: GetCollections
  ping(): Promise<void>
  close(): Promise<void>
}

export function createMongoConnection(opts: MongoPlatformStoreOptions): MongoConnection {
  const client = new MongoClient(opts.uri, { appName: 'dyad-platform' })
  const db = client.db(opts.database)
  const collections = platformCollections(db)
  let indexed: Promise<void> | undefined
  const cols = async () => {
    indexed ??= ensureIndexes(collections).catch((err: unknown) => {
      indexed = undefined
      throw err
    })
    await indexed
    return collections
  }
  return {
    db,
    cols,
    async ping() {
      await cols()
      await db.command({ ping: 1 })
    },
    close: () => client.close(),
  }
}

/** Platform store on MongoDB, on a connection its creator closes. */
export function createMongoPlatformStore(conn: MongoConnection): PlatformStore {
  return {
    kind: 'mongodb',
    ...mongoProjects(conn.cols),
    ...mongoMembers(conn.cols),
    ...mongoApiKeys(conn.cols),
    watchAccess: mongoAccessFeed(conn.db),
    ping: conn.ping,
    async close() {},
  }
}
