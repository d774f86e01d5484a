/**
 * A process's side of the quota port: it holds leased blocks in memory and serves reservations
 * from them, so a request costs no database write unless its bucket's block is used up.
 *
 * - `reserve` takes every item (all buckets of one request) or none. A bucket whose held amount
 *   is short leases more: a block when the bucket has room for one well beyond the need, only the
 *   need when it is nearly exhausted (so the last tokens are not parked in one process while the
 *   other DC is refused).
 * - `settle` gives back what a reservation did not use; anything held above one block, and
 *   anything held by a bucket idle for `idleMs`, goes back to the store.
 * - Per bucket, leases run one at a time (a queue), so concurrent requests do not lease twice.
 *
 * Bound: a process that dies strands what it held: at most one block per bucket, plus the
 * reservations of its in-flight requests. The store's total is never above the limit.
 */
import type { QuotaStore } from '../ports/quota.ts'

export interface QuotaItem {
  bucket: string
  projectId: string
  amount: number
  limit: number
}

export interface Reservation {
  readonly items: readonly QuotaItem[]
  /** Spent amount per bucket (missing: the whole reservation was spent); gives back the rest. */
  settle(spent: (item: QuotaItem) => number): void
}

interface Held {
  amount: number
  lastUsed: number
  queue: Promise<unknown>
}

export interface QuotaPoolOptions {
  store: QuotaStore
  /** Block size by bucket (tokens and requests differ). */
  block: (bucket: string) => number
  idleMs?: number
  now?: () => number
  onError?: (err: unknown) => void
}

export function createQuotaPool(opts: QuotaPoolOptions) {
  const held = new Map<string, Held>()
  const now = opts.now ?? Date.now
  const idleMs = opts.idleMs ?? 10_000
  const pendingGiveBacks = new Set<Promise<void>>()

  const state = (bucket: string) => {
    let h = held.get(bucket)
    if (!h) held.set(bucket, (h = { amount: 0, lastUsed: now(), queue: Promise.resolve() }))
    return h
  }

  function giveBack(bucket: string, amount: number) {
    if (amount <= 0) return
    const p = opts.store
      .giveBack(bucket, amount)
      .catch((err) => opts.onError?.(err))
      .finally(() => pendingGiveBacks.delete(p))
    pendingGiveBacks.add(p)
  }

  /** Takes `amount` from what the bucket holds, leasing the shortfall; false when the store refuses. */
  function take(item: QuotaItem): Promise<boolean> {
    const h = state(item.bucket)
    const run = h.queue.then(async () => {
      h.lastUsed = now()
      if (h.amount >= item.amount) {
        h.amount -= item.amount
        return true
      }
      const need = item.amount - h.amount
      const block = opts.block(item.bucket)
      // Near exhaustion the store grants only the need (see QuotaStore.lease: min(want, room)).
      const granted = await opts.store.lease({ bucket: item.bucket, projectId: item.projectId, need, want: Math.max(need, block), limit: item.limit })
      if (granted < need) return false
      h.amount += granted - item.amount
      return true
    })
    h.queue = run.catch(() => {})
    return run
  }

  function credit(bucket: string, amount: number) {
    if (amount <= 0) return
    const h = state(bucket)
    h.amount += amount
    const block = opts.block(bucket)
    if (h.amount > block) {
      const excess = h.amount - block
      h.amount = block
      giveBack(bucket, excess)
    }
  }

  const sweep = setInterval(() => {
    const t = now()
    for (const [bucket, h] of held) {
      if (t - h.lastUsed < idleMs) continue
      const amount = h.amount
      h.amount = 0
      held.delete(bucket)
      giveBack(bucket, amount)
    }
  }, Math.max(250, Math.min(idleMs, 5000)))
  sweep.unref()

  return {
    /** Reserves every item or none; `undefined` (nothing reserved) when one bucket is refused. */
    async reserve(items: QuotaItem[]): Promise<Reservation | undefined> {
      const done: QuotaItem[] = []
      try {
        for (const item of items) {
          if (item.amount <= 0) continue
          if (!(await take(item))) {
            for (const d of done) credit(d.bucket, d.amount)
            return undefined
          }
          done.push(item)
        }
      } catch (err) {
        for (const d of done) credit(d.bucket, d.amount)
        throw err
      }
      let settled = false
      return {
        items: done,
        settle(spent) {
          if (settled) return
          settled = true
          for (const item of done) credit(item.bucket, item.amount - Math.min(item.amount, Math.max(0, spent(item))))
        },
      }
    },
    /** What this process holds per bucket (for the admin view and tests). */
    held(bucket: string): number {
      return held.get(bucket)?.amount ?? 0
    },
    /** Gives everything held back to the store (shutdown). */
    async close() {
      clearInterval(sweep)
      for (const [bucket, h] of held) {
        await h.queue
        giveBack(bucket, h.amount)
        h.amount = 0
      }
      held.clear()
      await Promise.all(pendingGiveBacks)
    },
  }
}

export type QuotaPool = ReturnType<typeof createQuotaPool>
