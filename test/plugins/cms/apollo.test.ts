/**
 * Apollo's config-service protocol, served from a fake ConfigReads: first with an unchanged Apollo
 * client from npm (@lvgithub/ctrip-apollo-client: configs, notifications/v2 long-poll, access-key
 * signatures), then request by request for what a client library does not show (304s, signature
 * and clock refusals, formats, fallback, labels, bad input, disconnects).
 */
import t, { type Test } from 'tap'
import { createHash, createHmac } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { CtripApolloClient } from '@lvgithub/ctrip-apollo-client'
import { installErrorHandler } from '../../../src/gateway/error-handler.ts'
import { serverOptions } from '../../../src/gateway/server-options.ts'
import { createValidatorCompiler } from '../../../src/gateway/validation.ts'
import { matchesGray } from '../../../plugins/cms/gray.ts'
import { DEFAULT_CLUSTER, type ClientInfo, type ConfigChange, type ConfigFormat, type ConfigReads, type EffectiveConfig, type GrayRule, type NamespaceHead, type NamespaceRef, type Release } from '../../../plugins/cms/model.ts'
import { apolloRoutes, type ApolloRoutesOptions } from '../../../plugins/cms/routes/apollo.ts'

// ---------------------------------------------------------------------------------------------
// A fake of the cms cache: heads in a map, a publish that notifies, and counters for the waiters.

function createFakeReads() {
  let revision = 100
  const heads = new Map<string, NamespaceHead & { lastSeq: number }>()
  const envs = new Set<string>()
  const listeners = new Map<string, Set<(c: ConfigChange) => void>>()
  const instances: Array<{ ref: NamespaceRef; client: ClientInfo; releaseKey: string }> = []
  let waiting = 0
  const nsKey = (r: NamespaceRef) => `${r.projectId}/${r.app}/${r.env}/${r.cluster}/${r.namespace}`
  const emit = (c: ConfigChange) => {
    for (const l of [...(listeners.get(c.ref.projectId) ?? [])]) l(c)
  }
  const effective = (h: NamespaceHead | undefined, ref: NamespaceRef, client: ClientInfo): EffectiveConfig | undefined => {
    if (!h?.main) return undefined
    const gray = h.gray && matchesGray(h.gray.rule, h.ref, client)
    return { ref, cluster: h.ref.cluster, release: gray ? h.gray!.release : h.main, gray: !!gray, revision: h.revision }
  }
  const makeRelease = (seq: number, format: ConfigFormat, content: string): Release => {
    const hash = createHash('sha256').update(content).digest('hex')
    return { seq, key: `${seq}-${hash.slice(0, 12)}`, kind: 'publish', format, content, hash, author: 'alice', approvedBy: [], message: '', createdAt: new Date().toISOString(), dc: 'dc1' }
  }

  const reads: ConfigReads = {
    read(ref, client) {
      const own = effective(heads.get(nsKey(ref)), ref, client)
      if (own || ref.cluster === DEFAULT_CLUSTER) return own
      return effective(heads.get(nsKey({ ...ref, cluster: DEFAULT_CLUSTER })), ref, client)
    },
    heads: (p, app, env, cluster) => [...heads.values()].filter((h) => nsKey(h.ref).startsWith(`${p}/${app}/${env}/${cluster}/`)),
    hasEnv: (p, app, env) => envs.has(`${p}/${app}/${env}`),
    subscribe(p, listener) {
      let set = listeners.get(p)
      if (!set) listeners.set(p, (set = new Set()))
      set.add(listener)
      return () => void set.delete(listener)
    },
    nextChange(p, accept, timeoutMs, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve(undefined)
        waiting++
        const done = (c: ConfigChange | undefined) => {
          waiting--
          unsubscribe()
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          resolve(c)
        }
        const onAbort = () => done(undefined)
        const unsubscribe = reads.subscribe(p, (c) => accept(c) && done(c))
        const timer = setTimeout(() => done(undefined), timeoutMs)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    },
    recordInstance: (ref, client, releaseKey) => void instances.push({ ref, client, releaseKey }),
  }

  return {
    reads,
    instances,
    /** Pending nextChange calls. */
    waiting: () => waiting,
    listenerCount: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
    publish(ref: NamespaceRef, format: ConfigFormat, content: string): Release {
      envs.add(`${ref.projectId}/${ref.app}/${ref.env}`)
      const h = heads.get(nsKey(ref))
      const release = makeRelease((h?.lastSeq ?? 0) + 1, format, content)
      heads.set(nsKey(ref), { ref, format, main: release, gray: h?.gray, revision: ++revision, lastSeq: release.seq })
      emit({ ref, releaseKey: release.key, revision })
      return release
    },
    gray(ref: NamespaceRef, content: string, rule: GrayRule): Release {
      const h = heads.get(nsKey(ref))!
      const release = { ...makeRelease(h.lastSeq + 1, h.format, content), kind: 'gray' as const }
      heads.set(nsKey(ref), { ...h, gray: { release, rule }, revision: ++revision, lastSeq: release.seq })
      emit({ ref, releaseKey: h.main?.key, grayReleaseKey: release.key, revision })
      return release
    },
  }
}

type Fake = ReturnType<typeof createFakeReads>

const SECRET = 'c2VjcmV0LW9mLXNob3AtcHJvZA'
const ROTATED = 'the-next-secret-during-rotation'
const ref = (namespace: string, cluster = 'default', app = 'shop', env = 'prod'): NamespaceRef => ({ projectId: 'p1', app, env, cluster, namespace })

async function startServer(t: Test, fake: Fake, opts: Partial<ApolloRoutesOptions> = {}) {
  const app: FastifyInstance = Fastify({ ...serverOptions({ bodyLimit: 1024 * 1024 }), logger: false })
  app.setValidatorCompiler(createValidatorCompiler([]))
  installErrorHandler(app)
  const keys: Record<string, string[]> = { 'p1/shop': [SECRET, ROTATED], 'p1/open': [] }
  await app.register(apolloRoutes, { reads: fake.reads, accessKeys: (p, appId) => keys[`${p}/${appId}`] ?? [], longPollMs: 1_000, ...opts })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return { app, base: `http://127.0.0.1:${address.port}`, server: `http://127.0.0.1:${address.port}/apollo/p1/prod` }
}

/** Apollo's signing, written out from apollo-core's Signature (independently of the plugin's). */
function signed(url: string, opts: { secret?: string; appId?: string; timestamp?: number } = {}) {
  const u = new URL(url)
  const timestamp = String(opts.timestamp ?? Date.now())
  const signature = createHmac('sha1', opts.secret ?? SECRET).update(`${timestamp}\n${u.pathname}${u.search}`).digest('base64')
  return { Authorization: `Apollo ${opts.appId ?? 'shop'}:${signature}`, Timestamp: timestamp }
}

async function get(url: string, headers: Record<string, string> = signed(url)) {
  const res = await fetch(url, { headers })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, body: body as any, text, type: res.headers.get('content-type') }
}

const notificationsUrl = (server: string, list: unknown, appId = 'shop', cluster = 'default') =>
  `${server}/notifications/v2?appId=${appId}&cluster=${cluster}&notifications=${encodeURIComponent(typeof list === 'string' ? list : JSON.stringify(list))}`

const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

// ---------------------------------------------------------------------------------------------

t.test('an unchanged Apollo client (@lvgithub/ctrip-apollo-client) reads, long-polls and sees a change', async (t) => {
  const fake = createFakeReads()
  fake.publish(ref('application'), 'properties', 'db.url=jdbc:pg://one\nfeature.enabled=true\n')
  fake.publish(ref('settings'), 'json', '{"theme":"dark","limits":{"rps":10}}')
  const { server } = await startServer(t, fake)

  const changes: unknown[] = []
  const client = new CtripApolloClient({
    configServerUrl: server,
    appId: 'shop',
    clusterName: 'default',
    namespaceList: ['application', 'settings.json'],
    accessKey: SECRET,
    configPath: join(t.testdir(), 'apollo-cache.json'),
    initTimeoutMs: 5_000,
    logger: { info() {}, error() {} },
    onChange: (c: unknown) => changes.push(c),
  })
  t.teardown(() => client.stop())
  await client.ready()

  t.equal(client.getValue('db.url'), 'jdbc:pg://one', 'a properties key, through the client\'s getValue')
  t.equal(client.getValue('feature.enabled'), 'true')
  t.equal(client.getValue('content', 'settings.json'), '{"theme":"dark","limits":{"rps":10}}', 'a json namespace comes back whole as `content`')

  // The client is now held in notifications/v2 (its first poll, with -1 ids, was answered at once).
  await until(() => fake.waiting() === 1)
  const seen = changes.length
  fake.publish(ref('application'), 'properties', 'db.url=jdbc:pg://two\nfeature.enabled=false\n')
  await until(() => client.getValue('db.url') === 'jdbc:pg://two')
  t.equal(client.getValue('feature.enabled'), 'false', 'the change arrived through the long-poll and a re-fetch')
  t.ok(changes.length > seen, 'the client\'s onChange fired')
  t.ok(fake.instances.some((i) => i.ref.namespace === 'application' && i.releaseKey.startsWith('2-')), 'the instances view records the new release')

  // It keeps polling with the new notificationId: held again, not answered at once.
  await until(() => fake.waiting() === 1)
})

t.test('the client with a wrong secret is refused', async (t) => {
  const fake = createFakeReads()
  fake.publish(ref('application'), 'properties', 'a=1\n')
  const { server } = await startServer(t, fake)
  const client = new CtripApolloClient({
    configServerUrl: server,
    appId: 'shop',
    namespaceList: ['application'],
    accessKey: 'not-the-secret',
    configPath: join(t.testdir(), 'apollo-cache.json'),
    initTimeoutMs: 5_000,
    logger: { info() {}, error() {} },
  })
  t.teardown(() => client.stop())
  await t.rejects(client.ready(), /401/)
})

t.test('configs: shape, 304 on the current releaseKey, 404, instances', async (t) => {
  const fake = createFakeReads()
  const rel = fake.publish(ref('application'), 'properties', 'db.url=jdbc:pg://one\nname = Shop \\u00e9\n')
  const { server } = await startServer(t, fake)
  const url = `${server}/configs/shop/default/application?ip=10.0.0.7`

  const r = await get(url)
  t.equal(r.status, 200)
  t.same(r.body, { appId: 'shop', cluster: 'default', namespaceName: 'application', configurations: { 'db.url': 'jdbc:pg://one', name: 'Shop é' }, releaseKey: rel.key })
  t.match(fake.instances.at(-1), { ref: ref('application'), client: { id: '10.0.0.7', ip: '10.0.0.7' }, releaseKey: rel.key })

  const same = `${server}/configs/shop/default/application?releaseKey=${rel.key}&ip=10.0.0.7`
  const r304 = await get(same)
  t.equal(r304.status, 304)
  t.equal(r304.text, '', '304 has no body')
  t.equal((await get(`${server}/configs/shop/default/application?releaseKey=0-old`)).status, 200, 'another release key gets the content')
  t.equal((await get(`${server}/configs/shop/default/application.properties`)).body.namespaceName, 'application.properties', 'the .properties suffix names the same namespace, echoed as sent')

  for (const missing of ['configs/shop/default/nothing', 'configs/shop/default/application.json', 'configs/other/default/application']) {
    const m = await get(`${server}/${missing}`, signed(`${server}/${missing}`, { appId: missing.split('/')[1] }))
    t.equal(m.status, missing.includes('other') ? 401 : 404, missing)
  }
  const nf = await get(`${server}/configs/shop/default/nothing`)
  t.equal(nf.body.code, 'CMS_APOLLO_CONFIG_NOT_FOUND')
  t.equal((await get(`${server.replace('/prod', '/staging')}/configs/shop/default/application`)).status, 404, 'the env is the URL\'s: another env is another config')
})

t.test('non-properties namespaces, as Apollo serves them', async (t) => {
  const fake = createFakeReads()
  const yaml = 'server:\n  port: 8080\n'
  fake.publish(ref('settings'), 'json', '{"a":{"b":[1,2]}}')
  fake.publish(ref('app'), 'yaml', yaml)
  fake.publish(ref('notes'), 'text', 'free text\n')
  fake.publish(ref('application'), 'properties', 'k=v\nx.y=a=b\n')
  const { server } = await startServer(t, fake)

  t.same((await get(`${server}/configs/shop/default/settings.json`)).body.configurations, { content: '{"a":{"b":[1,2]}}' })
  for (const name of ['app.yaml', 'app.yml']) {
    const r = await get(`${server}/configs/shop/default/${name}`)
    t.same([r.body.namespaceName, r.body.configurations], [name, { content: yaml }], `${name} names the yaml namespace app`)
  }
  t.same((await get(`${server}/configs/shop/default/notes.txt`)).body.configurations, { content: 'free text\n' })
  t.equal((await get(`${server}/configs/shop/default/settings`)).status, 404, 'a json namespace is not reachable as properties')

  const json = await get(`${server}/configfiles/json/shop/default/application`)
  t.same([json.status, json.body], [200, { k: 'v', 'x.y': 'a=b' }])
  t.match(json.type, /^application\/json/)
  t.same((await get(`${server}/configfiles/json/shop/default/settings.json`)).body, { content: '{"a":{"b":[1,2]}}' })

  const props = await get(`${server}/configfiles/shop/default/application?ip=1.2.3.4`)
  t.equal(props.status, 200)
  t.match(props.type, /^text\/plain/)
  t.same(props.text.split('\n').filter(Boolean).sort(), ['k=v', 'x.y=a\\=b'], 'properties text, escaped as Properties.store does')
  const propsOfYaml = await get(`${server}/configfiles/shop/default/app.yaml`)
  t.match(propsOfYaml.text, /^content=server\\:\\n  port\\: 8080\\n/, 'non-properties: the configurations as properties (content=...), as Apollo does')

  const raw = await get(`${server}/configfiles/raw/shop/default/app.yaml`)
  t.same([raw.text, raw.type], [yaml, 'application/yaml; charset=utf-8'])
  t.equal((await get(`${server}/configfiles/raw/shop/default/settings.json`)).type, 'application/json; charset=utf-8')
})

t.test('cluster fallback to default, gray rules by Apollo label and ip', async (t) => {
  const fake = createFakeReads()
  fake.publish(ref('application'), 'properties', 'where=default\n')
  fake.publish(ref('flags'), 'properties', 'dc2only=no\n')
  fake.publish(ref('flags', 'dc2'), 'properties', 'dc2only=yes\n')
  const { server } = await startServer(t, fake)

  const fb = await get(`${server}/configs/shop/dc2/application`)
  t.same([fb.status, fb.body.cluster, fb.body.configurations], [200, 'default', { where: 'default' }], 'dc2 has no application: default answers, and says so')
  const own = await get(`${server}/configs/shop/dc2/flags`)
  t.same([own.body.cluster, own.body.configurations], ['dc2', { dc2only: 'yes' }])

  const grayRel = fake.gray(ref('application'), 'where=canary\n', { labels: { apollo_label: ['canary'] } })
  const canary = await get(`${server}/configs/shop/default/application?label=canary`)
  t.same([canary.body.configurations, canary.body.releaseKey], [{ where: 'canary' }, grayRel.key], 'label=canary matches the rule on apollo_label')
  t.same((await get(`${server}/configs/shop/default/application?label=stable`)).body.configurations, { where: 'default' })
  t.same((await get(`${server}/configs/shop/default/application?label=${encodeURIComponent('dc=dc2,canary')}`)).body.configurations, { where: 'canary' }, 'k=v items and plain items together')
  t.match(fake.instances.at(-1)?.client.labels, { dc: 'dc2', apollo_label: 'canary' })
})

t.test('access-key signatures', async (t) => {
  const fake = createFakeReads()
  fake.publish(ref('application'), 'properties', 'a=1\n')
  fake.publish(ref('application', 'default', 'open'), 'properties', 'a=1\n')
  const { server } = await startServer(t, fake)
  const url = `${server}/configs/shop/default/application?ip=1.1.1.1`
  const code = async (headers: Record<string, string>, u = url) => {
    const r = await get(u, headers)
    return `${r.status} ${r.body.code ?? ''}`.trim()
  }

  t.equal(await code(signed(url, { secret: ROTATED })), '200', 'any current secret signs (key rotation)')
  t.equal(await code({}), '401 CMS_APOLLO_TIMESTAMP_SKEWED', 'no headers at all')
  t.equal(await code({ Timestamp: String(Date.now()) }), '401 CMS_APOLLO_UNAUTHORIZED', 'a timestamp and no signature')
  t.equal(await code(signed(url, { secret: 'wrong' })), '401 CMS_APOLLO_UNAUTHORIZED', 'bad signature')
  t.equal(await code(signed(url, { appId: 'open' })), '401 CMS_APOLLO_UNAUTHORIZED', 'signed as another app')
  t.equal(await code(signed(`${server}/configs/shop/default/application?ip=2.2.2.2`), url), '401 CMS_APOLLO_UNAUTHORIZED', 'the query is signed too')
  t.equal(await code(signed(url, { timestamp: Date.now() - 61_000 })), '401 CMS_APOLLO_TIMESTAMP_SKEWED', 'a minute and a second late')
  t.equal(await code(signed(url, { timestamp: Date.now() + 61_000 })), '401 CMS_APOLLO_TIMESTAMP_SKEWED', 'a minute and a second early')
  t.equal(await code(signed(url, { timestamp: Date.now() - 50_000 })), '200', 'within Apollo\'s 60 s')
  t.equal(await code({ ...signed(url), Timestamp: 'yesterday' }), '401 CMS_APOLLO_TIMESTAMP_SKEWED')

  const open = `${server}/configs/open/default/application`
  const noKey = await get(open, signed(open, { appId: 'open' }))
  t.same([noKey.status, noKey.body.code], [401, 'CMS_APOLLO_NO_ACCESS_KEY'], 'an app without an access key is never served')
  t.match(noKey.body.message, /never serves config unauthenticated/)
  const unknownProject = `${server.replace('/p1/', '/p2/')}/configs/shop/default/application`
  t.equal((await get(unknownProject, signed(unknownProject))).body.code, 'CMS_APOLLO_NO_ACCESS_KEY', 'an unknown project says nothing more than an app without a key')

  const bad = `${server}/configs/shop/default/application?releaseKey=${'x'.repeat(300)}`
  t.equal(await code({}, bad), '401 CMS_APOLLO_TIMESTAMP_SKEWED', 'authentication comes before validation')
  t.equal(await code(signed(bad), bad), '400 VALIDATION_FAILED', 'then validation')
  const badProject = `${server.replace('/p1/', '/P1/')}/configs/shop/default/application`
  t.equal(await code(signed(badProject), badProject), '400 VALIDATION_FAILED')
})

t.test('notifications/v2: answers at once, holds until a change, 304 on timeout', async (t) => {
  const fake = createFakeReads()
  const first = fake.publish(ref('application'), 'properties', 'a=1\n')
  fake.publish(ref('settings'), 'json', '{}')
  const { server } = await startServer(t, fake, { longPollMs: 300 })
  const head = (name: string) => fake.reads.read(ref(name), { labels: {} })!.revision

  const initial = await get(notificationsUrl(server, [{ namespaceName: 'application', notificationId: -1 }, { namespaceName: 'settings.json', notificationId: -1 }, { namespaceName: 'absent', notificationId: -1 }]))
  t.equal(initial.status, 200)
  t.same(initial.body, [
    { namespaceName: 'application', notificationId: head('application'), messages: { details: { 'shop+default+application': head('application') } } },
    { namespaceName: 'settings.json', notificationId: head('settings'), messages: { details: { 'shop+default+settings.json': head('settings') } } },
  ], 'every namespace past -1; an unpublished one is not reported')
  t.ok(first.key)

  const upToDate = [{ namespaceName: 'application.properties', notificationId: head('application') }]
  const started = Date.now()
  const timedOut = await get(notificationsUrl(server, upToDate))
  t.equal(timedOut.status, 304)
  t.ok(Date.now() - started >= 280, 'held for the long-poll time')
  t.equal(fake.waiting(), 0)

  const held = get(notificationsUrl(server, upToDate))
  await until(() => fake.waiting() === 1)
  fake.publish(ref('other'), 'properties', 'x=1\n')
  fake.publish(ref('application', 'default', 'another-app'), 'properties', 'x=1\n')
  t.equal(fake.waiting(), 1, 'changes of other namespaces or apps do not answer the poll')
  fake.publish(ref('application'), 'properties', 'a=2\n')
  const changed = await held
  t.same(changed.body, [{ namespaceName: 'application', notificationId: head('application'), messages: { details: { 'shop+default+application': head('application') } } }], '.properties stripped, as Apollo reports it')

  // A change in default does not wake a client whose own cluster shadows the namespace.
  fake.publish(ref('application', 'dc2'), 'properties', 'a=dc2\n')
  const dc2 = [{ namespaceName: 'application', notificationId: fake.reads.read(ref('application', 'dc2'), { labels: {} })!.revision }]
  const shadowed = get(notificationsUrl(server, dc2, 'shop', 'dc2'))
  await until(() => fake.waiting() === 1)
  fake.publish(ref('application'), 'properties', 'a=3\n')
  t.equal((await shadowed).status, 304, 'kept waiting past the default cluster\'s change, then timed out')

  const fallback = [{ namespaceName: 'settings.json', notificationId: head('settings') }]
  const viaDefault = get(notificationsUrl(server, fallback, 'shop', 'dc2'))
  await until(() => fake.waiting() === 1)
  fake.publish(ref('settings'), 'json', '{"v":2}')
  t.same((await viaDefault).body[0].messages.details, { 'shop+default+settings.json': head('settings') }, 'dc2 falls back to default and is told of its change')
})

t.test('notifications/v2: bad input is a 400, never a 500', async (t) => {
  const fake = createFakeReads()
  fake.publish(ref('application'), 'properties', 'a=1\n')
  const { server } = await startServer(t, fake)
  const bad = ['not json', '{}', '[]', '[1]', '[{"namespaceName":"application","notificationId":"7"}]', '[{"namespaceName":"application","notificationId":1.5}]', '[{"namespaceName":7}]', '[{"namespaceName":""}]', '[{"namespaceName":"a b"}]', '[{"namespaceName":".json"}]', JSON.stringify(Array.from({ length: 201 }, (_, i) => ({ namespaceName: `n${i}`, notificationId: -1 })))]
  for (const list of bad) {
    const r = await get(notificationsUrl(server, list))
    t.same([r.status, r.body.code], [400, 'CMS_APOLLO_INVALID_NOTIFICATIONS'], list.slice(0, 60))
  }
  const missing = `${server}/notifications/v2?appId=shop&cluster=default`
  t.equal((await get(missing)).body.code, 'VALIDATION_FAILED')
  const noApp = `${server}/notifications/v2?cluster=default&notifications=[]`
  t.equal((await get(noApp)).body.code, 'CMS_APOLLO_INVALID_APP_ID')
  const twice = `${server}/notifications/v2?appId=shop&appId=shop&cluster=default&notifications=%5B%5D`
  t.equal((await get(twice)).status, 400, 'a repeated appId')
  const dup = await get(notificationsUrl(server, [{ namespaceName: 'application', notificationId: 1_000_000 }, { namespaceName: 'application', notificationId: -1 }]))
  t.equal(dup.status, 200, 'the same namespace twice: the lower id wins, so the client hears of the release')
})

t.test('a client that disconnects mid-poll leaves no waiter behind', async (t) => {
  const fake = createFakeReads()
  fake.publish(ref('application'), 'properties', 'a=1\n')
  const { server } = await startServer(t, fake, { longPollMs: 20_000 })
  const url = notificationsUrl(server, [{ namespaceName: 'application', notificationId: fake.reads.read(ref('application'), { labels: {} })!.revision }])
  const listenersBefore = fake.listenerCount()

  for (let i = 0; i < 3; i++) {
    const req = httpRequest(url, { headers: signed(url) })
    req.on('error', () => {})
    req.end()
    await until(() => fake.waiting() === 1)
    t.equal(fake.listenerCount(), listenersBefore + 1, 'one subscription while held')
    const started = Date.now()
    req.destroy()
    await until(() => fake.waiting() === 0)
    t.ok(Date.now() - started < 2_000, 'released on disconnect, long before the 20 s poll time')
    t.equal(fake.listenerCount(), listenersBefore, 'the subscription is gone')
  }
  // And the server still answers polls afterwards.
  const held = get(url)
  await until(() => fake.waiting() === 1)
  fake.publish(ref('application'), 'properties', 'a=2\n')
  t.equal((await held).status, 200)
})

t.test('closing the server ends held polls with 304', async (t) => {
  const fake = createFakeReads()
  fake.publish(ref('application'), 'properties', 'a=1\n')
  const { app, server } = await startServer(t, fake, { longPollMs: 20_000 })
  const url = notificationsUrl(server, [{ namespaceName: 'application', notificationId: fake.reads.read(ref('application'), { labels: {} })!.revision }])
  const held = get(url)
  await until(() => fake.waiting() === 1)
  const started = Date.now()
  await app.close()
  t.equal((await held).status, 304)
  t.ok(Date.now() - started < 5_000)
  t.equal(fake.waiting(), 0)
})

t.test('a project at its long-poll limit gets 429', async (t) => {
  const fake = createFakeReads()
  fake.publish(ref('application'), 'properties', 'a=1\n')
  const { server } = await startServer(t, fake, { longPollMs: 2_000, maxWatchers: 1 })
  const url = notificationsUrl(server, [{ namespaceName: 'application', notificationId: fake.reads.read(ref('application'), { labels: {} })!.revision }])
  const first = get(url)
  await until(() => fake.waiting() === 1)
  const second = await get(url)
  t.same([second.status, second.body.code], [429, 'CMS_TOO_MANY_WATCHERS'])
  fake.publish(ref('application'), 'properties', 'a=2\n')
  t.equal((await first).status, 200)
})

t.test('routes are public to the gateway and documented', async (t) => {
  const app = Fastify()
  const routes: Array<{ url: string; config: unknown; schema: any }> = []
  app.addHook('onRoute', (r) => void (r.method === 'GET' && routes.push({ url: r.url, config: r.config, schema: r.schema })))
  await app.register(apolloRoutes, { reads: createFakeReads().reads, accessKeys: () => [] })
  await app.ready()
  t.same(routes.map((r) => r.url).sort(), [
    '/apollo/:projectId/:env/configfiles/:appId/:clusterName/:namespaceName',
    '/apollo/:projectId/:env/configfiles/json/:appId/:clusterName/:namespaceName',
    '/apollo/:projectId/:env/configfiles/raw/:appId/:clusterName/:namespaceName',
    '/apollo/:projectId/:env/configs/:appId/:clusterName/:namespaceName',
    '/apollo/:projectId/:env/notifications/v2',
  ])
  for (const r of routes) {
    t.same(r.config, { public: true }, r.url)
    t.ok(r.schema.params && r.schema.querystring && r.schema.response[200], `${r.url} has schemas`)
  }
  await app.close()
})
