/**
 * The contract every IdempotencyStore adapter passes (the gateway's Idempotency-Key records). Each
 * adapter's test file calls `idempotencyContract(t, make)`; `make` returns an empty store.
 */
import type { Test } from 'tap'
import type { IdempotencyStore } from '../../src/infra/ports/idempotency.ts'
import { at, freshFrom, type MakeStore } from './platform-store/fixtures.ts'

export function idempotencyContract(t: Test, make: MakeStore<IdempotencyStore>): void {
  const fresh = freshFrom(make)
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

  t.test('idempotency: unicode scopes and keys round-trip unchanged', async (t) => {
    const store = await fresh(t)
    const rec = { scope: 'ユーザー', key: '🔑-1', requestHash: 'h', state: 'pending' as const, createdAt: at(2) }
    t.strictSame(await store.beginIdempotent(rec), { created: true })
    t.strictSame(await store.beginIdempotent(rec), { created: false, existing: rec })
  })
}
