/**
 * Audit log port: an append-only trail of every mutation (who, what, where, outcome, DC, request
 * id), written by the gateway before a mutation is acknowledged and queried by admins. Adapters: SQL
 * (`createSqlAuditLog`, default) and MongoDB (`createMongoAuditLog`), selected with the platform store
 * (`DYAD_PLATFORM_STORE`).
 */
export interface AuditEntry {
  id: string
  at: string
  dc: string
  requestId: string
  actor: string
  action: string
  /** e.g. "project:p1/member:alice" */
  resource: string
  projectId: string | null
  outcome: 'success' | 'failure'
  details?: Record<string, unknown>
}

export interface AuditQuery {
  projectId?: string
  actor?: string
  action?: string
  outcome?: 'success' | 'failure'
  /** ISO time bounds, inclusive. */
  since?: string
  until?: string
  limit?: number
  /** Opaque cursor from a previous page (newest first). */
  cursor?: string
}

export interface AuditLog {
  readonly kind: 'postgres' | 'mongodb'
  appendAudit(entry: AuditEntry): Promise<void>
  queryAudit(q: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor?: string }>
  ping(): Promise<void>
  close(): Promise<void>
}
