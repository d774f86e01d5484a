/**
 * Job-queue port: durable background work (RAG ingestion) on the SQL store.
 *
 * At-least-once: a handler may run again after a crash (its job expires and is retried), so handlers
 * must be idempotent. Two queue instances on one database share the work; a job is never handed to
 * two workers at once while it is active. Adapter: pg-boss over the SQL port (`createPgBossQueue`),
 * on Postgres and on PGlite.
 */
export interface JobSpec<P> {
  queue: string
  payload: P
  /** At most one unfinished (created, retry or active) job per key and queue. */
  singletonKey?: string
  retryLimit?: number
  /** Whole seconds. With `retryBackoff` (the default) it is at least 1, doubled per retry with jitter. */
  retryDelaySeconds?: number
  retryBackoff?: boolean
  /** How long one attempt may stay active before it counts as failed (a dead worker's job comes back). */
  expireInSeconds?: number
}

export interface JobContext<P> {
  id: string
  queue: string
  payload: P
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number
  /**
   * Aborted when the job is cancelled, its attempt runs past `expireInSeconds` (it is then failed
   * and retried; what the handler does afterwards is not recorded) or the queue stops.
   */
  signal: AbortSignal
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed'

export interface JobInfo {
  id: string
  state: JobState
  attempt: number
  /** A failed job's recorded error ({ message, ... }), or a completed job's output. */
  output?: unknown
}

export interface JobQueue {
  /** Creates the queue schema (idempotent) and starts maintenance (expiry of dead workers' jobs). */
  start(): Promise<void>
  /**
   * A new job (`created: true`), or, when `singletonKey` already has an unfinished job in the
   * queue, that job (`created: false`; the spec is ignored), decided atomically across instances.
   */
  enqueue<P extends object>(spec: JobSpec<P>): Promise<{ id: string; created: boolean }>
  work<P>(
    queue: string,
    opts: { concurrency: number; pollIntervalSeconds?: number },
    handler: (job: JobContext<P>) => Promise<void>,
  ): Promise<void>
  /**
   * A queued job will not run; a running one sees `signal.aborted` (within about a second). An
   * unknown or malformed id (ids come from tenants' URLs) is a no-op, as `get` returns undefined.
   */
  cancel(queue: string, id: string): Promise<void>
  get(queue: string, id: string): Promise<JobInfo | undefined>
  /** graceful (default): waits for running handlers up to timeoutMs, then aborts them. */
  stop(opts?: { graceful?: boolean; timeoutMs?: number }): Promise<void>
}
