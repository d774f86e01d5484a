import t from 'tap'
import { ADMIN_KEY, JWT_SECRET, bearer, buildTestApp } from '../../helpers/app.ts'
import { signHs256 } from '../../helpers/jwt.ts'

t.test('projects, members, keys and JWTs through HTTP', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)

  const who = await app.inject({ method: 'GET', url: '/v1/whoami', headers: admin })
  t.same(who.json(), { subject: 'admin', via: 'api-key', keyId: 'admin0000000001', projectScope: null, platformAdmin: true })

  const created = await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'alpha', name: 'Alpha' } })
  t.equal(created.statusCode, 201)
  t.match(created.json(), { id: 'alpha', name: 'Alpha', description: '' })
  t.equal((await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'beta', name: 'Beta' } })).statusCode, 201)
  const dup = await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'alpha', name: 'Again' } })
  t.equal(dup.statusCode, 409)
  t.equal(dup.json().code, 'PLATFORM_PROJECT_EXISTS')

  const member = await app.inject({ method: 'PUT', url: '/v1/projects/alpha/members/alice', headers: admin, payload: { role: 'project-admin' } })
  t.equal(member.statusCode, 200)
  t.match(member.json(), { projectId: 'alpha', subject: 'alice', role: 'project-admin' })

  const noMember = await app.inject({ method: 'POST', url: '/v1/projects/alpha/api-keys', headers: admin, payload: { name: 'x', subject: 'mallory' } })
  t.equal(noMember.statusCode, 400)
  t.equal(noMember.json().code, 'PLATFORM_KEY_SUBJECT_NOT_MEMBER')

  const issued = await app.inject({ method: 'POST', url: '/v1/projects/alpha/api-keys', headers: admin, payload: { name: 'ci', subject: 'alice' } })
  t.equal(issued.statusCode, 201)
  const aliceKey: string = issued.json().apiKey
  t.match(aliceKey, /^dyad_[a-z0-9]+_/)
  t.notOk('secretHash' in issued.json().key, 'the hash is never returned')

  const list = await app.inject({ method: 'GET', url: '/v1/projects/alpha/api-keys', headers: admin })
  t.equal(list.json().items.length, 1)
  // The secret is everything after the key id; base64url may put `_` inside it, so no split('_').
  const secret = aliceKey.slice(aliceKey.indexOf('_', 'dyad_'.length) + 1)
  t.ok(secret.length >= 32, 'the secret part is long enough for the check below to mean something')
  t.notOk(JSON.stringify(list.json()).includes(secret), 'listing never shows the secret')

  // The key works on its project's routes and is refused on another project's.
  const alice = bearer(aliceKey)
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/alpha', headers: alice })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/alpha/members', headers: alice })).statusCode, 200)
  const cross = await app.inject({ method: 'GET', url: '/v1/projects/beta', headers: alice })
  t.equal(cross.statusCode, 403)
  t.equal(cross.json().code, 'FORBIDDEN')
  const listed = await app.inject({ method: 'GET', url: '/v1/projects', headers: alice })
  t.same(listed.json().items.map((p: { id: string }) => p.id), ['alpha'], 'a member lists only their projects')
  t.equal((await app.inject({ method: 'POST', url: '/v1/projects', headers: alice, payload: { name: 'nope' } })).statusCode, 403)

  // JWT bearer tokens: membership comes from the store.
  await app.inject({ method: 'PUT', url: '/v1/projects/beta/members/carol', headers: admin, payload: { role: 'project-user' } })
  const carol = bearer(signHs256({ sub: 'carol', exp: Math.floor(Date.now() / 1000) + 60 }, JWT_SECRET))
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/beta', headers: carol })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/alpha', headers: carol })).statusCode, 403)
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/projects/beta', headers: carol, payload: { name: 'x' } })).statusCode, 403, 'project-user cannot update')

  // Revocation takes effect at once.
  const keyId = issued.json().key.id
  const revoked = await app.inject({ method: 'DELETE', url: `/v1/projects/alpha/api-keys/${keyId}`, headers: admin })
  t.equal(revoked.statusCode, 200)
  t.ok(revoked.json().revokedAt)
  const after = await app.inject({ method: 'GET', url: '/v1/projects/alpha', headers: alice })
  t.equal(after.statusCode, 401)
  t.equal(after.json().code, 'UNAUTHENTICATED')

  // Every mutation is audited with actor, DC and request id.
  const audit = await app.inject({ method: 'GET', url: '/v1/projects/alpha/audit', headers: admin })
  t.equal(audit.statusCode, 200)
  const actions = audit.json().items.map((e: { action: string }) => e.action)
  t.ok(actions.includes('member.write') && actions.includes('apikey.write'))
  t.match(audit.json().items[0], { dc: 'dc-test', actor: 'admin', projectId: 'alpha' })
  t.ok(audit.json().items[0].requestId)
})

t.test('expired keys and malformed credentials are refused', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'p1', name: 'P1' } })
  const past = await app.inject({ method: 'POST', url: '/v1/projects/p1/api-keys', headers: admin, payload: { name: 'old', expiresAt: '2000-01-01T00:00:00Z' } })
  t.equal(past.statusCode, 400)
  t.equal(past.json().code, 'PLATFORM_INVALID_EXPIRY')
  for (const headers of [{}, { authorization: 'Basic abc' }, bearer('dyad_nope'), bearer('dyad_aaaaaaaaaaaa_' + 'b'.repeat(43)), { 'x-api-key': 'garbage' }]) {
    const res = await app.inject({ method: 'GET', url: '/v1/whoami', headers })
    t.equal(res.statusCode, 401, JSON.stringify(headers))
    t.equal(res.json().code, 'UNAUTHENTICATED')
  }
})

t.test('idempotency keys replay, refuse reuse with another body', async (t) => {
  const { app } = await buildTestApp(t)
  const headers = { ...bearer(ADMIN_KEY), 'idempotency-key': 'create-gamma-1' }
  const first = await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { id: 'gamma', name: 'Gamma' } })
  t.equal(first.statusCode, 201)
  const again = await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { id: 'gamma', name: 'Gamma' } })
  t.equal(again.statusCode, 201, 'the stored response is replayed, not a 409')
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.same(again.json(), first.json())
  const other = await app.inject({ method: 'POST', url: '/v1/projects', headers, payload: { id: 'delta', name: 'Delta' } })
  t.equal(other.statusCode, 422)
  t.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED')
  const bad = await app.inject({ method: 'POST', url: '/v1/projects', headers: { ...headers, 'idempotency-key': 'has space' }, payload: { name: 'x' } })
  t.equal(bad.statusCode, 400)
})
