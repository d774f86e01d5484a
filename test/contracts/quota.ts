/**
 * The contract every quota port adapter passes (src/infra/ports/quota.ts), and the pool that
 * leases from it (src/infra/quota/pool.ts): grants never take a bucket past its limit, however many
 * callers race, across two independent store instances (two processes' connections) as well; what
 * is given back is leasable again; a pool serves reservations from its held block and refuses as
 * soon as the limit cannot cover one.
 */
import type { Test } from 'tap'
import type { QuotaStore } from '../../src/infra/ports/quota.ts'
import { createQuotaPool } from '../../src/infra/quota/pool.ts'

/** Two store instances on one database (as two processes have), and cleanup. */
export type MakeQuotaStores = () => Promise<{ a: QuotaStore; b: QuotaStore; cleanup(): Promise<void> }>

export async function quotaContract(t: Test, make: MakeQuotaStores): Promise<void> {
  const { a, b, cleanup } = await make()
  t.teardown(cleanup)

  await t.test('a lease grants min(want, room) when the room covers the need, else nothing', async (t) => {
    t.equal(await a.lease({ bucket: 'p1|project|tokens|m', projectId: 'p1', need: 10, want: 60, limit: 100 }), 60)
    t.equal(await a.lease({ bucket: 'p1|project|tokens|m', projectId: 'p1', need: 10, want: 60, limit: 100 }), 40, 'only the room left')
    t.equal(await b.lease({ bucket: 'p1|project|tokens|m', projectId: 'p1', need: 1, want: 1, limit: 100 }), 0, 'the other instance sees the bucket full')
    await b.giveBack('p1|project|tokens|m', 30)
    t.same(await a.leased(['p1|project|tokens|m', 'missing']), new Map([['p1|project|tokens|m', 70]]))
    t.equal(await b.lease({ bucket: 'p1|project|tokens|m', projectId: 'p1', need: 30, want: 30, limit: 100 }), 30, 'given-back room is leasable again')
    t.equal(await a.lease({ bucket: 'p1|project|tokens|m', projectId: 'p1', need: 1, want: 1, limit: 150 }), 1, 'a raised limit applies at once')
    await a.giveBack('p1|project|tokens|m', 10_000)
    t.same(await a.leased(['p1|project|tokens|m']), new Map([['p1|project|tokens|m', 0]]), 'never below zero')
  })

  await t.test('racing leases from two instances never pass the limit', async (t) => {
    const grants = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).lease({ bucket: 'p2|project|tokens|m', projectId: 'p2', need: 7, want: 7, limit: 100 })))
    t.equal(grants.reduce((s, g) => s + g, 0), 98, 'fourteen leases of 7 fit in 100; the rest are refused')
    t.equal(grants.filter((g) => g > 0).length, 14)
  })

  await t.test('two pools (two processes) against a nearly exhausted budget never spend more than it', async (t) => {
    const block = () => 500
    const p1 = createQuotaPool({ store: a, block })
    const p2 = createQuotaPool({ store: b, block })
    // 1,000 tokens; 50 concurrent calls each reserving 120 and spending 100 of it.
    const limit = 1000
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const pool = i % 2 ? p1 : p2
        const r = await pool.reserve([{ bucket: 'p3|project|tokens|m', projectId: 'p3', amount: 120, limit }])
        if (!r) return 0
        await new Promise((res) => setTimeout(res, i % 5))
        r.settle(() => 100)
        return 100
      }),
    )
    const spent = results.reduce<number>((s, x) => s + x, 0)
    t.ok(spent <= limit, `spent ${spent} <= ${limit}`)
    t.ok(spent >= 700, `most of the budget is usable (${spent})`)
    await p1.close()
    await p2.close()
    const leased = (await a.leased(['p3|project|tokens|m'])).get('p3|project|tokens|m')!
    t.equal(leased, spent, 'after both pools gave back what they held, the store counts exactly what was spent')
  })

  await t.test('a reservation of several buckets is all or nothing', async (t) => {
    const pool = createQuotaPool({ store: a, block: () => 10 })
    t.ok(await pool.reserve([{ bucket: 'p4|key:k|requests|d', projectId: 'p4', amount: 1, limit: 5 }]), 'the key bucket has room')
    const r = await pool.reserve([
      { bucket: 'p4|key:k|requests|d', projectId: 'p4', amount: 1, limit: 5 },
      { bucket: 'p4|project|requests|d', projectId: 'p4', amount: 1, limit: 0 },
    ])
    t.equal(r, undefined, 'refused by the second bucket')
    t.equal(pool.held('p4|key:k|requests|d'), 4, 'the first bucket got its reservation back')
    await pool.close()
    t.same(await a.leased(['p4|key:k|requests|d']), new Map([['p4|key:k|requests|d', 1]]), 'only the settled-by-default first reservation stays spent')
  })

  await t.test('deleteProject removes its buckets only', async (t) => {
    await a.lease({ bucket: 'p5|project|tokens|m', projectId: 'p5', need: 1, want: 1, limit: 10 })
    await a.lease({ bucket: 'p6|project|tokens|m', projectId: 'p6', need: 1, want: 1, limit: 10 })
    await b.deleteProject('p5')
    t.same(await a.leased(['p5|project|tokens|m', 'p6|project|tokens|m']), new Map([['p6|project|tokens|m', 1]]))
  })
}
