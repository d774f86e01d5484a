import PgBoss from 'pg-boss'
import type { JobContext, JobInfo, JobQueue, JobSpec, JobState } from '../ports/jobs.ts'
import type { SqlDatabase } from '../ports/sql.ts'
import { bossDb, severable } from './pg-boss-db.ts'
import { createWorkers } from './pg-boss-workers.ts'

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
/** Attempts at creating a queue that other instances may be creating at the same moment. */
const CREATE_QUEUE_ATTEMPTS = 6
const DEFAULTS = { retryLimit: 3, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 15 * 60 }

export interface PgBossQueue extends JobQueue {
  /**
   * Drops this instance as a crash would, without touching the database: from now on it sends
   * nothing (its active jobs stay active until they expire and another instance retries them; it
   * completes and fails nothing), its timers and workers stop, and its handlers' signals are
   * aborted. For an instance that must stop writing at once (fenced off), and for crash tests
   * that run in one process. A handler that ignores its signal keeps running until it returns;
   * its outcome is discarded. Every later call on this instance rejects with SQL_UNAVAILABLE.
   */
  abandon(): Promise<void>
}

/** UUIDs, as pg-boss makes them; anything else cannot name a job (and would be a SQL error). */
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Job queue on pg-boss over the SQL port (Postgres pool or PGlite). */
export function createPgBossQueue(opts: PgBossQueueOptions): PgBossQueue {
  const schema = opts.schema ?? 'dyad_jobs'
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(schema)) throw new Error(`invalid job schema name ${schema}`)
  const { sql, sever } = severable(opts.sql)
  let abandoned = false
  let stopped = false
  const boss = new PgBoss({
    db: bossDb(sql, sql.dialect) as never,
    schema,
    migrate: true,
    supervise: true,
    schedule: false, // no cron jobs: saves the timekeeper's clock-skew polling
    maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 60,
  })
  boss.on('error', (err) => {
    // After abandon() every statement fails by design; that is not worth a warning each.
    if (!abandoned) opts.log?.warn({ err }, 'job queue maintenance failed')
  })

  const ensured = new Map<string, Promise<void>>()
  /** pg-boss 10 needs a queue row (and partition) before send or work; created once, race-safe. */
  function ensureQueue(name: string): Promise<void> {
    let p = ensured.get(name)
    if (!p) {
      p = (async () => {
        // Instances starting together (both DCs' processes) create queues at once; pg-boss's
        // partition DDL can then deadlock, and Postgres aborts one side. The loser tries again.
        for (let attempt = 1; ; attempt++) {
          if (await boss.getQueue(name)) return
          try {
            await boss.createQueue(name, { name, policy: 'standard' })
            return
          } catch (err) {
            // Another instance created it between our read and write.
            if (await boss.getQueue(name)) return
            if (attempt >= CREATE_QUEUE_ATTEMPTS) throw err
            await new Promise((r) => setTimeout(r, 50 * attempt + Math.floor(Math.random() * 100)))
          }
        }
      })()
      p.catch(() => ensured.delete(name))
      ensured.set(name, p)
    }
    return p
  }

  const workers = createWorkers({
    boss,
    sql,
    schema,
    warn: (obj, msg) => opts.log?.warn(obj, msg),
    abandoned: () => abandoned,
  })

  return {
    async start() {
      // pg-boss creates and migrates its schema without a lock of its own; instances starting
      // together on one Postgres (both DCs) then collide (CREATE SCHEMA, partition DDL). A
      // transaction-scoped advisory lock, held on one connection while pg-boss works on others,
      // lets one instance at a time through. PGlite is one process with one connection: no race,
      // and holding its connection would block pg-boss itself.
      if (opts.sql.dialect !== 'postgres') return void (await boss.start())
      await opts.sql.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`dyad-jobs-start:${schema}`])
        await boss.start()
      })
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
      // This instance's idle workers fetch at once instead of at their next poll (other instances
      // still find the job at theirs).
      const poked = <R>(r: R) => {
        workers.poke()
        return r
      }
      const sent = (id: string | null) => {
        // Without singleton or throttling options pg-boss always inserts; null would be a bug.
        if (!id) throw new Error(`pg-boss did not create a job in ${spec.queue}`)
        return { id, created: true }
      }
      if (key === undefined) return poked(sent(await boss.send(spec.queue, spec.payload, options)))
      // pg-boss's own singleton policies dedupe per state (queued OR active), not "one unfinished job
      // per key", so the check and the insert run in one transaction under a lock on (queue, key).
      return poked(await sql.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify([schema, spec.queue, key])])
        const open = await tx.query<{ id: string }>(
          `SELECT id FROM ${schema}.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed' LIMIT 1`,
          [spec.queue, key],
        )
        if (open.rows.length) return { id: open.rows[0].id, created: false }
        const db = bossDb(tx, sql.dialect)
        return sent(await boss.send(spec.queue, spec.payload, { ...options, singletonKey: key, db } as never))
      }))
    },

    async work<P>(queue: string, wopts: { concurrency: number; pollIntervalSeconds?: number }, handler: (job: JobContext<P>) => Promise<void>) {
      if (!Number.isInteger(wopts.concurrency) || wopts.concurrency < 1 || wopts.concurrency > 64) {
        throw new RangeError('concurrency must be an integer from 1 to 64')
      }
      const poll = wopts.pollIntervalSeconds ?? 2
      if (!(poll >= 0.1 && poll <= 600)) throw new RangeError('pollIntervalSeconds must be from 0.1 to 600')
      await ensureQueue(queue)
      workers.work(queue, wopts.concurrency, poll * 1000, handler)
    },

    async cancel(queue, id) {
      if (!JOB_ID.test(id)) return
      await boss.cancel(queue, id)
      workers.abort(id, new Error('job cancelled'))
    },

    async get(queue, id): Promise<JobInfo | undefined> {
      if (!JOB_ID.test(id)) return undefined
      // Finished jobs move to the archive after a while (pg-boss's archive interval); they are still
      // this job, so their state stays readable until pg-boss deletes them.
      const job = await boss.getJobById(queue, id, { includeArchive: true })
      if (!job) return undefined
      const info: JobInfo = { id: job.id, state: job.state as JobState, attempt: job.retryCount + 1 }
      if (job.output != null) info.output = job.output
      return info
    },

    async stop(sopts = {}) {
      if (abandoned || stopped) return
      stopped = true
      const graceful = sopts.graceful ?? true
      // graceful: running handlers get up to timeoutMs; abrupt: they are aborted and their jobs
      // failed at once, so they are retried (elsewhere) without waiting for expiry.
      await workers.stop(graceful ? (sopts.timeoutMs ?? 30_000) : 0)
      // No pg-boss workers exist, so this only ends its maintenance timer.
      await boss.stop({ graceful: false, close: false, wait: true })
    },

    async abandon() {
      if (abandoned) return
      abandoned = true
      sever()
      workers.abandon()
      await boss.stop({ graceful: false, close: false, wait: true }).catch(() => {})
    },
  }
}
