/**
 * Feature flags end to end: a `flags` namespace published through the cms workflow is evaluated by
 * the real OpenFeature server SDK with the OFREP provider against a listening Dyad, authenticated
 * with a Dyad API key; a new release is seen by the next evaluation.
 */
import t from 'tap'
import { OpenFeature } from '@openfeature/server-sdk'
import { OFREPProvider } from '@openfeature/ofrep-provider'
import { buildTestApp } from '../../helpers/app.ts'
import { createTeam, nsUrl } from './setup.ts'

const flags = (enabledForBeta: boolean) =>
  JSON.stringify({
    flags: {
      'new-checkout': {
        state: 'ENABLED',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        targeting: { if: [{ '==': [{ var: 'plan' }, 'beta'] }, enabledForBeta ? 'on' : 'off', 'off'] },
      },
      'banner-text': { state: 'ENABLED', variants: { a: 'Hello', b: 'Welcome' }, defaultVariant: 'a' },
    },
  })

t.test('the OpenFeature SDK reads flags published in Dyad', async (t) => {
  const { app } = await buildTestApp(t)
  const { alice, bob } = await createTeam(app, 'ff')
  const base = '/v1/projects/ff/cms'
  await app.inject({ method: 'POST', url: `${base}/apps`, headers: alice, payload: { name: 'web' } })
  await app.inject({ method: 'POST', url: `${base}/apps/web/envs`, headers: alice, payload: { name: 'dev' } })
  t.equal((await app.inject({ method: 'POST', url: `${base}/apps/web/envs/dev/clusters/default/namespaces`, headers: alice, payload: { name: 'flags', format: 'json' } })).statusCode, 201)
  const ns = nsUrl('ff', 'web', 'dev', 'flags')
  const bad = await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: bob, payload: { content: JSON.stringify({ flags: { x: { state: 'ENABLED', variants: { a: 1 }, defaultVariant: 'zzz' } } }) } })
  t.equal(bad.statusCode, 422, 'invalid flag definitions are refused at draft time')
  t.match(bad.json().details.pointer, /defaultVariant/)
  const publish = async (content: string) => {
    const d = await app.inject({ method: 'GET', url: `${ns}/draft`, headers: bob })
    await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: d.statusCode === 200 ? { ...bob, 'if-match': d.headers.etag as string } : bob, payload: { content } })
    const r = await app.inject({ method: 'POST', url: `${ns}/releases`, headers: bob, payload: {} })
    t.equal(r.statusCode, 201, r.body)
  }
  await publish(flags(true))

  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const provider = new OFREPProvider({ baseUrl: `${address}${base}/apps/web/envs/dev`, headers: [['Authorization', bob.authorization!]] })
  await OpenFeature.setProviderAndWait('dyad', provider)
  t.teardown(() => OpenFeature.close())
  const client = OpenFeature.getClient('dyad')

  const beta = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u1', plan: 'beta' })
  t.match(beta, { value: true, variant: 'on', reason: 'TARGETING_MATCH' })
  t.match(await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u2', plan: 'free' }), { value: false, variant: 'off' })
  t.match(await client.getStringDetails('banner-text', 'x', { targetingKey: 'u1' }), { value: 'Hello', reason: 'STATIC' })
  const missing = await client.getBooleanDetails('nope', true, { targetingKey: 'u1' })
  t.match(missing, { value: true, errorCode: 'FLAG_NOT_FOUND' }, 'an unknown flag falls back to the code default')

  await publish(flags(false))
  t.match(await client.getBooleanDetails('new-checkout', false, { targetingKey: 'u1', plan: 'beta' }), { value: false, variant: 'off' }, 'a new release is used at once')

  const other = await createTeam(app, 'other')
  const foreign = new OFREPProvider({ baseUrl: `${address}${base}/apps/web/envs/dev`, headers: [['Authorization', other.alice.authorization!]] })
  await OpenFeature.setProviderAndWait('foreign', foreign)
  const denied = await OpenFeature.getClient('foreign').getBooleanDetails('new-checkout', false, { targetingKey: 'u1', plan: 'beta' })
  t.equal(denied.value, false, "another project's key gets the code default")
  t.ok(denied.errorCode, 'with an error code')
})
