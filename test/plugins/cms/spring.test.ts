/**
 * Spring Cloud Config's environment endpoint over a fake ConfigReads, with requests shaped as
 * Spring's ConfigServerConfigDataLoader sends them: `GET {uri}/{name}/{profile}[/{label}]`, Accept
 * `application/vnd.spring-cloud.config-server.v2+json` (EnvironmentMediaType.V2_JSON), Accept-Charset
 * UTF-8, and the Dyad API key as a header from spring.cloud.config.headers. The gateway (which checks
 * that key) is not part of this test: the routes' declared action is.
 */
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { installErrorHandler } from '../../../src/gateway/error-handler.ts'
import { serverOptions } from '../../../src/gateway/server-options.ts'
import { createValidatorCompiler } from '../../../src/gateway/validation.ts'
import { DEFAULT_CLUSTER, type ClientInfo, type ConfigFormat, type ConfigReads, type NamespaceHead, type NamespaceRef, type Release } from '../../../plugins/cms/model.ts'
import { springRoutes, type SpringRoutesOptions } from '../../../plugins/cms/routes/spring.ts'
import { resolvePlaceholders } from '../../../plugins/cms/spring/files.ts'

/** Heads in a map; read() falls back to the default cluster, as the cms cache does. */
function createFakeReads() {
  let revision = 0
  const heads = new Map<string, NamespaceHead>()
  const envs = new Set<string>()
  const instances: Array<{ ref: NamespaceRef; client: ClientInfo; releaseKey: string }> = []
  const nsKey = (r: NamespaceRef) => `${r.projectId}/${r.app}/${r.env}/${r.cluster}/${r.namespace}`
  const reads: ConfigReads = {
    read(ref) {
      const h = heads.get(nsKey(ref)) ?? (ref.cluster === DEFAULT_CLUSTER ? undefined : heads.get(nsKey({ ...ref, cluster: DEFAULT_CLUSTER })))
      return h?.main && { ref, cluster: h.ref.cluster, release: h.main, gray: false, revision: h.revision }
    },
    heads: (p, app, env, cluster) => [...heads.values()].filter((h) => nsKey(h.ref).startsWith(`${p}/${app}/${env}/${cluster}/`)),
    hasEnv: (p, app, env) => envs.has(`${p}/${app}/${env}`),
    subscribe: () => () => {},
    nextChange: async () => undefined,
    recordInstance: (ref, client, releaseKey) => void instances.push({ ref, client, releaseKey }),
  }
  return {
    reads,
    instances,
    env(app: string, env: string) {
      envs.add(`p1/${app}/${env}`)
    },
    publish(app: string, env: string, namespace: string, format: ConfigFormat, content: string, cluster = 'default'): Release {
      envs.add(`p1/${app}/${env}`)
      const ref = { projectId: 'p1', app, env, cluster, namespace }
      const seq = (heads.get(nsKey(ref))?.main?.seq ?? 0) + 1
      const hash = createHash('sha256').update(content).digest('hex')
      const main: Release = { seq, key: `${seq}-${hash.slice(0, 12)}`, kind: 'publish', format, content, hash, author: 'alice', approvedBy: [], message: '', createdAt: '2026-01-01T00:00:00Z', dc: 'dc1' }
      heads.set(nsKey(ref), { ref, format, main, revision: ++revision })
      return main
    },
  }
}

async function startServer(t: Test, fake: ReturnType<typeof createFakeReads>, opts: Partial<SpringRoutesOptions> = {}) {
  const app: FastifyInstance = Fastify({ ...serverOptions({ bodyLimit: 1024 * 1024 }), logger: false })
  app.setValidatorCompiler(createValidatorCompiler([]))
  installErrorHandler(app)
  await app.register(springRoutes, { reads: fake.reads, ...opts })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return `http://127.0.0.1:${address.port}/spring/p1`
}

/** The headers ConfigServerConfigDataLoader sends (plus spring.cloud.config.headers.Authorization). */
const SPRING_HEADERS = {
  Accept: 'application/vnd.spring-cloud.config-server.v2+json',
  'Accept-Charset': 'utf-8',
  Authorization: 'Bearer dyad_key0000000001_' + 'A'.repeat(43),
}

async function get(url: string, headers: Record<string, string> = SPRING_HEADERS) {
  const res = await fetch(url, { headers })
  const text = await res.text()
  let body: any = text
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, type: res.headers.get('content-type'), text, body }
}

function seed() {
  const fake = createFakeReads()
  fake.publish('shop', 'prod', 'application', 'properties', 'server.port=8080\nshop.name=Shop\ngreeting=Hello ${shop.name}\nlist[0]=a\nlist[1]=b\n')
  fake.publish('shop', 'prod', 'db', 'yaml', 'db:\n  url: jdbc:pg://prod\n  pool:\n    - 1\n    - 2\n')
  fake.publish('shop', 'prod', 'notes', 'text', 'not key/value\n')
  fake.publish('shop', 'eu', 'application', 'properties', 'shop.name=Shop EU\nlist[0]=eu\n')
  fake.publish('shop', 'prod', 'db', 'yaml', 'db:\n  url: jdbc:pg://dc2\n', 'dc2')
  fake.publish('application', 'prod', 'application', 'properties', 'shared.timeout=30\nserver.port=80\n')
  return fake
}

t.test('the Environment, as Spring\'s client asks for it (v2: values with origins)', async (t) => {
  const fake = seed()
  const base = await startServer(t, fake)
  const r = await get(`${base}/shop/prod`)
  t.equal(r.status, 200)
  t.match(r.type, /^application\/vnd\.spring-cloud\.config-server\.v2\+json(;|$)/)
  const app = fake.reads.read({ projectId: 'p1', app: 'shop', env: 'prod', cluster: 'default', namespace: 'application' }, { labels: {} })!.release.key
  t.match(r.body, { name: 'shop', profiles: ['prod'], label: 'default', state: null, version: /^[0-9a-f]{40}$/ })
  t.same(r.body.propertySources.map((s: any) => s.name), ['dyad:shop-prod/default/db', 'dyad:shop-prod/default/application', 'dyad:application-prod/default/application'], 'own namespaces by name with application last, then the shared app; text left out')
  t.same(r.body.propertySources[1].source['shop.name'], { value: 'Shop', origin: `shop/prod/default/application@${app}` })
  t.same(r.body.propertySources[0].source, {
    'db.url': { value: 'jdbc:pg://prod', origin: r.body.propertySources[0].source['db.url'].origin },
    'db.pool[0]': { value: '1', origin: r.body.propertySources[0].source['db.url'].origin },
    'db.pool[1]': { value: '2', origin: r.body.propertySources[0].source['db.url'].origin },
  }, 'yaml flattened the Spring Boot way')
  t.ok(fake.instances.length >= 3, 'the reads are recorded for the instances view')

  const plain = await get(`${base}/shop/prod`, { ...SPRING_HEADERS, Accept: 'application/json' })
  t.match(plain.type, /^application\/json/)
  t.same(plain.body.propertySources[1].source['shop.name'], 'Shop', 'older clients (application/json): plain values')
  t.equal(plain.body.version, r.body.version)

  fake.publish('shop', 'prod', 'application', 'properties', 'shop.name=Renamed\n')
  t.not((await get(`${base}/shop/prod`)).body.version, r.body.version, 'version moves with any release')
})

t.test('profiles: last wins, unknown ones skipped; label: the cluster, with fallback', async (t) => {
  const fake = seed()
  const base = await startServer(t, fake)
  const names = async (path: string) => (await get(`${base}/${path}`)).body.propertySources?.map((s: any) => s.name)

  t.same(await names('shop/prod,eu'), ['dyad:shop-eu/default/application', 'dyad:shop-prod/default/db', 'dyad:shop-prod/default/application', 'dyad:application-prod/default/application'])
  t.same(await names('shop/local,prod'), await names('shop/prod'), 'a profile that is not a Dyad environment is skipped')
  t.same(await names('shop/prod/dc2'), ['dyad:shop-prod/dc2/db', 'dyad:shop-prod/default/application', 'dyad:application-prod/default/application'], 'dc2\'s own db, the rest from default')
  t.equal((await get(`${base}/shop/prod/dc2`)).body.label, 'dc2')
  t.same(await names('application/prod'), ['dyad:application-prod/default/application'], 'the shared app itself')

  for (const [path, why] of [['nope/prod', 'unknown app'], ['shop/staging', 'unknown env'], ['shop/local,test', 'no profile is an env'], ['application/eu', 'the shared app alone does not make an environment']]) {
    const r = await get(`${base}/${path}`)
    t.same([r.status, r.body.code], [404, 'CMS_ENV_NOT_FOUND'], why)
  }
  const noShared = await startServer(t, fake, { sharedApp: '' })
  t.same((await get(`${noShared}/shop/prod`)).body.propertySources.length, 2, 'sharedApp: "" turns the convention off')
})

t.test('file views: .properties, .yml, .yaml, .json, labelled', async (t) => {
  const fake = seed()
  const base = await startServer(t, fake)

  const props = await get(`${base}/shop-prod.properties`)
  t.equal(props.status, 200)
  t.match(props.type, /^text\/plain/)
  t.equal(props.text, ['db.pool[0]: 1', 'db.pool[1]: 2', 'db.url: jdbc:pg://prod', 'greeting: Hello Shop', 'list[0]: a', 'list[1]: b', 'server.port: 8080', 'shared.timeout: 30', 'shop.name: Shop'].join('\n'), 'merged, own over shared, placeholders resolved')
  t.match((await get(`${base}/shop-prod.properties?resolvePlaceholders=false`)).text, /greeting: Hello \$\{shop\.name\}/)

  const merged = await get(`${base}/shop-prod,eu.properties`)
  t.match(merged.text, /greeting: Hello Shop EU/, 'placeholders see the merged values')
  t.match(merged.text, /list\[0\]: eu\nserver/, 'a list comes whole from the most specific source that has it')

  const yml = await get(`${base}/shop-prod.yml`)
  t.match(yml.type, /^text\/plain/)
  t.match(yml.text, /^db:\n  pool:\n    - "1"\n    - "2"\n  url: jdbc:pg:\/\/prod\n/)
  t.equal((await get(`${base}/shop-prod.yaml`)).text, yml.text)
  const json = await get(`${base}/shop-prod.json`)
  t.match(json.type, /^application\/json/)
  t.same(json.body.db, { pool: ['1', '2'], url: 'jdbc:pg://prod' })
  t.same(json.body.server, { port: '8080' })

  t.match((await get(`${base}/dc2/shop-prod.yml`)).text, /url: jdbc:pg:\/\/dc2/, '/{label}/{application}-{profile}.yml')
  t.match((await get(`${base}/dc2/shop-prod.properties`)).text, /db\.url: jdbc:pg:\/\/dc2/)

  fake.publish('my-app', 'prod', 'application', 'properties', 'a=1\n')
  t.equal((await get(`${base}/my-app-prod.properties`)).text, 'a: 1\nserver.port: 80\nshared.timeout: 30', 'the name may hold hyphens: the profile is after the last one (and the shared app comes below)')
})

t.test('bad input: 400 or 404, never 500', async (t) => {
  const fake = seed()
  const base = await startServer(t, fake)
  const cases: Array<[string, number]> = [
    ['shop-prod.txt', 404],
    ['shopprod.yml', 404],
    ['shop/prod.yml', 404],
    ['dc2/shop.yml', 404],
    ['nope-prod.yml', 404],
    ['shop/pr%20od', 400],
    ['sh%20op/prod', 400],
    ['shop/prod/(_)', 400],
    ['shop/prod/dc9', 200],
    ['shop/prod,,,', 200],
    [`shop/${'p,'.repeat(400)}prod`, 200],
    [`shop/${'x'.repeat(1001)}`, 400],
    ['shop-prod.json?resolvePlaceholders=maybe', 400],
    ['%E0%A4%A', 400],
  ]
  for (const [path, status] of cases) t.equal((await get(`${base}/${path}`)).status, status, path)
})

t.test('placeholders cannot be made to explode', async (t) => {
  const props = new Map<string, string>()
  for (let i = 0; i < 8; i++) props.set(`k${i}`, Array.from({ length: 200 }, () => `\${k${i + 1}}`).join(''))
  props.set('k8', 'x')
  props.set('loop.a', '${loop.b}')
  props.set('loop.b', '${loop.a}')
  props.set('nested', '${missing:${k8}}')
  props.set('open', '${never closed')
  props.set('deep', '${'.repeat(100_000) + 'x' + '}'.repeat(100_000))
  const started = Date.now()
  const out = resolvePlaceholders(props)
  t.ok(Date.now() - started < 2_000, 'bounded work')
  t.equal(out.get('k7'), 'x'.repeat(200))
  t.ok((out.get('k0') ?? '').length <= 1 << 20, 'a value past 1 MiB stays unresolved')
  t.match(out.get('loop.a'), /\$\{loop\.[ab]\}/, 'a cycle is left as a placeholder')
  t.equal(out.get('nested'), 'x', 'a default with a placeholder')
  t.equal(out.get('open'), '${never closed')
  t.equal(out.get('deep'), props.get('deep'), 'placeholders nested 100,000 deep: left alone, no stack overflow')
})

t.test('routes go through the gateway with cms.config.read', async (t) => {
  const app = Fastify()
  const routes: Array<{ url: string; config: unknown; schema: any }> = []
  app.addHook('onRoute', (r) => void (r.method === 'GET' && routes.push({ url: r.url, config: r.config, schema: r.schema })))
  await app.register(springRoutes, { reads: createFakeReads().reads })
  await app.ready()
  t.same(routes.map((r) => r.url).sort(), ['/spring/:projectId/:application/:profile', '/spring/:projectId/:application/:profile/:label', '/spring/:projectId/:file'])
  for (const r of routes) {
    t.same(r.config, { action: 'cms.config.read' }, r.url)
    t.ok(r.schema.params && r.schema.response[200], `${r.url} has schemas`)
  }
  await app.close()
})
