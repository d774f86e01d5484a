import t from 'tap'
import { createVaultSecrets } from '../../../src/infra/secrets/vault.ts'
import { secretsContract } from '../../contracts/secrets.ts'
import { isSkip, uniqueName, vaultServer } from '../../helpers/servers.ts'

// The live-server run: a KV v2 engine at VAULT_KV_MOUNT (default `secret`, as in `vault server -dev`).
const server = vaultServer()
if (isSkip(server)) {
  t.plan(0, server.skip)
} else {
  await secretsContract(t, async () => {
    const prefix = `${uniqueName('dyad-test')}/`
    const store = createVaultSecrets({ ...server, mount: process.env.VAULT_KV_MOUNT ?? 'secret', prefix })
    return {
      store,
      async cleanup() {
        for (const name of await store.list('')) await store.delete(name)
        await store.close()
      },
    }
  })
}
