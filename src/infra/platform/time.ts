import { PlatformErrors } from './errors.ts'

/**
 * Normalises an incoming ISO timestamp to `Date#toISOString()` form (UTC, milliseconds).
 *
 * Both adapters store at millisecond precision (MongoDB dates cannot hold more), and the audit
 * cursor carries the timestamp it read back; storing finer precision than a cursor can express would
 * make keyset pagination skip or repeat rows.
 */
export function isoTime(value: string): string {
  return parseTime(value).toISOString()
}

export function parseTime(value: string): Date {
  const date = typeof value === 'string' && value.trim() !== '' ? new Date(value) : new Date(Number.NaN)
  if (Number.isNaN(date.getTime())) {
    throw PlatformErrors.invalidTime(`"${String(value)}" is not an ISO 8601 date-time.`)
  }
  return date
}

export function isoTimeOrNull(value: string | null | undefined): string | null {
  return value == null ? null : isoTime(value)
}

/** Both drivers return timestamps as Dates; anything else is read through `Date` too. */
export function readTime(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString()
}

export function readTimeOrNull(value: Date | string | null | undefined): string | null {
  return value == null ? null : readTime(value)
}
