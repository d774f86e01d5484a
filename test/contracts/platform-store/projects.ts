/** Platform-store contract, part: Projects: ping, CRUD, timestamps, cursor paging. */
import type { Test } from 'tap'
import { at, apiKey, conflict, invalidCursor, invalidTime, project, inBatches } from './fixtures.ts'
import type { Member } from '../../../src/infra/ports/platform.ts'
import type { Fresh } from './fixtures.ts'

export function projectsContract(t: Test, fresh: Fresh): void {
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
    // The shape of the audit listing's cursor (src/infra/platform/paging.ts).
    const auditCursor = Buffer.from(JSON.stringify(['audit', '2024-03-01T10:00:00.000Z', 'a1']), 'utf8').toString('base64url')
    await t.rejects(store.listProjects({ cursor: auditCursor }), invalidCursor, 'a cursor from another listing is refused')
  })

  t.test('unicode strings round-trip unchanged in projects, members, admins and keys', async (t) => {
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
  })
}
