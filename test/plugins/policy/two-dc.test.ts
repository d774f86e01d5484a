/**
 * Two Dyad processes (one per DC) sharing one etcd: a policy written through dc1 is compiled by
 * dc2 from its watch and served from dc2's memory; a bad upload never replaces the good policy in
 * either DC.
 */
import t from 'tap'
import { ADMIN_KEY, bearer, buildTestApp } from '../../helpers/app.ts'
import { etcdEndpoints, isSkip, uniqueName } from '../../helpers/servers.ts'

const endpoints = etcdEndpoints()

t.test('policies propagate between DCs through etcd watches', { skip: isSkip(endpoints) ? endpoints.skip : false }, async (t) => {
  const kv = { DYAD_KV: 'etcd', DYAD_ETCD_ENDPOINTS: (endpoints as string[]).join(','), DYAD_ETCD_NAMESPACE: `${uniqueName('twodc')}/` }
  const dc1 = (await buildTestApp(t, { ...kv, DYAD_DC: 'dc1' })).app
  const dc2 = (await buildTestApp(t, { ...kv, DYAD_DC: 'dc2' })).app
  const admin = bearer(ADMIN_KEY)
  // Platform data lives in each test app's own embedded store here, so create the project in both.
  for (const app of [dc1, dc2]) await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'shared', name: 'Shared' } })

  const decide = async (app: typeof dc1) => (await app.inject({ method: 'POST', url: '/v1/projects/shared/opa/v1/data/g/v', headers: admin, payload: {} })).json().result
  const putPolicy = (app: typeof dc1, raw: string) => app.inject({ method: 'PUT', url: '/v1/projects/shared/opa/v1/policies/g.rego', headers: { ...admin, 'content-type': 'text/plain' }, payload: raw })
  t.equal(await decide(dc2), undefined, 'dc2 starts with nothing')

  t.equal((await putPolicy(dc1, 'package g\n\nv := 1\n')).statusCode, 200)
  t.equal(await decide(dc1), 1, 'dc1 reads its own write at once')
  let seen: unknown
  for (let i = 0; i < 100 && seen !== 1; i++) {
    seen = await decide(dc2)
    if (seen !== 1) await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(seen, 1, 'dc2 recompiled from its watch')

  t.equal((await putPolicy(dc2, 'package g\n\nv := \n')).statusCode, 400, 'bad upload refused in dc2')
  t.equal((await putPolicy(dc2, 'package g\n\nv := 2\n')).statusCode, 200)
  seen = undefined
  for (let i = 0; i < 100 && seen !== 2; i++) {
    seen = await decide(dc1)
    if (seen !== 2) await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(seen, 2, 'and back from dc2 to dc1')
})
