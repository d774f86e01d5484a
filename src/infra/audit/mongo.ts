import type { Filter } from 'mongodb'
import type { AuditEntry, AuditLog } from '../ports/audit.ts'
import type { MongoConnection } from '../platform/mongo.ts'
import { PlatformErrors } from '../platform/errors.ts'
import type { AuditDoc, GetCollections } from '../platform/mongo-collections.ts'
import { isDuplicateKey } from '../platform/mongo-collections.ts'
import { clampLimit, decodeAuditCursor, encodeAuditCursor, toPage } from '../platform/paging.ts'
import { parseTime, readTime } from '../platform/time.ts'

function toEntry(d: AuditDoc): AuditEntry {
  const entry: AuditEntry = {
    id: d._id,
    at: readTime(d.at),
    dc: d.dc,
    requestId: d.requestId,
    actor: d.actor,
    action: d.action,
    resource: d.resource,
    projectId: d.projectId,
    outcome: d.outcome,
  }
  if (d.details != null) entry.details = d.details
  return entry
}

/** Append-only audit trail, read newest first with keyset pagination on (at, _id). */
/** The audit log on MongoDB, on the platform store's connection (which its owner closes). */
export function createMongoAuditLog(conn: MongoConnection): AuditLog {
  const cols: GetCollections = conn.cols
  return {
    kind: 'mongodb',
    ping: conn.ping,
    async close() {},
    async appendAudit(e) {
      const doc: AuditDoc = {
        _id: e.id,
        at: parseTime(e.at),
        dc: e.dc,
        requestId: e.requestId,
        actor: e.actor,
        action: e.action,
        resource: e.resource,
        projectId: e.projectId,
        outcome: e.outcome,
      }
      if (e.details !== undefined) doc.details = e.details
      try {
        await (await cols()).audit.insertOne(doc)
      } catch (err) {
        if (isDuplicateKey(err)) throw PlatformErrors.conflict(`Audit entry "${e.id}" already exists.`)
        throw err
      }
    },

    async queryAudit(q) {
      const limit = clampLimit(q.limit)
      const filter: Filter<AuditDoc> = {}
      if (q.projectId !== undefined) filter.projectId = q.projectId
      if (q.actor !== undefined) filter.actor = q.actor
      if (q.action !== undefined) filter.action = q.action
      if (q.outcome !== undefined) filter.outcome = q.outcome
      if (q.since !== undefined || q.until !== undefined) {
        const at: { $gte?: Date; $lte?: Date } = {}
        if (q.since !== undefined) at.$gte = parseTime(q.since)
        if (q.until !== undefined) at.$lte = parseTime(q.until)
        filter.at = at
      }
      if (q.cursor !== undefined) {
        const c = decodeAuditCursor(q.cursor)
        const at = new Date(c.at)
        filter.$or = [{ at: { $lt: at } }, { at, _id: { $lt: c.id } }]
      }
      const docs = await (await cols()).audit
        .find(filter)
        .sort({ at: -1, _id: -1 })
        .limit(limit + 1)
        .toArray()
      return toPage(docs.map(toEntry), limit, (last) => encodeAuditCursor(last.at, last.id))
    },
  }
}
