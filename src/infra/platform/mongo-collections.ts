import { MongoServerError, type Collection, type Db, type IndexDescription } from 'mongodb'
import type { ProjectRole } from '../ports/platform.ts'
import type { AuditEntry } from '../ports/audit.ts'
import type { IdempotencyRecord } from '../ports/idempotency.ts'

/*
 * Document shapes. Timestamps are BSON dates (millisecond precision, like the SQL adapter writes);
 * ids the caller chose are `_id`, so the primary index enforces their uniqueness.
 */
export interface ProjectDoc {
  _id: string
  name: string
  description: string
  createdAt: Date
}

export interface MemberDoc {
  projectId: string
  subject: string
  role: ProjectRole
  createdAt: Date
}

export interface AdminDoc {
  _id: string
  createdAt: Date
}

export interface ApiKeyDoc {
  _id: string
  secretHash: string
  name: string
  subject: string
  projectId: string | null
  createdAt: Date
  expiresAt: Date | null
  revokedAt: Date | null
  lastUsedAt: Date | null
}

export interface AuditDoc {
  _id: string
  at: Date
  dc: string
  requestId: string
  actor: string
  action: string
  resource: string
  projectId: string | null
  outcome: AuditEntry['outcome']
  details?: Record<string, unknown>
}

export interface IdempotencyDoc {
  scope: string
  key: string
  requestHash: string
  state: IdempotencyRecord['state']
  statusCode?: number
  responseBody?: string
  createdAt: Date
}

export interface PlatformCollections {
  projects: Collection<ProjectDoc>
  members: Collection<MemberDoc>
  admins: Collection<AdminDoc>
  apiKeys: Collection<ApiKeyDoc>
  audit: Collection<AuditDoc>
  idempotency: Collection<IdempotencyDoc>
}

/** Resolves the collections once their indexes exist; every operation goes through it. */
export type GetCollections = () => Promise<PlatformCollections>

export function platformCollections(db: Db): PlatformCollections {
  return {
    projects: db.collection<ProjectDoc>('platform_projects'),
    members: db.collection<MemberDoc>('platform_members'),
    admins: db.collection<AdminDoc>('platform_admins'),
    apiKeys: db.collection<ApiKeyDoc>('platform_api_keys'),
    audit: db.collection<AuditDoc>('platform_audit_log'),
    idempotency: db.collection<IdempotencyDoc>('platform_idempotency'),
  }
}

// Named, so re-running createIndexes on every start is a no-op rather than a "different name" error.
const AUDIT_ORDER = { at: -1, _id: -1 } as const
const INDEXES: { [K in keyof PlatformCollections]?: IndexDescription[] } = {
  members: [
    { name: 'project_subject', key: { projectId: 1, subject: 1 }, unique: true },
    { name: 'subject', key: { subject: 1 } },
  ],
  apiKeys: [
    { name: 'project', key: { projectId: 1 } },
    { name: 'subject', key: { subject: 1 } },
  ],
  audit: [
    { name: 'at_id', key: AUDIT_ORDER },
    { name: 'project_at_id', key: { projectId: 1, ...AUDIT_ORDER } },
    { name: 'actor_at_id', key: { actor: 1, ...AUDIT_ORDER } },
    { name: 'action_at_id', key: { action: 1, ...AUDIT_ORDER } },
  ],
  // The unique index is what makes beginIdempotent atomic.
  idempotency: [{ name: 'scope_key', key: { scope: 1, key: 1 }, unique: true }],
}

export async function ensureIndexes(c: PlatformCollections): Promise<void> {
  for (const [name, specs] of Object.entries(INDEXES)) {
    if (specs) await c[name as keyof PlatformCollections].createIndexes(specs)
  }
}

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000
}
