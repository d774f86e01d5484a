/**
 * Decision logs: every decision served through the OPA API is recorded in the app-data store
 * (collection `decision-logs`) with path, input, result, policy revision, timing, DC and caller,
 * after the project's masking rules ran (decision-mask.ts).
 *
 * Recording does not wait for the store: events go to a bounded in-memory buffer written in the
 * background (decision-buffer.ts), as OPA's decision-log plugin does. The trade-off: a crash
 * (SIGKILL, OOM, power loss) loses the events still buffered, at most one flush interval's worth
 * while the store is healthy and at most `bufferLimit` events during a store outage. A graceful
 * shutdown (`close()`) writes them first. Reads through this module flush first, so a caller that
 * decides and then lists sees its decision.
 *
 * Layout: the events of one project are written in segments, one document each (id = the
 * segment's key, body `{"events": [...]}`), not one document per decision. A project's open segment
 * is closed at every flush, or sooner at `segmentEvents` events or `segmentBytes` of JSON. A logged
 * decision then costs the store an array element instead of a row with its index entries (Postgres)
 * or a write request (Cosmos DB). A decision id names its place: it is a UUID (version 7) whose
 * first 23 characters are the segment's key and whose last 12 hex digits are the event's index in it, so a
 * read by id, in either DC, is one point read. Events are serialised when recorded, so the buffer
 * holds flat strings (nothing for the garbage collector to trace) and nothing is serialised twice.
 *
 * Documents of the older layout (one per decision, id = decision id) are still read, and the same
 * form is used for an event that the store refuses inside a segment: the segment's other events are
 * then written one by one, and only the refused one is dropped.
 */
import { randomInt } from 'node:crypto'
import { AppDataErrors } from '../../src/infra/appdata/errors.ts'
import type { AppDataStore, AppDocument } from '../../src/infra/ports/appdata.ts'
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
  /** Most events in one segment. */
  segmentEvents?: number
  /** A segment is closed once its JSON reaches this many characters (Cosmos DB stores up to 2 MB a document). */
  segmentBytes?: number
  /** Segments written per store call; a write starts early when this many wait. */
  batchSize?: number
  /** How often buffered events are written: the most a crash loses while the store is healthy. */
  flushIntervalMs?: number
  /** Longest wait between retries while the store fails. */
  maxBackoffMs?: number
  /** Most events one listing request looks at (SCAN_EVENTS). */
  scanEvents?: number
}

/** Consecutive events of one project, serialised, written as one document. */
interface Segment {
  projectId: string
  /** The document's id (segmentKey). */
  key: string
  events: string[]
  chars: number
}

interface SegmentBody {
  events?: DecisionEvent[]
}

/**
 * A new segment key: the first 23 characters of a UUID version 7 (RFC 9562), a 48-bit Unix time in
 * milliseconds and then a 26-bit counter that starts at a random value each millisecond (method 1 of
 * the RFC). Keys made later sort later, so segments written in one statement (which share the
 * store's timestamp) still list in the order they were made; the random start keeps the keys of
 * two DCs apart.
 */
let keyMs = 0
let keyCounter = 0
function segmentKey(): string {
  const now = Date.now()
  if (now > keyMs) {
    keyMs = now
    keyCounter = randomInt(0, 2 ** 25)
  } else keyCounter++
  const time = keyMs.toString(16).padStart(12, '0')
  const hi = (keyCounter >>> 14) & 0xfff
  const lo = 0x8000 | (keyCounter & 0x3fff)
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hi.toString(16).padStart(3, '0')}-${lo.toString(16)}`
}

/** A decision id: its segment's key, then the event's index in it as 12 hex digits. */
const DECISION_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})-([0-9a-f]{12})$/
const idOf = (seg: Segment, index: number) => `${seg.key}-${index.toString(16).padStart(12, '0')}`

/** Documents read per store call when listing. */
const READ_DOCUMENTS = 20
/**
 * Most events one listing request looks at (default): a path filter that matches few events stops
 * there and returns a cursor to go on from, so one request never reads a whole large log.
 */
const SCAN_EVENTS = 20_000

/**
 * Where a listing goes on: in the document `doc` (read from `after`), past its newest `skip` events.
 * `seek`: documents before `doc` are passed over until it is found (a page cut while looking for it).
 */
interface Position {
  after?: string
  doc?: string
  skip?: number
  seek?: boolean
}

function encodePosition(p: Position): string {
  return Buffer.from(JSON.stringify(p)).toString('base64url')
}

function decodePosition(cursor: string): Position {
  let p: unknown
  try {
    p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw AppDataErrors.invalidCursor()
  }
  const ok =
    p !== null && typeof p === 'object' && !Array.isArray(p) &&
    ['after', 'doc'].every((k) => (p as Record<string, unknown>)[k] === undefined || typeof (p as Record<string, unknown>)[k] === 'string') &&
    ((p as Position).skip === undefined || (Number.isSafeInteger((p as Position).skip) && (p as Position).skip! >= 0)) &&
    ((p as Position).seek === undefined || typeof (p as Position).seek === 'boolean')
  if (!ok) throw AppDataErrors.invalidCursor()
  return p as Position
}

/** The events of a stored document, oldest first: a segment's, or the one event of an older-layout document. */
function eventsOf(doc: AppDocument<SegmentBody | DecisionEvent>): DecisionEvent[] {
  const body = doc.body as SegmentBody & DecisionEvent
  return Array.isArray(body.events) ? body.events : typeof body.decision_id === 'string' ? [body] : []
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
  const segmentEvents = opts.segmentEvents ?? 500
  const segmentBytes = opts.segmentBytes ?? 512 * 1024
  const scanEvents = opts.scanEvents ?? SCAN_EVENTS
  const written = metrics.counter('dyad_decision_log_written_total', 'Decision-log events written to the store.', [])
  const dropped = metrics.counter('dyad_decision_log_dropped_total', 'Decision-log events dropped without being written, by reason.', ['reason'])
  const failures = metrics.counter('dyad_decision_log_write_failures_total', 'Failed decision-log writes (each is retried with backoff).', [])

  /** Each project's segment being filled. */
  const open = new Map<string, Segment>()
  let closed = false

  const segmentDoc = (seg: Segment) => ({ id: seg.key, json: `{"events":[${seg.events.join(',')}]}` })

  /**
   * A segment the store refused because of what one event holds (Postgres' jsonb cannot store a NUL
   * character that a tenant's input may carry; a document past a size limit): its events are written
   * one by one, and only those the store refuses are dropped. Without this, one tenant's event would
   * stall the whole process's log, every other tenant's events queued behind it.
   */
  async function writeOneByOne(seg: Segment) {
    for (let i = 0; i < seg.events.length; i++) {
      const id = idOf(seg, i)
      try {
        await appData.createMany(seg.projectId, DECISION_LOGS, [{ id, json: seg.events[i] }])
      } catch (err) {
        if (!unstorable(err)) throw err
        dropped.inc({ reason: 'unstorable' })
        log.error({ err, projectId: seg.projectId, decisionId: id }, 'decision-log event refused by the store for its content; dropped')
      }
    }
  }

  const buffer = createDecisionBuffer<Segment>({
    // One store call per project in the batch. createMany skips ids that exist, and a segment never
    // changes once closed, so a batch retried after a partial write logs nothing twice.
    async write(segments) {
      const byProject = new Map<string, Segment[]>()
      for (const seg of segments) {
        let list = byProject.get(seg.projectId)
        if (!list) byProject.set(seg.projectId, (list = []))
        list.push(seg)
      }
      for (const [projectId, list] of byProject) {
        try {
          await appData.createMany(projectId, DECISION_LOGS, list.map(segmentDoc))
        } catch (err) {
          if (!unstorable(err)) throw err
          for (const seg of list) {
            try {
              await appData.createMany(projectId, DECISION_LOGS, [segmentDoc(seg)])
            } catch (err) {
              if (!unstorable(err)) throw err
              await writeOneByOne(seg)
            }
          }
        }
      }
    },
    weight: (seg) => seg.events.length,
    collect() {
      for (const seg of open.values()) buffer.add(seg)
      open.clear()
    },
    limit: opts.bufferLimit ?? 10_000,
    batchSize: opts.batchSize ?? 4,
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
  const openEvents = () => {
    let n = 0
    for (const seg of open.values()) n += seg.events.length
    return n
  }
  metrics.gauge('dyad_decision_log_buffered', 'Decision-log events in memory, not yet written.', [], { collect: () => buffer.size + openEvents() })

  return {
    /**
     * Buffers one event and returns its decision id; never waits for the store. `build` gets the id
     * and returns the event as JSON text (an object with that `decision_id`).
     */
    record(projectId: string, build: (decisionId: string) => string): string {
      let seg = open.get(projectId)
      if (!seg) {
        seg = { projectId, key: segmentKey(), events: [], chars: 0 }
        if (!closed) open.set(projectId, seg)
      }
      const id = idOf(seg, seg.events.length)
      const json = build(id)
      seg.events.push(json)
      seg.chars += json.length
      if (closed) buffer.add(seg) // counted as dropped: the log is closed
      else if (seg.events.length >= segmentEvents || seg.chars >= segmentBytes) {
        open.delete(projectId)
        buffer.add(seg)
      }
      return id
    },

    /**
     * Newest first, `limit` events a page at most; fewer (with a cursor to go on from) when the
     * path filter matched few of the events one request may look at.
     */
    async query(projectId: string, q: { path?: string; limit?: number; cursor?: string }) {
      const limit = q.limit ?? 100
      const from = q.cursor === undefined ? {} : decodePosition(q.cursor)
      await buffer.flush()
      const items: DecisionEvent[] = []
      // `resume` is the document to go on in; until it is reached, newer documents (written after
      // a first page was read) are passed over: they sort before that page. They count towards
      // the request's scan bound like any other, so a cursor naming a missing document cannot
      // make one request read the whole log.
      let resume = from.doc
      const seeking = from.after === undefined || from.seek === true
      let skip = from.skip ?? 0
      let cursor = from.after
      let scanned = 0
      for (;;) {
        const page = await appData.query<SegmentBody | DecisionEvent>(projectId, DECISION_LOGS, { limit: READ_DOCUMENTS, cursor, order: 'desc' })
        let before = cursor
        for (const doc of page.items) {
          if (resume !== undefined) {
            if (doc.id !== resume && seeking) {
              scanned += eventsOf(doc).length
              before = appData.cursorAfter(doc)
              if (scanned >= scanEvents) return { items, nextCursor: encodePosition({ after: before, doc: resume, skip, seek: true }) }
              continue
            }
            if (doc.id !== resume) skip = 0 // the document is gone: go on from the next one
            resume = undefined
          }
          const events = eventsOf(doc)
          for (let i = events.length - 1 - skip; i >= 0; i--) {
            if (q.path !== undefined && events[i].path !== q.path) continue
            if (items.length === limit) return { items, nextCursor: encodePosition({ after: before, doc: doc.id, skip: events.length - 1 - i }) }
            items.push(events[i])
          }
          skip = 0
          scanned += events.length
          before = appData.cursorAfter(doc)
          if (scanned >= scanEvents) return { items, nextCursor: encodePosition({ after: before }) }
        }
        if (!page.nextCursor) return { items }
        cursor = page.nextCursor
      }
    },

    async get(projectId: string, decisionId: string) {
      await buffer.flush()
      const m = DECISION_ID.exec(decisionId)
      if (m) {
        const seg = await appData.get<SegmentBody>(projectId, DECISION_LOGS, m[1])
        const event = seg && Array.isArray(seg.body.events) ? seg.body.events[parseInt(m[2], 16)] : undefined
        if (event?.decision_id === decisionId) return event
      }
      // An event of the older layout, or one written alone because the store refused its segment.
      const doc = await appData.get<DecisionEvent>(projectId, DECISION_LOGS, decisionId)
      return doc?.body.decision_id === decisionId ? doc.body : undefined
    },
    /** Writes everything recorded so far; false when the store refused (events stay buffered). */
    flush: () => buffer.flush(),
    /** On shutdown, before the app-data store closes: writes what is buffered, then drops later events. */
    close: () => {
      closed = true
      return buffer.close()
    },
    /**
     * For a project being deleted: drops its buffered events, so none is written after its log is
     * deleted (a project re-created with the same id must not inherit them). Call before deleting.
     */
    async forget(projectId: string) {
      const seg = open.get(projectId)
      open.delete(projectId)
      const discarded = await buffer.discard((s) => s.projectId === projectId)
      if (seg) dropped.inc({ reason: 'discarded' }, seg.events.length)
      return discarded + (seg?.events.length ?? 0)
    },
  }
}

export type DecisionLog = ReturnType<typeof createDecisionLog>
