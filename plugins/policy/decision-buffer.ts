/**
 * A bounded in-memory queue written to a store off the request path, as OPA's decision-log plugin
 * does: `add` never waits for the store. Entries are written oldest first, a batch per store call, by a
 * timer (every `intervalMs`) or as soon as `batchSize` entries wait. Writing in order means a crash
 * loses only the newest entries, never one in the middle.
 *
 * When the buffer is full the OLDEST entry is dropped (OPA's `buffer_size_limit_events` does the
 * same): under a long store outage the log keeps the most recent decisions, which are the ones an
 * operator investigates. A failed write is retried with exponential backoff (from `intervalMs` up
 * to `maxBackoffMs`); the entries stay in the buffer meanwhile, so memory stays bounded by `limit`.
 */
export interface DecisionBufferOptions<T> {
  /**
   * Writes a batch of entries, oldest first; must be idempotent (a batch whose write failed half-way
   * is written again whole).
   */
  write(entries: T[]): Promise<void>
  limit: number
  batchSize: number
  intervalMs: number
  maxBackoffMs: number
  onWritten(count: number): void
  onDropped(count: number, reason: 'buffer_full' | 'shutdown' | 'closed' | 'discarded'): void
  onWriteFailure(err: unknown, consecutiveFailures: number): void
}

export interface DecisionBuffer<T> {
  add(entry: T): void
  /** Entries waiting to be written (queued or being written). */
  readonly size: number
  /**
   * Writes every entry added before the call, ignoring any backoff in progress. Resolves false when
   * a write failed; the entries stay buffered for the next attempt.
   */
  flush(): Promise<boolean>
  /**
   * Drops the buffered entries `match` selects, including those of a batch being written that
   * fails and comes back; resolves once no write of such an entry can still be under way.
   */
  discard(match: (entry: T) => boolean): Promise<number>
  /** Stops the timer, writes what is buffered (one attempt) and drops what could not be written. */
  close(): Promise<void>
}

interface Pending<T> {
  seq: number
  entry: T
}

export function createDecisionBuffer<T>(o: DecisionBufferOptions<T>): DecisionBuffer<T> {
  let queue: Pending<T>[] = []
  let writing: Pending<T>[] = []
  let nextSeq = 0
  let running: Promise<boolean> | undefined
  let failures = 0
  let retryAt = 0
  let closed = false
  let scheduled = false

  const backingOff = () => Date.now() < retryAt
  const timer = setInterval(() => backingOff() || void flush(), o.intervalMs)
  timer.unref() // a pending log write must not keep a finished process alive; close() drains

  function dropOverflow() {
    const excess = queue.length - o.limit
    if (excess > 0) {
      queue.splice(0, excess)
      o.onDropped(excess, 'buffer_full')
    }
  }

  async function writeBatch(): Promise<boolean> {
    writing = queue.splice(0, o.batchSize)
    let written = 0
    try {
      if (writing.length) await o.write(writing.map((p) => p.entry))
      written = writing.length
      failures = 0
      retryAt = 0
      return true
    } catch (err) {
      failures++
      retryAt = Date.now() + Math.min(o.maxBackoffMs, o.intervalMs * 2 ** (failures - 1))
      o.onWriteFailure(err, failures)
      queue = [...writing.slice(written), ...queue]
      dropOverflow()
      return false
    } finally {
      writing = []
      if (written) o.onWritten(written)
    }
  }

  async function flush(): Promise<boolean> {
    const last = nextSeq - 1
    for (;;) {
      const oldest = (writing[0] ?? queue[0])?.seq
      if (oldest === undefined || oldest > last) return true
      if (running) {
        await running // another flush is writing; look again when it is done
        continue
      }
      running = writeBatch().finally(() => (running = undefined))
      if (!(await running)) return false
    }
  }

  return {
    add(entry) {
      if (closed) return o.onDropped(1, 'closed')
      queue.push({ seq: nextSeq++, entry })
      dropOverflow()
      if (queue.length >= o.batchSize && !scheduled && !running && !backingOff()) {
        scheduled = true
        setImmediate(() => {
          scheduled = false
          if (!backingOff()) void flush() // a write may have failed since this was scheduled
        })
      }
    },
    get size() {
      return queue.length + writing.length
    },
    flush,
    async discard(match) {
      const drop = () => {
        const before = queue.length
        queue = queue.filter((p) => !match(p.entry))
        return before - queue.length
      }
      let count = drop()
      if (running) {
        await running // its entries are either written (the caller deletes them) or back in the queue
        count += drop()
      }
      if (count) o.onDropped(count, 'discarded')
      return count
    },
    async close() {
      closed = true
      clearInterval(timer)
      if (await flush()) return
      const lost = queue.length
      queue = []
      o.onDropped(lost, 'shutdown')
    },
  }
}
