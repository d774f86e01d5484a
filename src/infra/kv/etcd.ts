import { castGrpcError, Etcd3, isRecoverableError } from 'etcd3'
import { ExponentialBackoff, handleWhen, noop, retry, type IBackoff } from 'cockatiel'
import type { KvLease, KvStore, KvWatch } from '../ports/kv.ts'
import { EtcdKeySpace, translateEtcdError } from './etcd-codec.ts'
import { watchEtcd } from './etcd-watch.ts'
import { KvErrors } from './errors.ts'
import { checkLimit, checkTtl } from './validate.ts'

/** Longest wait between attempts to reconnect a broken watch stream. */
const WATCH_RECONNECT_MAX_MS = 2_000

export interface EtcdKvOptions {
  /** Client URLs of the cluster's members, e.g. `http://etcd-dc1-a:2379`. */
  endpoints: string[]
  /** Prefix every key lives under (e.g. `dyad/`); stripped from keys handed back. */
  namespace: string
  /** Deadline of each unary call, so a partitioned member cannot pin a request. Default 5 s. */
  callTimeoutMs?: number
}

/**
 * KV port on etcd (one cluster spanning both DCs).
 *
 * Retries. etcd3 by default runs every call through a global cockatiel policy that retries three
 * times on "recoverable" errors, which include DEADLINE_EXCEEDED, UNAVAILABLE and CANCELLED. For a
 * write those errors do not mean "not applied": the request may have reached the leader and been
 * committed before the reply was lost. A blindly retried put then writes twice (bumping the version
 * and revision a caller's compare-and-swap relies on), and a retried txn can apply its success branch
 * twice. So the client-wide policy is a no-op, and this adapter retries only what is idempotent:
 * reads, lease keep-alives and revokes. Writes surface KV_UNAVAILABLE ("may have been applied") and
 * the caller decides, usually by re-reading or retrying a guarded txn. The per-host circuit breaker
 * stays at etcd3's default: it only skips members whose circuit is open, before the request is sent.
 */
export function createEtcdKv(opts: EtcdKvOptions): KvStore {
  const callTimeoutMs = opts.callTimeoutMs ?? 5_000
  const space = new EtcdKeySpace(opts.namespace)
  const client = new Etcd3({
    hosts: opts.endpoints,
    dialTimeout: callTimeoutMs,
    // Watch streams reconnect with backoff; etcd3's default grows to 30 s, so after an outage of
    // half a minute a process could wait that long before its caches (cms, principals, policies)
    // hear of writes again. Capped at 2 s: a retry every 2 s per process costs nothing. (etcd3 calls
    // `next()` on this factory itself, as it does with its default; its typing names the instance.)
    faultHandling: { global: noop, watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: WATCH_RECONNECT_MAX_MS }) as unknown as IBackoff<unknown> },
    // Streams (watches, keep-alives) are long-lived and must not get a deadline here.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  })
  // cockatiel's maxAttempts counts retries: 1 is two attempts in all (a read is retried once, so a
  // hung member costs at most two call deadlines).
  const idempotent = retry(handleWhen(isRecoverableError), {
    maxAttempts: 1,
    backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }),
  })

  const watches = new Set<KvWatch>()

  async function read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await idempotent.execute(fn)
    } catch (err) {
      throw translateEtcdError(err, false)
    }
  }

  async function write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw translateEtcdError(err, true)
    }
  }

  async function currentRevision(): Promise<number> {
    const res = await read(() => client.kv.range({ key: space.key(''), limit: 1, keys_only: true }))
    return Number(res.header.revision)
  }

  function leaseHandle(id: string, ttlSeconds: number): KvLease {
    return {
      id,
      ttlSeconds,
      async keepAliveOnce() {
        const res = await read(async () => {
          const stream = await client.leaseClient.leaseKeepAlive({ deadline: Date.now() + callTimeoutMs })
          try {
            return await new Promise<{ TTL: string }>((resolve, reject) => {
              stream.on('data', resolve)
              stream.on('error', (err) => reject(castGrpcError(err)))
              stream.write({ ID: id })
            })
          } finally {
            stream.end()
          }
        })
        // etcd answers a keep-alive for an expired or revoked lease with TTL 0 rather than an error.
        if (Number(res.TTL) <= 0) throw KvErrors.leaseNotFound()
      },
      async revoke() {
        try {
          await read(() => client.leaseClient.leaseRevoke({ ID: id }))
        } catch (err) {
          // Revoking a lease that is already gone is the outcome the caller wanted.
          if ((err as { code?: string }).code !== KvErrors.leaseNotFound.code) throw err
        }
      },
    }
  }

  return {
    kind: 'etcd',

    async get(key) {
      const res = await read(() => client.kv.range({ key: space.key(key) }))
      return res.kvs[0] ? space.entry(res.kvs[0]) : undefined
    },

    async range(prefix, rangeOpts = {}) {
      const limit = rangeOpts.limit ?? 0
      checkLimit(limit)
      const res = await read(() => client.kv.range({ ...space.range(prefix), limit }))
      return { entries: res.kvs.map((kv) => space.entry(kv)), revision: Number(res.header.revision), more: res.more }
    },

    async put(key, value, putOpts = {}) {
      const { request_put } = space.op({ type: 'put', key, value, lease: putOpts.lease })
      const res = await write(() => client.kv.put(request_put!))
      return { revision: Number(res.header.revision) }
    },

    async delete(key) {
      const res = await write(() => client.kv.deleteRange({ key: space.key(key) }))
      return { revision: Number(res.header.revision), deleted: Number(res.deleted) }
    },

    async deletePrefix(prefix) {
      const res = await write(() => client.kv.deleteRange(space.range(prefix)))
      return { revision: Number(res.header.revision), deleted: Number(res.deleted) }
    },

    async txn(compares, success, failure = []) {
      const res = await write(() =>
        client.kv.txn({
          compare: compares.map((c) => space.compare(c)),
          success: success.map((op) => space.op(op)),
          failure: failure.map((op) => space.op(op)),
        }),
      )
      const branch = res.succeeded ? success : failure
      const gets = branch.flatMap((op, i) => {
        if (op.type !== 'get') return []
        const kv = res.responses[i].response_range.kvs[0]
        return [kv ? space.entry(kv) : undefined]
      })
      return { succeeded: res.succeeded, revision: Number(res.header.revision), gets }
    },

    async grantLease(ttlSeconds) {
      checkTtl(ttlSeconds)
      // Not retried: a grant whose reply was lost would leave a second lease behind (harmless, it
      // expires), but the caller should learn that etcd is struggling rather than wait out retries.
      const res = await write(() => client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 }))
      if (res.error) throw KvErrors.unavailable(`etcd refused the lease: ${res.error}`)
      return leaseHandle(res.ID, Number(res.TTL))
    },

    async watch(prefix, onEvent, watchOpts = {}) {
      const watch = await watchEtcd({ client, space, currentRevision, probe: read }, prefix, onEvent, watchOpts)
      const tracked: KvWatch = {
        cancel: () => {
          watches.delete(tracked)
          return watch.cancel()
        },
      }
      watches.add(tracked)
      return tracked
    },

    revision: currentRevision,

    async ping() {
      await currentRevision()
    },

    async close() {
      // Watch streams left open keep the process alive and etcd3 would keep re-dialling them.
      await Promise.all([...watches].map((w) => w.cancel()))
      client.close()
    },
  }
}
