/**
 * The gateway's authorization runs through Rego (data.dyad.authz). The shipped policy must decide
 * exactly as the role table does; platform admins can replace it per project; a failing policy
 * denies (fails closed).
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { KvErrors } from '../../../src/infra/kv/errors.ts'
import { createLastKnownAuthz } from '../../../plugins/policy/authz/last-known.ts'
import type { Principal, ProjectRole } from '../../../src/contracts/principal.ts'
import { ACTIONS } from '../../../src/app.ts'
import { createRoleAuthorizer } from '../../helpers/role-oracle.ts'
import { createRegoAuthorizer } from '../../../plugins/policy/authz/authorizer.ts'
import { DecisionCache } from '../../../plugins/policy/authz/decision-cache.ts'
import { inputKey, inputValue } from '../../../plugins/policy/authz/input.ts'
import { fromJs } from '../../../plugins/policy/rego/value.ts'
import { ADMIN_KEY, bearer, buildTestApp } from '../../helpers/app.ts'

const ROLES: Record<string, ProjectRole> = { 'p1/ann': 'project-admin', 'p1/bo': 'project-user', 'p2/bo': 'project-admin' }
const roleOf = (p: string, s: string): ProjectRole | null => ROLES[`${p}/${s}`] ?? null
const noOverrides = { getAuthzOverride: async () => undefined }

function allPrincipals(): Principal[] {
  const out: Principal[] = []
  for (const subject of ['ann', 'bo', 'cy', 'root']) {
    for (const projectScope of [null, 'p1', 'p2']) {
      for (const via of ['api-key', 'jwt'] as const) out.push({ subject, via, projectScope, platformAdmin: subject === 'root' })
    }
  }
  return out
}

// The directory may answer synchronously (in memory) or with a promise (read-through): both are
// compared with the oracle, twice each so the second pass is served by the decision cache.
for (const mode of ['sync', 'async'] as const) {
  t.test(`the shipped Rego policy decides exactly like the role table (${mode} roles)`, async (t) => {
    const roles = { roleOf: mode === 'sync' ? roleOf : async (p: string, s: string) => roleOf(p, s) }
    const errors: unknown[] = []
    const rego = createRegoAuthorizer({ catalog: ACTIONS, roles, store: noOverrides, log: { error: (o) => errors.push(o), warn: () => {} } })
    const table = createRoleAuthorizer(ACTIONS, { getMember: async (p, s) => (roleOf(p, s) ? { role: roleOf(p, s)! } : undefined) })
    let compared = 0
    let syncAnswers = 0
    const mismatches: string[] = []
    for (const pass of [1, 2]) {
      for (const p of allPrincipals()) {
        for (const action of [...Object.keys(ACTIONS), 'no.such.action']) {
          for (const projectId of [undefined, 'p1', 'p2']) {
            const resource = { type: action.split('.')[0], projectId }
            const answer = rego.authorize(p, action, resource)
            if (!(answer instanceof Promise)) syncAnswers++
            const [a, b] = [await table.authorize(p, action, resource), await answer]
            compared++
            if (a.allow !== b.allow || (!a.allow && a.reason !== b.reason)) mismatches.push(`pass ${pass} ${JSON.stringify(p)} ${action} ${projectId}: table=${JSON.stringify(a)} rego=${JSON.stringify(b)}`)
          }
        }
      }
    }
    t.ok(compared > 2000, `${compared} decisions compared`)
    t.same(mismatches, [], 'same allow for every case, and the same reason for every denial')
    t.same(errors, [], 'no policy errors')
    const stats = rego.cacheStats()
    t.ok(stats.hits >= compared / 2, `the second pass is served from the decision cache (${stats.hits} hits)`)
    // Only the first request for each project waits (for the read of its replacement, if any).
    if (mode === 'sync') t.equal(syncAnswers, compared - 2, 'with roles in memory and policies loaded, decisions come back without a promise')
    else t.equal(syncAnswers, compared / 3, 'requests without a project skip the role lookup and answer synchronously')
  })
}

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

t.test('cache keys: the same key exactly when the input converts to the same Rego value', async (t) => {
  const input = { p: { s: 'x', scope: null, n: 1.5, big: 2 ** 60 }, list: ['a', true, { q: [] }] }
  t.equal(inputKey(input), inputKey(structuredClone(input)))
  t.same(inputValue(input), fromJs(input), 'the conversion is fromJs\'s')
  t.not(inputKey({ s: 'x"' }), inputKey({ s: 'x' }), 'strings are quoted')
  t.equal(inputKey({ id: undefined }), inputKey({ id: null }), 'undefined is read as null...')
  t.same(inputValue({ id: undefined }), inputValue({ id: null }), '...by the conversion too')
  t.not(inputKey({ a: 1, b: 2 }), inputKey({ b: 2, a: 1 }), 'another key order is only a miss')
  t.equal(inputKey({ m: new Map() }), undefined, 'no key for what JSON cannot spell')
  t.equal(inputKey({ n: Number.NaN }), undefined)
})

t.test('the decision cache is bounded, first in first out', async (t) => {
  const c = new DecisionCache(2)
  const d = { allow: true, reason: 'r' }
  c.set('a', d)
  c.set('b', d)
  c.set('c', d)
  t.equal(c.size, 2)
  t.equal(c.get('a'), undefined, 'the oldest entry went')
  t.equal(c.get('c'), d)
  t.same({ hits: c.hits, misses: c.misses }, { hits: 1, misses: 1 })
})

t.test('one owner of the policies: scope rule, replacements, invalidation and per-policy caches', async (t) => {
  const sources: Record<string, string> = {
    pure: 'package dyad.authz\n\nimport rego.v1\n\ndecision := {"allow": false, "reason": "closed"}\n',
    clock: 'package dyad.authz\n\nimport rego.v1\n\ndecision := {"allow": false, "reason": sprintf("closed at %d", [time.now_ns()])}\n',
  }
  const reads: string[] = []
  const store = { getAuthzOverride: async (p: string) => (reads.push(p), sources[p]) }
  const rego = createRegoAuthorizer({ catalog: ACTIONS, roles: { roleOf }, store, log: { error: () => {}, warn: () => {} } })
  const admin: Principal = { subject: 'root', via: 'api-key', projectScope: null, platformAdmin: true }
  const ask = async (projectId: string, action = 'project.read') => rego.authorize(admin, action, { type: 'project', projectId })

  t.same(await ask('pure'), { allow: false, reason: 'closed' }, 'a project action follows the replacement')
  t.same(await ask('pure', 'authz.write'), { allow: true, reason: 'allowed' }, 'a platform action always uses the shipped policy')
  t.same(await ask('plain'), { allow: true, reason: 'allowed' }, 'no replacement: the shipped policy')
  await ask('pure')
  t.same(reads, ['pure', 'plain'], 'each replacement is read once')
  const before = rego.cacheStats()
  t.ok(before.hits >= 1, 'the deterministic replacement answers from its cache')

  t.match((await ask('clock')).reason, /^closed at \d+$/)
  await ask('clock')
  t.equal(rego.cacheStats().size, before.size, 'a replacement reading the clock caches nothing')

  sources.pure = 'package dyad.authz\n\nimport rego.v1\n\ndecision := {"allow": true, "reason": "open"}\n'
  t.same(await ask('pure'), { allow: false, reason: 'closed' }, 'unchanged until invalidated')
  rego.invalidate('pure')
  t.same(await ask('pure'), { allow: true, reason: 'open' }, 'invalidate drops the compile and its cached decisions')
  t.equal(reads.filter((p) => p === 'pure').length, 2)
})

t.test('store unreachable: replacements as last read (also after a restart), unknown projects denied', async (t) => {
  const file = join(t.testdir(), 'authz-snapshot.json')
  const closed = 'package dyad.authz\n\nimport rego.v1\n\ndecision := {"allow": false, "reason": "closed"}\n'
  const sources: Record<string, string | undefined> = { locked: closed }
  let down = false
  const store = {
    getAuthzOverride: async (p: string) => {
      if (down) throw KvErrors.unavailable()
      return sources[p]
    },
  }
  const log = { error: () => {}, warn: () => {} }
  const admin: Principal = { subject: 'root', via: 'api-key', projectScope: null, platformAdmin: true }
  const make = () => {
    const lastKnown = createLastKnownAuthz({ file, log })
    return { lastKnown, rego: createRegoAuthorizer({ catalog: ACTIONS, roles: { roleOf }, store, log, lastKnown }) }
  }
  const ask = (rego: ReturnType<typeof make>['rego'], projectId: string) => rego.authorize(admin, 'project.read', { type: 'project', projectId })

  const first = make()
  t.same(await ask(first.rego, 'locked'), { allow: false, reason: 'closed' })
  t.same(await ask(first.rego, 'open'), { allow: true, reason: 'allowed' })
  await first.lastKnown.flush()
  t.ok(existsSync(file), 'the snapshot is written')

  // A new process on the same data directory, while the store is down.
  down = true
  const second = make()
  t.same(await ask(second.rego, 'locked'), { allow: false, reason: 'closed' }, 'a replacement read before is still applied')
  t.same(await ask(second.rego, 'open'), { allow: true, reason: 'allowed' }, 'so is "no replacement"')
  t.same(await ask(second.rego, 'never-seen'), { allow: false, reason: 'authorization policy error' }, 'a project never read is denied')

  second.rego.forget('locked')
  await second.lastKnown.flush()
  second.rego.invalidate('locked')
  t.same(await ask(second.rego, 'locked'), { allow: false, reason: 'authorization policy error' }, 'a forgotten (deleted) project is no longer known')
  t.notMatch(readFileSync(file, 'utf8'), /locked/, 'and is gone from the file')

  // Other failures are not masked by the snapshot.
  down = false
  store.getAuthzOverride = async () => {
    throw new Error('boom')
  }
  const third = make()
  t.same(await ask(third.rego, 'open'), { allow: false, reason: 'authorization policy error' }, 'only an unreachable store falls back')
})
