/**
 * The one contract every KvStore adapter must pass (etcd, and the SQL store on PGlite and on
 * Postgres). The store is made once; every subtest works under its own random prefix, so a shared
 * etcd cluster or concurrent test files cannot interfere, and prefix isolation is itself checked.
 * Revisions are global, so assertions about them are relative (greater than, equal within a txn),
 * never absolute. Every wait is bounded.
 */
import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type { KvStore, KvWatchEvent } from '../../src/infra/ports/kv.ts'

export interface KvHarness {
  store: KvStore
  /** Closes the store and removes whatever the harness created. */
  cleanup(): Promise<void>
  /** Compacts the store's history below `revision`; when given, the compaction checks run. */
  compact?(revision: number): Promise<void>
}

const space = () => `c-${randomBytes(5).toString('hex')}/`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` until it returns true; fails after `timeoutMs` instead of hanging. */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(25)
  }
}

/** A watch that records what it receives. */
async function record(store: KvStore, prefix: string, fromRevision?: number) {
  const events: KvWatchEvent[] = []
  const errors: Error[] = []
  const watch = await store.watch(prefix, (e) => events.push(e), { fromRevision, onError: (err) => errors.push(err) })
  return {
    events,
    errors,
    cancel: () => watch.cancel(),
    waitFor: (n: number, timeoutMs = 5_000) => eventually(() => events.length >= n, timeoutMs, `${n} watch events on ${prefix}`),
  }
}

/** Events without the revision, for comparing sequences. */
const shape = (events: KvWatchEvent[]) => events.map((e) => (e.type === 'put' ? `put ${e.key}=${e.value}` : `delete ${e.key}`))

export async function kvContract(t: Test, makeStore: () => Promise<KvHarness>): Promise<void> {
  const harness = await makeStore()
  const { store } = harness
  t.teardown(harness.cleanup)

  await t.test('reports its kind and is reachable', async (t) => {
    t.ok(store.kind === 'etcd' || store.kind === 'embedded')
    await t.resolves(store.ping())
    t.type(await store.revision(), 'number')
  })

  await t.test('put, get, delete and per-key revisions', async (t) => {
    const k = `${space()}key`
    t.equal(await store.get(k), undefined, 'absent key')
    const r1 = (await store.put(k, 'one')).revision
    t.same(await store.get(k), { key: k, value: 'one', createRevision: r1, modRevision: r1, version: 1 })
    const r2 = (await store.put(k, 'two')).revision
    t.ok(r2 > r1, 'every write takes a new revision')
    t.same(await store.get(k), { key: k, value: 'two', createRevision: r1, modRevision: r2, version: 2 })
    const r2b = (await store.put(k, 'two')).revision
    t.match(await store.get(k), { modRevision: r2b, version: 3 }, 'rewriting the same value is still a write')
    const del = await store.delete(k)
    t.equal(del.deleted, 1)
    t.ok(del.revision > r2b)
    t.equal(await store.get(k), undefined)
    const none = await store.delete(k)
    t.equal(none.deleted, 0, 'deleting an absent key deletes nothing')
    t.ok(none.revision >= del.revision)
    const r3 = (await store.put(k, 'again')).revision
    t.same(await store.get(k), { key: k, value: 'again', createRevision: r3, modRevision: r3, version: 1 }, 'recreated key starts over')
    t.ok((await store.revision()) >= r3, 'store revision is at least the last write')
  })

  await t.test('unicode keys and values, empty value', async (t) => {
    const s = space()
    const k = `${s}ключ/日本/🙂`
    await store.put(k, 'значение ✓ 🙂 "quoted" \\ \n')
    t.equal((await store.get(k))?.value, 'значение ✓ 🙂 "quoted" \\ \n')
    await store.put(`${s}empty`, '')
    t.same((await store.get(`${s}empty`))?.value, '', 'an empty value is a value, not a delete')
    t.equal((await store.range(`${s}ключ/`)).entries[0]?.key, k)
  })

  await t.test('prefix ranges: byte order, no siblings, limit and more', async (t) => {
    const s = space()
    for (const k of ['a/b/2', 'a/b/1', 'a/bc', 'a/b', 'a/c/1', 'a/b/\u{e000}', 'a/b/🙂', 'a/b/é', 'a/b/z']) await store.put(`${s}${k}`, k)
    const all = await store.range(`${s}a/b/`)
    // UTF-8 byte order: z < é < U+E000 < 🙂 (UTF-16 order would put 🙂 before U+E000).
    t.same(all.entries.map((e) => e.key.slice(s.length)), ['a/b/1', 'a/b/2', 'a/b/z', 'a/b/é', 'a/b/\u{e000}', 'a/b/🙂'])
    t.equal(all.more, false)
    t.ok(all.revision >= Math.max(...all.entries.map((e) => e.modRevision)), 'range revision covers what it returned')
    t.same(all.entries[0], { key: `${s}a/b/1`, value: 'a/b/1', createRevision: all.entries[0].createRevision, modRevision: all.entries[0].modRevision, version: 1 })
    const page = await store.range(`${s}a/b/`, { limit: 2 })
    t.same(page.entries.map((e) => e.key.slice(s.length)), ['a/b/1', 'a/b/2'])
    t.equal(page.more, true, 'limit cut the result short')
    t.equal((await store.range(`${s}a/b/`, { limit: 6 })).more, false, 'exactly limit entries: no more')
    t.equal((await store.range(`${s}a/b/`, { limit: 50 })).entries.length, 6)
    t.same((await store.range(`${s}a/b`)).entries.map((e) => e.key.slice(s.length)).slice(0, 3), ['a/b', 'a/b/1', 'a/b/2'])
    t.same((await store.range(`${s}nothing/`)).entries, [])
    await t.rejects(store.range(s, { limit: -1 }), { code: 'KV_INVALID_ARGUMENT' })
  })

  await t.test('deletePrefix removes only the prefix', async (t) => {
    const s = space()
    for (const k of ['a/b/1', 'a/b/2', 'a/b/x/y', 'a/bc', 'a/b']) await store.put(`${s}${k}`, 'v')
    const res = await store.deletePrefix(`${s}a/b/`)
    t.equal(res.deleted, 3)
    t.same((await store.range(s)).entries.map((e) => e.key.slice(s.length)), ['a/b', 'a/bc'])
    t.equal((await store.deletePrefix(`${s}a/b/`)).deleted, 0)
  })

  await t.test('txn compare-and-swap', async (t) => {
    const s = space()
    const k = `${s}cas`
    const create = await store.txn([{ key: k, target: 'version', op: '=', value: 0 }], [{ type: 'put', key: k, value: 'v1' }], [{ type: 'get', key: k }])
    t.equal(create.succeeded, true, 'create-if-absent succeeds on an absent key')
    t.same(create.gets, [], 'no gets in the branch that ran')
    const again = await store.txn([{ key: k, target: 'version', op: '=', value: 0 }], [{ type: 'put', key: k, value: 'v2' }], [{ type: 'get', key: k }])
    t.equal(again.succeeded, false)
    t.match(again.gets, [{ key: k, value: 'v1', modRevision: create.revision, version: 1 }], 'failure branch reads the current entry')
    t.equal((await store.get(k))?.value, 'v1', 'failed txn wrote nothing')

    const mod = (await store.get(k))!.modRevision
    const swap = await store.txn(
      [{ key: k, target: 'modRevision', op: '=', value: mod }, { key: k, target: 'value', op: '=', value: 'v1' }],
      [{ type: 'put', key: k, value: 'v2' }, { type: 'put', key: `${s}other`, value: 'o' }, { type: 'get', key: k }, { type: 'get', key: `${s}missing` }],
    )
    t.equal(swap.succeeded, true)
    t.ok(swap.revision > mod)
    t.match(swap.gets, [{ key: k, value: 'v2', modRevision: swap.revision, version: 2 }, undefined], 'gets see the branch writes')
    t.equal(swap.gets.length, 2)
    t.equal((await store.get(`${s}other`))?.modRevision, swap.revision, 'all writes of a txn share its revision')

    const stale = await store.txn([{ key: k, target: 'modRevision', op: '=', value: mod }], [{ type: 'delete', key: k }])
    t.equal(stale.succeeded, false, 'stale modRevision fails')
    t.same(stale.gets, [])
    t.ok(await store.get(k), 'still there')

    const checks: Array<[string, Parameters<KvStore['txn']>[0], boolean]> = [
      ['value !=', [{ key: k, target: 'value', op: '!=', value: 'v1' }], true],
      ['version >', [{ key: k, target: 'version', op: '>', value: 1 }], true],
      ['version <', [{ key: k, target: 'version', op: '<', value: 2 }], false],
      ['createRevision =', [{ key: k, target: 'createRevision', op: '=', value: create.revision }], true],
      ['modRevision !=', [{ key: k, target: 'modRevision', op: '!=', value: swap.revision }], false],
      ['absent key has modRevision 0', [{ key: `${s}missing`, target: 'modRevision', op: '=', value: 0 }], true],
      ['absent key has createRevision 0', [{ key: `${s}missing`, target: 'createRevision', op: '<', value: 1 }], true],
      ['value compare on an absent key is false, even !=', [{ key: `${s}missing`, target: 'value', op: '!=', value: 'x' }], false],
      ['all compares must hold', [{ key: k, target: 'version', op: '=', value: 2 }, { key: k, target: 'value', op: '=', value: 'nope' }], false],
      ['no compares: success', [], true],
    ]
    for (const [name, compares, expected] of checks) t.equal((await store.txn(compares, [], [])).succeeded, expected, name)

    const del = await store.txn([{ key: k, target: 'version', op: '>', value: 0 }], [{ type: 'delete', key: k }, { type: 'deletePrefix', prefix: `${s}oth` }])
    t.equal(del.succeeded, true)
    t.same((await store.range(s)).entries, [], 'delete and deletePrefix ran in the txn')
  })

  await t.test('concurrent CAS increments lose no update', async (t) => {
    const k = `${space()}counter`
    const workers = 16
    const increment = async () => {
      for (let attempt = 0; attempt < 500; attempt++) {
        const cur = await store.get(k)
        const next = String(Number(cur?.value ?? '0') + 1)
        const res = await store.txn([{ key: k, target: 'modRevision', op: '=', value: cur?.modRevision ?? 0 }], [{ type: 'put', key: k, value: next }])
        if (res.succeeded) return attempt
      }
      throw new Error('increment did not succeed in 500 attempts')
    }
    const attempts = await Promise.all(Array.from({ length: workers }, increment))
    t.match(await store.get(k), { value: String(workers), version: workers })
    t.ok(attempts.some((a) => a > 0), 'callers really contended')
  })

  await t.test('leases: expiry, keep-alive, revoke', async (t) => {
    const s = space()
    await t.rejects(store.grantLease(0), { code: 'KV_INVALID_ARGUMENT' })
    for (const bogus of ['0', 'not-a-lease', '99999999999']) {
      await t.rejects(store.put(`${s}k`, 'v', { lease: bogus }), { code: 'KV_LEASE_NOT_FOUND' }, `lease ${bogus}`)
    }
    await t.rejects(store.txn([], [{ type: 'put', key: `${s}k`, value: 'v' }, { type: 'put', key: `${s}k2`, value: 'v', lease: '99999999999' }]), { code: 'KV_LEASE_NOT_FOUND' })
    t.equal(await store.get(`${s}k`), undefined, 'a txn that fails on a lease writes nothing')
    const short = await store.grantLease(2)
    t.ok(short.ttlSeconds >= 2)
    t.type(short.id, 'string')
    const w = await record(store, s)
    await store.put(`${s}ephemeral`, 'x', { lease: short.id })
    await store.put(`${s}permanent`, 'y')
    t.equal((await store.get(`${s}ephemeral`))?.lease, short.id)
    t.equal((await store.get(`${s}permanent`))?.lease, undefined)
    await eventually(async () => (await store.get(`${s}ephemeral`)) === undefined, 8_000, 'the leased key to expire')
    await w.waitFor(3, 5_000)
    t.same(shape(w.events), [`put ${s}ephemeral=x`, `put ${s}permanent=y`, `delete ${s}ephemeral`], 'expiry is a delete event')
    t.ok(await store.get(`${s}permanent`), 'keys without the lease stay')
    await t.rejects(short.keepAliveOnce(), { code: 'KV_LEASE_NOT_FOUND' }, 'an expired lease cannot be kept alive')
    await t.rejects(store.put(`${s}late`, 'z', { lease: short.id }), { code: 'KV_LEASE_NOT_FOUND' })
    await w.cancel()

    const kept = await store.grantLease(2)
    await store.put(`${s}kept`, 'k', { lease: kept.id })
    for (let i = 0; i < 3; i++) {
      await sleep(1_000)
      await kept.keepAliveOnce()
    }
    t.ok(await store.get(`${s}kept`), 'keep-alives outlast the TTL')
    await store.put(`${s}detached`, 'd', { lease: kept.id })
    await store.put(`${s}detached`, 'd2')
    await kept.revoke()
    t.equal(await store.get(`${s}kept`), undefined, 'revoke deletes the keys at once')
    t.ok(await store.get(`${s}detached`), 'a put without a lease detached the key')
    await t.resolves(kept.revoke(), 'revoke is idempotent')
    await t.rejects(kept.keepAliveOnce(), { code: 'KV_LEASE_NOT_FOUND' })
  })

  await t.test('watch replays from a past revision, then streams', async (t) => {
    const s = space()
    const r1 = (await store.put(`${s}a`, '1')).revision
    await store.put(`${s}b`, '2')
    await store.delete(`${s}a`)
    await store.put(`${s}sibling-not-under-prefix`, 'no')
    const w = await record(store, `${s}`, r1)
    await w.waitFor(4)
    t.same(shape(w.events).slice(0, 3), [`put ${s}a=1`, `put ${s}b=2`, `delete ${s}a`])
    t.equal(w.events[0].modRevision, r1)
    const live = (await store.put(`${s}c`, '3')).revision
    await w.waitFor(5)
    t.match(w.events[4], { type: 'put', key: `${s}c`, value: '3', modRevision: live })
    t.ok(w.events.every((e, i) => i === 0 || e.modRevision > w.events[i - 1].modRevision), 'in revision order')
    t.same(w.errors, [])
    await w.cancel()
  })

  await t.test('watch: default start, prefix isolation, deletes, txns, cancel', async (t) => {
    const s = space()
    await store.put(`${s}w/before`, 'old')
    const w = await record(store, `${s}w/`)
    const other = await record(store, `${s}w`)
    await store.put(`${s}wx`, 'sibling')
    await store.put(`${s}w/k1`, '1')
    await store.put(`${s}w/k2`, '')
    await store.txn([], [{ type: 'put', key: `${s}w/t1`, value: 'a' }, { type: 'put', key: `${s}w/t2`, value: 'b' }])
    await store.deletePrefix(`${s}w/`)
    await w.waitFor(9)
    t.same(shape(w.events), [
      `put ${s}w/k1=1`,
      `put ${s}w/k2=`,
      `put ${s}w/t1=a`,
      `put ${s}w/t2=b`,
      `delete ${s}w/before`,
      `delete ${s}w/k1`,
      `delete ${s}w/k2`,
      `delete ${s}w/t1`,
      `delete ${s}w/t2`,
    ], 'only changes after the watch began, only under the prefix, deletePrefix in key order')
    t.equal(w.events[2].modRevision, w.events[3].modRevision, 'a txn is one revision')
    t.equal(new Set(w.events.slice(4).map((e) => e.modRevision)).size, 1, 'a deletePrefix is one revision')
    await other.waitFor(10)
    t.equal(other.events[0].key, `${s}wx`, 'the shorter prefix sees the sibling')

    await w.cancel()
    await w.cancel()
    await store.put(`${s}w/after-cancel`, 'x')
    await other.waitFor(11)
    await sleep(100)
    t.equal(w.events.length, 9, 'a cancelled watch receives nothing')
    await other.cancel()
  })

  await t.test('watch argument and compaction errors', async (t) => {
    const s = space()
    await t.rejects(store.watch(s, () => {}, { fromRevision: 0 }), { code: 'KV_INVALID_ARGUMENT' })
    if (!harness.compact) return void t.pass('compaction not checked: the harness cannot compact this store')
    const r1 = (await store.put(`${s}k`, '1')).revision
    const r2 = (await store.put(`${s}k`, '2')).revision
    await store.put(`${s}k`, '3')
    await harness.compact(r2)
    await t.rejects(store.watch(s, () => {}, { fromRevision: r1 }), { code: 'KV_COMPACTED' })
    const w = await record(store, s, r2)
    await w.waitFor(2)
    t.same(shape(w.events), [`put ${s}k=2`, `put ${s}k=3`], 'history from the compaction point on survives')
    t.same(await store.get(`${s}k`), { key: `${s}k`, value: '3', createRevision: r1, modRevision: w.events[1].modRevision, version: 3 }, 'compaction keeps the data')
    await w.cancel()
  })
}
