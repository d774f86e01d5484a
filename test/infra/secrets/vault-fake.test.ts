/**
 * The Vault adapter against the in-process KV v2 fake: runs the full contract on every test run and
 * pins down the requests the adapter makes and how it reports a failing Vault.
 */
import t from 'tap'
import { createVaultSecrets } from '../../../src/infra/secrets/vault.ts'
import { secretsContract } from '../../contracts/secrets.ts'
import { startFakeVault } from './fake-vault.ts'

const vault = await startFakeVault('kv')
t.teardown(() => vault.close())

await t.test('contract', async (t) => {
  await secretsContract(t, async () => {
    const store = createVaultSecrets({ addr: vault.addr, token: vault.token, mount: 'kv', prefix: 'dyad' })
    return { store, cleanup: () => store.close() }
  })
})

await t.test('KV v2 paths under mount and prefix', async (t) => {
  const store = createVaultSecrets({ addr: `${vault.addr}/`, token: vault.token, mount: '/kv/', prefix: '/apps/dyad/' })
  vault.requests.length = 0
  await store.put('p/one', { k: 'v' })
  await store.get('p/one')
  await store.list('p/')
  await store.delete('p/one')
  await store.delete('p/one')
  await store.ping()
  t.strictSame(vault.requests, [
    'POST /v1/kv/data/apps/dyad/p/one',
    'GET /v1/kv/data/apps/dyad/p/one',
    'GET /v1/kv/metadata/apps/dyad/p/?list=1',
    'GET /v1/kv/metadata/apps/dyad/p/one',
    'DELETE /v1/kv/metadata/apps/dyad/p/one',
    'GET /v1/kv/metadata/apps/dyad/p/one',
    'GET /v1/auth/token/lookup-self',
  ])
})

await t.test('failures are SECRETS_UNAVAILABLE and carry no value', async (t) => {
  const secret = 'SECRET-never-in-errors-3f9a'
  const badToken = createVaultSecrets({ addr: vault.addr, token: 'wrong', mount: 'kv', prefix: 'dyad' })
  await t.rejects(badToken.ping(), { code: 'SECRETS_UNAVAILABLE', statusCode: 503, details: { status: 403 } })
  const err = await badToken.put('x', { apiKey: secret }).then(() => undefined, (e: Error) => e)
  t.match(err, { code: 'SECRETS_UNAVAILABLE', message: /status 403/ })
  t.notOk(`${err?.message} ${err?.stack} ${JSON.stringify(err)}`.includes(secret))

  const noMount = createVaultSecrets({ addr: vault.addr, token: vault.token, mount: 'missing', prefix: 'dyad' })
  await t.rejects(noMount.put('x', { apiKey: secret }), { code: 'SECRETS_UNAVAILABLE', details: { status: 404 } }, 'a write to a missing mount fails')

  const good = createVaultSecrets({ addr: vault.addr, token: vault.token, mount: 'kv', prefix: 'dyad' })
  vault.failWith = 503
  t.teardown(() => {
    vault.failWith = undefined
  })
  await t.rejects(good.get('x'), { code: 'SECRETS_UNAVAILABLE', details: { status: 503 } }, 'a sealed Vault is not "no secret"')
  await t.rejects(good.list(''), { code: 'SECRETS_UNAVAILABLE' })
  vault.failWith = undefined

  const down = createVaultSecrets({ addr: 'http://127.0.0.1:1', token: vault.token, mount: 'kv', prefix: 'dyad', timeoutMs: 2000 })
  const netErr = await down.put('x', { apiKey: secret }).then(() => undefined, (e: Error) => e)
  t.match(netErr, { code: 'SECRETS_UNAVAILABLE', message: /no response/ })
  t.notOk(`${netErr?.message} ${netErr?.stack} ${JSON.stringify(netErr)}`.includes(secret), 'not even from a network error')
})
