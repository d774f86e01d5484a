/**
 * The gateway's authorization runs through Rego (data.dyad.authz). The shipped policy must decide
 * exactly as the role table does; platform admins can replace it per project; a failing policy
 * denies (fails closed).
 */
import t from 'tap'
import type { Principal } from '../../../src/contracts/principal.ts'
import { ACTIONS } from '../../../src/app.ts'
import { createRoleAuthorizer } from '../../helpers/role-oracle.ts'
import { createRegoAuthorizer } from '../../../plugins/policy/authz/authorizer.ts'
import type { PolicyStore } from '../../../plugins/policy/store.ts'
import { ADMIN_KEY, bearer, buildTestApp } from '../../helpers/app.ts'

t.test('the shipped Rego policy decides exactly like the role table', async (t) => {
  const roles: Record<string, 'project-admin' | 'project-user'> = { 'p1/ann': 'project-admin', 'p1/bo': 'project-user', 'p2/bo': 'project-admin' }
  const members = { getMember: async (p: string, s: string) => (roles[`${p}/${s}`] ? { role: roles[`${p}/${s}`] } : undefined) }
  const noOverrides = { getAuthzOverride: async () => undefined } as unknown as PolicyStore
  const errors: unknown[] = []
  const rego = createRegoAuthorizer({ catalog: ACTIONS, members, store: noOverrides, log: { error: (o) => errors.push(o) } })
  const table = createRoleAuthorizer(ACTIONS, members)
  const principals: Principal[] = []
  for (const subject of ['ann', 'bo', 'cy', 'root']) {
    for (const projectScope of [null, 'p1', 'p2']) {
      for (const via of ['api-key', 'jwt'] as const) principals.push({ subject, via, projectScope, platformAdmin: subject === 'root' })
    }
  }
  let compared = 0
  const mismatches: string[] = []
  for (const p of principals) {
    for (const action of [...Object.keys(ACTIONS), 'no.such.action']) {
      for (const projectId of [undefined, 'p1', 'p2']) {
        const resource = { type: action.split('.')[0], projectId }
        const [a, b] = await Promise.all([table.authorize(p, action, resource), rego.authorize(p, action, resource)])
        compared++
        if (a.allow !== b.allow || (!a.allow && a.reason !== b.reason)) mismatches.push(`${JSON.stringify(p)} ${action} ${projectId}: table=${JSON.stringify(a)} rego=${JSON.stringify(b)}`)
      }
    }
  }
  t.ok(compared > 1000, `${compared} decisions compared`)
  t.same(mismatches, [], 'same allow for every case, and the same reason for every denial')
  t.same(errors, [], 'no policy errors')
})

t.test('platform admins replace a project\'s authorization policy; failures deny', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'locked', name: 'Locked' } })
  await app.inject({ method: 'PUT', url: '/v1/projects/locked/members/uma', headers: admin, payload: { role: 'project-user' } })
  const key = (await app.inject({ method: 'POST', url: '/v1/projects/locked/api-keys', headers: admin, payload: { name: 'k', subject: 'uma' } })).json().apiKey
  const uma = bearer(key)
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/locked', headers: uma })).statusCode, 200)

  const shipped = await app.inject({ method: 'GET', url: '/v1/projects/locked/authz-policy', headers: admin })
  t.equal(shipped.json().shipped, true)
  t.match(shipped.json().raw, /package dyad\.authz/)

  const denyReads = 'package dyad.authz\n\nimport rego.v1\n\ndecision := {"allow": false, "reason": "reads are closed"} if input.action == "project.read"\n\ndecision := {"allow": true, "reason": "ok"} if input.action != "project.read"\n'
  const put = await app.inject({ method: 'PUT', url: '/v1/projects/locked/authz-policy', headers: { ...admin, 'content-type': 'text/plain' }, payload: denyReads })
  t.equal(put.statusCode, 200)
  const refused = await app.inject({ method: 'GET', url: '/v1/projects/locked', headers: uma })
  t.equal(refused.statusCode, 403)
  t.match(refused.json().message, /reads are closed/)
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/locked/members', headers: uma })).statusCode, 200, 'other actions follow the replacement')

  // A replacement that errors at run time fails closed.
  const broken = 'package dyad.authz\n\nimport rego.v1\n\ndecision := {"allow": true, "reason": "x"} if input.principal.role == "project-user"\n\ndecision := {"allow": false, "reason": "y"} if input.action == "member.read"\n'
  t.equal((await app.inject({ method: 'PUT', url: '/v1/projects/locked/authz-policy', headers: { ...admin, 'content-type': 'text/plain' }, payload: broken })).statusCode, 200)
  const conflicted = await app.inject({ method: 'GET', url: '/v1/projects/locked/members', headers: uma })
  t.equal(conflicted.statusCode, 403, 'a conflict error in the policy denies')
  t.match(conflicted.json().message, /authorization policy error/)

  // Platform actions always use the shipped policy: the admin is never locked out.
  t.equal((await app.inject({ method: 'DELETE', url: '/v1/projects/locked/authz-policy', headers: admin })).statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/locked', headers: uma })).statusCode, 200, 'shipped policy restored')

  const invalid = await app.inject({ method: 'PUT', url: '/v1/projects/locked/authz-policy', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'package dyad.authz\n\nallow := true\n' })
  t.equal(invalid.statusCode, 400, 'a replacement without `decision` is refused')
  const wrongPackage = await app.inject({ method: 'PUT', url: '/v1/projects/locked/authz-policy', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'package other\n\ndecision := {"allow": true}\n' })
  t.equal(wrongPackage.statusCode, 400)
  const notAdmin = await app.inject({ method: 'PUT', url: '/v1/projects/locked/authz-policy', headers: { ...uma, 'content-type': 'text/plain' }, payload: denyReads })
  t.equal(notAdmin.statusCode, 403)
})
