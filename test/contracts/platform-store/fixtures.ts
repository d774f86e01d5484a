/** Shared fixtures of the platform-store contract: error shapes, record builders, paging helpers. */
import type { Test } from 'tap'
import type { ApiKeyRecord, PlatformStore, Project } from '../../../src/infra/ports/platform.ts'
import type { AuditEntry, AuditLog, AuditQuery } from '../../../src/infra/ports/audit.ts'

export const conflict = { code: 'PLATFORM_CONFLICT', statusCode: 409 }
export const projectNotFound = { code: 'PLATFORM_PROJECT_NOT_FOUND', statusCode: 404 }
export const invalidCursor = { code: 'PLATFORM_INVALID_CURSOR', statusCode: 400 }
export const invalidTime = { code: 'PLATFORM_INVALID_TIME', statusCode: 400 }

export const T0 = Date.parse('2024-03-01T10:00:00.000Z')
/** A canonical ISO timestamp `seconds` after T0. */
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()

export const project = (id: string, extra: Partial<Project> = {}): Project => ({
  id,
  name: `Project ${id}`,
  description: '',
  createdAt: at(0),
  ...extra,
})

export const apiKey = (id: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id,
  secretHash: `hash-${id}`,
  name: `key ${id}`,
  subject: 'alice',
  projectId: 'p1',
  createdAt: at(0),
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  ...extra,
})

export const audit = (id: string, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  id,
  at: at(0),
  dc: 'dc1',
  requestId: `req-${id}`,
  actor: 'alice',
  action: 'project.update',
  resource: 'project:p1',
  projectId: 'p1',
  outcome: 'success',
  ...extra,
})

/** Runs writes a few at a time: fast on networked servers, still ordered enough to read. */
export async function inBatches<T>(items: T[], write: (item: T) => Promise<unknown>, size = 50): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(write))
}

/** Follows cursors to the end, returning every id seen and the page sizes. */
export async function walkAudit(store: AuditLog, q: AuditQuery) {
  const ids: string[] = []
  const sizes: number[] = []
  let cursor: string | undefined
  do {
    const page = await store.queryAudit({ ...q, cursor })
    ids.push(...page.items.map((e) => e.id))
    sizes.push(page.items.length)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return { ids, sizes }
}

/** Gives a subtest an empty store that is cleaned up when the subtest ends. */
export type Fresh = (t: Test) => Promise<PlatformStore>

/** Makes an empty store of one port; `cleanup` runs when the subtest ends. */
export type MakeStore<S> = () => Promise<{ store: S; cleanup(): Promise<void> }>

export function freshFrom<S>(make: MakeStore<S>): (t: Test) => Promise<S> {
  return async (t) => {
    const { store, cleanup } = await make()
    t.teardown(cleanup)
    return store
  }
}
