/**
 * The contract every AuditLog adapter passes: filters, ordering, paging and limits. Each adapter's
 * test file calls `auditLogContract(t, make)`; `make` returns an empty log.
 */
import type { Test } from 'tap'
import type { AuditLog } from '../../src/infra/ports/audit.ts'
import { conflict, invalidCursor, invalidTime, at, audit, inBatches, walkAudit, freshFrom, type MakeStore } from './platform-store/fixtures.ts'

export function auditLogContract(t: Test, make: MakeStore<AuditLog>): void {
  const fresh = freshFrom(make)
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
    // The shape of the project listing's cursor (src/infra/platform/paging.ts).
    const projectCursor = Buffer.from(JSON.stringify(['project', 'x1']), 'utf8').toString('base64url')
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

  t.test('audit: filters on outcome like on every other recorded field', async (t) => {
    const store = await fresh(t)
    const ok = audit('o1', { at: at(1) })
    const failed = audit('o2', { at: at(2), outcome: 'failure' })
    await store.appendAudit(ok)
    await store.appendAudit(failed)
    t.strictSame(await store.queryAudit({ outcome: 'failure' }), { items: [failed] })
    t.strictSame(await store.queryAudit({ outcome: 'success' }), { items: [ok] })
    t.strictSame(await store.queryAudit({ outcome: 'success', projectId: 'p1' }), { items: [ok] })
  })

  t.test('audit: time bounds are validated', async (t) => {
    const store = await fresh(t)
    await t.rejects(store.queryAudit({ since: 'not a time' }), invalidTime)
  })

  t.test('audit: unicode fields round-trip unchanged', async (t) => {
    const store = await fresh(t)
    const e = audit('審計-1', {
      actor: '😀 actor',
      action: 'ação.criar',
      resource: 'project:проект-✓',
      projectId: 'проект-✓',
      details: { 'ключ': ['値', '🚀'], nested: { 'ü': true, empty: '' } },
    })
    await store.appendAudit(e)
    t.strictSame(await store.queryAudit({ actor: '😀 actor', projectId: 'проект-✓', action: 'ação.criar' }), { items: [e] })
  })
}
