/**
 * The instances view across processes and DCs. Every few seconds each process writes, for each
 * namespace whose clients changed (instances.ts marks them), its most recent clients to
 * `cms/i/<project>/<namespace path>/<process>` under a lease of its own. A process that dies stops
 * renewing, and its part disappears with the lease. Listing merges every process's part with this
 * process's memory (the freshest), one entry per client id, most recently seen first.
 *
 * This is an admin view, so listing reads the store. The read path only touches memory
 * (instances.record). While the store is unreachable the list is this process's own, marked
 * `partial`.
 */
import { randomUUID } from 'node:crypto'
import type { KvLease, KvStore } from '../../src/infra/ports/kv.ts'
import { KvErrors } from '../../src/infra/kv/errors.ts'
import type { InstanceRecord, Instances } from './instances.ts'
import type { NamespaceRef } from './model.ts'
import { keys } from './store.ts'

/** Clients of one namespace one process publishes (the most recently seen). */
const MAX_PUBLISHED = 500

export interface InstanceSyncOptions {
  kv: KvStore
  instances: Instances
  dc: string
  intervalMs?: number
  ttlSeconds?: number
  log: { warn(obj: object, msg: string): void }
}

export function createInstanceSync(opts: InstanceSyncOptions) {
  const { kv, instances } = opts
  const intervalMs = opts.intervalMs ?? 5_000
  const ttlSeconds = opts.ttlSeconds ?? 60
  // Several processes may run in one DC: each publishes under a name of its own.
  const process = `${opts.dc.replace(/[^A-Za-z0-9_.-]/g, '_')}~${randomUUID().slice(0, 8)}`
  let lease: KvLease | undefined
  let renewedAt = 0
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let closed = false
  let warned = false

  async function currentLease(): Promise<KvLease> {
    if (lease && Date.now() - renewedAt < (ttlSeconds * 1000) / 3) return lease
    if (lease) {
      try {
        await lease.keepAliveOnce()
        renewedAt = Date.now()
        return lease
      } catch (err) {
        if (!KvErrors.leaseNotFound.is(err)) throw err
        // Expired (the store was away longer than the TTL): its keys are gone, publish everything again.
        lease = undefined
        instances.markAllDirty()
      }
    }
    lease = await kv.grantLease(ttlSeconds)
    renewedAt = Date.now()
    return lease
  }

  async function publish() {
    const refs = instances.takeDirty()
    try {
      const l = await currentLease()
      for (let i = 0; i < refs.length; i++) {
        const ref = refs[i]!
        try {
          await kv.put(keys.instance(ref, process), JSON.stringify(instances.list(ref, MAX_PUBLISHED)), { lease: l.id })
        } catch (err) {
          for (const rest of refs.slice(i)) instances.markDirty(rest)
          throw err
        }
      }
      warned = false
    } catch (err) {
      for (const ref of refs) instances.markDirty(ref)
      if (!warned) opts.log.warn({ err }, 'could not publish the cms instances view; retrying')
      warned = true
    }
  }

  return {
    start() {
      timer = setInterval(() => {
        if (!closed) running = running.then(publish)
      }, intervalMs)
      timer.unref()
    },
    /** Publishes what is pending now (tests, shutdown). */
    flush(): Promise<void> {
      running = running.then(publish)
      return running
    },
    async list(ref: NamespaceRef): Promise<{ items: InstanceRecord[]; partial: boolean }> {
      const merged = new Map<string, InstanceRecord>()
      const add = (r: InstanceRecord) => {
        const had = merged.get(r.id)
        if (!had || had.lastSeen < r.lastSeen) merged.set(r.id, r)
      }
      let partial = false
      try {
        const res = await kv.range(keys.instances(ref))
        for (const e of res.entries) {
          const servedBy = e.key.slice(e.key.lastIndexOf('/') + 1)
          if (servedBy === process) continue
          let records: unknown
          try {
            records = JSON.parse(e.value)
          } catch {
            continue
          }
          if (Array.isArray(records)) for (const r of records as InstanceRecord[]) if (r && typeof r.id === 'string' && typeof r.lastSeen === 'string') add({ ...r, servedBy: servedBy.replace('~', '/') })
        }
      } catch (err) {
        if (!KvErrors.unavailable.is(err)) throw err
        partial = true
      }
      for (const r of instances.list(ref)) add({ ...r, servedBy: process.replace('~', '/') })
      const items = [...merged.values()].sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0))
      return { items, partial }
    },
    async close() {
      closed = true
      clearInterval(timer)
      await running
      // The lease is left to expire rather than revoked: a rolling restart keeps the view whole.
    },
  }
}

export type InstanceSync = ReturnType<typeof createInstanceSync>
