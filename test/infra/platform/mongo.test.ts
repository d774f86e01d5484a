import { MongoClient } from 'mongodb'
import t from 'tap'
import { createMongoPlatformStore } from '../../../src/infra/platform/mongo.ts'
import { isSkip, mongoUri, uniqueName } from '../../helpers/servers.ts'
import { platformStoreContract } from '../../contracts/platform-store.ts'

const uri = mongoUri()
if (isSkip(uri)) {
  // No MongoDB server can run on this machine: the adapter is covered by typecheck only unless
  // MONGODB_URI points at one.
  t.plan(0, uri.skip)
} else {
  const admin = new MongoClient(uri)
  t.teardown(() => admin.close())

  // A database per subtest: creating one in MongoDB is free, and dropping it removes the indexes too.
  platformStoreContract(t, async () => {
    const database = uniqueName('dyad_platform_test')
    const store = createMongoPlatformStore({ uri, database })
    return {
      store,
      async cleanup() {
        await store.close()
        await admin.db(database).dropDatabase()
      },
    }
  })
}
