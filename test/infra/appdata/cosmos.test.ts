import https from 'node:https'
import { CosmosClient } from '@azure/cosmos'
import t from 'tap'
import { createCosmosAppData } from '../../../src/infra/appdata/cosmos.ts'
import { appDataContract } from '../../contracts/appdata.ts'
import { cosmosEmulator, isSkip, uniqueName } from '../../helpers/servers.ts'

const emulator = cosmosEmulator()
if (isSkip(emulator)) {
  t.plan(0, emulator.skip)
} else {
  // The emulator serves a self-signed certificate; allowSelfSigned exists for exactly this.
  const admin = new CosmosClient({ ...emulator, agent: new https.Agent({ rejectUnauthorized: false }) })
  t.teardown(() => admin.dispose())
  /** A store on its own database, dropped at cleanup. */
  const make = async () => {
    const database = uniqueName('dyad_appdata')
    const store = createCosmosAppData({ ...emulator, database, allowSelfSigned: true })
    return {
      store,
      database,
      async cleanup() {
        await store.close()
        await admin.database(database).delete().catch(() => {})
      },
    }
  }

  await t.test('contract', (t) => appDataContract(t, make))

  await t.test('creates its container partitioned by /projectId with the paging indexes', async (t) => {
    const { store, database, cleanup } = await make()
    t.teardown(cleanup)
    await store.ping()
    await store.ping() // the second call reuses the container, it does not re-create
    const { resource } = await admin.database(database).container('app_documents').read()
    t.strictSame(resource?.partitionKey?.paths, ['/projectId'])
    t.match(resource?.indexingPolicy?.compositeIndexes, [
      [{ path: '/updatedAt', order: 'ascending' }, { path: '/docId', order: 'ascending' }],
      [{ path: '/updatedAt', order: 'descending' }, { path: '/docId', order: 'descending' }],
    ])
  })

  await t.test('an unreachable account fails fast instead of hanging', async (t) => {
    const store = createCosmosAppData({ endpoint: 'https://127.0.0.1:1', key: emulator.key, database: 'x', allowSelfSigned: true })
    t.teardown(() => store.close())
    await t.rejects(store.ping(), { code: 'ECONNREFUSED' })
    await t.rejects(store.get('p', 'c', 'i'), { code: 'ECONNREFUSED' }, 'every call reports the outage')
  })
}
