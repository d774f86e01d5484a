/**
 * Per-project traffic control through the whole gateway: rate limits per project, per principal
 * and per route with the IETF RateLimit-Policy / RateLimit headers and Retry-After on a 429 in the
 * error shape; durable request quotas per project and per key; who may set them; and that a caller
 * refused by authorization does not spend another project's limits.
 */
import t from 'tap'
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts'
import { createTeam } from '../plugins/cms/setup.ts'

t.test('rate limits per project, per principal and per route', async (t) => {
  const { app } = await buildTestApp(t)
  const team = await createTeam(app, 'shop')
  await createTeam(app, 'other')
  const put = (headers: Record<string, string>, payload: object) => app.inject({ method: 'PUT', url: '/v1/projects/shop/traffic', headers, payload })
  t.equal((await put(team.alice, { rateLimits: [] })).statusCode, 403, 'a project admin cannot set its own limits')
  const dup = await put(team.admin, { rateLimits: [{ name: 'a', scope: 'project', limit: 1, windowSeconds: 1 }, { name: 'a', scope: 'project', limit: 1, windowSeconds: 1 }] })
  t.equal(dup.statusCode, 400)
  const set = await put(team.admin, {
    rateLimits: [
      { name: 'per-user', scope: 'principal', limit: 3, windowSeconds: 60 },
      { name: 'project', scope: 'project', limit: 5, windowSeconds: 60 },
      { name: 'members', scope: 'project', limit: 1, windowSeconds: 3600, routes: ['/v1/projects/:projectId/members*'], methods: ['GET'] },
    ],
  })
  t.equal(set.statusCode, 200)
  t.same((await app.inject({ method: 'GET', url: '/v1/projects/shop/traffic', headers: team.alice })).json().traffic.rateLimits.length, 3)

  const get = (headers: Record<string, string>, url = '/v1/projects/shop/cms/apps') => app.inject({ method: 'GET', url, headers })
  const first = await get(team.bob)
  t.equal(first.statusCode, 200)
  t.equal(first.headers['ratelimit-policy'], '"per-user";q=3;w=60, "project";q=5;w=60')
  t.equal(first.headers['ratelimit'], '"per-user";r=2;t=20', 'the tightest policy: two left for bob, refilled in 20 s')
  await get(team.bob)
  await get(team.bob)
  const bobOut = await get(team.bob)
  t.equal(bobOut.statusCode, 429)
  t.equal(bobOut.json().code, 'RATE_LIMITED')
  t.ok(bobOut.json().requestId, 'in the error shape')
  t.equal(bobOut.headers['retry-after'], '20')
  t.equal(bobOut.headers['ratelimit'], '"per-user";r=0;t=20')
  // Carol has her own per-user bucket but shares the project's five: alice's read of the limits
  // spent one, bob three.
  t.equal((await get(team.carol)).statusCode, 200)
  const projectOut = await get(team.carol)
  t.equal(projectOut.statusCode, 429)
  t.match(projectOut.json().message, /project/)
  // Another project is not affected, and a caller refused by authorization spends nothing of shop's.
  t.equal((await get(team.bob, '/v1/projects/other/cms/apps')).statusCode, 403)
  t.notOk((await get(team.bob, '/v1/projects/other/cms/apps')).headers['ratelimit-policy'])

  // A route rule: only GET on the members routes.
  await put(team.admin, { rateLimits: [{ name: 'members', scope: 'project', limit: 1, windowSeconds: 3600, routes: ['/v1/projects/:projectId/members*'], methods: ['GET'] }] })
  t.equal((await get(team.alice, '/v1/projects/shop/members')).statusCode, 200)
  t.equal((await get(team.alice, '/v1/projects/shop/members')).statusCode, 429)
  t.equal((await get(team.alice)).statusCode, 200, 'other routes are not limited by it')
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/projects/shop/traffic', headers: team.admin })).statusCode, 204)
  t.equal((await get(team.alice, '/v1/projects/shop/members')).statusCode, 200, 'limits removed')
})

t.test('durable request quotas per project and per key', async (t) => {
  const { app } = await buildTestApp(t)
  const team = await createTeam(app, 'shop')
  await app.inject({ method: 'PUT', url: '/v1/projects/shop/traffic', headers: bearer(ADMIN_KEY), payload: { quotas: { requestsPerDay: 5, keyRequestsPerDay: 2 } } })
  const get = (h: Record<string, string>) => app.inject({ method: 'GET', url: '/v1/projects/shop/cms/apps', headers: h })
  t.same([(await get(team.bob)).statusCode, (await get(team.bob)).statusCode, (await get(team.bob)).statusCode], [200, 200, 429])
  const refused = await get(team.bob)
  t.equal(refused.json().code, 'QUOTA_EXCEEDED')
  t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /dyad_rate_limited_total\{kind="quota"[^}]*\} 2/)
  t.same([(await get(team.carol)).statusCode, (await get(team.carol)).statusCode], [200, 200])
  t.equal((await get(team.alice)).statusCode, 200)
  t.equal((await get(team.alice)).statusCode, 429, "the project's five are used up (2 + 2 + 1)")
})
