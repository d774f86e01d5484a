/** Platform-store contract, part: Idempotency records, and unicode round-trips across every record kind. */
import type { Test } from 'tap'
import type { Member } from '../../../src/infra/ports/platform.ts'
import { at, project, apiKey, audit } from './fixtures.ts'
import type { Fresh } from './fixtures.ts'

export function idempotencyContract(t: Test, fresh: Fresh): void {
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
