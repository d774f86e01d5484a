import type { Etcd3, IWatchRequest, IWatchResponse, Watcher } from 'etcd3'
import type { KvWatch, KvWatchEvent } from '../ports/kv.ts'
import type { EtcdKeySpace } from './etcd-codec.ts'
import { KvErrors } from './errors.ts'
import { checkFromRevision } from './validate.ts'

export interface EtcdWatchDeps {
  client: Etcd3
  space: EtcdKeySpace
  currentRevision(): Promise<number>
  /** Runs an idempotent read with the adapter's retry and error translation. */
  probe<T>(fn: () => Promise<T>): Promise<T>
}

/** Delay before re-creating a watcher that etcd cancelled for a reason other than compaction. */
const RECREATE_DELAY_MS = 1_000
/** Upper bound on cancel(): detaching waits for etcd's acknowledgement, which a dead link never sends. */
const CANCEL_TIMEOUT_MS = 2_000

/**
 * A watch on etcd3's watcher, which multiplexes watches on one stream and re-attaches them after a
 * disconnect. This wrapper owns the resume point (`next`): etcd3 resumes from the revision in the
 * last response header, and the header of the "created" response is the store's *current*
 * revision, so a stream that drops while replaying history would resume past events it never
 * delivered. Overwriting the request's start revision on every (re)connect closes that gap, and
 * dropping events below `next` makes a replay after reconnect invisible to the caller.
 */
export async function watchEtcd(
  deps: EtcdWatchDeps,
  prefix: string,
  onEvent: (event: KvWatchEvent) => void,
  opts: { fromRevision?: number; onError?: (err: Error) => void },
): Promise<KvWatch> {
  const { client, space } = deps
  const onError = opts.onError ?? (() => {})
  checkFromRevision(opts.fromRevision)
  let next = opts.fromRevision ?? (await deps.currentRevision()) + 1
  if (opts.fromRevision !== undefined && (await isCompacted(deps, next))) {
    throw KvErrors.compacted(`Revision ${next} has been compacted; read the current state and watch from its revision.`)
  }

  let watcher: Watcher | undefined
  let stopped = false
  let retryTimer: NodeJS.Timeout | undefined
  let cancelling: Promise<void> | undefined

  const deliver = (res: IWatchResponse) => {
    if (stopped) return
    if (res.events.length === 0) {
      // Progress notification: etcd has sent everything up to the header revision.
      next = Math.max(next, Number(res.header.revision) + 1)
      return
    }
    // All events of one revision (a txn) arrive in one response, so `floor` filters whole revisions.
    const floor = next
    for (const ev of res.events) {
      const modRevision = Number(ev.kv.mod_revision)
      if (modRevision < floor) continue
      const event: KvWatchEvent =
        ev.type === 'Put'
          ? { type: 'put', key: space.unkey(ev.kv.key), value: ev.kv.value.toString('utf8'), modRevision }
          : { type: 'delete', key: space.unkey(ev.kv.key), modRevision }
      next = Math.max(next, modRevision + 1)
      try {
        onEvent(event)
      } catch (err) {
        onError(err instanceof Error ? err : new Error(String(err)))
      }
    }
  }

  const onCancelledByServer = async (err: Error) => {
    watcher = undefined
    if (stopped) return
    let compacted = false
    try {
      compacted = await isCompacted(deps, next)
    } catch {
      // Unknown (etcd unreachable): try again later; a compaction will be seen then.
    }
    if (stopped) return
    if (compacted) {
      stopped = true
      onError(KvErrors.compacted(`The watch fell behind compaction at revision ${next}; read the current state and watch again.`))
      return
    }
    onError(KvErrors.unavailable(`etcd cancelled the watch (${err.message}); re-creating it.`, { cause: err.message }))
    retryTimer = setTimeout(attach, RECREATE_DELAY_MS)
    retryTimer.unref()
  }

  function attach() {
    if (stopped) return
    const { key, range_end } = space.range(prefix)
    const w = client.watch().inRange({ start: key, end: range_end }).startRevision(String(next)).watcher()
    watcher = w
    w.on('connecting', (req: IWatchRequest) => {
      // Same object etcd3 writes to the stream right after this event.
      ;(req as { start_revision?: string | number }).start_revision = next
    })
    w.on('data', deliver)
    w.on('disconnected', (err) => {
      if (!stopped) onError(KvErrors.unavailable('The etcd watch stream broke; reconnecting.', { cause: err.message }))
    })
    w.on('error', (err) => void onCancelledByServer(err))
  }

  attach()

  return {
    cancel() {
      cancelling ??= (async () => {
        stopped = true
        clearTimeout(retryTimer)
        const w = watcher
        watcher = undefined
        if (!w) return
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CANCEL_TIMEOUT_MS)
        })
        await Promise.race([w.cancel().catch(() => {}), timeout])
        clearTimeout(timer)
      })()
      return cancelling
    },
  }
}

/** Whether history from `revision` on is gone. etcd says so when asked to read at that revision. */
async function isCompacted(deps: EtcdWatchDeps, revision: number): Promise<boolean> {
  try {
    await deps.probe(() => deps.client.kv.range({ key: deps.space.key(''), limit: 1, keys_only: true, revision }))
    return false
  } catch (err) {
    if ((err as { code?: string }).code === KvErrors.compacted.code) return true
    // Asking about a revision after the current one is not compaction; the watch simply waits.
    if (err instanceof Error && err.message.includes('future revision')) return false
    throw err
  }
}
