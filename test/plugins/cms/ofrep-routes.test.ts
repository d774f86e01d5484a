/**
 * The OFREP routes over HTTP (inject): OFREP's success and error bodies (with Dyad's `code` and
 * `requestId`), the route config the gateway reads, bulk ETag / If-None-Match, and the OpenAPI
 * document the schemas produce. The app here is the gateway's rendering and validation around the
 * route plugin, with a stand-in for authentication.
 */
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import { Validator } from '@seriousme/openapi-schema-validator'
import { ErrorSchema } from '../../../src/contracts/schemas.ts'
import { installErrorHandler } from '../../../src/gateway/error-handler.ts'
import { applyRouteConventions, SECURITY_SCHEMES } from '../../../src/gateway/route-conventions.ts'
import { createValidatorCompiler } from '../../../src/gateway/validation.ts'
import { Errors } from '../../../src/shared/errors.ts'
import { CmsErrors } from '../../../plugins/cms/errors.ts'
import { parseFlagDefinitions, type FlagSet } from '../../../plugins/cms/flags/index.ts'
import { ofrepRoutes } from '../../../plugins/cms/routes/ofrep.ts'

const definitions = (bannerDefault = 'hi') => ({
  flags: {
    'new-ui': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on', metadata: { owner: 'web' } },
    banner: { state: 'ENABLED', variants: { hi: 'Hello', bye: 'Bye' }, defaultVariant: bannerDefault, targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'bye', null] } },
    typo: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [true, 'onn', 'off'] } },
  },
})

const envs = new Map<string, { set: FlagSet; etag: string }>([
  ['shop/web/prod', { set: parseFlagDefinitions(definitions()), etag: 'r1' }],
  ['shop/web/clock', { set: parseFlagDefinitions({ flags: { launch: { state: 'ENABLED', variants: { live: true, dark: false }, defaultVariant: 'dark', targeting: { if: [{ '>': [{ var: '$flagd.timestamp' }, 1_000] }, 'live', 'dark'] } } } }), etag: 'c1' }],
])

async function buildApp(t: Test) {
  const app = Fastify({ logger: false })
  app.addSchema(ErrorSchema)
  app.setValidatorCompiler(createValidatorCompiler([ErrorSchema]))
  applyRouteConventions(app, { publicPrefixes: [] })
  const securitySchemes = SECURITY_SCHEMES
  await app.register(swagger, { openapi: { openapi: '3.1.0', info: { title: 'ofrep test', version: '0' }, components: { securitySchemes } }, refResolver: { buildLocalReference: (json, _b, _f, i) => String(json.$id ?? `def-${i}`) } })
  installErrorHandler(app)
  const configs: unknown[] = []
  // What the gateway does first, in miniature: request id, a credential, the route's action.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id)
    configs.push(req.routeOptions.config)
    if (req.headers.authorization !== 'Bearer good') throw Errors.unauthenticated()
    if (!req.routeOptions.config.action) throw Errors.forbidden('no action')
  })
  await app.register(ofrepRoutes, {
    flags: (projectId, appName, env) => {
      if (env === 'gone') throw CmsErrors.envNotFound(`no environment ${env}`)
      return envs.get(`${projectId}/${appName}/${env}`)
    },
  })
  t.teardown(() => app.close())
  return { app, configs }
}

const base = (env = 'prod') => `/v1/projects/shop/cms/apps/web/envs/${env}/ofrep/v1/evaluate/flags`
const headers = { authorization: 'Bearer good', 'content-type': 'application/json' }
const post = (app: Awaited<ReturnType<typeof buildApp>>['app'], url: string, body: unknown, extra: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { ...headers, ...extra }, payload: typeof body === 'string' ? body : JSON.stringify(body) })

t.test('single flag: an OFREP success body; the route declares its action and readOnly', async (t) => {
  const { app, configs } = await buildApp(t)
  const res = await post(app, `${base()}/new-ui`, { context: { targetingKey: 'u1' } })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(res.json(), { key: 'new-ui', value: true, reason: 'STATIC', variant: 'on', metadata: { owner: 'web' } })
  t.match(configs.at(-1), { action: 'cms.flags.evaluate', readOnly: true })
  t.same((await post(app, `${base()}/banner`, { context: { email: 'ann@example.com' } })).json(), { key: 'banner', value: 'Bye', reason: 'TARGETING_MATCH', variant: 'bye', metadata: {} })
  t.same((await post(app, `${base()}/banner`, {})).json().reason, 'DEFAULT', 'the context may be left out')
})

/** An error body: Dyad's fields, and OFREP's when given. */
function errorBody(t: Test, res: { statusCode: number; headers: Record<string, unknown>; json: () => any }, status: number, code: string, ofrep?: Record<string, unknown>) {
  const body = res.json()
  t.equal(res.statusCode, status)
  t.match(body, { statusCode: status, code, error: String, message: String, requestId: res.headers['x-request-id'] })
  if (ofrep) t.match(body, { ...ofrep, errorDetails: String })
  else t.notOk('errorCode' in body, 'no OFREP errorCode')
  return body
}

t.test('single flag: OFREP errors carry errorCode/errorDetails (and key) with code and requestId', async (t) => {
  const { app } = await buildApp(t)
  const missing = errorBody(t, await post(app, `${base()}/nope`, { context: {} }), 404, 'CMS_FLAGS_FLAG_NOT_FOUND', { key: 'nope', errorCode: 'FLAG_NOT_FOUND' })
  t.equal(missing.errorDetails, 'no flag "nope" in this environment')
  t.equal(missing.message, missing.errorDetails)
  errorBody(t, await post(app, `${base()}/new-ui`, { context: 'x' }), 400, 'CMS_FLAGS_INVALID_CONTEXT', { key: 'new-ui', errorCode: 'INVALID_CONTEXT' })
  errorBody(t, await post(app, `${base()}/new-ui`, { context: { targetingKey: 7 } }), 400, 'CMS_FLAGS_INVALID_CONTEXT', { key: 'new-ui', errorCode: 'INVALID_CONTEXT' })
  errorBody(t, await post(app, `${base()}/new-ui`, { context: {}, flags: [] }), 400, 'CMS_FLAGS_INVALID_CONTEXT', { errorCode: 'INVALID_CONTEXT' })
  let deep: unknown = 1
  for (let i = 0; i < 40; i++) deep = { d: deep }
  const tooDeep = errorBody(t, await post(app, `${base()}/new-ui`, { context: deep }), 400, 'CMS_FLAGS_INVALID_CONTEXT', { errorCode: 'INVALID_CONTEXT' })
  t.match(tooDeep.errorDetails, /nested more than 32 levels/)
  errorBody(t, await post(app, `${base()}/typo`, { context: {} }), 400, 'CMS_FLAGS_EVALUATION_FAILED', { key: 'typo', errorCode: 'GENERAL' })
  errorBody(t, await post(app, `${base('empty')}/new-ui`, {}), 404, 'CMS_FLAGS_FLAG_NOT_FOUND', { errorCode: 'FLAG_NOT_FOUND' })
  errorBody(t, await post(app, `${base('gone')}/new-ui`, {}), 404, CmsErrors.envNotFound.code)
  errorBody(t, await post(app, '/v1/projects/shop/cms/apps/web!/envs/prod/ofrep/v1/evaluate/flags/new-ui', {}), 400, 'VALIDATION_FAILED')
  errorBody(t, await post(app, `${base()}/new-ui`, '{"context": '), 400, 'MALFORMED_BODY')
  errorBody(t, await post(app, `${base()}/new-ui`, {}, { authorization: 'Bearer bad' }), 401, 'UNAUTHENTICATED')
})

t.test('bulk: every flag, an ETag over set and context, 304 on If-None-Match', async (t) => {
  const { app } = await buildApp(t)
  const first = await post(app, base(), { context: { targetingKey: 'u1', email: 'ann@example.com', plan: { tier: 'gold', seats: 3 } } })
  t.equal(first.statusCode, 200)
  t.match(first.headers['content-type'], /^application\/json/)
  t.equal(first.headers['cache-control'], 'no-cache')
  const etag = first.headers.etag as string
  t.match(etag, /^"[A-Za-z0-9_-]{27}"$/)
  t.same(first.json(), {
    flags: [
      { key: 'new-ui', value: true, reason: 'STATIC', variant: 'on', metadata: { owner: 'web' } },
      { key: 'banner', value: 'Bye', reason: 'TARGETING_MATCH', variant: 'bye', metadata: {} },
      { key: 'typo', reason: 'ERROR', errorCode: 'GENERAL', errorDetails: 'targeting chose "onn", which is not a variant of this flag' },
    ],
  })

  const reordered = { context: { plan: { seats: 3, tier: 'gold' }, email: 'ann@example.com', targetingKey: 'u1' } }
  for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const res = await post(app, base(), reordered, { 'if-none-match': inm })
    t.equal(res.statusCode, 304, `If-None-Match: ${inm} (keys in another order)`)
    t.equal(res.body, '')
    t.equal(res.headers.etag, etag)
  }
  const other = await post(app, base(), { context: { targetingKey: 'u2' } }, { 'if-none-match': etag })
  t.equal(other.statusCode, 200, 'another context: other results')
  t.not(other.headers.etag, etag)

  envs.set('shop/web/prod', { set: parseFlagDefinitions(definitions('bye')), etag: 'r2' })
  t.teardown(() => void envs.set('shop/web/prod', { set: parseFlagDefinitions(definitions()), etag: 'r1' }))
  const republished = await post(app, base(), reordered, { 'if-none-match': etag })
  t.equal(republished.statusCode, 200, 'a new publish: the old ETag no longer matches')
  t.not(republished.headers.etag, etag)

  const empty = await post(app, base('empty'), {})
  t.same(empty.json(), { flags: [] }, 'an environment without flags has none')
  const again = await post(app, base('empty'), {}, { 'if-none-match': empty.headers.etag as string })
  t.equal(again.statusCode, 304)

  const bad = errorBody(t, await post(app, base(), { context: { targetingKey: false } }), 400, 'CMS_FLAGS_INVALID_CONTEXT', { errorCode: 'INVALID_CONTEXT' })
  t.notOk('key' in bad, 'a bulk failure has no key')
})

t.test('bulk: a set that reads the clock is tagged by its results', async (t) => {
  const { app } = await buildApp(t)
  const first = await post(app, base('clock'), { context: {} })
  t.same(first.json().flags[0], { key: 'launch', value: true, reason: 'TARGETING_MATCH', variant: 'live', metadata: {} })
  const second = await post(app, base('clock'), { context: {} }, { 'if-none-match': first.headers.etag as string })
  t.equal(second.statusCode, 304, 'unchanged results: 304')
})

t.test('the OpenAPI document: both routes, OFREP error schemas, 304', async (t) => {
  const { app } = await buildApp(t)
  await app.ready()
  const doc = app.swagger() as any
  const result = await new Validator().validate(doc)
  t.same(result.errors, undefined)
  const single = doc.paths['/v1/projects/{projectId}/cms/apps/{app}/envs/{env}/ofrep/v1/evaluate/flags/{key}'].post
  const bulk = doc.paths['/v1/projects/{projectId}/cms/apps/{app}/envs/{env}/ofrep/v1/evaluate/flags'].post
  t.ok(single && bulk)
  t.ok(single.responses['404'].content['application/json'].schema.properties.errorCode, '404 documents errorCode')
  t.ok(single.responses['400'].content['application/json'].schema.properties.key)
  t.ok(bulk.responses['304'])
  t.ok(bulk.parameters.some((p: { name: string; in: string }) => p.name === 'if-none-match' && p.in === 'header'))
  t.same(single.tags, ['cms (OFREP)'])
})
