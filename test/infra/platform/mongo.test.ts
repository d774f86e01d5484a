import { MongoClient } from 'mongodb'
import t from 'tap'
import { createMongoConnection, createMongoPlatformStore, type MongoConnection } from '../../../src/infra/platform/mongo.ts'
import { createMongoAuditLog } from '../../../src/infra/audit/mongo.ts'
import { createMongoIdempotencyStore } from '../../../src/infra/idempotency/mongo.ts'
import type { MakeStore } from '../../contracts/platform-store/fixtures.ts'
import { isSkip, mongoUri, uniqueName } from '../../helpers/servers.ts'
import { platformStoreContract } from '../../contracts/platform-store.ts'
import { auditLogContract } from '../../contracts/audit.ts'
import { idempotencyContract } from '../../contracts/idempotency.ts'

const uri = mongoUri()
if (isSkip(uri)) {
  // No MongoDB server can run on this machine: the adapter is covered by typecheck only unless
  // MONGODB_URI points at one.
  t.plan(0, uri.skip)
} else {
  const admin = new MongoClient(uri)
  t.teardown(() => admin.close())

  // A database per subtest: creating one in MongoDB is free, and dropping it removes the indexes too.
  const make = <S>(build: (conn: MongoConnection) => S): MakeStore<S> => async () => {
    const database = uniqueName('dyad_platform_test')
    const conn = createMongoConnection({ uri, database })
    return {
      store: build(conn),
      async cleanup() {
        await admin.db(database).dropDatabase()
        await conn.close()
      },
    }
  }
  platformStoreContract(t, make(createMongoPlatformStore))
  auditLogContract(t, make(createMongoAuditLog))
  idempotencyContract(t, make(createMongoIdempotencyStore))
}
