import t from 'tap'
import { Etcd3 } from 'etcd3'
import { createEtcdKv } from '../../../src/infra/kv/etcd.ts'
import { kvContract } from '../../contracts/kv.ts'
import { etcdEndpoints, isSkip, uniqueName } from '../../helpers/servers.ts'

const endpoints = etcdEndpoints()
if (isSkip(endpoints)) {
  t.plan(0, endpoints.skip)
} else {
  await kvContract(t, async () => {
    // A namespace per run: the test cluster is shared with other test files and earlier runs.
    const namespace = `${uniqueName('kvtest')}/`
    const store = createEtcdKv({ endpoints, namespace })
    // Compaction is cluster-wide on etcd; compacting to a revision this suite just wrote only
    // drops history older than a few milliseconds, which no other test is replaying.
    const admin = new Etcd3({ hosts: endpoints })
    return {
      store,
      async compact(revision) {
        await admin.kv.compact({ revision, physical: true })
      },
      async cleanup() {
        await store.deletePrefix('')
        await store.close()
        admin.close()
      },
    }
  })
}
