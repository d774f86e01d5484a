/**
 * The access change feed on the SQL port: polls platform_access_changes (written by triggers, see
 * migrations/0004_platform_access_feed.sql) by position. Positions have no gaps and become visible
 * in order, so "everything after the last position seen" is exact. Old rows are pruned; a poller
 * that fell further behind than the retention (a long pause) reports a reset.
 */
import type { AccessChange, PlatformStore } from '../ports/platform.ts'
import type { SqlDatabase } from '../ports/sql.ts'

const PAGE = 1000
const RETENTION = "interval '1 hour'"
const PRUNE_EVERY_MS = 60_000

export interface SqlAccessFeedOptions {
  /** How often to poll for changes made by other processes. */
  pollIntervalMs: number
}

export function sqlAccessFeed(db: SqlDatabase, opts: SqlAccessFeedOptions): PlatformStore['watchAccess'] {
  return async (onChange, onError) => {
    const current = async () => Number((await db.query<{ p: string }>('SELECT position::text AS p FROM platform_access_position WHERE id = 1')).rows[0].p)
    let last = await current()
    let stopped = false
    let timer: NodeJS.Timeout | undefined
    let lastPrune = Date.now()
    let failing = false

    async function pollOnce() {
      for (;;) {
        const res = await db.query<{ p: string; kind: string; key: string }>(
          'SELECT position::text AS p, kind, key FROM platform_access_changes WHERE position > $1 ORDER BY position LIMIT $2',
          [last, PAGE],
        )
        if (res.rows.length > 0 && Number(res.rows[0].p) !== last + 1) {
          // The rows right after `last` were pruned: what happened in between is unknown.
          onChange({ kind: 'reset' })
        }
        for (const row of res.rows) {
          last = Number(row.p)
          onChange({ kind: row.kind, key: row.key } as AccessChange)
        }
        if (res.rows.length < PAGE) break
      }
      if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
        lastPrune = Date.now()
        await db.query(`DELETE FROM platform_access_changes WHERE at < now() - ${RETENTION}`)
      }
    }

    const loop = async () => {
      if (stopped) return
      try {
        await pollOnce()
        if (failing) {
          failing = false
          // Nothing was lost (positions are durable), but say so to consumers that stopped trusting
          // their cache while the feed was failing.
          onChange({ kind: 'reset' })
        }
      } catch (err) {
        failing = true
        onError?.(err as Error)
      }
      if (!stopped) timer = setTimeout(loop, opts.pollIntervalMs)
    }
    timer = setTimeout(loop, opts.pollIntervalMs)
    return {
      async cancel() {
        stopped = true
        clearTimeout(timer)
      },
    }
  }
}
