/**
 * The cms workflow through HTTP on the embedded profile: draft -> submit -> approve (four-eyes in a
 * protected environment) -> publish -> gray -> promote -> rollback, with history and diffs, ETags on
 * drafts and reads, and the publish policy replaced per project.
 */
import t from 'tap'
import { buildTestApp } from '../../helpers/app.ts'
import { createTeam, nsUrl } from './setup.ts'

t.test('draft, approval, publish, gray, promote, rollback', async (t) => {
  const { app } = await buildTestApp(t)
  const { alice, bob, carol } = await createTeam(app, 'shop')
  const base = '/v1/projects/shop/cms'
  const ns = nsUrl('shop', 'checkout', 'prod', 'application')

  t.equal((await app.inject({ method: 'POST', url: `${base}/apps`, headers: bob, payload: { name: 'checkout' } })).statusCode, 403, 'a project user cannot create apps')
  t.equal((await app.inject({ method: 'POST', url: `${base}/apps`, headers: alice, payload: { name: 'checkout', description: 'Checkout service' } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: `${base}/apps`, headers: alice, payload: { name: 'checkout' } })).json().code, 'CMS_ALREADY_EXISTS')
  t.equal((await app.inject({ method: 'POST', url: `${base}/apps/checkout/envs`, headers: alice, payload: { name: 'prod', protected: true } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: `${base}/apps/checkout/envs`, headers: alice, payload: { name: 'dev' } })).statusCode, 201)
  const created = await app.inject({ method: 'POST', url: `${base}/apps/checkout/envs/prod/clusters/default/namespaces`, headers: alice, payload: { name: 'application', format: 'properties' } })
  t.equal(created.statusCode, 201, created.body)
  t.equal((await app.inject({ method: 'GET', url: `${ns}/config`, headers: bob })).json().code, 'CMS_NOT_PUBLISHED', 'nothing to read before the first publish')

  // Bob writes a draft; a second writer without If-Match is refused, a stale one gets 412.
  const put1 = await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: { ...bob, 'content-type': 'text/plain' }, payload: 'timeout=30\nretries=3\n' })
  t.equal(put1.statusCode, 201, put1.body)
  const etag1 = put1.headers.etag as string
  t.equal((await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: { ...carol, 'content-type': 'text/plain' }, payload: 'x=1\n' })).statusCode, 428)
  const put2 = await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: { ...bob, 'if-match': etag1 }, payload: { content: 'timeout=30\nretries=5\n' } })
  t.equal(put2.statusCode, 200)
  t.equal((await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: { ...carol, 'if-match': etag1 }, payload: { content: 'x=1\n' } })).statusCode, 412, 'a stale ETag never merges')
  const bad = await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: { ...bob, 'if-match': put2.headers.etag as string }, payload: { content: 'ok=1\nbad=\\u12G4\n' } })
  t.equal(bad.statusCode, 422)
  t.equal(bad.json().code, 'CMS_INVALID_DOCUMENT')
  t.equal(bad.json().details.line, 2, 'the error names the line')

  // Protected environment: publishing needs an approval by someone who did not edit the draft.
  const denied = await app.inject({ method: 'POST', url: `${ns}/releases`, headers: bob, payload: { message: 'v1' } })
  t.equal(denied.statusCode, 403)
  t.equal(denied.json().code, 'CMS_PUBLISH_DENIED')
  t.match(denied.json().message, /approval/)
  t.equal((await app.inject({ method: 'POST', url: `${ns}/draft/approve`, headers: carol, payload: {} })).json().code, 'CMS_PUBLISH_DENIED', 'only a submitted draft can be approved')
  t.equal((await app.inject({ method: 'POST', url: `${ns}/draft/submit`, headers: bob, payload: {} })).json().status, 'submitted')
  const selfApprove = await app.inject({ method: 'POST', url: `${ns}/draft/approve`, headers: bob, payload: {} })
  t.equal(selfApprove.statusCode, 403, 'an editor cannot approve (four-eyes)')
  t.match(selfApprove.json().message, /four-eyes/)
  const approved = await app.inject({ method: 'POST', url: `${ns}/draft/approve`, headers: carol, payload: { comment: 'lgtm' } })
  t.equal(approved.json().status, 'approved', approved.body)
  const r1 = await app.inject({ method: 'POST', url: `${ns}/releases`, headers: bob, payload: { message: 'v1' } })
  t.equal(r1.statusCode, 201, r1.body)
  t.match(r1.json(), { seq: 1, kind: 'publish', author: 'bob', approvedBy: ['carol'], message: 'v1', dc: 'dc-test', content: 'timeout=30\nretries=5\n' })
  t.equal((await app.inject({ method: 'GET', url: `${ns}/draft`, headers: bob })).statusCode, 404, 'publishing consumes the draft')

  const read = await app.inject({ method: 'GET', url: `${ns}/config?clientId=c1`, headers: bob })
  t.equal(read.statusCode, 200)
  t.match(read.json(), { releaseKey: r1.json().key, seq: 1, format: 'properties', content: 'timeout=30\nretries=5\n', gray: false, cluster: 'default' })
  t.equal(read.headers.etag, `"${r1.json().key}"`)
  t.equal((await app.inject({ method: 'GET', url: `${ns}/config?clientId=c1`, headers: { ...bob, 'if-none-match': read.headers.etag as string } })).statusCode, 304)
  const fallback = await app.inject({ method: 'GET', url: `${nsUrl('shop', 'checkout', 'prod', 'application', 'dc2')}/config`, headers: bob })
  t.equal(fallback.json().cluster, 'default', 'a cluster without its own release falls back to default')

  // Release 2 as a gray release to dc2 clients only.
  const publishApproved = async (content: string, body: object) => {
    const d = await app.inject({ method: 'GET', url: `${ns}/draft`, headers: bob })
    const put = await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: d.statusCode === 200 ? { ...bob, 'if-match': d.headers.etag as string } : bob, payload: { content } })
    t.ok(put.statusCode < 300, put.body)
    await app.inject({ method: 'POST', url: `${ns}/draft/submit`, headers: bob, payload: {} })
    await app.inject({ method: 'POST', url: `${ns}/draft/approve`, headers: carol, payload: {} })
    return app.inject({ method: 'POST', url: `${ns}/releases`, headers: bob, payload: body })
  }
  const r2 = await publishApproved('timeout=60\nretries=5\nnew=yes\n', { message: 'v2 gray', gray: { labels: { dc: ['dc2'] } } })
  t.equal(r2.statusCode, 201, r2.body)
  t.equal(r2.json().kind, 'gray')
  const dc2 = await app.inject({ method: 'GET', url: `${ns}/config?clientId=c2&labels=dc%3Ddc2`, headers: bob })
  t.match(dc2.json(), { seq: 2, gray: true })
  t.match((await app.inject({ method: 'GET', url: `${ns}/config?clientId=c1&labels=dc%3Ddc1`, headers: bob })).json(), { seq: 1, gray: false }, 'other clients keep the main release')
  const promoted = await app.inject({ method: 'POST', url: `${ns}/gray/promote`, headers: bob })
  t.equal(promoted.json().seq, 2, promoted.body)
  t.match((await app.inject({ method: 'GET', url: `${ns}/config?clientId=c1&labels=dc%3Ddc1`, headers: bob })).json(), { seq: 2, gray: false }, 'promoted to everyone')
  t.equal((await app.inject({ method: 'POST', url: `${ns}/gray/promote`, headers: bob })).json().code, 'CMS_NO_GRAY_RELEASE')

  // Rollback is a new release with the old content; history is exact and newest first.
  const r3 = await app.inject({ method: 'POST', url: `${ns}/rollback`, headers: bob, payload: { to: 1, message: 'back to v1' } })
  t.equal(r3.statusCode, 201, r3.body)
  t.match(r3.json(), { seq: 3, kind: 'rollback', restores: 1, content: 'timeout=30\nretries=5\n' })
  t.equal((await app.inject({ method: 'GET', url: `${ns}/config`, headers: bob })).json().seq, 3)
  const history = (await app.inject({ method: 'GET', url: `${ns}/releases`, headers: bob })).json().items
  t.same(history.map((r: { seq: number; kind: string }) => [r.seq, r.kind]), [[3, 'rollback'], [2, 'gray'], [1, 'publish']])
  const diff = (await app.inject({ method: 'GET', url: `${ns}/releases/diff?from=1&to=2`, headers: bob })).json()
  t.same(
    diff.changes.map((c: { key: string; op: string; before?: string; after?: string }) => [c.key, c.op, c.before, c.after]),
    [['new', 'added', undefined, 'yes'], ['timeout', 'changed', '30', '60']],
    'per-key diff, exactly the keys that changed',
  )
  t.same((await app.inject({ method: 'GET', url: `${ns}/releases/diff?from=1&to=3`, headers: bob })).json().changes, [], 'a rollback diffs empty against what it restores')

  // Unprotected environment: the shipped policy lets a project user publish their own draft.
  await app.inject({ method: 'POST', url: `${base}/apps/checkout/envs/dev/clusters/default/namespaces`, headers: alice, payload: { name: 'settings', format: 'json', schema: { type: 'object', properties: { port: { type: 'integer' } } } } })
  const devNs = nsUrl('shop', 'checkout', 'dev', 'settings')
  const schemaBad = await app.inject({ method: 'PUT', url: `${devNs}/draft`, headers: bob, payload: { content: '{"port": "eighty"}' } })
  t.equal(schemaBad.statusCode, 422)
  t.equal(schemaBad.json().details.pointer, '/port', 'a schema violation names its JSON pointer')
  t.equal((await app.inject({ method: 'PUT', url: `${devNs}/draft`, headers: bob, payload: { content: '{"port": 80}' } })).statusCode, 201)
  t.equal((await app.inject({ method: 'POST', url: `${devNs}/releases`, headers: bob, payload: {} })).statusCode, 201)

  // A project replaces the publish policy through OPA's Policy API: here, nobody publishes to dev on its own.
  const policy = 'package dyad.cms.publish\n\nimport rego.v1\n\ndeny contains "frozen" if input.environment.name == "dev"\n\nallow if count(deny) == 0\n'
  t.equal((await app.inject({ method: 'PUT', url: '/v1/projects/shop/opa/v1/policies/publish.rego', headers: { ...alice, 'content-type': 'text/plain' }, payload: policy })).statusCode, 200)
  t.equal((await app.inject({ method: 'PUT', url: `${devNs}/draft`, headers: bob, payload: { content: '{"port": 81}' } })).statusCode, 201)
  const frozen = await app.inject({ method: 'POST', url: `${devNs}/releases`, headers: bob, payload: {} })
  t.equal(frozen.statusCode, 403)
  t.same(frozen.json().details.reasons, ['frozen'])
})

t.test('tenants cannot reach each other, and deleting a project removes its cms data', async (t) => {
  const { app } = await buildTestApp(t)
  const a = await createTeam(app, 'tenant-a')
  const b = await createTeam(app, 'tenant-b')
  await app.inject({ method: 'POST', url: '/v1/projects/tenant-a/cms/apps', headers: a.alice, payload: { name: 'svc' } })
  await app.inject({ method: 'POST', url: '/v1/projects/tenant-a/cms/apps/svc/envs', headers: a.alice, payload: { name: 'dev' } })
  await app.inject({ method: 'POST', url: '/v1/projects/tenant-a/cms/apps/svc/envs/dev/clusters/default/namespaces', headers: a.alice, payload: { name: 'n', format: 'text' } })
  const ns = nsUrl('tenant-a', 'svc', 'dev', 'n')
  await app.inject({ method: 'PUT', url: `${ns}/draft`, headers: a.bob, payload: { content: 'secret plan' } })
  t.equal((await app.inject({ method: 'POST', url: `${ns}/releases`, headers: a.bob, payload: {} })).statusCode, 201)
  t.equal((await app.inject({ method: 'GET', url: `${ns}/config`, headers: b.alice })).statusCode, 403, "another project's admin is refused")

  t.equal((await app.inject({ method: 'DELETE', url: '/v1/projects/tenant-a', headers: a.admin })).statusCode, 204)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: a.admin, payload: { id: 'tenant-a', name: 'again' } })
  const gone = await app.inject({ method: 'GET', url: '/v1/projects/tenant-a/cms/apps', headers: a.admin })
  t.same(gone.json().items, [], 'a project re-created with the same id inherits nothing')
})
