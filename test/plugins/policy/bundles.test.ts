/**
 * Bundles over HTTP: a bundle laid out the way `opa build` lays one out (leading-slash names,
 * .manifest with roots, data.json per directory), packed here by GNU tar (an implementation
 * independent of ours), imports and evaluates; the project is served back as a bundle with an
 * ETag that GNU tar can unpack.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ADMIN_KEY, bearer, buildTestApp } from '../../helpers/app.ts'

t.test('import an opa-build style bundle, evaluate, and serve the project as a bundle', async (t) => {
  const { app, dataDir } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'bund', name: 'Bundles' } })

  const src = join(dataDir, 'bundle-src')
  mkdirSync(join(src, 'authz'), { recursive: true })
  mkdirSync(join(src, 'authz', 'limits'), { recursive: true })
  writeFileSync(join(src, '.manifest'), JSON.stringify({ revision: 'v42', roots: ['authz'] }))
  writeFileSync(join(src, 'authz', 'policy.rego'), 'package authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.amount <= data.authz.limits.max\n')
  writeFileSync(join(src, 'authz', 'limits', 'data.json'), JSON.stringify({ max: 100 }))
  const gzPath = join(dataDir, 'bundle.tar.gz')
  execFileSync('tar', ['-czf', gzPath, '--format=pax', '--transform', 's,^\\./,/,', '-C', src, '.'])

  const imported = await app.inject({ method: 'POST', url: '/v1/projects/bund/bundles', headers: { ...admin, 'content-type': 'application/gzip' }, payload: readFileSync(gzPath) })
  t.equal(imported.statusCode, 200, imported.body)
  t.match(imported.json(), { revision: 'v42', policies: ['authz/policy.rego'] })

  const decide = (amount: number) => app.inject({ method: 'POST', url: '/v1/projects/bund/opa/v1/data/authz/allow', headers: admin, payload: { input: { amount } } })
  t.equal((await decide(50)).json().result, true)
  t.equal((await decide(500)).json().result, false)

  const served = await app.inject({ method: 'GET', url: '/v1/projects/bund/bundles/bundle.tar.gz', headers: admin })
  t.equal(served.statusCode, 200)
  t.match(served.headers['content-type'], /application\/gzip/)
  const etag = served.headers.etag as string
  t.match(etag, /^"[0-9a-f]+"$/)
  const again = await app.inject({ method: 'GET', url: '/v1/projects/bund/bundles/bundle.tar.gz', headers: { ...admin, 'if-none-match': etag } })
  t.equal(again.statusCode, 304, 'unchanged bundle: 304')

  const out = join(dataDir, 'served')
  mkdirSync(out)
  writeFileSync(join(dataDir, 'served.tar.gz'), served.rawPayload)
  execFileSync('tar', ['-xzf', join(dataDir, 'served.tar.gz'), '-C', out], { stdio: 'ignore' })
  t.match(readFileSync(join(out, 'authz', 'policy.rego'), 'utf8'), /package authz/)
  t.same(JSON.parse(readFileSync(join(out, 'data.json'), 'utf8')), { authz: { limits: { max: 100 } } })
  t.ok(JSON.parse(readFileSync(join(out, '.manifest'), 'utf8')).revision)

  // A change gives a new ETag.
  await app.inject({ method: 'PUT', url: '/v1/projects/bund/opa/v1/data/authz/limits/max', headers: { ...admin, 'content-type': 'application/json' }, payload: '200' })
  const changed = await app.inject({ method: 'GET', url: '/v1/projects/bund/bundles/bundle.tar.gz', headers: { ...admin, 'if-none-match': etag } })
  t.equal(changed.statusCode, 200)
  t.not(changed.headers.etag, etag)
})

t.test('bad bundles are refused with a code and change nothing', async (t) => {
  const { app, dataDir } = await buildTestApp(t)
  const admin = { ...bearer(ADMIN_KEY), 'content-type': 'application/gzip' }
  await app.inject({ method: 'POST', url: '/v1/projects', headers: bearer(ADMIN_KEY), payload: { id: 'bad', name: 'Bad' } })
  const notGzip = await app.inject({ method: 'POST', url: '/v1/projects/bad/bundles', headers: admin, payload: Buffer.from('hello') })
  t.equal(notGzip.statusCode, 400)
  t.equal(notGzip.json().code, 'BUNDLE_INVALID_GZIP')

  const src = join(dataDir, 'broken')
  mkdirSync(src)
  writeFileSync(join(src, 'p.rego'), 'package p\n\nallow if {\n')
  execFileSync('tar', ['-czf', join(dataDir, 'broken.tar.gz'), '-C', src, '.'])
  const broken = await app.inject({ method: 'POST', url: '/v1/projects/bad/bundles', headers: admin, payload: readFileSync(join(dataDir, 'broken.tar.gz')) })
  t.equal(broken.statusCode, 400)
  t.equal(broken.json().code, 'invalid_parameter')
  t.equal(broken.json().errors[0].code, 'rego_parse_error')
  const policies = await app.inject({ method: 'GET', url: '/v1/projects/bad/opa/v1/policies', headers: bearer(ADMIN_KEY) })
  t.same(policies.json().result, [], 'nothing was imported')
})
