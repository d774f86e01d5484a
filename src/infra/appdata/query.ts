/**
 * Query normalisation and keyset cursors shared by the app-data adapters, so both backends accept and
 * reject exactly the same input and page identically.
 *
 * Pages are keyset-paginated on (updatedAt, id): a cursor is the position of the last item returned,
 * and the next page is everything strictly after it in the requested order. Unlike OFFSET this
 * neither skips nor repeats items when documents are inserted between pages, and unlike Cosmos
 * continuation tokens it is the same on both backends and survives the emulator.
 */
import type { AppDataPage, AppDataQuery, AppDocument } from '../ports/appdata.ts'
import { AppDataErrors } from './errors.ts'

export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 1000

/**
 * Field names allowed in `where`. Cosmos SQL cannot take a property name as a parameter portably, so
 * the Cosmos adapter places the name in the query text; this pattern is what makes that safe. The SQL
 * adapter could take any key, but both enforce the same rule so behaviour does not depend on backend.
 */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/
/** `Date.prototype.toISOString` output, which sorts chronologically as a string (Cosmos relies on that). */
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const MAX_CURSOR_LENGTH = 2048

export type WhereValue = string | number | boolean

/** A position in (updatedAt, id) order. */
export interface Keyset {
  updatedAt: string
  id: string
}

export interface NormalisedQuery {
  where: Array<[field: string, value: WhereValue]>
  /** Items per page, already clamped to 1..MAX_LIMIT. Adapters fetch limit + 1 to detect a next page. */
  limit: number
  order: 'asc' | 'desc'
  after?: Keyset
}

export function normaliseQuery(q: AppDataQuery = {}): NormalisedQuery {
  const order = q.order ?? 'asc'
  if (order !== 'asc' && order !== 'desc') throw AppDataErrors.invalidQuery("order must be 'asc' or 'desc'.")
  let limit = DEFAULT_LIMIT
  if (q.limit !== undefined) {
    if (typeof q.limit !== 'number' || !Number.isFinite(q.limit)) throw AppDataErrors.invalidQuery('limit must be a number.')
    limit = Math.min(MAX_LIMIT, Math.max(1, Math.trunc(q.limit)))
  }
  const where: NormalisedQuery['where'] = []
  for (const [field, value] of Object.entries(q.where ?? {})) {
    if (!FIELD_NAME.test(field)) {
      throw AppDataErrors.invalidQuery(`where field names must match ${FIELD_NAME.source}.`, { field: field.slice(0, 130) })
    }
    const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
    if (!ok) throw AppDataErrors.invalidQuery('where values must be strings, finite numbers or booleans.', { field })
    where.push([field, value])
  }
  return { where, limit, order, after: q.cursor === undefined ? undefined : decodeCursor(q.cursor) }
}

export function encodeCursor(k: Keyset): string {
  return Buffer.from(JSON.stringify([k.updatedAt, k.id]), 'utf8').toString('base64url')
}

export function decodeCursor(cursor: string): Keyset {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw AppDataErrors.invalidCursor()
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw AppDataErrors.invalidCursor()
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw AppDataErrors.invalidCursor()
  const [updatedAt, id] = parsed as unknown[]
  if (typeof updatedAt !== 'string' || !ISO_MS.test(updatedAt) || Number.isNaN(Date.parse(updatedAt))) {
    throw AppDataErrors.invalidCursor()
  }
  if (typeof id !== 'string') throw AppDataErrors.invalidCursor()
  return { updatedAt, id }
}

/** Cuts the limit + 1 rows an adapter fetched into a page; the extra row only signals that more exist. */
export function toPage<Body>(docs: AppDocument<Body>[], limit: number): AppDataPage<Body> {
  if (docs.length <= limit) return { items: docs }
  const items = docs.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: encodeCursor({ updatedAt: last.updatedAt, id: last.id }) }
}
