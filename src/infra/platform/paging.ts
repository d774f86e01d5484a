/**
 * Limits and opaque cursors shared by both adapters, so a client sees the same paging rules on
 * either backend. Cursors are keyset positions (the last row's sort key), never offsets: rows
 * inserted while a client pages do not shift later pages.
 */
import { PlatformErrors } from './errors.ts'

export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 1000

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT
  return Math.min(MAX_LIMIT, Math.max(1, Math.floor(limit)))
}

/**
 * Cuts a page fetched with `limit + 1` rows: the extra row only proves that more exist, so a client
 * never receives a cursor that leads to an empty page.
 */
export function toPage<T>(rows: T[], limit: number, cursorOf: (last: T) => string): { items: T[]; nextCursor?: string } {
  if (rows.length <= limit) return { items: rows }
  const items = rows.slice(0, limit)
  return { items, nextCursor: cursorOf(items[items.length - 1]) }
}

// The leading tag keeps a cursor from one listing from being accepted by another.
type CursorTuple = ['project', string] | ['audit', string, string]

function encode(tuple: CursorTuple): string {
  return Buffer.from(JSON.stringify(tuple), 'utf8').toString('base64url')
}

function decode(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

const isString = (v: unknown): v is string => typeof v === 'string'

export function encodeProjectCursor(id: string): string {
  return encode(['project', id])
}

export function decodeProjectCursor(cursor: string): string {
  const v = decode(cursor)
  if (Array.isArray(v) && v.length === 2 && v[0] === 'project' && isString(v[1])) return v[1]
  throw PlatformErrors.invalidCursor()
}

/** `at` is the stored ISO timestamp; `id` breaks ties between entries of the same millisecond. */
export function encodeAuditCursor(at: string, id: string): string {
  return encode(['audit', at, id])
}

export function decodeAuditCursor(cursor: string): { at: string; id: string } {
  const v = decode(cursor)
  if (Array.isArray(v) && v.length === 3 && v[0] === 'audit' && isString(v[1]) && isString(v[2])) {
    const at = new Date(v[1])
    if (!Number.isNaN(at.getTime())) return { at: at.toISOString(), id: v[2] }
  }
  throw PlatformErrors.invalidCursor()
}
