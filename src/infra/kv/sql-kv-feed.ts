import type { SqlDatabase } from '../ports/sql.ts'
import type { KvWatch, KvWatchEvent } from '../ports/kv.ts'
import { KvErrors } from './errors.ts'
import { prefixCondition, translateSqlError } from './sql-kv-common.ts'
import { checkFromRevision } from './validate.ts'

/** A position in the change feed: (revision, sub). `sub = END` means "all of that revision". */
interface Pos {
  rev: number
  sub: number
}
const END = 2 ** 31 - 1
const before = (a: Pos, b: Pos) => a.rev < b.rev || (a.rev === b.rev && a.sub < b.sub)

interface ChangeRow {
  compact_revision: string | number
  head: string | number
  revision: string | number | null
  sub: number | null
  key: string | null
  type: 'put' | 'delete' | null
  value: string | null
}

interface FeedWatch {
  prefix: string
  /** Last position delivered (or known to hold nothing under the prefix). */
  after: Pos
  live: boolean
  stopped: boolean
  onEvent(event: KvWatchEvent): void
  onError(err: Error): void
}

export interface FeedOptions {
  pollIntervalMs: number
  pageSize: number
}

/** Changes after `after`, plus the meta row, read in ONE statement so compaction cannot slip between. */
async function readChanges(db: SqlDatabase, after: Pos, upTo: Pos | undefined, prefix: string, limit: number) {
  const params: unknown[] = [after.rev, after.sub, limit]
  let where = '(revision, sub) > ($1::bigint, $2::int)'
  if (upTo) {
    params.push(upTo.rev, upTo.sub)
    where += ' AND (revision, sub) <= ($4::bigint, $5::int)'
  }
  if (prefix !== '') {
    const cond = prefixCondition('key', prefix, params.length + 1)
    params.push(...cond.params)
    where += ` AND ${cond.sql}`
  }
  const res = await db.query<ChangeRow>(
    `SELECT m.compact_revision, m.revision AS head, c.revision, c.sub, c.key, c.type, c.value
     FROM kv_meta m LEFT JOIN LATERAL (
       SELECT revision, sub, key, type, value FROM kv_changes WHERE ${where} ORDER BY revision, sub LIMIT $3
     ) c ON true`,
    params,
  )
  const meta = res.rows[0]
  const changes = res.rows.filter((r) => r.revision !== null)
  return { compactRevision: Number(meta.compact_revision), head: Number(meta.head), changes }
}

/** True when rows after `after` may have been deleted by compaction (it deletes whole revisions < C). */
const lost = (after: Pos, compactRevision: number) => (after.sub === END ? after.rev + 1 : after.rev) < compactRevision

/**
 * Watches on the SQL store. One poller per store reads the feed past `cursor` and dispatches to
 * every live watch, so idle cost is one small query per interval however many watches exist; polling
 * is what lets a process see writes made by the other DC's process on a shared Postgres. Local
 * writes call `poke()` so watches in this process see them at once instead of at the next poll.
 *
 * A new watch first catches up on its own (prefix-filtered, paged) up to the poller's cursor, then
 * flips to live in the same tick it sees it has reached the cursor, so no change is delivered twice
 * or skipped between the two phases.
 */
export class SqlKvFeed {
  private cursor: Pos | undefined
  /** Bumped when the cursor is reset, so a poll that was in flight across the reset is discarded. */
  private epoch = 0
  private dueAt = 0
  private readonly watches = new Set<FeedWatch>()
  private timer: NodeJS.Timeout | undefined
  private running = false
  private again = false
  private failures = 0
  private closed = false

  constructor(
    private readonly db: SqlDatabase,
    private readonly opts: FeedOptions,
  ) {}

  async watch(
    prefix: string,
    onEvent: (event: KvWatchEvent) => void,
    opts: { fromRevision?: number; onError?: (err: Error) => void },
  ): Promise<KvWatch> {
    checkFromRevision(opts.fromRevision)
    const meta = await this.db
      .query<{ revision: string | number; compact_revision: string | number }>('SELECT revision, compact_revision FROM kv_meta WHERE id = 1')
      .catch((err) => {
        throw translateSqlError(err)
      })
    const head = Number(meta.rows[0].revision)
    const after: Pos = { rev: (opts.fromRevision ?? head + 1) - 1, sub: END }
    if (lost(after, Number(meta.rows[0].compact_revision))) {
      throw KvErrors.compacted(`Revision ${after.rev + 1} has been compacted; read the current state and watch from its revision.`)
    }
    if (this.watches.size === 0) {
      // The poller was idle: start it at the present rather than replaying (possibly compacted) history.
      this.cursor = { rev: head, sub: END }
      this.epoch++
    }
    const w: FeedWatch = { prefix, after, live: false, stopped: false, onEvent, onError: opts.onError ?? (() => {}) }
    this.watches.add(w)
    this.schedule(this.opts.pollIntervalMs)
    void this.catchUp(w)
    return {
      cancel: async () => {
        w.stopped = true
        this.watches.delete(w)
      },
    }
  }

  /** A local write committed: poll now rather than at the next interval. */
  poke(): void {
    if (this.watches.size > 0) this.schedule(0)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    for (const w of this.watches) w.stopped = true
    this.watches.clear()
  }

  private async catchUp(w: FeedWatch): Promise<void> {
    while (!w.stopped && !this.closed) {
      const target = this.cursor!
      if (!before(w.after, target)) {
        w.live = true // same tick as the check: the poller dispatches from here on
        return
      }
      try {
        const page = await readChanges(this.db, w.after, target, w.prefix, this.opts.pageSize)
        if (lost(w.after, page.compactRevision)) return this.fail(w, KvErrors.compacted('The watch fell behind compaction; read the current state and watch again.'))
        for (const row of page.changes) this.deliver(w, row)
        if (page.changes.length < this.opts.pageSize && !w.stopped) w.after = target
      } catch (err) {
        if (w.stopped || this.closed) return
        w.onError(translateSqlError(err))
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref())
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return
    if (this.running) {
      if (delayMs === 0) this.again = true
      return
    }
    const dueAt = Date.now() + delayMs
    if (this.timer && this.dueAt <= dueAt) return
    clearTimeout(this.timer)
    this.dueAt = dueAt
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.tick()
    }, delayMs)
    this.timer.unref()
  }

  private async tick(): Promise<void> {
    if (this.watches.size === 0 || this.closed) return
    this.running = true
    let delay = this.opts.pollIntervalMs
    try {
      const cursor = this.cursor!
      const epoch = this.epoch
      const page = await readChanges(this.db, cursor, undefined, '', this.opts.pageSize)
      this.failures = 0
      if (epoch !== this.epoch) {
        delay = 0
      } else if (lost(cursor, page.compactRevision)) {
        // This process fell so far behind that the history it needs is gone: every live watch must re-list.
        for (const w of this.watches) if (w.live) this.fail(w, KvErrors.compacted('The watch fell behind compaction; read the current state and watch again.'))
        this.cursor = { rev: page.head, sub: END }
      } else {
        for (const row of page.changes) {
          for (const w of this.watches) if (w.live && row.key!.startsWith(w.prefix)) this.deliver(w, row)
        }
        const full = page.changes.length === this.opts.pageSize
        const last = page.changes.at(-1)
        this.cursor = full && last ? { rev: Number(last.revision), sub: last.sub! } : { rev: Math.max(page.head, cursor.rev), sub: END }
        if (full) delay = 0
      }
    } catch (err) {
      this.failures++
      delay = Math.min(this.opts.pollIntervalMs * 2 ** this.failures, 5_000)
      const error = translateSqlError(err)
      for (const w of this.watches) w.onError(error)
    } finally {
      this.running = false
    }
    if (this.again) {
      this.again = false
      delay = 0
    }
    this.schedule(delay)
  }

  private deliver(w: FeedWatch, row: ChangeRow): void {
    const pos = { rev: Number(row.revision), sub: row.sub! }
    if (w.stopped || !before(w.after, pos)) return
    w.after = pos
    const event: KvWatchEvent =
      row.type === 'put'
        ? { type: 'put', key: row.key!, value: row.value ?? '', modRevision: pos.rev }
        : { type: 'delete', key: row.key!, modRevision: pos.rev }
    try {
      w.onEvent(event)
    } catch (err) {
      w.onError(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private fail(w: FeedWatch, err: Error): void {
    w.stopped = true
    this.watches.delete(w)
    w.onError(err)
  }
}
