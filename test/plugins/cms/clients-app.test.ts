/**
 * Existing clients against a complete, listening Dyad (the cms domain wired as `npm start` wires
 * it): an unchanged Apollo client from npm reads a release published through Dyad's own API with an
 * access key created through it, and sees the next release by notifications/v2; a Spring Cloud
 * Config request (as Spring's ConfigServerConfigDataLoader sends it) reads the Environment with a
 * Dyad API key through the gateway. The routes' own behaviour is tested over fakes in apollo.test.ts
 * and spring.test.ts; this test is the wiring.
 */
import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CtripApolloClient } from '@lvgithub/ctrip-apollo-client'
import { buildTestApp } from '../../helpers/app.ts'
import { createTeam, nsUrl } from './setup.ts'
import type { FastifyInstance } from 'fastify'

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function publish(app: FastifyInstance, headers: Record<string, string>, url: string, content: string) {
  const draft = await app.inject({ method: 'GET', url: `${url}/draft`, headers })
  const ifMatch = draft.statusCode === 200 ? { 'if-match': draft.headers.etag as string } : {}
  const put = await app.inject({ method: 'PUT', url: `${url}/draft`, headers: { ...headers, ...ifMatch, 'content-type': 'text/plain' }, payload: content })
  if (put.statusCode >= 300) throw new Error(`draft: ${put.statusCode} ${put.body}`)
  const r = await app.inject({ method: 'POST', url: `${url}/releases`, headers, payload: {} })
  if (r.statusCode !== 201) throw new Error(`publish: ${r.statusCode} ${r.body}`)
}

t.test('an Apollo client and a Spring request read config published through Dyad', async (t) => {
  const { app } = await buildTestApp(t)
  const { alice, bob } = await createTeam(app, 'shop')
  const base = '/v1/projects/shop/cms'
  for (const [url, payload] of [
    [`${base}/apps`, { name: 'checkout' }],
    [`${base}/apps/checkout/envs`, { name: 'dev' }],
    [`${base}/apps/checkout/envs/dev/clusters/default/namespaces`, { name: 'application', format: 'properties' }],
  ] as const) {
    const res = await app.inject({ method: 'POST', url, headers: alice, payload })
    t.equal(res.statusCode, 201, `${url}: ${res.body}`)
  }
  const ns = nsUrl('shop', 'checkout', 'dev', 'application')
  await publish(app, bob, ns, 'db.url=jdbc:pg://one\nfeature.enabled=true\n')

  const forbidden = await app.inject({ method: 'POST', url: `${base}/apps/checkout/access-keys`, headers: bob })
  t.equal(forbidden.statusCode, 403, 'a project user may not create access keys (cms.app.write)')
  const created = await app.inject({ method: 'POST', url: `${base}/apps/checkout/access-keys`, headers: alice })
  t.equal(created.statusCode, 201, created.body)
  const { id, secret } = created.json() as { id: string; secret: string }
  t.same((await app.inject({ url: `${base}/apps/checkout/access-keys`, headers: alice })).json(), { items: [id] }, 'listing shows ids, never secrets')

  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  t.equal((await fetch(`${address}/apollo/shop/dev/configs/checkout/default/application`)).status, 401, 'an unsigned Apollo request is refused')

  // Not t.testdir(): a second call would empty the directory buildTestApp keeps Dyad's data in.
  const cacheDir = await mkdtemp(join(tmpdir(), 'dyad-apollo-'))
  t.teardown(() => rm(cacheDir, { recursive: true, force: true }))
  const client = new CtripApolloClient({
    configServerUrl: `${address}/apollo/shop/dev`,
    appId: 'checkout',
    clusterName: 'default',
    namespaceList: ['application'],
    accessKey: secret,
    configPath: join(cacheDir, 'apollo-cache.json'),
    initTimeoutMs: 5_000,
    logger: { info() {}, error() {} },
  })
  t.teardown(() => client.stop())
  await client.ready()
  t.equal(client.getValue('db.url'), 'jdbc:pg://one', 'the Apollo client reads the release')
  await publish(app, bob, ns, 'db.url=jdbc:pg://two\nfeature.enabled=false\n')
  await until(() => client.getValue('db.url') === 'jdbc:pg://two', 'the Apollo client to see release 2')
  t.equal(client.getValue('feature.enabled'), 'false', 'the next release arrived through notifications/v2')
  // The instances view is flushed in batches: poll it (bounded).
  let holders: Array<{ releaseKey?: string }> = []
  for (let i = 0; i < 100 && !holders.some((h) => h.releaseKey?.startsWith('2-')); i++) {
    if (i) await new Promise((r) => setTimeout(r, 50))
    holders = (await app.inject({ url: `${ns}/instances`, headers: alice })).json().items
  }
  t.ok(holders.some((h) => h.releaseKey?.startsWith('2-')), 'the instances view shows the Apollo client on release 2')

  // Spring: `spring.config.import=configserver:<dyad>/spring/shop` with the key as a header.
  const spring = await fetch(`${address}/spring/shop/checkout/dev`, {
    headers: { accept: 'application/vnd.spring-cloud.config-server.v2+json', 'accept-charset': 'UTF-8', authorization: bob.authorization! },
  })
  t.equal(spring.status, 200)
  const env = (await spring.json()) as { name: string; profiles: string[]; propertySources: Array<{ name: string; source: Record<string, unknown> }> }
  t.equal(env.name, 'checkout')
  t.same(env.profiles, ['dev'])
  const source = env.propertySources[0]!.source as Record<string, { value: string } | string>
  const value = (v: { value: string } | string | undefined) => (typeof v === 'object' ? v.value : v)
  t.equal(value(source['db.url']), 'jdbc:pg://two', 'the Environment carries the current release')
  t.equal((await fetch(`${address}/spring/shop/checkout/dev`)).status, 401, 'Spring requests need a Dyad API key')
  // spring.cloud.config.username/password: basic auth with the key as the password.
  const basic = `Basic ${Buffer.from(`spring:${bob.authorization!.slice('Bearer '.length)}`).toString('base64')}`
  const viaBasic = await fetch(`${address}/spring/shop/checkout/dev`, { headers: { accept: 'application/json', authorization: basic } })
  t.equal(viaBasic.status, 200, 'or as the basic-auth password')
  const yml = await fetch(`${address}/spring/shop/checkout-dev.properties`, { headers: { authorization: bob.authorization! } })
  t.match(await yml.text(), /db\.url: jdbc:pg:\/\/two|db\.url=jdbc:pg:\/\/two/, 'the .properties view')

  const revoke = await app.inject({ method: 'DELETE', url: `${base}/apps/checkout/access-keys/${id}`, headers: alice })
  t.equal(revoke.statusCode, 204, `revoke: ${revoke.body}`)
  const after = await app.inject({ method: 'DELETE', url: `${base}/apps/checkout/access-keys/${id}`, headers: alice })
  t.equal(after.statusCode, 404, 'a revoked key is gone')
})
