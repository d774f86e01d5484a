import type { AuditEntry, AuditLog } from '../ports/audit.ts'
import type { SqlDatabase } from '../ports/sql.ts'
import { clampLimit, decodeAuditCursor, encodeAuditCursor, toPage } from '../platform/paging.ts'
import { translateSqlError } from '../platform/sql-errors.ts'
import { isoTime, readTime } from '../platform/time.ts'

interface AuditRow {
  id: string
  at: Date
  dc: string
  request_id: string
  actor: string
  action: string
  resource: string
  project_id: string | null
  outcome: AuditEntry['outcome']
  details: Record<string, unknown> | null
}

function toEntry(r: AuditRow): AuditEntry {
  const entry: AuditEntry = {
    id: r.id,
    at: readTime(r.at),
    dc: r.dc,
    requestId: r.request_id,
    actor: r.actor,
    action: r.action,
    resource: r.resource,
    projectId: r.project_id,
    outcome: r.outcome,
  }
  if (r.details !== null) entry.details = r.details
  return entry
}

/**
 * Append-only audit trail on the SQL port (migrations/0001_platform.sql), read newest first with
 * keyset pagination on (at, id). The database is shared, so the log never closes it.
 */
export function createSqlAuditLog({ db }: { db: SqlDatabase }): AuditLog {
  return {
    kind: 'postgres',
    ping: () => db.ping(),
    async close() {},
    async appendAudit(e) {
      try {
        await db.query(
          `INSERT INTO platform_audit_log
             (id, at, dc, request_id, actor, action, resource, project_id, outcome, details)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`,
          [
            e.id,
            isoTime(e.at),
            e.dc,
            e.requestId,
            e.actor,
            e.action,
            e.resource,
            e.projectId,
            e.outcome,
            // Serialised here: pg and PGlite would otherwise each pick their own encoding for objects.
            e.details === undefined ? null : JSON.stringify(e.details),
          ],
        )
      } catch (err) {
        throw translateSqlError(err, { conflict: `Audit entry "${e.id}" already exists.` })
      }
    },

    async queryAudit(q) {
      const limit = clampLimit(q.limit)
      const params: unknown[] = []
      const where: string[] = []
      const add = (clause: (p: string) => string, value: unknown) => {
        params.push(value)
        where.push(clause(`$${params.length}`))
      }
      if (q.projectId !== undefined) add((p) => `project_id = ${p}`, q.projectId)
      if (q.actor !== undefined) add((p) => `actor = ${p}`, q.actor)
      if (q.action !== undefined) add((p) => `action = ${p}`, q.action)
      if (q.outcome !== undefined) add((p) => `outcome = ${p}`, q.outcome)
      if (q.since !== undefined) add((p) => `at >= ${p}`, isoTime(q.since))
      if (q.until !== undefined) add((p) => `at <= ${p}`, isoTime(q.until))
      if (q.cursor !== undefined) {
        const c = decodeAuditCursor(q.cursor)
        params.push(c.at, c.id)
        // A row comparison, so the planner walks the (at DESC, id DESC) index from the cursor on.
        where.push(`(at, id) < ($${params.length - 1}::timestamptz, $${params.length})`)
      }
      params.push(limit + 1)
      const res = await db.query<AuditRow>(
        `SELECT * FROM platform_audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY at DESC, id DESC LIMIT $${params.length}`,
        params,
      )
      return toPage(res.rows.map(toEntry), limit, (last) => encodeAuditCursor(last.at, last.id))
    },
  }
}
