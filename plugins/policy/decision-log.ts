/**
 * Decision logs: every decision served through the OPA API is recorded in the app-data store
 * (collection `decision-logs`, id = decision_id) with path, input, result, policy revision, timing,
 * DC and caller, after the project's masking rules ran (decision-mask.ts).
 *
 * Recording does not wait for the store: events go to a bounded in-memory buffer written in the
 * background (decision-buffer.ts), as OPA's decision-log plugin does. The trade-off: a crash
 * (SIGKILL, OOM, power loss) loses the events still buffered, at most one flush interval's worth
 * while the store is healthy and at most `bufferLimit` events during a store outage. A graceful
 * shutdown (`close()`) writes them first. Reads through this module flush first, so a caller that
 * decides and then lists sees its decision.
 */
import type { AppDataStore } from '../../src/infra/ports/appdata.ts'
import type { Metrics } from '../../src/contracts/metrics.ts'
import { createDecisionBuffer } from './decision-buffer.ts'

export const DECISION_LOGS = 'decision-logs'

export interface DecisionEvent {
  decision_id: string
  path: string
  input?: unknown
  result?: unknown
  revision: number
  timestamp: string
  dc: string
  subject: string
  metrics: { timer_rego_query_eval_ns: number }
  error?: string
  erased?: string[]
  masked?: string[]
}

export interface DecisionLogOptions {
  appData: AppDataStore
  metrics: Metrics
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void }
  /** Most events held in memory; beyond it the oldest are dropped. OPA's default is 10,000 too. */
  bufferLimit?: number
  /** Events written per background pass; a pass starts early when this many wait. */
  batchSize?: number
  /** How often buffered events are written: the most a crash loses while the store is healthy. */
  flushIntervalMs?: number
  /** Longest wait between retries while the store fails. */
  maxBackoffMs?: number
}

interface Entry {
  projectId: string
  event: DecisionEvent
}

/**
 * Whether the store refused a write because of the document's content, so retrying the same write
 * can never succeed: Postgres data exceptions and program limits (SQLSTATE classes 22 and 54, e.g.
 * 22P05 for a NUL in jsonb), Cosmos DB's 400 and 413. Anything else (connection loss, timeouts,
 * throttling) is an outage, retried with backoff.
 */
export function unstorable(err: unknown): boolean {
  const e = err as { code?: unknown; statusCode?: unknown } | null
  if (typeof e?.code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(e.code)) return true
  return e?.code === 400 || e?.code === 413 || e?.statusCode === 413
}

export function createDecisionLog(opts: DecisionLogOptions) {
  const { appData, metrics, log } = opts
  const written = metrics.counter('dyad_decision_log_written_total', 'Decision-log events written to the store.', [])
  const dropped = metrics.counter('dyad_decision_log_dropped_total', 'Decision-log events dropped without being written, by reason.', ['reason'])
  const failures = metrics.counter('dyad_decision_log_write_failures_total', 'Failed decision-log writes (each is retried with backoff).', [])

  /**
   * A batch the store refused because of what one event holds (Postgres' jsonb cannot store a NUL
   * character that a tenant's input may carry; a document past a size limit): write the events one
   * by one and drop only those the store refuses for their content. Without this, one tenant's
   * event would stall the whole process's log, every other tenant's events queued behind it.
   */
  async function writeOneByOne(projectId: string, docs: Array<{ id: string; body: Record<string, unknown> }>) {
    for (const doc of docs) {
      try {
        await appData.createMany(projectId, DECISION_LOGS, [doc])
      } catch (err) {
        if (!unstorable(err)) throw err
        dropped.inc({ reason: 'unstorable' })
        log.error({ err, projectId, decisionId: doc.id }, 'decision-log event refused by the store for its content; dropped')
      }
    }
  }

  const buffer = createDecisionBuffer<Entry>({
    // One store call per project in the batch. createMany skips ids that exist, so a batch retried
    // after a partial write logs nothing twice.
    async write(entries) {
      const byProject = new Map<string, Array<{ id: string; body: Record<string, unknown> }>>()
      for (const { projectId, event } of entries) {
        let docs = byProject.get(projectId)
        if (!docs) byProject.set(projectId, (docs = []))
        docs.push({ id: event.decision_id, body: event as unknown as Record<string, unknown> })
      }
      for (const [projectId, docs] of byProject) {
        try {
          await appData.createMany(projectId, DECISION_LOGS, docs)
        } catch (err) {
          if (!unstorable(err)) throw err
          await writeOneByOne(projectId, docs)
        }
      }
    },
    limit: opts.bufferLimit ?? 10_000,
    batchSize: opts.batchSize ?? 500,
    intervalMs: opts.flushIntervalMs ?? 1000,
    maxBackoffMs: opts.maxBackoffMs ?? 30_000,
    onWritten: (n) => written.inc({}, n),
    onDropped: (n, reason) => {
      dropped.inc({ reason }, n)
      // A full buffer drops on every new decision (the write failures that filled it are logged);
      // discarded events belong to a deleted project. Only losses at shutdown need a line of their own.
      if (reason === 'shutdown' || reason === 'closed') log.error({ dropped: n, reason }, 'decision-log events dropped')
    },
    onWriteFailure: (err, consecutive) => {
      failures.inc()
      log.warn({ err, consecutive }, 'decision-log write failed; retrying with backoff')
    },
  })
  metrics.gauge('dyad_decision_log_buffered', 'Decision-log events in memory, not yet written.', [], { collect: () => buffer.size })

  return {
    /** Buffers the event; never waits for the store. */
    record(projectId: string, event: DecisionEvent): void {
      buffer.add({ projectId, event })
    },
    async query(projectId: string, q: { path?: string; limit?: number; cursor?: string }) {
      await buffer.flush()
      const page = await appData.query<DecisionEvent>(projectId, DECISION_LOGS, { where: q.path ? { path: q.path } : undefined, limit: q.limit, cursor: q.cursor, order: 'desc' })
      return { items: page.items.map((d) => d.body), nextCursor: page.nextCursor }
    },
    async get(projectId: string, decisionId: string) {
      await buffer.flush()
      return (await appData.get<DecisionEvent>(projectId, DECISION_LOGS, decisionId))?.body
    },
    /** Writes everything recorded so far; false when the store refused (events stay buffered). */
    flush: () => buffer.flush(),
    /** On shutdown, before the app-data store closes: writes what is buffered, then drops later events. */
    close: () => buffer.close(),
    /**
     * For a project being deleted: drops its buffered events, so none is written after its log is
     * deleted (a project re-created with the same id must not inherit them). Call before deleting.
     */
    forget: (projectId: string) => buffer.discard((e) => e.projectId === projectId),
  }
}

export type DecisionLog = ReturnType<typeof createDecisionLog>
