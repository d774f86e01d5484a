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
 *
 * An entry may stand for several items (the decision log buffers segments of events): `weight`
 * says how many, and `limit`, the size and every count reported are in items.
 */
export interface DecisionBufferOptions<T> {
  /**
   * Writes a batch of entries, oldest first; must be idempotent (a batch whose write failed half-way
   * is written again whole).
   */
  write(entries: T[]): Promise<void>
  /** Most items held (summed weights); beyond it the oldest entries are dropped. */
  limit: number
  /** Entries per write; a write starts early when this many wait. */
  batchSize: number
  /** Items an entry stands for (default 1). */
  weight?(entry: T): number
  /**
   * Called at the start of every flush (timer, explicit or at close): moves entries the caller is
   * still assembling into the buffer with `add`, so that they are part of that flush.
   */
  collect?(): void
  intervalMs: number
  maxBackoffMs: number
  onWritten(count: number): void
  onDropped(count: number, reason: 'buffer_full' | 'shutdown' | 'closed' | 'discarded'): void
  onWriteFailure(err: unknown, consecutiveFailures: number): void
}

export interface DecisionBuffer<T> {
  add(entry: T): void
  /** Items waiting to be written (queued or being written), in summed weights. */
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
  weight: number
}

const totalWeight = <T>(ps: Pending<T>[]) => ps.reduce((n, p) => n + p.weight, 0)

export function createDecisionBuffer<T>(o: DecisionBufferOptions<T>): DecisionBuffer<T> {
  let queue: Pending<T>[] = []
  let writing: Pending<T>[] = []
  /** Summed weights of `queue` and of `writing`. */
  let queued = 0
  let inFlight = 0
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
    let dropped = 0
    let n = 0
    while (n < queue.length && queued + inFlight > o.limit) {
      queued -= queue[n].weight
      dropped += queue[n].weight
      n++
    }
    if (n > 0) {
      queue.splice(0, n)
      o.onDropped(dropped, 'buffer_full')
    }
  }

  async function writeBatch(): Promise<boolean> {
    writing = queue.splice(0, o.batchSize)
    inFlight = totalWeight(writing)
    queued -= inFlight
    let written = 0
    try {
      if (writing.length) await o.write(writing.map((p) => p.entry))
      written = inFlight
      failures = 0
      retryAt = 0
      return true
    } catch (err) {
      failures++
      retryAt = Date.now() + Math.min(o.maxBackoffMs, o.intervalMs * 2 ** (failures - 1))
      o.onWriteFailure(err, failures)
      queue = [...writing, ...queue]
      queued += inFlight
      inFlight = 0
      dropOverflow()
      return false
    } finally {
      writing = []
      inFlight = 0
      if (written) o.onWritten(written)
    }
  }

  async function flush(): Promise<boolean> {
    if (!closed) o.collect?.()
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
      const weight = o.weight?.(entry) ?? 1
      if (closed) return o.onDropped(weight, 'closed')
      queue.push({ seq: nextSeq++, entry, weight })
      queued += weight
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
      return queued + inFlight
    },
    flush,
    async discard(match) {
      const drop = () => {
        const before = queued
        queue = queue.filter((p) => !match(p.entry))
        queued = totalWeight(queue)
        return before - queued
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
      o.collect?.()
      closed = true
      clearInterval(timer)
      if (await flush()) return
      const lost = queued
      queue = []
      queued = 0
      o.onDropped(lost, 'shutdown')
    },
  }
}
