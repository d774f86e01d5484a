import type PgBoss from 'pg-boss'
import type { JobContext } from '../ports/jobs.ts'
import type { SqlDatabase } from '../ports/sql.ts'
import { bossDb } from './pg-boss-db.ts'

/**
 * The workers of one queue instance: fetch loops, running handlers, and the recording of outcomes.
 *
 * pg-boss's own `work()` is not used. Its worker records an outcome with a floating promise (a
 * database error then is an unhandled rejection that stops the process, pg-boss issue #577, which a
 * failover makes likely), records it for whichever attempt is active at the time (after an expiry,
 * another instance's), and its stop polls until every handler has returned, so a handler that never
 * returns keeps the process alive. Here an outcome is recorded once per attempt, awaited, only while
 * that attempt is still the job's current one, and a failure to record it is logged: the job stays
 * active, expires and is retried (at-least-once, as the port promises).
 */

/** How often running jobs' rows are re-read to notice a cancel from another instance. */
const WATCH_MS = 1000
/** A stored failure keeps the message only: stacks are internals, and messages are bounded. */
const MAX_ERROR_MESSAGE = 2000

type Outcome = { ok: true } | { ok: false; error: unknown }

interface Running {
  queue: string
  id: string
  retryCount: number
  controller: AbortController
  /** Records the outcome (first call only) and frees the slot's timers. */
  settle(outcome: Outcome): Promise<void>
  /** Resolves when the handler has returned. */
  done: Promise<void>
}

export interface WorkersDeps {
  boss: PgBoss
  /** The instance's (severable) SQL port. */
  sql: SqlDatabase
  schema: string
  warn(obj: object, msg: string): void
  /** True once the instance is abandoned: nothing may be written any more. */
  abandoned(): boolean
}

export interface Workers {
  work<P>(queue: string, concurrency: number, pollMs: number, handler: (job: JobContext<P>) => Promise<void>): void
  /** Aborts this instance's run of the job, if it has one. */
  abort(id: string, reason: Error): void
  /** Stops fetching; waits up to `waitMs` for handlers, then aborts the rest and fails their jobs. */
  stop(waitMs: number): Promise<void>
  /** Stops fetching and aborts handlers without recording anything. */
  abandon(): void
  /** Ends the loops' naps so they fetch now (a job was just enqueued here). */
  poke(): void
}

export function createWorkers(deps: WorkersDeps): Workers {
  const { boss, sql, schema } = deps
  let stopping = false
  const running = new Map<string, Running>()
  const loops = new Set<Promise<void>>()
  const wakers = new Set<() => void>()

  /** A sleep that `wakeAll()` ends early (a freed slot, or stop). */
  function nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        wakers.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      wakers.add(wake)
    })
  }
  const wakeAll = () => {
    for (const wake of [...wakers]) wake()
  }

  /** Completes or fails the attempt, but only while it is still the job's current active attempt. */
  async function record(queue: string, id: string, retryCount: number, outcome: Outcome): Promise<void> {
    await sql.transaction(async (tx) => {
      const mine = await tx.query(
        `SELECT 1 FROM ${schema}.job WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3 FOR UPDATE`,
        [queue, id, retryCount],
      )
      // Cancelled, expired (and maybe running elsewhere now), or already failed by a stop.
      if (!mine.rows.length) return
      const db = bossDb(tx, sql.dialect)
      if (outcome.ok) await boss.complete(queue, id, undefined as never, { db } as never)
      else await boss.fail(queue, id, failure(outcome.error), { db } as never)
    })
  }

  // One read per queue per second for all running jobs of this instance; unref'd, so it never
  // keeps the process alive by itself. A failed read is no reason to abort: the next may work.
  const watch = setInterval(() => {
    const byQueue = new Map<string, Running[]>()
    for (const r of running.values()) byQueue.set(r.queue, [...(byQueue.get(r.queue) ?? []), r])
    for (const [queue, runs] of byQueue) {
      sql
        .query<{ id: string; state: string; retry_count: number }>(
          `SELECT id, state, retry_count FROM ${schema}.job WHERE name = $1 AND id = ANY($2::uuid[])`,
          [queue, runs.map((r) => r.id)],
        )
        .then(
          ({ rows }) => {
            const now = new Map(rows.map((row) => [row.id, row]))
            for (const r of runs) {
              const row = now.get(r.id)
              if (row?.state === 'active' && row.retry_count === r.retryCount) continue
              r.controller.abort(new Error(`job ${!row ? 'no longer exists' : row.state === 'active' ? 'was taken over' : row.state}`))
            }
          },
          () => {},
        )
    }
  }, WATCH_MS)
  watch.unref()

  function start<P>(queue: string, job: PgBoss.JobWithMetadata<P>, handler: (job: JobContext<P>) => Promise<void>): Running {
    const controller = new AbortController()
    let settled = false
    // Past expireIn the attempt counts as failed by a dead worker (maintenance on any instance fails
    // it); this instance is alive, so it aborts its handler and fails the attempt itself, at once.
    const expireMs = Number(job.expireInSeconds) * 1000
    const expiry = setTimeout(() => {
      const error = new Error(`job ran longer than its ${expireMs / 1000} s`)
      controller.abort(error)
      void run.settle({ ok: false, error })
    }, Number.isFinite(expireMs) && expireMs > 0 ? expireMs : 15 * 60_000) // pg-boss always reports it; the fallback is its default
    expiry.unref()
    const run: Running = {
      queue,
      id: job.id,
      retryCount: job.retryCount,
      controller,
      async settle(outcome) {
        if (settled) return
        settled = true
        clearTimeout(expiry)
        running.delete(job.id)
        if (deps.abandoned()) return
        try {
          await record(queue, job.id, job.retryCount, outcome)
        } catch (err) {
          deps.warn({ err, queue, job: job.id }, 'job outcome not recorded; the job will expire and be retried')
        }
      },
      done: Promise.resolve(),
    }
    running.set(job.id, run)
    run.done = (async () => {
      let outcome: Outcome
      try {
        await handler({ id: job.id, queue, payload: job.data, attempt: job.retryCount + 1, signal: controller.signal })
        outcome = { ok: true }
      } catch (error) {
        outcome = { ok: false, error }
      }
      await run.settle(outcome)
    })()
    return run
  }

  async function loop<P>(queue: string, concurrency: number, pollMs: number, handler: (job: JobContext<P>) => Promise<void>) {
    const mine = new Set<Running>()
    while (!stopping) {
      const free = concurrency - mine.size
      if (free > 0) {
        // pg-boss's fetch returns [] when the database fails (and logs nothing); the next poll retries.
        const jobs = (await boss.fetch<P>(queue, { batchSize: free, includeMetadata: true })) ?? []
        // Fetched after an abandon: left active, as a crash right after the fetch would leave them.
        if (deps.abandoned()) return
        for (const job of jobs) {
          const run = start(queue, job, handler)
          mine.add(run)
          void run.done.then(() => {
            mine.delete(run)
            wakeAll()
          })
        }
      }
      if (!stopping) await nap(pollMs)
    }
  }

  return {
    work(queue, concurrency, pollMs, handler) {
      if (stopping) throw new Error('job queue is stopped')
      const p = loop(queue, concurrency, pollMs, handler)
      loops.add(p)
      void p.finally(() => loops.delete(p))
    },

    abort(id, reason) {
      running.get(id)?.controller.abort(reason)
    },

    async stop(waitMs) {
      stopping = true
      wakeAll()
      // A loop ends after its current fetch; what that fetch returned is running by then.
      await Promise.all(loops)
      const runs = [...running.values()]
      if (waitMs > 0 && runs.length) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([Promise.all(runs.map((r) => r.done)), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))])
        clearTimeout(timer)
      }
      // What still runs is aborted and its job failed now, so it is retried at once (maybe elsewhere);
      // a handler that returns later records nothing.
      const error = new Error('job queue stopping')
      const rest = [...running.values()]
      for (const r of rest) r.controller.abort(error)
      await Promise.all(rest.map((r) => r.settle({ ok: false, error })))
      clearInterval(watch)
    },

    poke: () => wakeAll(),

    abandon() {
      stopping = true
      wakeAll()
      clearInterval(watch)
      const error = new Error('job queue abandoned')
      for (const r of [...running.values()]) {
        r.controller.abort(error)
        void r.settle({ ok: false, error }) // records nothing: the instance is abandoned
      }
    },
  }
}

function failure(err: unknown): { message: string; name?: string } {
  const e = err as { message?: unknown; name?: unknown } | null
  const message = typeof e?.message === 'string' ? e.message : String(err)
  const out: { message: string; name?: string } = { message: message.slice(0, MAX_ERROR_MESSAGE) }
  if (typeof e?.name === 'string' && e.name !== 'Error') out.name = e.name.slice(0, 200)
  return out
}
