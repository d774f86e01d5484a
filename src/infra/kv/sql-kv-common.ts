import { DyadError } from '../../shared/errors.ts'
import { SqlErrors } from '../sql/errors.ts'
import type { KvEntry } from '../ports/kv.ts'
import { KvErrors } from './errors.ts'
import { textPrefixEnd } from './prefix.ts'

/** Pieces shared by the SQL adapter's reads, writes and change feed. */

/** A kv_entries row. int8 columns arrive as strings from pg and as numbers from PGlite. */
export interface EntryRow {
  key: string
  value: string
  create_revision: string | number
  mod_revision: string | number
  version: string | number
  lease_id: string | number | null
}

export const ENTRY_COLUMNS = 'key, value, create_revision, mod_revision, version, lease_id'

export function toEntry(row: EntryRow): KvEntry {
  const entry: KvEntry = {
    key: row.key,
    value: row.value,
    createRevision: Number(row.create_revision),
    modRevision: Number(row.mod_revision),
    version: Number(row.version),
  }
  if (row.lease_id !== null) entry.lease = String(row.lease_id)
  return entry
}

/**
 * `column` within [prefix, prefixEnd), as SQL with parameters numbered from `first`. A range rather
 * than LIKE, so the "C"-collated primary key index serves it and no escaping is needed.
 */
export function prefixCondition(column: string, prefix: string, first: number): { sql: string; params: string[] } {
  const end = textPrefixEnd(prefix)
  if (end === undefined) return { sql: `${column} >= $${first}`, params: [prefix] }
  return { sql: `${column} >= $${first} AND ${column} < $${first + 1}`, params: [prefix, end] }
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03'])

/**
 * Connection-level failures become KV_UNAVAILABLE (rendered as 503); anything else is a bug or a
 * constraint the adapter should have prevented, and is rethrown unchanged.
 */
export function translateSqlError(err: unknown): Error {
  if (SqlErrors.unavailable.is(err) || SqlErrors.commitUnconfirmed.is(err)) {
    return KvErrors.unavailable('The database behind the key-value store is unavailable; retry later.', { cause: (err as Error).message })
  }
  if (err instanceof DyadError) return err
  if (!(err instanceof Error)) return new Error(String(err))
  const code = (err as { code?: unknown }).code
  const lost = /Connection terminated|connection timeout|Client has encountered a connection error/i.test(err.message)
  if ((typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) || lost) {
    return KvErrors.unavailable('The database behind the key-value store is unavailable; retry later.', { cause: err.message })
  }
  return err
}
