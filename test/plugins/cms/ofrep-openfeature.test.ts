/**
 * OpenFeature's own clients against the OFREP routes over real HTTP: `@openfeature/server-sdk` with
 * `@openfeature/ofrep-provider` (the server-side OFREP provider; it evaluates flag by flag), and
 * `@openfeature/ofrep-core`'s OFREPApi for the bulk endpoint with its ETag (what the web provider
 * polls). The app is the route plugin behind a stand-in for the gateway's first steps.
 */
import t from 'tap'
import Fastify from 'fastify'
import { OpenFeature } from '@openfeature/server-sdk'
import { OFREPProvider } from '@openfeature/ofrep-provider'
import { OFREPApi } from '@openfeature/ofrep-core'
import { ErrorSchema } from '../../../src/contracts/schemas.ts'
import { installErrorHandler } from '../../../src/gateway/error-handler.ts'
import { applyRouteConventions } from '../../../src/gateway/route-conventions.ts'
import { createValidatorCompiler } from '../../../src/gateway/validation.ts'
import { Errors } from '../../../src/shared/errors.ts'
import { evaluateFlag, parseFlagDefinitions, type FlagSet } from '../../../plugins/cms/flags/index.ts'
import { ofrepRoutes } from '../../../plugins/cms/routes/ofrep.ts'

const definitions = {
  metadata: { flagSetId: 'shop-web' },
  flags: {
    'new-ui': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on', metadata: { owner: 'web', rev: 3 } },
    banner: { state: 'ENABLED', variants: { hi: 'Hello', bye: 'Bye' }, defaultVariant: 'hi', targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'bye', null] } },
    'max-items': { state: 'ENABLED', variants: { few: 5, many: 50 }, defaultVariant: 'few', targeting: { if: [{ '==': [{ var: 'plan' }, 'pro'] }, 'many', 'few'] } },
    layout: { state: 'ENABLED', variants: { grid: { columns: 3, dense: true }, list: { columns: 1 } }, defaultVariant: 'list', targeting: { if: [{ sem_ver: [{ var: 'appVersion' }, '>=', '2.0.0'] }, 'grid', 'list'] } },
    rollout: { state: 'ENABLED', variants: { control: 'control', treatment: 'treatment' }, defaultVariant: 'control', targeting: { fractional: [['control', 50], ['treatment', 50]] } },
    retired: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    typo: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [true, 'onn', 'off'] } },
  },
}
let published: { set: FlagSet; etag: string } = { set: parseFlagDefinitions(definitions), etag: 'release-1' }

const app = Fastify({ logger: false })
app.addSchema(ErrorSchema)
app.setValidatorCompiler(createValidatorCompiler([ErrorSchema]))
applyRouteConventions(app, { publicPrefixes: [] })
installErrorHandler(app)
let requests = 0
app.addHook('onRequest', async (req, reply) => {
  requests++
  reply.header('x-request-id', req.id)
  if (req.headers.authorization !== 'Bearer good') throw Errors.unauthenticated()
  if (req.headers['x-test-throttle']) {
    reply.header('retry-after', '60')
    throw Errors.rateLimited('Rate limit exceeded; retry in 60 s.')
  }
})
await app.register(ofrepRoutes, { flags: (p, a, e) => (`${p}/${a}/${e}` === 'shop/web/prod' ? published : undefined) })
await app.listen({ host: '127.0.0.1', port: 0 })
t.teardown(async () => {
  await OpenFeature.close()
  await app.close()
})
const address = app.server.address() as { port: number }
const baseUrl = `http://127.0.0.1:${address.port}/v1/projects/shop/cms/apps/web/envs/prod`

async function client(domain: string, headers: Record<string, string> = { authorization: 'Bearer good' }) {
  await OpenFeature.setProviderAndWait(domain, new OFREPProvider({ baseUrl, headers }))
  return OpenFeature.getClient(domain)
}

t.test('boolean, string, number and object flags resolve with value, variant, reason and metadata', async (t) => {
  const c = await client('types')
  t.match(await c.getBooleanDetails('new-ui', false, { targetingKey: 'u1' }), { flagKey: 'new-ui', value: true, variant: 'on', reason: 'STATIC', flagMetadata: { flagSetId: 'shop-web', owner: 'web', rev: 3 } })
  t.match(await c.getStringDetails('banner', 'code default', { targetingKey: 'u1' }), { value: 'Hello', variant: 'hi', reason: 'DEFAULT' })
  t.match(await c.getNumberDetails('max-items', 0, { targetingKey: 'u1' }), { value: 5, variant: 'few', reason: 'TARGETING_MATCH' })
  t.same((await c.getObjectDetails('layout', {}, { targetingKey: 'u1' })).value, { columns: 1 })
  t.equal(await c.getBooleanValue('new-ui', false), true, 'no context at all')
})

t.test('targeting by the evaluation context', async (t) => {
  const c = await client('targeting')
  t.match(await c.getStringDetails('banner', 'x', { targetingKey: 'u1', email: 'ann@example.com' }), { value: 'Bye', variant: 'bye', reason: 'TARGETING_MATCH' })
  t.equal(await c.getNumberValue('max-items', 0, { targetingKey: 'u1', plan: 'pro' }), 50)
  t.match(await c.getObjectDetails('layout', {}, { targetingKey: 'u1', appVersion: '2.4.1' }), { value: { columns: 3, dense: true }, variant: 'grid' })
  // A client-level context merged with the call's, as the SDK does before sending it.
  const scoped = OpenFeature.getClient('targeting')
  scoped.setContext({ email: 'bo@example.com' })
  t.equal(await scoped.getStringValue('banner', 'x', { targetingKey: 'u2' }), 'Bye')
})

t.test('percentage rollout: SPLIT, and the same assignment as in-process evaluation', async (t) => {
  const c = await client('rollout')
  const seen = new Set<string>()
  for (let i = 0; i < 40; i++) {
    const d = await c.getStringDetails('rollout', 'none', { targetingKey: `user-${i}` })
    t.equal(d.reason, 'SPLIT')
    t.equal(d.value, (evaluateFlag(published.set, 'rollout', { targetingKey: `user-${i}` }) as { value: string }).value)
    seen.add(d.value)
  }
  t.same([...seen].sort(), ['control', 'treatment'], 'both variants are served')
  t.equal(await c.getStringValue('rollout', 'none', { targetingKey: 'user-7' }), await c.getStringValue('rollout', 'none', { targetingKey: 'user-7' }), 'stable')
})

t.test('disabled flags and errors, as the SDK reports them', async (t) => {
  const c = await client('errors')
  t.match(await c.getBooleanDetails('retired', false), { value: true, variant: 'on', reason: 'DISABLED' })
  t.match(await c.getBooleanDetails('nope', false), { value: false, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', errorMessage: 'no flag "nope" in this environment' })
  t.match(await c.getBooleanDetails('banner', false), { value: false, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' }, 'the type check is the client\'s')
  t.match(await c.getBooleanDetails('typo', false), { value: false, reason: 'ERROR', errorCode: 'GENERAL', errorMessage: /not a variant/ })
  let deep: Record<string, unknown> = { leaf: 1 }
  for (let i = 0; i < 40; i++) deep = { d: deep }
  t.match(await c.getBooleanDetails('new-ui', false, { targetingKey: 'u1', deep } as never), { value: false, errorCode: 'INVALID_CONTEXT', errorMessage: /nested more than 32 levels/ })
})

t.test('401 and 429: the provider answers the code default, and pauses after a 429', async (t) => {
  const anonymous = await client('anonymous', {})
  t.match(await anonymous.getBooleanDetails('new-ui', false), { value: false, reason: 'ERROR', errorCode: 'GENERAL' })
  const throttled = await client('throttled', { authorization: 'Bearer good', 'x-test-throttle': '1' })
  const before = requests
  t.match(await throttled.getBooleanDetails('new-ui', false), { value: false, reason: 'ERROR' })
  t.equal(requests, before + 1)
  t.match(await throttled.getBooleanDetails('new-ui', false), { value: false, errorMessage: /paused due to TooManyRequests/ })
  t.equal(requests, before + 1, 'Retry-After was honoured: no second request')
})

t.test('bulk evaluation with OFREPApi: flags, ETag, 304 while nothing changed', async (t) => {
  const api = new OFREPApi(baseUrl)
  const auth: [string, string] = ['authorization', 'Bearer good']
  const first = await api.postBulkEvaluateFlags({ context: { targetingKey: 'u1', email: 'ann@example.com' } }, { headers: [auth] })
  t.equal(first.httpStatus, 200)
  const etag = first.httpResponse!.headers.get('etag')!
  t.ok(etag)
  const flags = (first.value as unknown as { flags: Array<Record<string, unknown>> }).flags
  t.same(flags.map((f) => f.key), Object.keys(definitions.flags))
  t.match(flags.find((f) => f.key === 'banner'), { value: 'Bye', reason: 'TARGETING_MATCH', variant: 'bye' })
  t.match(flags.find((f) => f.key === 'typo'), { errorCode: 'GENERAL' })

  const unchanged = await api.postBulkEvaluateFlags({ context: { email: 'ann@example.com', targetingKey: 'u1' } }, { headers: [auth, ['if-none-match', etag]] })
  t.equal(unchanged.httpStatus, 304)
  t.equal(unchanged.value, undefined)

  published = { set: parseFlagDefinitions({ flags: { ...definitions.flags, banner: { ...definitions.flags.banner, defaultVariant: 'bye' } } }), etag: 'release-2' }
  const changed = await api.postBulkEvaluateFlags({ context: { targetingKey: 'u1', email: 'ann@example.com' } }, { headers: [auth, ['if-none-match', etag]] })
  t.equal(changed.httpStatus, 200, 'a new release: new results')
  t.not(changed.httpResponse!.headers.get('etag'), etag)

  const invalid = await api.postBulkEvaluateFlags({ context: { targetingKey: 3 } as never }, { headers: [auth] })
  t.match(invalid, { httpStatus: 400, value: { errorCode: 'INVALID_CONTEXT' } })
})
