/**
 * Secret references: resolved only on `config/resolved` for callers allowed `cms.secrets.read`, and
 * the value never appears in the key-value store, history, diffs, exports or audit (request logs
 * carry no bodies, and the gateway redacts credentials). Also the
 * export/import round trip and the size limit.
 */
import t from 'tap'
import { buildTestApp } from '../../helpers/app.ts'
import { createTeam, nsUrl } from './setup.ts'

const SECRET = 'hunter2-' + 'x'.repeat(20)

t.test('secret references resolve only for allowed callers and never leak', async (t) => {
  const logLines: string[] = []
  const { app, stores } = await buildTestApp(t, { DYAD_CMS_MAX_NAMESPACE_BYTES: '4096' }, { logLines })
  const { admin, alice, bob } = await createTeam(app, 'bank')
  const base = '/v1/projects/bank/cms'
  await app.inject({ method: 'POST', url: `${base}/apps`, headers: alice, payload: { name: 'core' } })
  await app.inject({ method: 'POST', url: `${base}/apps/core/envs`, headers: alice, payload: { name: 'dev' } })
  await app.inject({ method: 'POST', url: `${base}/apps/core/envs/dev/clusters/default/namespaces`, headers: alice, payload: { name: 'db', format: 'yaml' } })
  const ns = nsUrl('bank', 'core', 'dev', 'db')

  t.equal((await app.inject({ method: 'PUT', url: `${base}/secrets/app/db`, headers: bob, payload: { value: { password: SECRET } } })).statusCode, 403, 'project users cannot store secrets')
  t.equal((await app.inject({ method: 'PUT', url: `${base}/secrets/app/db`, headers: alice, payload: { value: { password: SECRET } } })).statusCode, 204)
  t.equal((await app.inject({ method: 'PUT', url: `${base}/secrets/..%2Fother`, headers: alice, payload: { value: { a: 'b' } } })).statusCode, 400, 'no path escapes the project')
  const names = await app.inject({ method: 'GET', url: `${base}/secrets`, headers: alice })
  t.same(names.json().items, ['app/db'])
  t.notMatch(names.body, SECRET)

  const doc = 'db:\n  host: db.internal\n  password: vault:app/db#password\n'
  t.equal((await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: bob, payload: { content: doc } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: `${ns}/releases`, headers: bob, payload: { message: 'first' } })).statusCode, 201)

  const plain = await app.inject({ method: 'GET', url: `${ns}/config`, headers: bob })
  t.equal(plain.json().content, doc, 'a plain read returns the reference')
  t.equal((await app.inject({ method: 'GET', url: `${ns}/config/resolved`, headers: bob })).statusCode, 403, 'a project user may not resolve')
  const resolved = await app.inject({ method: 'GET', url: `${ns}/config/resolved`, headers: alice })
  t.equal(resolved.statusCode, 200, resolved.body)
  t.match(resolved.json().content, `password: ${SECRET}`)
  t.equal(resolved.headers['cache-control'], 'no-store')

  // Rotation through Dyad is seen at once.
  await app.inject({ method: 'PUT', url: `${base}/secrets/app/db`, headers: alice, payload: { value: { password: 'rotated' } } })
  t.match((await app.inject({ method: 'GET', url: `${ns}/config/resolved`, headers: alice })).json().content, 'password: rotated')
  await app.inject({ method: 'PUT', url: `${base}/secrets/app/db`, headers: alice, payload: { value: { password: SECRET } } })
  const missing = 'db:\n  password: vault:app/nope#password\n'
  await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: bob, payload: { content: missing } })
  await app.inject({ method: 'POST', url: `${ns}/releases`, headers: bob, payload: {} })
  const unresolved = await app.inject({ method: 'GET', url: `${ns}/config/resolved`, headers: alice })
  t.equal(unresolved.json().code, 'CMS_SECRET_UNRESOLVED')
  await app.inject({ method: 'POST', url: `${ns}/rollback`, headers: bob, payload: { to: 1 } })

  // Nowhere else: the whole key-value store, history, diffs, export, audit.
  const kv = await stores.kv.range('')
  t.notOk(kv.entries.some((e) => e.value.includes(SECRET)), 'not in the key-value store')
  for (const url of [`${ns}/releases`, `${ns}/releases/diff?from=1&to=2`, `${base}/apps/core/export`, '/v1/audit?limit=500']) {
    const res = await app.inject({ method: 'GET', url, headers: url.startsWith('/v1/audit') ? admin : alice })
    t.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`)
    t.notMatch(res.body, SECRET, `not in ${url}`)
  }
  t.ok(logLines.length > 20, `the app logged (${logLines.length} lines at trace level)`)
  t.notOk(logLines.some((l) => l.includes(SECRET)), 'not in the log')
})

t.test('export, import into another project, and limits', async (t) => {
  const { app } = await buildTestApp(t, { DYAD_CMS_MAX_NAMESPACE_BYTES: '4096' })
  const src = await createTeam(app, 'src')
  const dst = await createTeam(app, 'dst')
  const base = '/v1/projects/src/cms'
  await app.inject({ method: 'POST', url: `${base}/apps`, headers: src.alice, payload: { name: 'web', description: 'the site' } })
  await app.inject({ method: 'POST', url: `${base}/apps/web/envs`, headers: src.alice, payload: { name: 'prod', protected: true } })
  await app.inject({ method: 'POST', url: `${base}/apps/web/envs/prod/clusters/default/namespaces`, headers: src.alice, payload: { name: 'application', format: 'properties' } })
  await app.inject({ method: 'POST', url: `${base}/apps/web/envs/prod/clusters/dc2/namespaces`, headers: src.alice, payload: { name: 'application', format: 'properties', schema: { type: 'object', required: ['a'] } } })
  const ns = nsUrl('src', 'web', 'prod', 'application')
  t.equal((await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: src.bob, payload: { content: 'x'.repeat(5000) } })).statusCode, 413, 'over the namespace limit')
  await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: src.bob, payload: { content: 'a=1\n' } })
  await app.inject({ method: 'POST', url: `${ns}/draft/submit`, headers: src.bob, payload: {} })
  await app.inject({ method: 'POST', url: `${ns}/draft/approve`, headers: src.carol, payload: {} })
  t.equal((await app.inject({ method: 'POST', url: `${ns}/releases`, headers: src.bob, payload: {} })).statusCode, 201)

  const exported = await app.inject({ method: 'GET', url: `${base}/apps/web/export`, headers: src.alice })
  t.equal(exported.statusCode, 200, exported.body)
  const file = exported.json()
  t.match(file, { kind: 'dyad.cms/app-export', version: 1, app: { name: 'web' }, envs: [{ name: 'prod', protected: true }] })
  t.equal(file.namespaces.length, 2)

  const imported = await app.inject({ method: 'POST', url: '/v1/projects/dst/cms/import', headers: dst.alice, payload: file })
  t.equal(imported.statusCode, 200, imported.body)
  t.match(imported.json(), { app: 'created', envs: [{ name: 'prod', outcome: 'created' }] })
  const draft = await app.inject({ method: 'GET', url: `${nsUrl('dst', 'web', 'prod', 'application')}/draft`, headers: dst.bob })
  t.equal(draft.json().content, 'a=1\n', 'content arrives as a draft')
  t.equal(draft.json().status, 'editing', 'publishing is a separate step under the policy')
  const again = await app.inject({ method: 'POST', url: '/v1/projects/dst/cms/import', headers: dst.alice, payload: file })
  t.match(again.json(), { app: 'existing' }, 'importing twice is safe')
  t.equal((await app.inject({ method: 'POST', url: '/v1/projects/dst/cms/import', headers: dst.alice, payload: { kind: 'other' } })).statusCode, 400)
})
