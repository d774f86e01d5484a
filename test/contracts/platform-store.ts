/**
 * The contract every PlatformStore adapter passes. Each adapter's test file calls
 * `platformStoreContract(t, makeStore)`; `makeStore` must return an empty store, and `cleanup` runs
 * when the subtest ends. Records are compared whole, so an adapter that adds, drops or reformats a
 * field fails here rather than in a service.
 */
import type { Test } from 'tap'
import type { ApiKeyRecord, AuditEntry, AuditQuery, Member, PlatformStore, Project } from '../../src/infra/ports/platform.ts'

export type MakePlatformStore = () => Promise<{ store: PlatformStore; cleanup(): Promise<void> }>

const conflict = { code: 'PLATFORM_CONFLICT', statusCode: 409 }
const projectNotFound = { code: 'PLATFORM_PROJECT_NOT_FOUND', statusCode: 404 }
const invalidCursor = { code: 'PLATFORM_INVALID_CURSOR', statusCode: 400 }
const invalidTime = { code: 'PLATFORM_INVALID_TIME', statusCode: 400 }

const T0 = Date.parse('2024-03-01T10:00:00.000Z')
/** A canonical ISO timestamp `seconds` after T0. */
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()

const project = (id: string, extra: Partial<Project> = {}): Project => ({
  id,
  name: `Project ${id}`,
  description: '',
  createdAt: at(0),
  ...extra,
})

const apiKey = (id: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id,
  secretHash: `hash-${id}`,
  name: `key ${id}`,
  subject: 'alice',
  projectId: 'p1',
  createdAt: at(0),
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  ...extra,
})

const audit = (id: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  id,
  at: at(0),
  dc: 'dc1',
  requestId: `req-${id}`,
  actor: 'alice',
  action: 'project.update',
  resource: 'project:p1',
  projectId: 'p1',
  outcome: 'success',
  ...extra,
})

/** Runs writes a few at a time: fast on networked servers, still ordered enough to read. */
async function inBatches<T>(items: T[], write: (item: T) => Promise<unknown>, size = 50): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(write))
}

/** Follows cursors to the end, returning every id seen and the page sizes. */
async function walkAudit(store: PlatformStore, q: AuditQuery) {
  const ids: string[] = []
  const sizes: number[] = []
  let cursor: string | undefined
  do {
    const page = await store.queryAudit({ ...q, cursor })
    ids.push(...page.items.map((e) => e.id))
    sizes.push(page.items.length)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return { ids, sizes }
}

export function platformStoreContract(t: Test, makeStore: MakePlatformStore): void {
  const fresh = async (t: Test) => {
    const { store, cleanup } = await makeStore()
    t.teardown(cleanup)
    return store
  }

  t.test('ping resolves on a live store', async (t) => {
    const store = await fresh(t)
    await t.resolves(store.ping())
    t.ok(store.kind === 'postgres' || store.kind === 'mongodb')
  })

  t.test('projects: create, get, update, delete', async (t) => {
    const store = await fresh(t)
    const p1 = project('p1', { name: 'First', description: 'the first one' })
    t.strictSame(await store.createProject(p1), p1)
    t.strictSame(await store.getProject('p1'), p1)
    t.equal(await store.getProject('nope'), undefined)
    await t.rejects(store.createProject(project('p1', { name: 'Again' })), conflict, 'duplicate id conflicts')
    t.strictSame(await store.getProject('p1'), p1, 'a refused create changes nothing')

    t.strictSame(await store.updateProject('p1', { name: 'Renamed' }), { ...p1, name: 'Renamed' })
    t.strictSame(await store.updateProject('p1', { description: 'new' }), { ...p1, name: 'Renamed', description: 'new' })
    t.strictSame(await store.updateProject('p1', {}), { ...p1, name: 'Renamed', description: 'new' }, 'empty patch')
    t.strictSame(await store.updateProject('p1', { description: '' }), { ...p1, name: 'Renamed', description: '' }, 'empty string is a value')
    t.equal(await store.updateProject('nope', { name: 'x' }), undefined)
    t.equal(await store.getProject('nope'), undefined, 'update of an unknown id creates nothing')

    t.equal(await store.deleteProject('p1'), true)
    t.equal(await store.getProject('p1'), undefined)
    t.equal(await store.deleteProject('p1'), false)
  })

  t.test('timestamps are normalised to toISOString() form and validated', async (t) => {
    const store = await fresh(t)
    const created = await store.createProject(project('tz', { createdAt: '2024-05-01T12:00:00+02:00' }))
    t.equal(created.createdAt, '2024-05-01T10:00:00.000Z')
    t.equal((await store.getProject('tz'))?.createdAt, '2024-05-01T10:00:00.000Z')
    await t.rejects(store.createProject(project('bad', { createdAt: 'yesterday' })), invalidTime)
    await t.rejects(store.queryAudit({ since: 'not a time' }), invalidTime)
  })

  t.test('projects: list pages by id with an opaque cursor', async (t) => {
    const store = await fresh(t)
    const ids = Array.from({ length: 105 }, (_, i) => `p-${String(i).padStart(3, '0')}`)
    await inBatches([...ids].reverse(), (id) => store.createProject(project(id)))

    const first = await store.listProjects()
    t.equal(first.items.length, 100, 'default limit is 100')
    t.strictSame(first.items[0], project('p-000'))
    t.type(first.nextCursor, 'string')
    const rest = await store.listProjects({ cursor: first.nextCursor })
    t.strictSame(rest.items.map((p) => p.id), ids.slice(100))
    t.equal(rest.nextCursor, undefined, 'no cursor once the listing is exhausted')

    const walked: string[] = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await store.listProjects({ limit: 10, cursor })
      walked.push(...page.items.map((p) => p.id))
      cursor = page.nextCursor
      pages++
    } while (cursor !== undefined)
    t.strictSame(walked, ids, 'every project exactly once, in id order')
    t.equal(pages, 11)

    const wanted = ['p-104', 'p-003', 'p-050', 'missing']
    const a = await store.listProjects({ ids: wanted, limit: 2 })
    t.strictSame(a.items.map((p) => p.id), ['p-003', 'p-050'])
    const b = await store.listProjects({ ids: wanted, limit: 2, cursor: a.nextCursor })
    t.strictSame(b, { items: [project('p-104')] })
    t.strictSame(await store.listProjects({ ids: [] }), { items: [] })

    t.equal((await store.listProjects({ limit: 0 })).items.length, 1, 'a limit below 1 is raised to 1')
    t.equal((await store.listProjects({ limit: 5000 })).items.length, 105)
    await t.rejects(store.listProjects({ cursor: 'not-a-cursor' }), invalidCursor)
    await store.appendAudit(audit('a1'))
    await store.appendAudit(audit('a2'))
    const auditCursor = (await store.queryAudit({ limit: 1 })).nextCursor
    await t.rejects(store.listProjects({ cursor: auditCursor }), invalidCursor, 'a cursor from another listing is refused')
  })

  t.test('members: put upserts the role, get, list, memberships, delete', async (t) => {
    const store = await fresh(t)
    await store.createProject(project('p1'))
    await store.createProject(project('p2'))
    const alice1: Member = { projectId: 'p1', subject: 'alice', role: 'project-admin', createdAt: at(1) }
    const bob1: Member = { projectId: 'p1', subject: 'bob', role: 'project-user', createdAt: at(2) }
    const alice2: Member = { projectId: 'p2', subject: 'alice', role: 'project-user', createdAt: at(3) }
    await t.rejects(store.putMember({ ...alice1, projectId: 'nope' }), projectNotFound)
    t.strictSame(await store.putMember(bob1), bob1)
    t.strictSame(await store.putMember(alice1), alice1)
    t.strictSame(await store.putMember(alice2), alice2)

    const demoted = await store.putMember({ ...alice1, role: 'project-user', createdAt: at(9) })
    t.strictSame(demoted, { ...alice1, role: 'project-user' }, 'put changes the role and keeps createdAt')
    const alice1now = { ...alice1, role: 'project-user' as const }
    t.strictSame(await store.getMember('p1', 'alice'), alice1now)
    t.equal(await store.getMember('p1', 'carol'), undefined)
    t.equal(await store.getMember('p9', 'alice'), undefined)

    t.strictSame(await store.listMembers('p1'), [alice1now, bob1], 'ordered by subject')
    t.strictSame(await store.listMembers('p9'), [])
    t.strictSame(await store.listMembershipsOf('alice'), [alice1now, alice2], 'ordered by project')
    t.strictSame(await store.listMembershipsOf('carol'), [])

    t.equal(await store.deleteMember('p1', 'alice'), true)
    t.equal(await store.deleteMember('p1', 'alice'), false)
    t.strictSame(await store.listMembers('p1'), [bob1])
    t.strictSame(await store.listMembershipsOf('alice'), [alice2])
  })

  t.test('platform admins: set, check, list, unset', async (t) => {
    const store = await fresh(t)
    t.strictSame(await store.listPlatformAdmins(), [])
    await store.setPlatformAdmin('root', true)
    await store.setPlatformAdmin('ops', true)
    await store.setPlatformAdmin('root', true)
    t.equal(await store.isPlatformAdmin('root'), true)
    t.equal(await store.isPlatformAdmin('alice'), false)
    t.strictSame(await store.listPlatformAdmins(), ['ops', 'root'], 'sorted, granting twice adds nothing')
    await store.setPlatformAdmin('root', false)
    await store.setPlatformAdmin('alice', false)
    t.equal(await store.isPlatformAdmin('root'), false)
    t.strictSame(await store.listPlatformAdmins(), ['ops'])
  })

  t.test('api keys: create, get, list, revoke, touch', async (t) => {
    const store = await fresh(t)
    await store.createProject(project('p1'))
    await store.createProject(project('p2'))
    const k1 = apiKey('k1', { createdAt: at(1), expiresAt: at(1000) })
    const k2 = apiKey('k2', { createdAt: at(2), subject: 'bob' })
    const k3 = apiKey('k3', { createdAt: at(3), projectId: 'p2' })
    const admin = apiKey('k0', { createdAt: at(4), subject: 'root', projectId: null })
    for (const k of [k3, admin, k2, k1]) t.strictSame(await store.createApiKey(k), k)
    const { lastUsedAt: _omitted, ...withoutLastUsed } = apiKey('k4', { createdAt: at(5) })
    t.strictSame(await store.createApiKey(withoutLastUsed), { ...withoutLastUsed, lastUsedAt: null }, 'lastUsedAt defaults to null')
    const k4 = { ...withoutLastUsed, lastUsedAt: null }

    await t.rejects(store.createApiKey(apiKey('k1', { name: 'dup' })), conflict)
    await t.rejects(store.createApiKey(apiKey('k9', { projectId: 'nope' })), projectNotFound)
    t.strictSame(await store.getApiKey('k1'), k1)
    t.equal(await store.getApiKey('nope'), undefined)

    t.strictSame(await store.listApiKeys({}), [k1, k2, k3, admin, k4], 'ordered by createdAt')
    t.strictSame(await store.listApiKeys({ projectId: 'p1' }), [k1, k2, k4])
    t.strictSame(await store.listApiKeys({ projectId: null }), [admin], 'null selects platform keys')
    t.strictSame(await store.listApiKeys({ subject: 'alice' }), [k1, k3, k4])
    t.strictSame(await store.listApiKeys({ projectId: 'p1', subject: 'alice' }), [k1, k4])
    t.strictSame(await store.listApiKeys({ subject: 'nobody' }), [])

    t.strictSame(await store.revokeApiKey('k1', at(50)), { ...k1, revokedAt: at(50) })
    t.strictSame(await store.revokeApiKey('k1', at(60)), { ...k1, revokedAt: at(50) }, 'the first revocation wins')
    t.equal(await store.revokeApiKey('nope', at(50)), undefined)

    await store.touchApiKey('k2', at(70))
    t.strictSame(await store.getApiKey('k2'), { ...k2, lastUsedAt: at(70) })
    await store.touchApiKey('k2', at(65))
    t.strictSame(await store.getApiKey('k2'), { ...k2, lastUsedAt: at(70) }, 'a late, older touch does not move it back')
    await store.touchApiKey('k2', at(80))
    t.strictSame(await store.getApiKey('k2'), { ...k2, lastUsedAt: at(80) })
    await t.resolves(store.touchApiKey('nope', at(80)))
  })

  t.test('deleteProject cascades to members and keys but keeps the audit trail', async (t) => {
    const store = await fresh(t)
    await store.createProject(project('p1'))
    await store.createProject(project('p2'))
    await store.putMember({ projectId: 'p1', subject: 'alice', role: 'project-admin', createdAt: at(1) })
    const kept: Member = { projectId: 'p2', subject: 'alice', role: 'project-user', createdAt: at(1) }
    await store.putMember(kept)
    await store.createApiKey(apiKey('k1'))
    const other = apiKey('k2', { projectId: 'p2' })
    const admin = apiKey('k0', { projectId: null, subject: 'root' })
    await store.createApiKey(other)
    await store.createApiKey(admin)
    const entry = audit('a1')
    await store.appendAudit(entry)

    t.equal(await store.deleteProject('p1'), true)
    t.equal(await store.getMember('p1', 'alice'), undefined)
    t.strictSame(await store.listMembers('p1'), [])
    t.strictSame(await store.listMembershipsOf('alice'), [kept])
    t.equal(await store.getApiKey('k1'), undefined)
    t.strictSame(await store.listApiKeys({}), [admin, other])
    t.strictSame(await store.queryAudit({ projectId: 'p1' }), { items: [entry] }, 'audit outlives the project')

    await store.createProject(project('p1'))
    t.strictSame(await store.listMembers('p1'), [], 'a re-created project starts empty')
    t.strictSame(await store.listApiKeys({ projectId: 'p1' }), [])
  })

  t.test('audit: append and query by project, actor, action and time, newest first', async (t) => {
    const store = await fresh(t)
    const entries = [
      audit('a1', { at: at(10) }),
      audit('a2', { at: at(20), actor: 'bob', action: 'member.put', details: { subject: 'carol', role: 'project-user' } }),
      audit('a3', { at: at(30), projectId: 'p2', resource: 'project:p2', outcome: 'failure' }),
      audit('a4', { at: at(40), projectId: null, resource: 'platform', action: 'admin.grant', details: { n: 1.5, ok: true, list: [1, 'x', null] } }),
      audit('a5', { at: at(50), actor: 'bob' }),
    ]
    for (const e of entries) await store.appendAudit(e)
    const [a1, a2, a3, a4, a5] = entries
    await t.rejects(store.appendAudit(audit('a1', { at: at(99) })), conflict)

    t.strictSame(await store.queryAudit({}), { items: [a5, a4, a3, a2, a1] })
    t.strictSame(await store.queryAudit({ projectId: 'p1' }), { items: [a5, a2, a1] })
    t.strictSame(await store.queryAudit({ actor: 'bob' }), { items: [a5, a2] })
    t.strictSame(await store.queryAudit({ action: 'project.update' }), { items: [a5, a3, a1] })
    t.strictSame(await store.queryAudit({ since: at(20), until: at(40) }), { items: [a4, a3, a2] }, 'bounds are inclusive')
    t.strictSame(await store.queryAudit({ since: at(45) }), { items: [a5] })
    t.strictSame(await store.queryAudit({ until: at(10) }), { items: [a1] })
    t.strictSame(await store.queryAudit({ projectId: 'p1', actor: 'bob', since: at(21) }), { items: [a5] })
    t.strictSame(await store.queryAudit({ actor: 'nobody' }), { items: [] })

    const page = await store.queryAudit({ limit: 2 })
    t.strictSame(page.items, [a5, a4])
    const second = await store.queryAudit({ limit: 2, cursor: page.nextCursor })
    t.strictSame(second.items, [a3, a2])
    t.strictSame(await store.queryAudit({ limit: 2, cursor: second.nextCursor }), { items: [a1] })
    await t.rejects(store.queryAudit({ cursor: 'garbage' }), invalidCursor)
    await store.createProject(project('x1'))
    await store.createProject(project('x2'))
    const projectCursor = (await store.listProjects({ limit: 1 })).nextCursor
    await t.rejects(store.queryAudit({ cursor: projectCursor }), invalidCursor, 'a cursor from another listing is refused')
  })

  t.test('audit: paging through one shared timestamp has no gaps or duplicates; limits clamp', async (t) => {
    const store = await fresh(t)
    const same = Array.from({ length: 1005 }, (_, i) => audit(`s-${String(i).padStart(4, '0')}`, {
      at: at(100),
      actor: i % 3 === 0 ? 'bob' : 'alice',
    }))
    const older = audit('o-1', { at: at(99) })
    const newer = audit('n-1', { at: at(101) })
    await inBatches([...same].reverse(), (e) => store.appendAudit(e))
    await store.appendAudit(older)
    await store.appendAudit(newer)
    const expected = ['n-1', ...same.map((e) => e.id).reverse(), 'o-1']

    const byPage = await walkAudit(store, { limit: 7 })
    t.strictSame(byPage.ids, expected, 'ties are ordered by id, newest first, each exactly once')
    t.ok(byPage.sizes.slice(0, -1).every((n) => n === 7))

    const def = await store.queryAudit({})
    t.equal(def.items.length, 100, 'default limit is 100')
    const max = await store.queryAudit({ limit: 5000 })
    t.equal(max.items.length, 1000, 'limit is clamped to 1000')
    t.strictSame(await walkAudit(store, { limit: 5000 }), { ids: expected, sizes: [1000, 7] })

    const bobs = await walkAudit(store, { actor: 'bob', limit: 50 })
    t.strictSame(bobs.ids, same.filter((e) => e.actor === 'bob').map((e) => e.id).reverse())
    const window = await walkAudit(store, { since: at(100), until: at(100), limit: 300 })
    t.equal(window.ids.length, 1005)
    t.equal(new Set(window.ids).size, 1005)
  })

  t.test('idempotency: begin, replay while pending, complete, replay done, abandon', async (t) => {
    const store = await fresh(t)
    const rec = { scope: 'alice', key: 'k-1', requestHash: 'h1', state: 'pending' as const, createdAt: at(1) }
    t.strictSame(await store.beginIdempotent(rec), { created: true })
    t.strictSame(await store.beginIdempotent({ ...rec, requestHash: 'h2', createdAt: at(2) }), {
      created: false,
      existing: rec,
    }, 'the first request stays the owner while pending')

    await store.abandonIdempotent('alice', 'k-1')
    t.strictSame(await store.beginIdempotent({ ...rec, requestHash: 'h3' }), { created: true }, 'abandon frees the key')
    await store.completeIdempotent('alice', 'k-1', 201, '{"id":"p1","name":"Ünïcødé ✓"}')
    const done = { ...rec, requestHash: 'h3', state: 'done' as const, statusCode: 201, responseBody: '{"id":"p1","name":"Ünïcødé ✓"}' }
    t.strictSame(await store.beginIdempotent(rec), { created: false, existing: done })

    await store.completeIdempotent('alice', 'k-1', 500, 'other')
    await store.abandonIdempotent('alice', 'k-1')
    t.strictSame(await store.beginIdempotent(rec), { created: false, existing: done }, 'a stored response never changes')

    t.strictSame(await store.beginIdempotent({ ...rec, scope: 'bob' }), { created: true }, 'keys are per scope')
    await t.resolves(store.completeIdempotent('nobody', 'none', 200, ''))
    await t.resolves(store.abandonIdempotent('nobody', 'none'))
  })

  t.test('idempotency: concurrent begins with one key create exactly one record', async (t) => {
    const store = await fresh(t)
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.beginIdempotent({ scope: 's', key: 'race', requestHash: `h${i}`, state: 'pending', createdAt: at(i) }),
      ),
    )
    const winners = results.flatMap((r, i) => (r.created ? [i] : []))
    t.equal(winners.length, 1, 'exactly one begin created the record')
    const winner = winners[0]
    for (const r of results) {
      if (!r.created) t.strictSame(r.existing, { scope: 's', key: 'race', requestHash: `h${winner}`, state: 'pending', createdAt: at(winner) })
    }
  })

  t.test('unicode strings round-trip unchanged', async (t) => {
    const store = await fresh(t)
    // Decomposed "é" (e + U+0301) must not be normalised to the composed form.
    const p = project('проект-✓', { name: 'Café e\u0301 名前 🚀', description: 'línea\nzweite Zeile\t"quoted" \'single\'' })
    t.strictSame(await store.createProject(p), p)
    t.strictSame(await store.getProject(p.id), p)
    t.strictSame(await store.listProjects({ ids: [p.id] }), { items: [p] })
    const m: Member = { projectId: p.id, subject: 'ユーザー@例え.jp', role: 'project-admin', createdAt: at(1) }
    t.strictSame(await store.putMember(m), m)
    t.strictSame(await store.listMembershipsOf(m.subject), [m])
    await store.setPlatformAdmin('管理者', true)
    t.strictSame(await store.listPlatformAdmins(), ['管理者'])
    const k = apiKey('ключ-1', { name: '🔑 dév', subject: m.subject, projectId: p.id })
    t.strictSame(await store.createApiKey(k), k)
    t.strictSame(await store.listApiKeys({ subject: m.subject }), [k])
    const e = audit('審計-1', {
      actor: '😀 actor',
      action: 'ação.criar',
      resource: `project:${p.id}`,
      projectId: p.id,
      details: { 'ключ': ['値', '🚀'], nested: { 'ü': true, empty: '' } },
    })
    await store.appendAudit(e)
    t.strictSame(await store.queryAudit({ actor: '😀 actor', projectId: p.id, action: 'ação.criar' }), { items: [e] })
    const rec = { scope: 'ユーザー', key: '🔑-1', requestHash: 'h', state: 'pending' as const, createdAt: at(2) }
    t.strictSame(await store.beginIdempotent(rec), { created: true })
    t.strictSame(await store.beginIdempotent(rec), { created: false, existing: rec })
  })
}
