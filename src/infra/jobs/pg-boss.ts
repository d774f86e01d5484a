import PgBoss from 'pg-boss'
import type { JobContext, JobInfo, JobQueue, JobSpec, JobState } from '../ports/jobs.ts'
import type { SqlDatabase } from '../ports/sql.ts'
import { bossDb } from './pg-boss-db.ts'

export interface PgBossQueueOptions {
  sql: SqlDatabase
  /** Postgres schema that holds pg-boss's tables; one per deployment, shared by every instance. */
  schema?: string
  log?: { warn(obj: object, msg: string): void }
  /** How often expired jobs (dead workers') are failed into retry. Default 60 s; tests set 1. */
  maintenanceIntervalSeconds?: number
}

/**
 * Defaults for ingestion jobs: three retries at 10 s, 20 s, 40 s (pg-boss's backoff doubles and adds
 * jitter), and 15 minutes for one attempt, after which the job counts as failed by a dead worker
 * and is retried elsewhere. A handler that legitimately runs longer must be split, not extended.
 */
const DEFAULTS = { retryLimit: 3, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 15 * 60 }
/** How often a running handler's job state is re-read to notice a cancel from another instance. */
const CANCEL_POLL_MS = 1000

/** Job queue on pg-boss over the SQL port (Postgres pool or PGlite). */
export function createPgBossQueue(opts: PgBossQueueOptions): JobQueue {
  const schema = opts.schema ?? 'dyad_jobs'
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(schema)) throw new Error(`invalid job schema name ${schema}`)
  const boss = new PgBoss({
    db: bossDb(opts.sql, opts.sql.dialect) as never,
    schema,
    migrate: true,
    supervise: true,
    schedule: false, // no cron jobs: saves the timekeeper's clock-skew polling
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 60,
  })
  boss.on('error', (err) => opts.log?.warn({ err }, 'job queue maintenance failed'))

  const ensured = new Map<string, Promise<void>>()
  /** pg-boss 10 needs a queue row (and partition) before send or work; created once, race-safe. */
  function ensureQueue(name: string): Promise<void> {
    let p = ensured.get(name)
    if (!p) {
      p = (async () => {
        if (await boss.getQueue(name)) return
        try {
          await boss.createQueue(name, { name, policy: 'standard' })
        } catch (err) {
          // Another instance created it between our read and write.
          if (!(await boss.getQueue(name))) throw err
        }
      })()
      p.catch(() => ensured.delete(name))
      ensured.set(name, p)
    }
    return p
  }

  /** Running handlers of this instance, by job id. */
  const running = new Map<string, AbortController>()

  return {
    async start() {
      await boss.start()
    },

    async enqueue<P extends object>(spec: JobSpec<P>) {
      await ensureQueue(spec.queue)
      const options = {
        retryLimit: spec.retryLimit ?? DEFAULTS.retryLimit,
        retryDelay: spec.retryDelaySeconds ?? DEFAULTS.retryDelaySeconds,
        retryBackoff: spec.retryBackoff ?? DEFAULTS.retryBackoff,
        expireInSeconds: spec.expireInSeconds ?? DEFAULTS.expireInSeconds,
      }
      const key = spec.singletonKey
      if (key === undefined) return (await boss.send(spec.queue, spec.payload, options)) ?? undefined
      // pg-boss's own singleton policies dedupe per state (queued OR active), not "one unfinished job
      // per key", so the check and the insert run in one transaction under a lock on (queue, key).
      return opts.sql.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify([schema, spec.queue, key])])
        const open = await tx.query(
          `SELECT 1 FROM ${schema}.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed' LIMIT 1`,
          [spec.queue, key],
        )
        if (open.rows.length) return undefined
        const db = bossDb(tx, opts.sql.dialect)
        return (await boss.send(spec.queue, spec.payload, { ...options, singletonKey: key, db } as never)) ?? undefined
      })
    },

    async work<P>(queue: string, wopts: { concurrency: number; pollIntervalSeconds?: number }, handler: (job: JobContext<P>) => Promise<void>) {
      if (!Number.isInteger(wopts.concurrency) || wopts.concurrency < 1 || wopts.concurrency > 64) {
        throw new RangeError('concurrency must be an integer from 1 to 64')
      }
      await ensureQueue(queue)
      const run = async ([job]: PgBoss.JobWithMetadata<P>[]) => {
        const controller = new AbortController()
        running.set(job.id, controller)
        // A cancel from another instance only shows in the database.
        const watch = setInterval(() => {
          boss.getJobById(queue, job.id).then(
            (j) => {
              if (!j || j.state !== 'active') controller.abort(new Error(`job ${j?.state ?? 'deleted'}`))
            },
            () => {},
          )
        }, CANCEL_POLL_MS)
        watch.unref()
        try {
          await handler({ id: job.id, queue, payload: job.data, attempt: job.retryCount + 1, signal: controller.signal })
        } finally {
          clearInterval(watch)
          running.delete(job.id)
        }
      }
      // One pg-boss worker fetches one job at a time, so `concurrency` workers run that many at once.
      for (let i = 0; i < wopts.concurrency; i++) {
        await boss.work<P>(
          queue,
          { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: wopts.pollIntervalSeconds ?? 2 },
          run as never,
        )
      }
    },

    async cancel(queue, id) {
      await boss.cancel(queue, id)
      running.get(id)?.abort(new Error('job cancelled'))
    },

    async get(queue, id): Promise<JobInfo | undefined> {
      const job = await boss.getJobById(queue, id)
      if (!job) return undefined
      const info: JobInfo = { id: job.id, state: job.state as JobState, attempt: job.retryCount + 1 }
      if (job.output != null) info.output = job.output
      return info
    },

    async stop(sopts = {}) {
      const graceful = sopts.graceful ?? true
      const timeoutMs = sopts.timeoutMs ?? 30_000
      const abortAll = () => {
        for (const c of running.values()) c.abort(new Error('job queue stopping'))
      }
      if (!graceful) {
        abortAll()
        // pg-boss fails this instance's active jobs, so they are retried (elsewhere) at once.
        await boss.stop({ graceful: false, close: false, wait: true })
        return
      }
      const timer = setTimeout(abortAll, timeoutMs)
      try {
        await boss.stop({ graceful: true, close: false, wait: true, timeout: timeoutMs })
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
